package oauth2

import (
	"context"
	"fmt"
	"net/url"
)

// GrantTypeSAML2Bearer is the grant_type of the SAML 2.0 bearer assertion
// grant (RFC 7522, section 2.1).
const GrantTypeSAML2Bearer = "urn:ietf:params:oauth:grant-type:saml2-bearer"

// AssertionGrant uses an assertion as an authorization grant, minting a
// fresh one for every token request: RFC 7521, section 4.1, by default with
// the JWT profile of RFC 7523, section 2.1. Assertions are short-lived and
// may be single-use (RFC 7523, section 3, items 4 and 7), so a token
// obtained with one is renewed by running the grant again rather than with
// a refresh token; an httpclient.Session does that by itself when the
// token expires.
//
// Mint is where the assertion comes from: a workload identity token read
// again from its file, one an identity provider issues, or one signed here
// (see [JWTBearerGrant] for signing with a key).
type AssertionGrant struct {
	// Type is the grant_type; empty means [GrantTypeJWTBearer].
	// [GrantTypeSAML2Bearer] is the SAML 2.0 profile.
	Type string
	// Mint returns a new assertion for one token request. It is called
	// once for each request and must be safe for concurrent use.
	Mint func(ctx context.Context, c *Config) (string, error)
	// Scopes requested; empty means Config.Scopes.
	Scopes []string
	// Extra parameters, sent as they are.
	Extra url.Values
}

// GrantType returns Type, or "urn:ietf:params:oauth:grant-type:jwt-bearer".
func (g AssertionGrant) GrantType() string {
	if g.Type == "" {
		return GrantTypeJWTBearer
	}
	return g.Type
}

// Form returns assertion and scope (RFC 7521, section 4.1; RFC 7523,
// section 2.1) with a freshly minted assertion.
func (g AssertionGrant) Form(ctx context.Context, c *Config) (url.Values, error) {
	if g.Mint == nil {
		return nil, fmt.Errorf("%w: an assertion grant needs Mint", ErrInvalidConfig)
	}
	assertion, err := g.Mint(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("oauth2: minting the assertion: %w", err)
	}
	if assertion == "" {
		return nil, fmt.Errorf("%w: Mint returned an empty assertion", ErrInvalidConfig)
	}
	form := formWith(c, g.Scopes, true, g.Extra)
	form.Set("assertion", assertion)
	return form, nil
}
