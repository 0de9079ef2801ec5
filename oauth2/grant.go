package oauth2

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Grant is the grant-specific part of a token request (RFC 6749, section
// 4). Implementations are small structs; see [PasswordGrant],
// [ClientCredentialsGrant], [RefreshTokenGrant], [AuthorizationCodeGrant]
// and [CustomGrant].
type Grant interface {
	// GrantType returns the "grant_type" value.
	GrantType() string
	// Form returns the grant's request parameters, grant_type and client
	// authentication excluded. It is called once for each request, so an
	// implementation may mint a fresh assertion each time. It must not
	// modify c.
	Form(ctx context.Context, c *Config) (url.Values, error)
}

// Token runs grant g at the token endpoint and returns the issued token
// (RFC 6749, section 3.2 and the grant's own section). The client
// authenticates with c.AuthMethod. An error response is an [*Error]; a
// response that is not OAuth is a [*ResponseError].
func (c *Config) Token(ctx context.Context, g Grant) (*Token, error) {
	form, err := g.Form(ctx, c)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("grant_type", g.GrantType())
	return c.requestToken(ctx, form, nil)
}

// CustomGrant is any grant type by its absolute URI or registered name
// (RFC 6749, section 4.5), with its parameters as given.
type CustomGrant struct {
	// Type is the grant_type value.
	Type string
	// Params are the grant's parameters; repeated values are sent repeated.
	Params url.Values
}

// GrantType returns g.Type.
func (g CustomGrant) GrantType() string { return g.Type }

// Form returns a copy of g.Params.
func (g CustomGrant) Form(context.Context, *Config) (url.Values, error) {
	if g.Type == "" {
		return nil, fmt.Errorf("%w: CustomGrant without a grant type", ErrInvalidConfig)
	}
	return cloneValues(g.Params), nil
}

// formWith returns a form holding the extra parameters (repeated ones
// kept, as RFC 8707 "resource" needs) and the scope: the grant's own scopes,
// or the Config's when fallback is set and the grant names none
// (RFC 6749, section 3.3).
func formWith(c *Config, scopes []string, fallback bool, extra url.Values) url.Values {
	form := cloneValues(extra)
	if len(scopes) == 0 && fallback {
		scopes = c.Scopes
	}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return form
}
