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

// ClientAssertionLifetime is how long a client assertion is valid after it
// is minted: short, since each request gets a fresh one (RFC 7523,
// section 3, item 4).
const ClientAssertionLifetime = 60 * time.Second

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

// assertionAudience is the "aud" of a client assertion: the authorization
// server's issuer identifier, one string (RFC 7523, section 3, item 3, as
// tightened after the audience-injection attacks of 2025: an endpoint URL
// taken from metadata can name another server's endpoint). Only when the
// Config has no Issuer does it fall back to the token endpoint URL, which
// RFC 7523 also allows.
func assertionAudience(c *Config) (string, error) {
	if c.Endpoint.Issuer != "" {
		return c.Endpoint.Issuer, nil
	}
	if c.Endpoint.TokenURL != "" {
		return c.Endpoint.TokenURL, nil
	}
	return "", fmt.Errorf("%w: a client assertion needs Endpoint.Issuer (or Endpoint.TokenURL)", ErrInvalidConfig)
}

// clientAssertion mints a fresh client assertion: iss and sub are the
// client id, aud the issuer, a 128-bit random jti, iat now and exp now plus
// ClientAssertionLifetime (RFC 7523, section 3). typ is the "typ" header,
// omitted when "".
func clientAssertion(c *Config, key jose.JWK, alg jose.Algorithm, typ string) (string, error) {
	if c.ClientID == "" {
		return "", fmt.Errorf("%w: a client assertion needs a client id", ErrInvalidConfig)
	}
	aud, err := assertionAudience(c)
	if err != nil {
		return "", err
	}
	now := c.now()
	claims := clientAssertionClaims{
		Issuer:   c.ClientID,
		Subject:  c.ClientID,
		Audience: aud,
		ID:       randomToken(16),
		IssuedAt: now.Unix(),
		Expiry:   now.Add(ClientAssertionLifetime).Unix(),
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
