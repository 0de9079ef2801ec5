package oauth2

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// GrantTypeJWTBearer is the grant_type of the JWT bearer authorization
// grant (RFC 7523, section 2.1).
const GrantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// JWTBearerGrant uses a JWT as an authorization grant: RFC 7523, section
// 2.1. Either Assertion is a ready-made JWT, or Key signs a fresh one for
// each request, with the claims of section 3: iss, sub, aud, exp, iat and
// a random jti.
type JWTBearerGrant struct {
	// Assertion is a JWT obtained elsewhere. When set, the fields that mint
	// an assertion are not used.
	Assertion string

	// Key signs the minted assertion; it must be a private key, or a
	// symmetric one for HS256/384/512.
	Key jose.JWK
	// Algorithm is the signature algorithm, such as jose.RS256.
	Algorithm jose.Algorithm
	// Issuer is the "iss" claim; empty means Config.ClientID.
	Issuer string
	// Subject is the "sub" claim: the principal the token is for.
	// Required to mint an assertion.
	Subject string
	// Audience is the "aud" claim; empty means Config.Endpoint.Issuer, the
	// authorization server's issuer identifier. It is never taken from an
	// endpoint URL, so that an assertion minted for one server cannot be
	// replayed by another that names itself in its metadata.
	Audience string
	// Lifetime sets "exp" after "iat"; zero means DefaultAssertionLifetime.
	Lifetime time.Duration
	// Claims are further claims of the assertion. They cannot replace the
	// registered claims above.
	Claims map[string]any

	// Scopes requested; empty means Config.Scopes.
	Scopes []string
	// Extra parameters, sent as they are.
	Extra url.Values
}

// GrantType returns "urn:ietf:params:oauth:grant-type:jwt-bearer".
func (JWTBearerGrant) GrantType() string { return GrantTypeJWTBearer }

// Form returns assertion and scope (RFC 7523, section 2.1), minting a new
// assertion when g.Assertion is empty.
func (g JWTBearerGrant) Form(_ context.Context, c *Config) (url.Values, error) {
	assertion := g.Assertion
	if assertion == "" {
		var err error
		if assertion, err = g.mint(c); err != nil {
			return nil, err
		}
	}
	form := formWith(c, g.Scopes, true, g.Extra)
	form.Set("assertion", assertion)
	return form, nil
}

// mint signs an assertion with the claims of RFC 7523, section 3.
func (g JWTBearerGrant) mint(c *Config) (string, error) {
	if g.Key.Key == nil || g.Algorithm == "" {
		return "", fmt.Errorf("%w: JWT bearer grant needs an assertion or a key and algorithm", ErrInvalidConfig)
	}
	iss := g.Issuer
	if iss == "" {
		iss = c.ClientID
	}
	aud := g.Audience
	if aud == "" {
		aud = c.Endpoint.Issuer
	}
	switch {
	case iss == "":
		return "", fmt.Errorf("%w: JWT bearer assertion without an issuer (set Issuer or Config.ClientID)", ErrInvalidConfig)
	case g.Subject == "":
		return "", fmt.Errorf("%w: JWT bearer assertion without a subject", ErrInvalidConfig)
	case aud == "":
		return "", fmt.Errorf("%w: JWT bearer assertion without an audience (set Audience or Endpoint.Issuer)", ErrInvalidConfig)
	}
	lifetime := g.Lifetime
	if lifetime <= 0 {
		lifetime = DefaultAssertionLifetime
	}
	now := c.now()
	claims := make(map[string]any, len(g.Claims)+6)
	for k, v := range g.Claims {
		claims[k] = v
	}
	claims["iss"] = iss
	claims["sub"] = g.Subject
	claims["aud"] = aud
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(lifetime).Unix()
	claims["jti"] = randomToken(16) // 128 bits (RFC 7519, section 4.1.7)
	a, err := jose.SignClaims(g.Key, g.Algorithm, claims, jose.SignOptions{Type: "JWT"})
	if err != nil {
		return "", fmt.Errorf("oauth2: signing the JWT bearer assertion: %w", err)
	}
	return a, nil
}
