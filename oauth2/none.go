package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// None is the method of a public client, which has no credentials: it only
// names itself with client_id (RFC 6749, section 2.3 and 3.2.1; RFC 7591,
// section 2, "none").
type None struct{}

// Method returns "none".
func (None) Method() string { return MethodNone }

// Authenticate adds client_id to the form (RFC 6749, section 3.2.1).
func (None) Authenticate(_ context.Context, c *Config, _ *http.Request, form url.Values) error {
	if c.ClientID == "" {
		return fmt.Errorf("%w: no client id", ErrInvalidConfig)
	}
	form.Set("client_id", c.ClientID)
	return nil
}
