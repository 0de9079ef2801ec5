package wire

import (
	"net/http"
	"net/url"
	"time"
)

// Exchange is one HTTP exchange as an observer is shown it, once it has
// ended. Unless the observer asked for secrets to be revealed, every
// credential in it is replaced by "[redacted]": client secrets, passwords,
// codes, code verifiers, tokens, assertions and DPoP proofs, in the form, the
// headers and the response body alike, and the URL's password is hidden.
//
// It is exported as oauth2.HTTPExchange and jose.HTTPExchange.
type Exchange struct {
	// Method is the request method.
	Method string
	// URL is the request URL, any password in it hidden.
	URL string
	// RequestHeader holds the request headers as sent, credentials redacted.
	RequestHeader http.Header
	// Form is the form the request body encoded, credential parameters
	// redacted; nil for a request without a form.
	Form url.Values
	// RequestBody is a request body that is not a form (the JSON of
	// dynamic client registration), credential members redacted; nil
	// otherwise.
	RequestBody []byte
	// StatusCode is the response status; 0 when no response arrived.
	StatusCode int
	// ResponseHeader holds the response headers, echoed credentials redacted.
	ResponseHeader http.Header
	// ResponseBody is the response body as read (within the size cap),
	// credential members and echoed credentials redacted; nil for a body
	// that is streamed to the caller (a resource request) or not read.
	ResponseBody []byte
	// Duration runs from sending the request to the end of the body read.
	Duration time.Duration
	// Err is the error the exchange ended with, nil for a complete
	// exchange whatever its status.
	Err error
}
