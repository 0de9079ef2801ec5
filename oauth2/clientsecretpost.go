package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// ClientSecretPost sends the client id and secret as the client_id and
// client_secret body parameters: RFC 6749, section 2.3.1. The RFC allows it
// for clients that cannot use Basic; prefer [ClientSecretBasic].
type ClientSecretPost struct{}

// Method returns "client_secret_post".
func (ClientSecretPost) Method() string { return MethodClientSecretPost }

// Authenticate adds client_id and client_secret to the form (RFC 6749,
// section 2.3.1).
func (ClientSecretPost) Authenticate(_ context.Context, c *Config, _ *http.Request, form url.Values) error {
	if c.ClientID == "" {
		return fmt.Errorf("%w: client_secret_post without a client id", ErrInvalidConfig)
	}
	form.Set("client_id", c.ClientID)
	form.Set("client_secret", c.ClientSecret)
	return nil
}
