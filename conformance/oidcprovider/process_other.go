//go:build !unix

package oidcprovider

import (
	"os"
	"syscall"
)

// Without process groups and SIGTERM, node is killed outright.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func terminate(p *os.Process) error { return p.Kill() }
func kill(p *os.Process) error      { return p.Kill() }
