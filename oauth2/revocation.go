package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// ErrorUnsupportedTokenType is the revocation error code for a token type
// the server cannot revoke (RFC 7009, section 2.2.1).
const ErrorUnsupportedTokenType = "unsupported_token_type"

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
			RetryAfter: retryAfter(r.header, c.now()),
			Header:     r.secrets.Header(r.header),
		}
	}
	return errorFrom(r)
}
