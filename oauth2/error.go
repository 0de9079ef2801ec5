package oauth2

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/retryafter"
	"github.com/oauthkit/oauthkit/internal/wire"
	"github.com/oauthkit/oauthkit/jose"
)

// Standard error codes of the token endpoint (RFC 6749, section 5.2) and of
// the extensions oauthkit speaks.
const (
	ErrorInvalidRequest       = "invalid_request"
	ErrorInvalidClient        = "invalid_client"
	ErrorInvalidGrant         = "invalid_grant"
	ErrorUnauthorizedClient   = "unauthorized_client"
	ErrorUnsupportedGrantType = "unsupported_grant_type"
	ErrorInvalidScope         = "invalid_scope"
	ErrorAccessDenied         = "access_denied"
	ErrorAuthorizationPending = "authorization_pending" // RFC 8628, section 3.5
	ErrorSlowDown             = "slow_down"             // RFC 8628, section 3.5
	ErrorExpiredToken         = "expired_token"         // RFC 8628, section 3.5
	ErrorUseDPoPNonce         = "use_dpop_nonce"        // RFC 9449, section 8
)

// Error codes of a protected resource (RFC 6750, section 3.1), which the
// registration endpoint's management API answers with too (RFC 7592,
// section 2).
const (
	ErrorInvalidToken      = "invalid_token"
	ErrorInsufficientScope = "insufficient_scope"
)

// Error is an error response of an authorization server: RFC 6749, section
// 5.2 for the token endpoint, section 4.1.2.1 for the authorization endpoint,
// and the same shape at every other endpoint that uses it.
//
// Its text is the code and the description, "invalid_grant: Session not
// active", or the code alone. errors.Is matches an *Error whose only field
// set is Code against any error with that code:
//
//	errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidGrant})
type Error struct {
	// Code is the "error" member, e.g. "invalid_grant".
	Code string
	// Description is the "error_description" member, a text for developers.
	Description string
	// URI is the "error_uri" member.
	URI string
	// StatusCode is the HTTP status of the response, 0 for an error that
	// came back in a redirect.
	StatusCode int
	// Header holds the response headers (WWW-Authenticate, DPoP-Nonce,
	// Retry-After), echoed secrets redacted.
	Header http.Header
	// Body is a copy of the response body, at most 64 KiB, with any secret
	// of the request that the server echoed replaced by "[redacted]". Nil
	// for an error that came back in a redirect.
	Body []byte
}

// Error returns "code: description", or "code" when there is no description.
func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Is reports whether target is an *Error with the same Code and no other
// field set.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Code == "" || t.Description != "" || t.URI != "" || t.StatusCode != 0 {
		return false
	}
	return t.Code == e.Code
}

// ResponseError is a failure that is not an OAuth error response: an HTML
// page, a proxy's error, a JSON body without an "error" member.
type ResponseError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// ContentType is the response's Content-Type header.
	ContentType string
	// Excerpt is the start of the body, at most 256 bytes, with control
	// characters replaced and echoed secrets redacted.
	Excerpt string
	// Header holds the response headers.
	Header http.Header
}

// Error returns the status, the content type and an excerpt of the body.
func (e *ResponseError) Error() string {
	msg := fmt.Sprintf("oauth2: unexpected response: HTTP %d", e.StatusCode)
	if e.ContentType != "" {
		msg += " (" + e.ContentType + ")"
	}
	if e.Excerpt != "" {
		msg += ": " + e.Excerpt
	}
	return msg
}

// UnavailableError is an HTTP 503 Service Unavailable answer: the server
// cannot handle the request now (RFC 7009, section 2.2.1; RFC 9110, section
// 15.6.4). RetryAfter is the delay of its Retry-After header.
type UnavailableError struct {
	// StatusCode is the HTTP status, 503.
	StatusCode int
	// RetryAfter is the delay the server asked for, at most one hour (a
	// hostile server cannot park a client for days); zero when it gave
	// none or an invalid one.
	RetryAfter time.Duration
	// Header holds the response headers, echoed secrets redacted.
	Header http.Header
}

// Error returns the status and, when known, the delay asked for.
func (e *UnavailableError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("oauth2: service unavailable (HTTP %d), retry after %s", e.StatusCode, e.RetryAfter)
	}
	return fmt.Sprintf("oauth2: service unavailable (HTTP %d)", e.StatusCode)
}

// retryAfter is the delay of h's Retry-After header (RFC 9110, section
// 10.2.3), 0 when there is none or it is invalid.
func retryAfter(h http.Header, now time.Time) time.Duration {
	d, _ := retryafter.Parse(h.Get("Retry-After"), now)
	return d
}

// Sentinel errors, matched with errors.Is. Errors returned by this package
// wrap them with detail.
var (
	// ErrMalformedResponse: a response that claims success but breaks the
	// specification (no access_token, a field of the wrong type).
	ErrMalformedResponse = errors.New("oauth2: malformed response")
	// ErrUnsupportedTokenType: a token_type the client does not understand;
	// RFC 6749, section 7.1 forbids using such a token.
	ErrUnsupportedTokenType = errors.New("oauth2: unsupported token type")
	// ErrResponseTooLarge: a response body longer than its cap
	// (Config.MaxBodySize and its counterparts in oidc and jose), counted
	// after decompression. Every package of the module uses this one.
	ErrResponseTooLarge = bounded.ErrTooLarge
	// ErrRedirect: an endpoint answered with a redirect its policy
	// refuses: back-channel endpoints never redirect; discovery follows
	// redirects within its origin only.
	ErrRedirect = wire.ErrRedirect
	// ErrMissingEndpoint: the Config lacks the URL of the endpoint a call needs.
	ErrMissingEndpoint = errors.New("oauth2: endpoint not configured")
	// ErrInvalidConfig: the Config or the call's arguments cannot make a valid request.
	ErrInvalidConfig = errors.New("oauth2: invalid configuration")
	// ErrIssuerMismatch: an issuer identifier differs from the one expected:
	// in a metadata document (RFC 8414, section 3.3) or in the "iss"
	// parameter of an authorization response (RFC 9207, section 2.4). It
	// is jose.ErrIssuer, the module's one sentinel for this failure.
	ErrIssuerMismatch = jose.ErrIssuer
)
