package oauth2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
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
// client keeps it.
//
// A response becomes a Token only when it has a non-empty string
// access_token and a token_type the client understands: a missing
// token_type is ErrMalformedResponse (strict: the member is REQUIRED, and
// guessing Bearer could misuse a DPoP-bound token), an unknown one is
// ErrUnsupportedTokenType.
//
// A Token marshals to JSON for storage in the form other libraries store
// tokens: the section 5.1 members, the absolute expiry as "expires_at" in
// seconds since the epoch, and every other member inline, as the server sent
// it. [Token.MarshalJSON] states the format exactly; [Token.UnmarshalJSON]
// also reads tokens stored by earlier versions of oauthkit, by Authlib and by
// x/oauth2.
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
	// ReceivedAt is when the response was received, by Config.Clock. A
	// token read back from storage has it to the second, and only when its
	// expiry is known (it is stored as expires_at minus expires_in).
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

// ErrMalformedToken is the error of [Token.UnmarshalJSON] for JSON that is
// not a stored token: not an object, or a member of the wrong type.
var ErrMalformedToken = errors.New("oauth2: malformed stored token")

// isStoredMember reports whether name is a member of the stored form that
// Token's fields own. A member of Extra with such a name is not stored: the
// field's value is.
func isStoredMember(name string) bool {
	switch name {
	case "access_token", "token_type", "refresh_token", "expires_in",
		"scope", "id_token", "issued_token_type", "expires_at",
		// Read for tokens stored in other forms (see UnmarshalJSON), so
		// never written from Extra: they would be read back as the
		// token's expiry.
		"expiry", "received_at":
		return true
	}
	return false
}

// MarshalJSON encodes the token for storage. The stored form is one JSON
// object with these members, in this order:
//
//   - "access_token", "token_type": strings, always present (RFC 6749,
//     section 5.1).
//   - "refresh_token": a string, when not empty.
//   - "expires_in": the lifetime when received (Expiry minus ReceivedAt) in
//     whole seconds, when the expiry is known and ReceivedAt is set.
//   - "scope", "id_token", "issued_token_type" (RFC 8693, section 2.2.1):
//     strings, when not empty.
//   - "expires_at": Expiry in whole seconds since the Unix epoch, rounded
//     down, when the expiry is known; absent when it is unknown.
//   - every member of Extra, inline and sorted by name, its value as the
//     server sent it (compacted). An extra member named like one of the
//     members above, "expiry" or "received_at" is not stored.
//
// This is the shape Authlib stores, so each library reads the other's
// tokens. Example:
//
//	{"access_token":"eyJ…","token_type":"Bearer","refresh_token":"eyJ…",
//	 "expires_in":300,"scope":"openid email","expires_at":1740830700,
//	 "not-before-policy":0,"session_state":"5e1b7c0a-…"}
func (t Token) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	member := func(name string, value any) {
		v, _ := json.Marshal(value) // strings and integers: never fails
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		n, _ := json.Marshal(name)
		b.Write(n)
		b.WriteByte(':')
		b.Write(v)
	}
	optional := func(name, value string) {
		if value != "" {
			member(name, value)
		}
	}
	member("access_token", t.AccessToken)
	member("token_type", t.TokenType)
	optional("refresh_token", t.RefreshToken)
	if !t.Expiry.IsZero() && !t.ReceivedAt.IsZero() {
		member("expires_in", t.Expiry.Unix()-t.ReceivedAt.Unix())
	}
	optional("scope", t.Scope)
	optional("id_token", t.IDToken)
	optional("issued_token_type", t.IssuedTokenType)
	if !t.Expiry.IsZero() {
		member("expires_at", t.Expiry.Unix())
	}
	names := make([]string, 0, len(t.Extra))
	for name := range t.Extra {
		if !isStoredMember(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		raw := canonicalJSON(t.Extra[name])
		if !json.Valid(raw) {
			return nil, fmt.Errorf("oauth2: extra member %q is not JSON", sanitize(name, 64))
		}
		member(name, raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes a stored token: the form MarshalJSON writes, and the
// forms others store, so that no stored expiry is lost:
//
//   - Authlib's: the token response with "expires_at" (seconds since the
//     epoch) added. This is MarshalJSON's form.
//   - x/oauth2's: "expiry" as an RFC 3339 time (its zero time,
//     0001-01-01T00:00:00Z, means no expiry) and sometimes "expires_in".
//   - oauthkit's earlier form: "expiry" and "received_at" as RFC 3339 times,
//     the other members nested in an "extra" object.
//
// The expiry is "expires_at" when present, else "expiry". "expires_at" is a
// number of seconds (a fraction is kept) or the same number as a decimal
// string. ReceivedAt is "received_at" when present, else the expiry minus
// "expires_in" when both are known, else zero. "expires_in" alone states no
// moment, so the expiry of a token stored with only expires_in is unknown.
// A "token_type" of Bearer or DPoP in any letter case is made canonical.
// Every member not named here is kept in Extra. JSON that is not an
// object, a string member that is not a string, or a time that does not
// parse is ErrMalformedToken; null is the same as an absent member.
func (t *Token) UnmarshalJSON(b []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil || members == nil {
		return fmt.Errorf("%w: not a JSON object", ErrMalformedToken)
	}
	var tok Token
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"access_token", &tok.AccessToken},
		{"token_type", &tok.TokenType},
		{"refresh_token", &tok.RefreshToken},
		{"scope", &tok.Scope},
		{"id_token", &tok.IDToken},
		{"issued_token_type", &tok.IssuedTokenType},
	} {
		if err := takeString(members, f.name, f.dst, false); err != nil {
			return fmt.Errorf("%w: %s is not a string", ErrMalformedToken, f.name)
		}
	}
	switch {
	case strings.EqualFold(tok.TokenType, TokenTypeBearer):
		tok.TokenType = TokenTypeBearer
	case strings.EqualFold(tok.TokenType, TokenTypeDPoP):
		tok.TokenType = TokenTypeDPoP
	}
	expiresAt, err := takeEpochSeconds(members, "expires_at")
	if err != nil {
		return err
	}
	expiry, err := takeTime(members, "expiry")
	if err != nil {
		return err
	}
	received, err := takeTime(members, "received_at")
	if err != nil {
		return err
	}
	var lifetime time.Duration
	lifetimeKnown := false
	if raw, ok := members["expires_in"]; ok {
		delete(members, "expires_in")
		var err error
		if lifetime, lifetimeKnown, err = parseSeconds(raw); err != nil {
			return fmt.Errorf("%w: expires_in is not a number", ErrMalformedToken)
		}
	}
	// The earlier oauthkit form nested the other members in "extra"; it is
	// recognised by its "received_at", which no other form has.
	if raw, ok := members["extra"]; ok && !received.IsZero() {
		var nested map[string]json.RawMessage
		if json.Unmarshal(raw, &nested) == nil && nested != nil {
			delete(members, "extra")
			for name, v := range nested {
				if _, taken := members[name]; !taken && !isStoredMember(name) {
					members[name] = v
				}
			}
		}
	}

	tok.Expiry = expiresAt
	if tok.Expiry.IsZero() {
		tok.Expiry = expiry
	}
	tok.ReceivedAt = received
	if tok.ReceivedAt.IsZero() && !tok.Expiry.IsZero() && lifetimeKnown {
		tok.ReceivedAt = tok.Expiry.Add(-lifetime)
	}
	if len(members) > 0 {
		for name, raw := range members {
			members[name] = canonicalJSON(raw)
		}
		tok.Extra = members
	}
	*t = tok
	return nil
}

// takeEpochSeconds removes the member name from members and reads it as a
// time in seconds since the Unix epoch: a JSON number or a decimal string.
// Zero when it is absent or null.
func takeEpochSeconds(members map[string]json.RawMessage, name string) (time.Time, error) {
	raw, ok := members[name]
	if !ok {
		return time.Time{}, nil
	}
	delete(members, name)
	f, known, err := secondsValue(raw)
	// 1e11 s is beyond the year 5000: no expiry anyone stores.
	if err != nil || math.Abs(f) > 1e11 {
		return time.Time{}, fmt.Errorf("%w: %s is not a number of seconds since the epoch", ErrMalformedToken, name)
	}
	if !known {
		return time.Time{}, nil
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// takeTime removes the member name from members and reads it as an RFC 3339
// time. Zero when it is absent, null or Go's zero time, which
// x/oauth2 writes for "no expiry".
func takeTime(members map[string]json.RawMessage, name string) (time.Time, error) {
	raw, ok := members[name]
	if !ok {
		return time.Time{}, nil
	}
	delete(members, name)
	var at *time.Time
	if err := json.Unmarshal(raw, &at); err != nil {
		return time.Time{}, fmt.Errorf("%w: %s is not an RFC 3339 time", ErrMalformedToken, name)
	}
	if at == nil || at.IsZero() {
		return time.Time{}, nil
	}
	return *at, nil
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
