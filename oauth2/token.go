package oauth2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Token types a client understands (RFC 6749, section 7.1).
const (
	TokenTypeBearer = "Bearer" // RFC 6750
	TokenTypeDPoP   = "DPoP"   // RFC 9449, section 5
	// TokenTypeNA is the token_type of a token exchange response whose
	// issued token is not an access token (RFC 8693, section 2.2.1). Such a
	// token is never sent to a resource server.
	TokenTypeNA = "N_A"
)

// Token is a successful access token response (RFC 6749, section 5.1) as the
// client keeps it. It marshals to JSON and back without loss, for storage.
//
// A response becomes a Token only when it has a non-empty string
// access_token and a token_type the client understands: a missing
// token_type is ErrMalformedResponse (strict: the member is REQUIRED, and
// guessing Bearer could misuse a DPoP-bound token), an unknown one is
// ErrUnsupportedTokenType.
type Token struct {
	// AccessToken is the "access_token" member, the credential sent to
	// resource servers. Never empty in a Token this package returns.
	AccessToken string
	// TokenType is "Bearer" or "DPoP", in that canonical spelling whatever
	// case the server used (RFC 6749, section 5.1: case-insensitive). A
	// response of any other type is refused with ErrUnsupportedTokenType,
	// because a client must not use a token type it does not understand
	// (section 7.1).
	TokenType string
	// RefreshToken is the "refresh_token" member, empty when none was issued.
	RefreshToken string
	// Expiry is when the access token expires: ReceivedAt plus "expires_in".
	// Zero when the server gave no expires_in, or null (the lifetime is
	// unknown). expires_in of 0 or less gives a token that is already
	// expired: Expiry equals ReceivedAt, or is before it.
	Expiry time.Time
	// ReceivedAt is when the response was received, by Config.Clock.
	ReceivedAt time.Time
	// Scope is the "scope" member: the granted scope when it differs from
	// the requested one (section 5.1).
	Scope string
	// IDToken is the OpenID Connect "id_token" member, unverified.
	IDToken string
	// IssuedTokenType is the RFC 8693 "issued_token_type" member.
	IssuedTokenType string
	// Extra holds every other member of the response as it was sent:
	// Keycloak's "session_state", "refresh_expires_in", "not-before-policy".
	Extra map[string]json.RawMessage
}

// Lifetime is Expiry minus ReceivedAt: how long the token was valid when it
// arrived. Zero when the expiry is unknown.
func (t *Token) Lifetime() time.Duration {
	if t.Expiry.IsZero() {
		return 0
	}
	return t.Expiry.Sub(t.ReceivedAt)
}

// Expired reports whether the token has expired at now. A token with an
// unknown expiry never expires by this test.
func (t *Token) Expired(now time.Time) bool {
	return !t.Expiry.IsZero() && !now.Before(t.Expiry)
}

// ExtraString returns the extra member name when it is a JSON string, else "".
func (t *Token) ExtraString(name string) string {
	var s string
	if raw, ok := t.Extra[name]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// storedToken is the JSON form of a Token.
type storedToken struct {
	AccessToken     string                     `json:"access_token"`
	TokenType       string                     `json:"token_type"`
	RefreshToken    string                     `json:"refresh_token,omitempty"`
	Expiry          *time.Time                 `json:"expiry,omitempty"`
	ReceivedAt      time.Time                  `json:"received_at"`
	Scope           string                     `json:"scope,omitempty"`
	IDToken         string                     `json:"id_token,omitempty"`
	IssuedTokenType string                     `json:"issued_token_type,omitempty"`
	Extra           map[string]json.RawMessage `json:"extra,omitempty"`
}

// MarshalJSON encodes the token for storage, expiry as an absolute time.
func (t Token) MarshalJSON() ([]byte, error) {
	s := storedToken{
		AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken,
		ReceivedAt: t.ReceivedAt, Scope: t.Scope, IDToken: t.IDToken,
		IssuedTokenType: t.IssuedTokenType, Extra: t.Extra,
	}
	if !t.Expiry.IsZero() {
		s.Expiry = &t.Expiry
	}
	return json.Marshal(s)
}

// UnmarshalJSON decodes what MarshalJSON encoded.
func (t *Token) UnmarshalJSON(b []byte) error {
	var s storedToken
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = Token{
		AccessToken: s.AccessToken, TokenType: s.TokenType, RefreshToken: s.RefreshToken,
		ReceivedAt: s.ReceivedAt, Scope: s.Scope, IDToken: s.IDToken,
		IssuedTokenType: s.IssuedTokenType, Extra: s.Extra,
	}
	if s.Expiry != nil {
		t.Expiry = *s.Expiry
	}
	return nil
}

// tokenFromMembers reads a successful token response (RFC 6749, section
// 5.1) already split into its members, which it consumes. dpop tells
// whether the request carried a DPoP proof, the only case where a DPoP
// token type is acceptable (RFC 9449, section 5). The policy, member by member (RFC 6749, section 5.1):
//
//   - access_token: REQUIRED, a non-empty string that passes
//     CheckAccessToken (RFC 6750, section 2.1), else ErrMalformedResponse
//     (wrapping ErrAccessTokenSyntax for the syntax).
//   - token_type: REQUIRED, a string, else ErrMalformedResponse. oauthkit is
//     strict here where some libraries quietly assume Bearer: a response
//     without a type is a broken response, and guessing could send a
//     DPoP-bound token as a bearer token. "Bearer" matches in any letter
//     case; "DPoP" (any case) only when the request carried a DPoP proof;
//     "N_A" only in a token exchange response whose issued_token_type is
//     not an access token (RFC 8693, section 2.2.1); any other type is
//     ErrUnsupportedTokenType (section 7.1).
//   - expires_in: see parseExpiresIn.
//   - refresh_token, scope, id_token, issued_token_type: strings when
//     present; null is absent; another type is ErrMalformedResponse.
//   - every other member is kept in Extra, compacted.
//   - a member name that appears twice makes the response malformed;
//     names are compared exactly, so "ACCESS_TOKEN" is an extra member.
func tokenFromMembers(members map[string]json.RawMessage, received time.Time, dpop bool) (*Token, error) {
	t := &Token{ReceivedAt: received}
	var tokenType string
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"access_token", &t.AccessToken, true},
		{"token_type", &tokenType, true},
		{"refresh_token", &t.RefreshToken, false},
		{"scope", &t.Scope, false},
		{"id_token", &t.IDToken, false},
		{"issued_token_type", &t.IssuedTokenType, false},
	} {
		if err := takeString(members, f.name, f.dst, f.required); err != nil {
			return nil, err
		}
	}
	if err := CheckAccessToken(t.AccessToken); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	switch {
	case strings.EqualFold(tokenType, TokenTypeBearer):
		t.TokenType = TokenTypeBearer
	case strings.EqualFold(tokenType, TokenTypeDPoP) && dpop:
		t.TokenType = TokenTypeDPoP
	case tokenType == TokenTypeNA && t.IssuedTokenType != "" && t.IssuedTokenType != "urn:ietf:params:oauth:token-type:access_token":
		t.TokenType = TokenTypeNA
	case len(tokenType) > 32:
		return nil, fmt.Errorf("%w: a %d-byte token_type", ErrUnsupportedTokenType, len(tokenType))
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedTokenType, sanitize(tokenType, 32))
	}
	if raw, ok := members["expires_in"]; ok {
		delete(members, "expires_in")
		d, known, err := parseExpiresIn(raw)
		if err != nil {
			return nil, err
		}
		if known {
			t.Expiry = received.Add(d)
		}
	}
	if len(members) > 0 {
		for k, raw := range members {
			members[k] = canonicalJSON(raw)
		}
		t.Extra = members
	}
	return t, nil
}

// canonicalJSON is raw as encoding/json writes a json.RawMessage: compact,
// with <, > and & escaped. Keeping Extra in this form makes a Token survive
// MarshalJSON and UnmarshalJSON byte for byte.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	var compact, out bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return raw
	}
	json.HTMLEscape(&out, compact.Bytes())
	return out.Bytes()
}

// parseExpiresIn reads "expires_in" (RFC 6749, section 5.1). The rule:
//
//   - a JSON number of seconds, or the same number as a decimal string
//     ("3600", as PayPal and Azure send it), is accepted; a fraction is
//     truncated (3600.5 is 3600 s);
//   - 0 means the token is already expired when received, never "does not
//     expire"; a negative value means the same;
//   - null, or no member at all, means the lifetime is unknown: Expiry
//     stays zero;
//   - anything else (true, "abc", an object, NaN, Inf, hex, a number
//     beyond the range of a float64 such as 1e400) is ErrMalformedResponse;
//   - the result is clamped to ten years either way, so that no value can
//     overflow a time.Duration (9223372037 s would wrap to negative).
func parseExpiresIn(raw json.RawMessage) (time.Duration, bool, error) {
	f, known, err := secondsValue(raw)
	if err != nil || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("%w: expires_in is not a number", ErrMalformedResponse)
	}
	if !known {
		return 0, false, nil
	}
	return clampSeconds(f), true, nil
}
