//go:build !unix

package keycloaktest

import (
	"os"
	"syscall"
)

// On systems without process groups and SIGTERM, the server is killed
// outright; local distributions are meant for Unix systems (kc.sh).
func sysProcAttr() *syscall.SysProcAttr { return nil }

func terminate(p *os.Process) error { return p.Kill() }
func kill(p *os.Process) error      { return p.Kill() }
