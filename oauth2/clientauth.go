package oauth2

import (
	"context"
	"net/http"
	"net/url"
)

// Client authentication method names (RFC 8414, section 2,
// token_endpoint_auth_methods_supported; RFC 7591, section 2).
const (
	MethodClientSecretBasic = "client_secret_basic"
	MethodClientSecretPost  = "client_secret_post"
	MethodNone              = "none"
	MethodClientSecretJWT   = "client_secret_jwt"
	MethodPrivateKeyJWT     = "private_key_jwt"
)

// ClientAuthenticator authenticates the client on a back-channel request
// (RFC 6749, section 2.3).
//
// Authenticate is called once per request, before the body is encoded. It
// may set headers on req and add parameters to form. It MUST NOT read or
// replace req.Body, MUST NOT change the request's method or URL, and MUST
// NOT keep req or form after it returns. It must be safe for concurrent use.
type ClientAuthenticator interface {
	// Method returns the registered method name, e.g. "client_secret_basic".
	Method() string
	// Authenticate adds the client's credentials to the request.
	Authenticate(ctx context.Context, c *Config, req *http.Request, form url.Values) error
}
