package oauth2

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Token type hints for introspection and revocation (RFC 7009, section 2.1;
// RFC 7662, section 2.1).
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)

// Introspection is a token introspection response: RFC 7662, section 2.2.
//
// Only the JSON boolean true in "active" makes a token active: "true", 1, a
// missing member or any other value means inactive. A token whose "exp" has
// passed, or whose "nbf" has not come yet, by Config.Clock, is reported
// inactive too. Active alone does not mean the token is fit for a purpose:
// a resource server still checks Aud, ClientID, Scope and TokenType (RFC
// 7662, section 4), for instance that an active Keycloak token is not a
// refresh token (Raw["typ"]).
type Introspection struct {
	// Active tells whether the token is active (see above).
	Active bool
	// Scope is the "scope" member, space-delimited.
	Scope string
	// ClientID is the "client_id" member: the client the token was issued to.
	ClientID string
	// Username is the "username" member.
	Username string
	// TokenType is the "token_type" member, such as "Bearer".
	TokenType string
	// Exp, Iat and Nbf are the "exp", "iat" and "nbf" members; zero when
	// absent.
	Exp, Iat, Nbf time.Time
	// Sub is the "sub" member.
	Sub string
	// Aud is the "aud" member, a string or an array of strings on the wire.
	Aud []string
	// Iss is the "iss" member.
	Iss string
	// Jti is the "jti" member.
	Jti string
	// Raw holds every member of the response, those above included.
	Raw map[string]json.RawMessage
}

// HasAudience reports whether aud is one of the token's audiences.
func (in *Introspection) HasAudience(aud string) bool { return slices.Contains(in.Aud, aud) }

// HasScope reports whether scope is one of the token's scopes.
func (in *Introspection) HasScope(scope string) bool {
	return slices.Contains(strings.Fields(in.Scope), scope)
}

// Introspect asks Endpoint.IntrospectionURL about token: RFC 7662, section
// 2.1. hint is the optional token_type_hint, such as [HintAccessToken]. The
// client authenticates as at the token endpoint.
//
// It fails closed: an HTTP status other than 200, an error object, a body
// that is not a JSON object, a repeated member, or an active response with
// a member of the wrong type is an error, never an inactive or active
// result.
func (c *Config) Introspect(ctx context.Context, token, hint string) (*Introspection, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: no token to introspect", ErrInvalidConfig)
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	r, err := c.post(ctx, c.Endpoint.IntrospectionURL, form, true, nil)
	if err != nil {
		return nil, err
	}
	if err := checkSuccess(r, http.StatusOK); err != nil {
		return nil, err
	}
	return parseIntrospection(r.body, c.now())
}

// parseIntrospection reads the response of RFC 7662, section 2.2. The
// members of an inactive response are kept when they parse and ignored
// when they do not: section 2.2 says such a response should hold only
// "active".
func parseIntrospection(body []byte, now time.Time) (*Introspection, error) {
	members, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	in := &Introspection{Raw: members, Active: string(members["active"]) == "true"}
	fail := func(err error) (*Introspection, error) {
		if in.Active {
			return nil, err
		}
		return &Introspection{Raw: members}, nil
	}
	rest := make(map[string]json.RawMessage, len(members))
	for k, v := range members {
		rest[k] = v
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"scope", &in.Scope}, {"client_id", &in.ClientID}, {"username", &in.Username},
		{"token_type", &in.TokenType}, {"sub", &in.Sub}, {"iss", &in.Iss}, {"jti", &in.Jti},
	} {
		if err := takeString(rest, f.name, f.dst, false); err != nil {
			return fail(err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{
		{"exp", &in.Exp}, {"iat", &in.Iat}, {"nbf", &in.Nbf},
	} {
		t, err := numericDate(rest[f.name])
		if err != nil {
			return fail(fmt.Errorf("%w: %s is not a number", ErrMalformedResponse, f.name))
		}
		*f.dst = t
	}
	if raw, ok := rest["aud"]; ok && string(raw) != "null" {
		aud, err := audience(raw)
		if err != nil {
			return fail(err)
		}
		in.Aud = aud
	}
	if !in.Exp.IsZero() && !now.Before(in.Exp) {
		in.Active = false
	}
	if !in.Nbf.IsZero() && now.Before(in.Nbf) {
		in.Active = false
	}
	return in, nil
}

// numericDate reads a JSON number of seconds since the epoch (RFC 7519,
// section 2). Absent or null gives the zero time. The value is clamped to
// the years 1970 to 9999, so that no conversion overflows.
func numericDate(raw json.RawMessage) (time.Time, error) {
	if raw == nil || string(raw) == "null" {
		return time.Time{}, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil || strings.HasPrefix(string(raw), `"`) {
		return time.Time{}, ErrMalformedResponse
	}
	f, err := n.Float64()
	if err != nil && !math.IsInf(f, 0) {
		return time.Time{}, ErrMalformedResponse
	}
	const maxUnix = 253402300799 // 9999-12-31T23:59:59Z
	f = math.Max(0, math.Min(maxUnix, f))
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// audience reads "aud": one string or an array of strings (RFC 7519,
// section 4.1.3).
func audience(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrMalformedResponse)
	}
	return many, nil
}
