package oauth2

import (
	"context"
	"net/url"
)

// ClientCredentialsGrant is the client credentials grant: RFC 6749, section
// 4.4. The client authenticates with Config.AuthMethod and receives a token
// for itself. No refresh token should come back (section 4.4.3); a client
// gets a new token by running the grant again.
type ClientCredentialsGrant struct {
	// Scopes requested; empty means Config.Scopes.
	Scopes []string
	// Extra parameters, sent as they are (repeated values kept), such as
	// RFC 8707 "resource" or "audience".
	Extra url.Values
}

// GrantType returns "client_credentials".
func (ClientCredentialsGrant) GrantType() string { return "client_credentials" }

// Form returns scope and the extra parameters (RFC 6749, section 4.4.2).
func (g ClientCredentialsGrant) Form(_ context.Context, c *Config) (url.Values, error) {
	return formWith(c, g.Scopes, true, g.Extra), nil
}
