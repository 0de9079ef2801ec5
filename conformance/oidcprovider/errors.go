package oidcprovider

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrUnavailable means node or npm is missing or too old, so the
	// provider cannot run here. Tests skip on it, unless
	// $OAUTHKIT_REQUIRE_PROVIDERS is set.
	ErrUnavailable = errors.New("oidcprovider: node oidc-provider unavailable: install Node.js 20.19+ and npm")
	// ErrInstall means "npm ci" failed.
	ErrInstall = errors.New("oidcprovider: npm ci failed")
	// ErrExited means node ended before the provider was ready.
	ErrExited = errors.New("oidcprovider: node exited before the provider was ready")
	// ErrStartTimeout means the discovery document did not answer within
	// Options.StartTimeout.
	ErrStartTimeout = errors.New("oidcprovider: provider not ready in time")
)

// StartError reports a failed [Start] or [Prepare]. Err is, or wraps, one
// of the sentinels above; LogTail holds the last lines of the output of
// node or npm.
type StartError struct {
	Step    string // "find node", "install", "configure", "start"
	Err     error
	LogTail string
}

// Error names the step and the cause, then the log tail.
func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "oidcprovider: %s: %s", e.Step, strings.TrimPrefix(fmt.Sprint(e.Err), "oidcprovider: "))
	if e.LogTail != "" {
		b.WriteString("\n--- last lines of output ---\n")
		b.WriteString(e.LogTail)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *StartError) Unwrap() error { return e.Err }
