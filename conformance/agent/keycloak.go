package agent

import (
	"context"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

// Keycloak is the agent for Keycloak's login, consent and device pages:
// keycloaktest's UserAgent behind the agent methods. Like the form agent
// it submits forms only to the provider's origin.
type Keycloak struct {
	ua *keycloaktest.UserAgent
}

// NewKeycloak returns a Keycloak agent with an empty cookie jar, its
// requests sent through base's transport (nil: the default transport).
func NewKeycloak(base *http.Client) *Keycloak {
	return &Keycloak{ua: keycloaktest.NewUserAgent(base)}
}

// Authorize logs username in on Keycloak's pages and returns the redirect
// to redirectURI (RFC 6749, section 4.1.2).
func (k *Keycloak) Authorize(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error) {
	return k.ua.Login(ctx, authURL, redirectURI, username, password)
}

// ApproveDevice enters userCode, logs username in and grants access
// (RFC 8628, section 3.3).
func (k *Keycloak) ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error {
	return k.ua.ApproveDevice(ctx, verificationURI, userCode, username, password)
}
