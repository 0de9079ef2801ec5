package conformance

import (
	"context"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

// LoginAgent is the user's side of a login at the provider under test:
// a headless agent that fills in the provider's pages, or a person.
//
// Authorize opens authURL, an authorization request (RFC 6749, section
// 4.1.1; OpenID Connect Core 1.0, section 3.1.2.1), logs in as username
// with password, approves consent when asked, and returns the URL of the
// redirect to redirectURI (the authorization response of section 4.1.2,
// with code, state and iss, or error) without requesting it. When the
// provider answers at once (a session already exists, or prompt=none), no
// credentials are sent. An implementation MUST NOT send the password to
// any origin other than the provider's, and MUST return once ctx is done.
// A provider that shows an error page instead of redirecting gives an
// error.
//
// ApproveDevice approves a device authorization (RFC 8628, section 3.3) at
// verificationURI (verification_uri_complete, or verification_uri with
// userCode), logging in as username with password.
//
// An agent keeps its cookies between calls, so a second Authorize is
// single sign-on; it need not be safe for concurrent use.
type LoginAgent interface {
	Authorize(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error)
	ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error
}

// AgentFactory returns a new [LoginAgent], with no cookies, whose requests
// go through hc (a client that records them as the scenario's evidence).
type AgentFactory func(hc *http.Client) LoginAgent

// keycloakAgent is Keycloak's login pages, driven by keycloaktest.UserAgent.
type keycloakAgent struct{ ua *keycloaktest.UserAgent }

// KeycloakAgent is the [AgentFactory] of Keycloak's login pages.
func KeycloakAgent(hc *http.Client) LoginAgent {
	return keycloakAgent{ua: keycloaktest.NewUserAgent(hc)}
}

func (a keycloakAgent) Authorize(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error) {
	return a.ua.Login(ctx, authURL, redirectURI, username, password)
}

func (a keycloakAgent) ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error {
	return a.ua.ApproveDevice(ctx, verificationURI, userCode, username, password)
}
