package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// ClientSecretBasic sends the client id and secret in the Authorization
// header with HTTP Basic: RFC 6749, section 2.3.1. Both are
// form-urlencoded before base64, as that section requires, so a secret with
// ':' or non-ASCII characters survives.
type ClientSecretBasic struct{}

// Method returns "client_secret_basic".
func (ClientSecretBasic) Method() string { return MethodClientSecretBasic }

// Authenticate sets the Authorization header (RFC 6749, section 2.3.1).
func (ClientSecretBasic) Authenticate(_ context.Context, c *Config, req *http.Request, _ url.Values) error {
	if c.ClientID == "" {
		return fmt.Errorf("%w: client_secret_basic without a client id", ErrInvalidConfig)
	}
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	return nil
}
