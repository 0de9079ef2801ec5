package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Agent plays the user's part of a login. It is the interface the
// conformance suite declares with standard types; every agent of this
// package satisfies it.
type Agent interface {
	// Authorize drives the user through login and consent for the
	// authorization request authURL and returns the redirect to
	// redirectURI (RFC 6749, section 4.1.2), without requesting it.
	Authorize(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error)
	// ApproveDevice approves the device authorization whose user code is
	// userCode at verificationURI (RFC 8628, section 3.3).
	ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error
}

// The agent kinds a target configuration names in "login.agent".
const (
	KindForm        = "form"
	KindKeycloak    = "keycloak"
	KindInteractive = "interactive"
)

// ErrUnknownKind means a target configuration names an agent kind this
// package does not have.
var ErrUnknownKind = errors.New("agent: unknown login agent kind")

// New returns the agent of the given kind for the provider whose issuer
// identifier is issuer: [NewForm] with fields, [NewKeycloak], or
// [NewInteractive] with its default options. An empty kind is the form
// agent.
func New(kind string, base *http.Client, issuer string, fields FormFields) (Agent, error) {
	switch kind {
	case KindForm, "":
		return NewForm(base, issuer, fields), nil
	case KindKeycloak:
		return NewKeycloak(base), nil
	case KindInteractive:
		return NewInteractive(InteractiveOptions{}), nil
	}
	return nil, fmt.Errorf("%w: %q (want %q, %q or %q)", ErrUnknownKind, kind, KindForm, KindKeycloak, KindInteractive)
}

var (
	_ Agent = (*Form)(nil)
	_ Agent = (*Keycloak)(nil)
	_ Agent = (*Interactive)(nil)
)
