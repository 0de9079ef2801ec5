package oauth2

import (
	"context"
	"fmt"
	"net/url"
)

// PasswordGrant is the resource owner password credentials grant: RFC
// 6749, section 4.3. RFC 9700 deprecates it for new deployments; it stays
// for first-party tools and administration clients such as Keycloak's
// admin-cli.
type PasswordGrant struct {
	// Username and Password are the resource owner's credentials.
	Username, Password string
	// Scopes requested; empty means Config.Scopes.
	Scopes []string
	// Extra parameters, sent as they are (repeated values kept).
	Extra url.Values
}

// GrantType returns "password".
func (PasswordGrant) GrantType() string { return "password" }

// Form returns username, password and scope (RFC 6749, section 4.3.2).
func (g PasswordGrant) Form(_ context.Context, c *Config) (url.Values, error) {
	if g.Username == "" {
		return nil, fmt.Errorf("%w: password grant without a username", ErrInvalidConfig)
	}
	form := formWith(c, g.Scopes, true, g.Extra)
	form.Set("username", g.Username)
	form.Set("password", g.Password)
	return form, nil
}
