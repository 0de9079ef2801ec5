package oauth2

import (
	"context"
	"fmt"
	"net/url"
)

// AuthorizationCodeGrant exchanges an authorization code for tokens: RFC
// 6749, section 4.1.3, with the PKCE code_verifier of RFC 7636, section 4.5.
type AuthorizationCodeGrant struct {
	// Code is the "code" of the authorization response.
	Code string
	// CodeVerifier is the PKCE verifier whose challenge was sent in the
	// authorization request.
	CodeVerifier string
	// RedirectURL must equal the redirect_uri of the authorization request;
	// empty means Config.RedirectURL.
	RedirectURL string
	// Extra parameters, sent as they are.
	Extra url.Values
}

// GrantType returns "authorization_code".
func (AuthorizationCodeGrant) GrantType() string { return "authorization_code" }

// Form returns code, redirect_uri and code_verifier (RFC 6749, section
// 4.1.3; RFC 7636, section 4.5).
func (g AuthorizationCodeGrant) Form(_ context.Context, c *Config) (url.Values, error) {
	if g.Code == "" {
		return nil, fmt.Errorf("%w: authorization code grant without a code", ErrInvalidConfig)
	}
	form := formWith(c, nil, false, g.Extra)
	form.Set("code", g.Code)
	redirect := g.RedirectURL
	if redirect == "" {
		redirect = c.RedirectURL
	}
	if redirect != "" {
		form.Set("redirect_uri", redirect)
	}
	if g.CodeVerifier != "" {
		form.Set("code_verifier", g.CodeVerifier)
	}
	return form, nil
}
