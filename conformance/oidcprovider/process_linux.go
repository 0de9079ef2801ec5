package oidcprovider

import (
	"os"
	"syscall"
)

// sysProcAttr puts node in its own process group and asks Linux to send
// it SIGTERM when the test binary dies, so that no provider outlives an
// interrupted test run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

func terminate(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGTERM) }
func kill(p *os.Process) error      { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
