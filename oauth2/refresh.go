package oauth2

import (
	"context"
	"fmt"
	"net/url"
)

// RefreshTokenGrant asks for a new access token with a refresh token: RFC
// 6749, section 6.
type RefreshTokenGrant struct {
	// RefreshToken is the refresh token issued to the client.
	RefreshToken string
	// Scopes requested; empty means the originally granted scope (never
	// Config.Scopes, which could ask for more than was granted).
	Scopes []string
	// Extra parameters, sent as they are.
	Extra url.Values
}

// GrantType returns "refresh_token".
func (RefreshTokenGrant) GrantType() string { return "refresh_token" }

// Form returns refresh_token and scope (RFC 6749, section 6).
func (g RefreshTokenGrant) Form(_ context.Context, c *Config) (url.Values, error) {
	if g.RefreshToken == "" {
		return nil, fmt.Errorf("%w: refresh grant without a refresh token", ErrInvalidConfig)
	}
	form := formWith(c, g.Scopes, false, g.Extra)
	form.Set("refresh_token", g.RefreshToken)
	return form, nil
}

// Refresh runs the refresh grant for t and returns the new token. When the
// response carries no refresh token, or an empty one, the new token keeps
// t's: RFC 6749, section 6 lets the server keep the old one valid, and
// section 5.1 makes the member optional.
func (c *Config) Refresh(ctx context.Context, t *Token) (*Token, error) {
	if t == nil || t.RefreshToken == "" {
		return nil, fmt.Errorf("%w: no refresh token", ErrInvalidConfig)
	}
	nt, err := c.Token(ctx, RefreshTokenGrant{RefreshToken: t.RefreshToken})
	if err != nil {
		return nil, err
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken
	}
	return nt, nil
}
