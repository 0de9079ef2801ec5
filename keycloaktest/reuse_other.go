//go:build !unix

package keycloaktest

import "syscall"

// canShare: without flock, each test binary starts its own Keycloak.
const canShare = false

func detached() *syscall.SysProcAttr { return nil }

func processAlive(int) bool { return false }
