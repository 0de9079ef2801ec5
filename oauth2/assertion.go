package oauth2

import (
	"fmt"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// ClientAssertionTypeJWTBearer is the client_assertion_type of a JWT client
// assertion: RFC 7523, section 2.2.
const ClientAssertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// DefaultAssertionLifetime is how long an assertion oauthkit mints is
// valid: a client assertion (client_secret_jwt, private_key_jwt) and the
// authorization grant assertion of [JWTBearerGrant]. It is short because
// each assertion is minted for one request and used at once (RFC 7523,
// section 3, item 4: the server rejects an expired one; a short window
// also narrows a replay).
const DefaultAssertionLifetime = 60 * time.Second

// AssertionAudience chooses the "aud" claim of a client assertion. RFC 7523,
// section 3, item 3 lets it be the authorization server's issuer identifier
// or its token endpoint URL; OpenID Connect Core 1.0, section 9 says it
// SHOULD be the token endpoint URL, and some servers (Ory Hydra) accept
// nothing else, while draft-ietf-oauth-rfc7523bis makes the issuer the one
// value after the audience-injection attacks of 2025 (TE-17).
//
// The zero value is the issuer, Config.Endpoint.Issuer (the token endpoint
// URL when the Config has no issuer). Use TokenEndpoint only with a token
// endpoint configured by hand or read from metadata whose issuer was
// checked: a hostile server's metadata can name another server's endpoint
// and collect an assertion to replay there.
type AssertionAudience struct {
	// Fixed, when not empty, is the audience, sent as it is.
	Fixed string
	// TokenEndpoint, when set and Fixed is empty, makes the audience
	// Config.Endpoint.TokenURL.
	TokenEndpoint bool
}

// value is the "aud" for c.
func (a AssertionAudience) value(c *Config) (string, error) {
	switch {
	case a.Fixed != "":
		return a.Fixed, nil
	case a.TokenEndpoint:
		if c.Endpoint.TokenURL == "" {
			return "", fmt.Errorf("%w: the client assertion audience is the token endpoint, but Endpoint.TokenURL is empty", ErrInvalidConfig)
		}
		return c.Endpoint.TokenURL, nil
	case c.Endpoint.Issuer != "":
		return c.Endpoint.Issuer, nil
	case c.Endpoint.TokenURL != "":
		return c.Endpoint.TokenURL, nil
	}
	return "", fmt.Errorf("%w: a client assertion needs Endpoint.Issuer (or Endpoint.TokenURL)", ErrInvalidConfig)
}

// clientAssertionClaims are the claims of a client authentication JWT:
// RFC 7523, section 3.
type clientAssertionClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	ID       string `json:"jti"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
}

// clientAssertion mints a fresh client assertion: iss and sub are the
// client id, aud as aud chooses, a 128-bit random jti, iat now and exp now
// plus DefaultAssertionLifetime (RFC 7523, section 3). typ is the "typ"
// header, omitted when "".
func clientAssertion(c *Config, key jose.JWK, alg jose.Algorithm, typ string, aud AssertionAudience) (string, error) {
	if c.ClientID == "" {
		return "", fmt.Errorf("%w: a client assertion needs a client id", ErrInvalidConfig)
	}
	audience, err := aud.value(c)
	if err != nil {
		return "", err
	}
	now := c.now()
	claims := clientAssertionClaims{
		Issuer:   c.ClientID,
		Subject:  c.ClientID,
		Audience: audience,
		ID:       randomToken(16),
		IssuedAt: now.Unix(),
		Expiry:   now.Add(DefaultAssertionLifetime).Unix(),
	}
	s, err := jose.SignClaims(key, alg, claims, jose.SignOptions{Type: typ})
	if err != nil {
		return "", fmt.Errorf("oauth2: signing the client assertion: %w", err)
	}
	return s, nil
}

// setClientAssertion adds the assertion parameters to a request: RFC 7523,
// section 2.2. client_id is sent too, as RFC 6749, section 3.2.1 allows and
// Keycloak expects.
func setClientAssertion(form url.Values, clientID, assertion string) {
	form.Set("client_assertion_type", ClientAssertionTypeJWTBearer)
	form.Set("client_assertion", assertion)
	form.Set("client_id", clientID)
}
