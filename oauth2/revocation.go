package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrorUnsupportedTokenType is the revocation error code for a token type
// the server cannot revoke (RFC 7009, section 2.2.1).
const ErrorUnsupportedTokenType = "unsupported_token_type"

// MaxRetryAfter caps the delay read from a Retry-After header, so that a
// hostile server cannot park a client for days.
const MaxRetryAfter = time.Hour

// UnavailableError is an HTTP 503 Service Unavailable answer: the server
// cannot handle the request now (RFC 7009, section 2.2.1; RFC 9110, section
// 15.6.4). RetryAfter is the delay of its Retry-After header.
type UnavailableError struct {
	// StatusCode is the HTTP status, 503.
	StatusCode int
	// RetryAfter is the delay the server asked for, at most
	// [MaxRetryAfter]; zero when it gave none or an invalid one.
	RetryAfter time.Duration
	// Header holds the response headers.
	Header http.Header
}

// Error returns the status and, when known, the delay asked for.
func (e *UnavailableError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("oauth2: service unavailable (HTTP %d), retry after %s", e.StatusCode, e.RetryAfter)
	}
	return fmt.Sprintf("oauth2: service unavailable (HTTP %d)", e.StatusCode)
}

// Revoke asks Endpoint.RevocationURL to revoke token: RFC 7009, section
// 2.1. hint is the optional token_type_hint, [HintAccessToken] or
// [HintRefreshToken]. The client authenticates as at the token endpoint.
//
// HTTP 200 is a success whatever the body says, including for a token that
// was invalid or already revoked (section 2.2). A 503 is an
// [*UnavailableError] carrying the Retry-After delay; an error object is an
// [*Error]; any other answer is a [*ResponseError].
func (c *Config) Revoke(ctx context.Context, token, hint string) error {
	if token == "" {
		return fmt.Errorf("%w: no token to revoke", ErrInvalidConfig)
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	r, err := c.post(ctx, c.Endpoint.RevocationURL, form, true, nil)
	if err != nil {
		return err
	}
	switch {
	case r.status == http.StatusOK:
		return nil
	case r.status == http.StatusServiceUnavailable:
		return &UnavailableError{
			StatusCode: r.status,
			RetryAfter: parseRetryAfter(r.header.Get("Retry-After"), c.now()),
			Header:     r.header,
		}
	}
	return errorFrom(r)
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP-date
// (RFC 9110, section 10.2.3), as a delay from now within [0,
// MaxRetryAfter]. An invalid value gives 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter // only an overflow fails on digits
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, MaxRetryAfter))
}
