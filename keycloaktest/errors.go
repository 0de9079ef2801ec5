package keycloaktest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Causes of a failed [Start] or [EnsureDistribution]; match them with
// errors.Is on the returned error.
var (
	// ErrNoSource means no source could provide a server: no
	// $KEYCLOAK_URL, no usable Java for a local distribution and no
	// Docker engine.
	ErrNoSource = errors.New("keycloaktest: no Keycloak available: set KEYCLOAK_URL to a running server, install Java 17+ and Maven, or start a Docker engine")
	// ErrNoJava means no java command was found ($JAVA_HOME/bin/java or
	// java on $PATH) or it is older than 17.
	ErrNoJava = errors.New("keycloaktest: no Java 17+ runtime found (set JAVA_HOME or put java on PATH)")
	// ErrNoMaven means the distribution is not cached and mvn, which
	// downloads it, is not on $PATH.
	ErrNoMaven = errors.New("keycloaktest: Keycloak distribution not cached and mvn not found on PATH to download it")
	// ErrDownload means Maven failed to download the distribution.
	ErrDownload = errors.New("keycloaktest: downloading the Keycloak distribution with Maven failed")
	// ErrUnsafeArchive means the distribution archive holds an entry that
	// would land outside the target directory, a link, or too much data.
	ErrUnsafeArchive = errors.New("keycloaktest: unsafe entry in Keycloak archive")
	// ErrBuild means "kc.sh build" failed.
	ErrBuild = errors.New("keycloaktest: building the Keycloak distribution failed")
	// ErrPortTaken means Keycloak could not bind its ports, even after
	// retrying with other free ports.
	ErrPortTaken = errors.New("keycloaktest: Keycloak could not bind its port (address already in use)")
	// ErrExited means the Keycloak process ended before it was ready.
	ErrExited = errors.New("keycloaktest: Keycloak exited before it was ready")
	// ErrStartTimeout means Keycloak was not ready within
	// Options.StartTimeout.
	ErrStartTimeout = errors.New("keycloaktest: Keycloak not ready in time")
	// ErrUnreachable means the server named by $KEYCLOAK_URL did not
	// answer its discovery document.
	ErrUnreachable = errors.New("keycloaktest: Keycloak at KEYCLOAK_URL not reachable")
	// ErrDocker means a docker command failed.
	ErrDocker = errors.New("keycloaktest: docker command failed")
	// ErrResponseTooLarge means a response body exceeded the read limit
	// (1 MiB unless stated otherwise), counted after decompression. It is
	// oauth2.ErrResponseTooLarge, the module's one sentinel for it.
	ErrResponseTooLarge = oauth2.ErrResponseTooLarge
	// ErrLoginFailed means the headless user agent could not complete a
	// login; the *LoginError wrapping it says where and why.
	ErrLoginFailed = errors.New("keycloaktest: headless login failed")
)

// StartError reports a failed start. Err is, or wraps, one of the
// sentinel errors above; LogTail holds the last lines of the server log or
// of the failing command's output.
type StartError struct {
	Source  Source // where the server was to come from
	Step    string // "download", "unpack", "build", "prepare", "start"
	Err     error
	LogTail string
}

// Error names the step and the source, the cause, and the log tail.
func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "keycloaktest: %s (%s): %s", e.Step, e.Source, strings.TrimPrefix(fmt.Sprint(e.Err), "keycloaktest: "))
	if e.LogTail != "" {
		b.WriteString("\n--- last lines of output ---\n")
		b.WriteString(e.LogTail)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *StartError) Unwrap() error { return e.Err }

// APIError is a failed admin API call: any status outside 2xx.
type APIError struct {
	// Method and Path are the request's; StatusCode is the response's.
	Method     string
	Path       string // request path, without query
	StatusCode int
	// Message is Keycloak's errorMessage, error_description or error
	// member, when the body is JSON that has one.
	Message string
	// Body is a bounded copy (at most 4 KiB) of the response body.
	Body []byte
}

// Error names the request, the status and Keycloak's message.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("keycloaktest: admin API %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// LoginError reports where the headless user agent stopped. It wraps
// ErrLoginFailed, or the transport error that stopped it.
type LoginError struct {
	Step       string // what the agent was doing, e.g. "submit login form"
	URL        string // page URL, without query
	StatusCode int    // 0 when no response was received
	// Message is the feedback Keycloak showed on the page (for example
	// "Invalid username or password."), when found.
	Message string
	// Err is ErrLoginFailed, or the error that stopped the agent.
	Err error
}

// Error says where the agent stopped and why; it never holds the
// password.
func (e *LoginError) Error() string {
	msg := "keycloaktest: headless login: " + e.Step
	if e.URL != "" {
		msg += " at " + e.URL
	}
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil && !errors.Is(e.Err, ErrLoginFailed) {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Err, or ErrLoginFailed when Err is nil.
func (e *LoginError) Unwrap() error {
	if e.Err == nil {
		return ErrLoginFailed
	}
	return e.Err
}

// defaultMaxBody bounds every response body this package reads, unless a
// smaller cap is stated where it is read.
const defaultMaxBody = 1 << 20
