package oauth2

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

var (
	// ErrInvalidCallback: an authorization response that breaks RFC 6749
	// (a parameter repeated, code and error both present, no code). Errors
	// that wrap it also match an [*Error] with code invalid_request.
	ErrInvalidCallback = errors.New("oauth2: invalid authorization response")
	// ErrStateMismatch: the callback's "state" is missing or is not the
	// flow's (RFC 6749, section 10.12: a forged or misrouted response).
	ErrStateMismatch = errors.New("oauth2: state mismatch")
	// ErrFlowUsed: the flow already received its callback; a state is
	// good for one response only (RFC 9700, section 4.7).
	ErrFlowUsed = errors.New("oauth2: authorization flow already used")
	// ErrMissingIssuer: the callback has no "iss" although the server
	// declared authorization_response_iss_parameter_supported
	// (RFC 9207, section 2.4).
	ErrMissingIssuer = errors.New("oauth2: authorization response without iss")
)

// Caps on an authorization response parsed by ParseCallbackQuery.
const (
	maxCallbackQuery  = 64 << 10
	maxCallbackParams = 100
)

// ParseCallbackQuery parses the query of a redirect to the client (or the
// body of a form_post response, which has the same encoding), strictly: a
// malformed escape, bytes that are not UTF-8, a ';' separator, more than
// 64 KiB or more than 100 parameters fail with [ErrInvalidCallback] where
// url.ParseQuery would drop or accept them. Repeated parameters are kept,
// for [Flow.Callback] to refuse (RFC 6749, section 3.1: parameters must not
// be included more than once).
func ParseCallbackQuery(rawQuery string) (url.Values, error) {
	if len(rawQuery) > maxCallbackQuery {
		return nil, invalidCallback("the response is longer than %d bytes", maxCallbackQuery)
	}
	v := url.Values{}
	n := 0
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, invalidCallback("the response contains ';'")
		}
		if n++; n > maxCallbackParams {
			return nil, invalidCallback("the response has more than %d parameters", maxCallbackParams)
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(rawName)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return nil, invalidCallback("the response has a malformed escape")
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, invalidCallback("the response is not UTF-8")
		}
		v[name] = append(v[name], value)
	}
	return v, nil
}

// Callback checks an authorization response (the query of the redirect to
// the client) against the flow and returns its authorization code: RFC
// 6749, section 4.1.2, with RFC 9207. The checks run in this order, all
// before any token request:
//
//  1. no parameter appears twice (RFC 6749, section 3.1), else
//     [ErrInvalidCallback];
//  2. "state" is present and equals the flow's (section 10.12), else
//     [ErrStateMismatch]; the flow is not consumed by a response that fails
//     here, so a forged response cannot spend it;
//  3. the flow has not had its callback yet, else [ErrFlowUsed]; from here
//     on the flow is consumed whatever the outcome;
//  4. "iss", when present and the flow knows its issuer, equals it
//     exactly (RFC 9207, section 2.4), else [ErrIssuerMismatch]; when
//     absent and the flow requires it, [ErrMissingIssuer];
//  5. an "error" response (section 4.1.2.1) is returned as an [*Error]
//     with StatusCode 0, unless it also carries a code: that is
//     [ErrInvalidCallback];
//  6. "code" is present and not empty, else [ErrInvalidCallback].
func (f *Flow) Callback(params url.Values) (string, error) {
	for name, vs := range params {
		if len(vs) > 1 {
			return "", invalidCallback("parameter %q appears %d times", sanitize(name, 64), len(vs))
		}
	}
	state, ok := params["state"]
	if !ok {
		return "", fmt.Errorf("%w: the response has no state", ErrStateMismatch)
	}
	if f.State == "" || subtle.ConstantTimeCompare([]byte(state[0]), []byte(f.State)) != 1 {
		return "", fmt.Errorf("%w: the response's state is not this flow's", ErrStateMismatch)
	}
	if !f.used.CompareAndSwap(false, true) {
		return "", ErrFlowUsed
	}
	if iss, ok := params["iss"]; ok {
		if f.Issuer != "" && iss[0] != f.Issuer {
			return "", fmt.Errorf("%w: the response comes from %q, the request went to %q",
				ErrIssuerMismatch, sanitize(iss[0], 256), f.Issuer)
		}
	} else if f.RequireIssuer {
		return "", fmt.Errorf("%w (expected %q)", ErrMissingIssuer, f.Issuer)
	}
	code, hasCode := params["code"]
	if e, ok := params["error"]; ok {
		if hasCode {
			return "", invalidCallback("the response has both code and error")
		}
		return "", &Error{
			Code:        sanitize(e[0], 128),
			Description: sanitize(params.Get("error_description"), 1024),
			URI:         sanitize(params.Get("error_uri"), 1024),
		}
	}
	if !hasCode || code[0] == "" {
		return "", invalidCallback("the response has no code")
	}
	return code[0], nil
}

// Complete checks the authorization response with [Flow.Callback] and
// redeems its code at the token endpoint with the flow's code verifier and
// redirect URI: RFC 6749, section 4.1.3; RFC 7636, section 4.5. c must be
// the configuration the flow was started with: a Config of another issuer
// or token endpoint fails with [ErrIssuerMismatch] before anything is sent,
// so a code is never redeemed at the wrong server (RFC 9700, section 4.4).
func (f *Flow) Complete(ctx context.Context, c *Config, params url.Values) (*Token, error) {
	if c.Endpoint.Issuer != f.Issuer || c.Endpoint.TokenURL != f.TokenURL {
		return nil, fmt.Errorf("%w: the flow was started with another authorization server", ErrIssuerMismatch)
	}
	code, err := f.Callback(params)
	if err != nil {
		return nil, err
	}
	return c.Token(ctx, AuthorizationCodeGrant{Code: code, CodeVerifier: f.CodeVerifier, RedirectURL: f.RedirectURL})
}

// Used reports whether the flow has had its callback.
func (f *Flow) Used() bool { return f.used.Load() }

// invalidCallback is an ErrInvalidCallback that also matches an
// invalid_request *Error (RFC 6749, section 4.1.2.1).
func invalidCallback(format string, args ...any) error {
	desc := fmt.Sprintf(format, args...)
	return fmt.Errorf("%w: %w", ErrInvalidCallback, &Error{Code: ErrorInvalidRequest, Description: desc})
}
