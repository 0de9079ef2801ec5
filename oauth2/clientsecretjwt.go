package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/jose"
)

// ClientSecretJWT authenticates the client with a JWT signed with HMAC
// keyed by Config.ClientSecret: the client_secret_jwt method of OpenID
// Connect Core 1.0, section 9, using RFC 7523, sections 2.2 and 3. The
// secret itself never leaves the client. Each request carries a fresh
// assertion, valid for [DefaultAssertionLifetime].
//
// The assertion's "aud" is chosen by Audience: by default
// Config.Endpoint.Issuer, or the token endpoint URL when that is empty.
type ClientSecretJWT struct {
	// Algorithm is HS256, HS384 or HS512; empty means HS256.
	Algorithm jose.Algorithm
	// Type is the "typ" header of the assertion; empty omits it, which
	// every server accepts. "client-authentication+jwt" is the explicit
	// type of draft-ietf-oauth-rfc7523bis, for servers that support it.
	Type string
	// Audience chooses the "aud" claim (RFC 7523, section 3; OpenID
	// Connect Core 1.0, section 9); the zero value is the issuer.
	Audience AssertionAudience
}

// Method returns "client_secret_jwt".
func (ClientSecretJWT) Method() string { return MethodClientSecretJWT }

// Authenticate adds client_assertion_type, client_assertion and client_id
// to the form (RFC 7523, section 2.2).
func (m ClientSecretJWT) Authenticate(_ context.Context, c *Config, _ *http.Request, form url.Values) error {
	alg := m.Algorithm
	switch alg {
	case "":
		alg = jose.HS256
	case jose.HS256, jose.HS384, jose.HS512:
	default:
		return fmt.Errorf("%w: client_secret_jwt needs an HMAC algorithm, not %q", ErrInvalidConfig, sanitize(string(alg), 16))
	}
	if c.ClientSecret == "" {
		return fmt.Errorf("%w: client_secret_jwt without a client secret", ErrInvalidConfig)
	}
	assertion, err := clientAssertion(c, jose.NewSymmetricKey([]byte(c.ClientSecret)), alg, m.Type, m.Audience)
	if err != nil {
		return err
	}
	setClientAssertion(form, c.ClientID, assertion)
	return nil
}
