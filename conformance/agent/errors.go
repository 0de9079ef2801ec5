package agent

import (
	"errors"
	"fmt"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// The failures of the agents, matched with errors.Is. They are
// keycloaktest's sentinels, so that one check covers every agent.
var (
	// ErrLoginFailed means an agent could not complete a login or a
	// device approval; the *Error wrapping it says where and why.
	ErrLoginFailed = keycloaktest.ErrLoginFailed
	// ErrCrossOriginForm means a page asked the agent to submit a form to
	// an origin other than the issuer's; nothing was sent.
	ErrCrossOriginForm = keycloaktest.ErrCrossOriginForm
)

// ErrRedirectURI means Interactive cannot receive the callback at the
// redirect URI: it is not an http URI on a loopback IP literal with an
// explicit port (RFC 8252, section 7.3), or that port could not be bound.
var ErrRedirectURI = errors.New("agent: redirect URI is not a usable loopback http URI")

// ErrUnsafeURI means an authorization URL to show, open or browse is not
// an absolute http or https URL; it is neither printed nor opened.
var ErrUnsafeURI = errors.New("agent: refusing to show or open a URL that is not http(s)")

// ErrUnsafeVerificationURI is oauth2's sentinel for a verification URI
// that is not http(s) (a javascript: or file: URI from a hostile device
// authorization response, hostile case TE-15): ApproveDevice neither shows,
// opens nor requests it.
var ErrUnsafeVerificationURI = oauth2.ErrUnsafeVerificationURI

// Error reports where the form agent stopped. It wraps ErrLoginFailed,
// ErrCrossOriginForm, or the transport error that stopped it. It never
// holds the password, and its URLs carry no query.
type Error struct {
	Step       string // what the agent was doing, e.g. "submit login form"
	URL        string // page URL, without query
	StatusCode int    // 0 when no response was received
	// Message is the error text the page showed, or its title.
	Message string
	Err     error
}

// Error says where the agent stopped and why.
func (e *Error) Error() string {
	msg := "agent: " + e.Step
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
func (e *Error) Unwrap() error {
	if e.Err == nil {
		return ErrLoginFailed
	}
	return e.Err
}
