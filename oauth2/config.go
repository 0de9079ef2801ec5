package oauth2

import (
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/internal/wire"
)

// DefaultMaxBodySize is the largest response body read when
// [Config.MaxBodySize] is zero: 1 MiB, counted after decompression.
const DefaultMaxBodySize = 1 << 20

// DefaultTimeout bounds each request made with the client that [Config]
// creates when [Config.HTTPClient] is nil.
const DefaultTimeout = wire.DefaultTimeout

// Endpoint holds an authorization server's issuer identifier and the URLs of
// its endpoints. Only the URLs a client uses need to be set.
type Endpoint struct {
	// Issuer is the authorization server's issuer identifier (RFC 8414,
	// section 2). It is the audience of client assertions (RFC 7523) and the
	// value the "iss" authorization response parameter must equal (RFC 9207).
	Issuer string
	// AuthorizationURL is the authorization endpoint (RFC 6749, section 3.1).
	AuthorizationURL string
	// TokenURL is the token endpoint (RFC 6749, section 3.2).
	TokenURL string
	// DeviceAuthorizationURL is the device authorization endpoint (RFC 8628, section 3.1).
	DeviceAuthorizationURL string
	// PushedAuthorizationRequestURL is the PAR endpoint (RFC 9126, section 2).
	PushedAuthorizationRequestURL string
	// IntrospectionURL is the introspection endpoint (RFC 7662, section 2).
	IntrospectionURL string
	// RevocationURL is the revocation endpoint (RFC 7009, section 2).
	RevocationURL string
}

// Config is an OAuth 2.0 client: its credentials, its authorization server
// and how to talk to it. The zero value of every optional field is a safe
// default. A Config is safe for concurrent use once it is no longer modified.
type Config struct {
	// ClientID is the client identifier (RFC 6749, section 2.2).
	ClientID string
	// ClientSecret is the client password for client_secret_basic,
	// client_secret_post and client_secret_jwt. Empty for a public client.
	ClientSecret string
	// Endpoint is the authorization server.
	Endpoint Endpoint
	// Scopes are requested when a grant names none of its own.
	Scopes []string
	// RedirectURL is the client's redirection endpoint (RFC 6749, section 3.1.2).
	RedirectURL string
	// AuthMethod authenticates the client at the token endpoint and the
	// other back-channel endpoints. Nil means [ClientSecretBasic] when
	// ClientSecret is set and [None] otherwise.
	AuthMethod ClientAuthenticator
	// DPoP, when set, binds tokens to a key with DPoP proofs (RFC 9449).
	DPoP DPoPProver
	// HTTPClient sends every request. Nil means a client with a timeout of
	// [DefaultTimeout]. Its redirect policy is not used: back-channel
	// requests never follow redirects (Go re-sends a POST body on a 307 or
	// 308, even to another host, and the body holds credentials; RFC 9700,
	// section 4.12).
	HTTPClient *http.Client
	// Observer, when set, is called with every exchange once it ends.
	// Secrets in it are redacted unless RevealSecrets is set. It must not
	// keep or modify the request or response it is shown.
	Observer func(*HTTPExchange)
	// RevealSecrets turns off the redaction of secrets in what Observer is
	// shown. Only for tests against throw-away credentials.
	RevealSecrets bool
	// BeforeRequest, when set, is called with every request to the
	// authorization server just before it is sent, client authentication
	// applied: a provider fix-up may add or change headers there. Its
	// error ends the request. It must not read or replace the body; the
	// Observer is shown the request as changed.
	BeforeRequest func(*http.Request) error
	// BeforeTokenResponse, when set, is called with every token-endpoint
	// response before it is parsed (RFC 6749, section 5): a provider
	// fix-up may rewrite a response that bends the specification (see
	// [RawResponse]). Its error is returned to the caller as it is.
	BeforeTokenResponse func(*RawResponse) error
	// Clock returns the current time; nil means time.Now. A token's expiry
	// is computed from it when the token is received.
	Clock func() time.Time
	// MaxBodySize bounds every response body read, after decompression.
	// Zero means [DefaultMaxBodySize].
	MaxBodySize int64
}

func (c *Config) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

func (c *Config) maxBody() int64 {
	if c.MaxBodySize > 0 {
		return c.MaxBodySize
	}
	return DefaultMaxBodySize
}

func (c *Config) authMethod() ClientAuthenticator {
	if c.AuthMethod != nil {
		return c.AuthMethod
	}
	if c.ClientSecret != "" {
		return ClientSecretBasic{}
	}
	return None{}
}

// RawResponse is a token-endpoint response as read, given to
// [Config.BeforeTokenResponse] before it is parsed. A fix-up may replace
// Body and change Header and StatusCode; what it leaves is then parsed as
// RFC 6749, section 5.1 or 5.2 says.
type RawResponse struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body, read within the size cap.
	Body []byte
}
