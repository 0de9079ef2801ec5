//go:build unix

package keycloaktest

import "syscall"

// canShare: sharing needs flock (lockDir) and process signals.
const canShare = true

// detached starts the watchdog in a session of its own, so that neither
// the test binary's end nor a terminal's interrupt reaches it directly.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }
