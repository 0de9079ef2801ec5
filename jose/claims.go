package jose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// NumericDate is a JWT time: seconds since 1970-01-01T00:00:00Z UTC.
// RFC 7519, section 2. Fractional values are truncated toward zero.
type NumericDate int64

// maxNumericDate is 9999-12-31T23:59:59Z; larger values are rejected as
// malformed rather than converted with float-to-int surprises.
const maxNumericDate = 253402300799

// NewNumericDate returns t as a NumericDate (truncated to seconds).
func NewNumericDate(t time.Time) NumericDate { return NumericDate(t.Unix()) }

// Time returns d as a UTC time.
func (d NumericDate) Time() time.Time { return time.Unix(int64(d), 0).UTC() }

// UnmarshalJSON accepts a JSON number in [0, 253402300799]; strings, null,
// negative values and out-of-range numbers (1e300, 1e999) are ErrMalformed.
func (d *NumericDate) UnmarshalJSON(b []byte) error {
	v, err := parseNumericDate(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseNumericDate range-checks before converting. RFC 7519, section 2.
func parseNumericDate(b []byte) (NumericDate, error) {
	if len(b) == 0 || len(b) > 64 {
		return 0, fmt.Errorf("%w: NumericDate is not a number", ErrMalformed)
	}
	// Fast path: a plain non-negative integer.
	if len(b) <= 12 {
		var v int64
		plain := true
		for _, c := range b {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if plain && (len(b) == 1 || b[0] != '0') {
			if v > maxNumericDate {
				return 0, fmt.Errorf("%w: NumericDate %d out of range", ErrMalformed, v)
			}
			return NumericDate(v), nil
		}
	}
	s := jsonScanner{data: b}
	if b[0] != '-' && (b[0] < '0' || b[0] > '9') || s.scanNumber() != nil || s.pos != len(b) {
		return 0, fmt.Errorf("%w: NumericDate must be a JSON number", ErrMalformed)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > maxNumericDate || f != f {
		return 0, fmt.Errorf("%w: NumericDate %s out of range", ErrMalformed, truncate(string(b)))
	}
	return NumericDate(int64(f)), nil
}

// Audience is the "aud" claim: one string or an array of strings.
// RFC 7519, section 4.1.3.
type Audience []string

// Contains reports whether aud lists s (exact, case-sensitive comparison).
func (a Audience) Contains(s string) bool {
	for _, v := range a {
		if v == s {
			return true
		}
	}
	return false
}

// UnmarshalJSON accepts a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	v, err := parseAudience(b, nil)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalJSON encodes a single audience as a string, otherwise as an array.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// parseAudience parses "aud". When str is non-nil it is the document as a
// string, and values without escapes are taken from it without copying.
func parseAudience(b []byte, str func(start, end int) string) (Audience, error) {
	s := jsonScanner{data: b}
	s.skipSpace()
	start := s.pos
	if s.pos < len(b) && b[s.pos] == '"' {
		escaped, err := s.scanString()
		if err != nil {
			return nil, err
		}
		return Audience{stringAt(b, start, s.pos, escaped, str)}, nil
	}
	elems, kinds, err := scanArray(b)
	if err != nil {
		return nil, fmt.Errorf("%w: \"aud\" must be a string or an array of strings", ErrMalformed)
	}
	out := make(Audience, len(elems))
	for i, e := range elems {
		if kinds[i] != kindString {
			return nil, fmt.Errorf("%w: \"aud\" must be a string or an array of strings", ErrMalformed)
		}
		out[i] = string(stringContent(e))
	}
	return out, nil
}

// stringAt returns the content of the string value b[start:end] (quotes
// included), reusing the document string when available.
func stringAt(b []byte, start, end int, escaped bool, str func(start, end int) string) string {
	if !escaped && str != nil {
		return str(start+1, end-1)
	}
	return string(stringContent(b[start:end]))
}

// Claims is a JWT claim set. RFC 7519, section 4.
type Claims struct {
	Issuer    string       // "iss", RFC 7519 section 4.1.1
	Subject   string       // "sub", section 4.1.2
	Audience  Audience     // "aud", section 4.1.3
	Expiry    *NumericDate // "exp", section 4.1.4
	NotBefore *NumericDate // "nbf", section 4.1.5
	IssuedAt  *NumericDate // "iat", section 4.1.6
	ID        string       // "jti", section 4.1.7
	// Raw holds every member of the claim set, the registered ones included,
	// as it appeared in the token.
	Raw map[string]json.RawMessage
}

// ParseClaims parses a JWT claim set strictly (RFC 7519, section 7.2, step
// 10): it must be one JSON object with unique member names (names equal but
// for case are duplicates too), registered claims must have their registered
// types, and NumericDates must be in range. Errors wrap ErrMalformed.
//
// Call it only on a payload whose signature has been verified.
func ParseClaims(payload []byte) (*Claims, error) {
	return parseClaims(payload, true)
}

// parseClaims implements ParseClaims. When shared is false, payload is a
// buffer nobody else holds (VerifyJWT's decoded payload) and Raw may alias it;
// otherwise Raw gets a private copy.
func parseClaims(payload []byte, shared bool) (*Claims, error) {
	var buf [24]member
	ms, err := scanObject(payload, buf[:0])
	if err != nil {
		return nil, fmt.Errorf("%w (in the claims)", err)
	}
	// Private copies: Raw must not alias the caller's buffer, and names and
	// plain string values are sliced from one string instead of copied one
	// by one.
	owned := payload
	if shared {
		owned = bytes.Clone(payload)
	}
	doc := string(payload)
	str := func(start, end int) string { return doc[start:end] }
	c := &Claims{Raw: make(map[string]json.RawMessage, len(ms))}
	var dates *[3]NumericDate
	for i := range ms {
		m := &ms[i]
		var name string
		if m.escaped {
			name = string(m.name)
		} else {
			name = doc[m.nameStart:m.nameEnd]
		}
		end := m.valStart + len(m.value)
		c.Raw[name] = owned[m.valStart:end:end]
		var dateIdx int
		switch name {
		case "iss", "sub", "jti":
			if m.kind != kindString {
				return nil, fmt.Errorf("%w: claim %q must be a string", ErrMalformed, name)
			}
			v := stringAt(payload, m.valStart, end, bytes.IndexByte(m.value, '\\') >= 0, str)
			switch name {
			case "iss":
				c.Issuer = v
			case "sub":
				c.Subject = v
			default:
				c.ID = v
			}
			continue
		case "aud":
			if m.kind != kindString && m.kind != kindArray {
				return nil, fmt.Errorf("%w: claim \"aud\" must be a string or an array of strings", ErrMalformed)
			}
			if c.Audience, err = parseAudience(m.value, func(s, e int) string { return doc[m.valStart+s : m.valStart+e] }); err != nil {
				return nil, err
			}
			continue
		case "exp":
			dateIdx = 0
		case "nbf":
			dateIdx = 1
		case "iat":
			dateIdx = 2
		default:
			if reg, ok := caseVariantOf(m, "iss", "sub", "aud", "exp", "nbf", "iat", "jti"); ok {
				return nil, fmt.Errorf("%w: claim %q is a case variant of %q", ErrMalformed, truncate(name), reg)
			}
			continue
		}
		if m.kind != kindNumber {
			return nil, fmt.Errorf("%w: claim %q must be a NumericDate", ErrMalformed, name)
		}
		d, err := parseNumericDate(m.value)
		if err != nil {
			return nil, fmt.Errorf("%w (claim %q)", err, name)
		}
		if dates == nil {
			dates = new([3]NumericDate)
		}
		dates[dateIdx] = d
		switch dateIdx {
		case 0:
			c.Expiry = &dates[0]
		case 1:
			c.NotBefore = &dates[1]
		default:
			c.IssuedAt = &dates[2]
		}
	}
	return c, nil
}

// UnmarshalJSON parses b as ParseClaims does.
func (c *Claims) UnmarshalJSON(b []byte) error {
	parsed, err := ParseClaims(b)
	if err != nil {
		return err
	}
	*c = *parsed
	return nil
}

// MarshalJSON encodes the claim set: the members of Raw, with the registered
// claims taken from the struct fields (a zero field omits the claim).
func (c Claims) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(c.Raw)+7)
	for k, v := range c.Raw {
		out[k] = v
	}
	for _, name := range [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"} {
		delete(out, name)
	}
	setString := func(name, v string) {
		if v != "" {
			out[name] = v
		}
	}
	setString("iss", c.Issuer)
	setString("sub", c.Subject)
	setString("jti", c.ID)
	if len(c.Audience) > 0 {
		out["aud"] = c.Audience
	}
	for name, d := range map[string]*NumericDate{"exp": c.Expiry, "nbf": c.NotBefore, "iat": c.IssuedAt} {
		if d != nil {
			out[name] = int64(*d)
		}
	}
	return json.Marshal(out)
}

// Expected lists what Validate checks. Zero values disable a check.
type Expected struct {
	Issuer   string // "" = not checked; otherwise "iss" must equal it exactly
	Audience string // "" = not checked; otherwise "aud" must contain it
	Subject  string // "" = not checked; otherwise "sub" must equal it
	// Leeway is the allowed clock skew for exp, nbf and iat (negative = 0).
	Leeway time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// RequireExpiry and RequireIssuedAt make "exp" and "iat" mandatory
	// (OpenID Connect Core, section 2 requires both in ID tokens).
	RequireExpiry, RequireIssuedAt bool
}

// Validate checks the registered claims (RFC 7519, section 4.1) against e.
// Each failure wraps its own sentinel: ErrExpired, ErrNotYetValid,
// ErrIssuedInFuture, ErrIssuer, ErrAudience, ErrSubject, and ErrMissingClaim
// (together with the claim's own sentinel when an expected value was set).
func (c *Claims) Validate(e Expected) error {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	t := now()
	leeway := max(e.Leeway, 0)

	// RFC 7519, section 4.1.4: the current time MUST be before "exp".
	if c.Expiry == nil {
		if e.RequireExpiry {
			return fmt.Errorf("%w: \"exp\"", ErrMissingClaim)
		}
	} else if exp := c.Expiry.Time(); !t.Before(exp.Add(leeway)) {
		return fmt.Errorf("%w: expired at %s (now %s, leeway %s)", ErrExpired, exp.Format(time.RFC3339), t.UTC().Format(time.RFC3339), leeway)
	}
	// Section 4.1.5: the current time MUST be at or after "nbf".
	if c.NotBefore != nil {
		if nbf := c.NotBefore.Time(); t.Add(leeway).Before(nbf) {
			return fmt.Errorf("%w: not before %s (now %s, leeway %s)", ErrNotYetValid, nbf.Format(time.RFC3339), t.UTC().Format(time.RFC3339), leeway)
		}
	}
	// Section 4.1.6: "iat" in the future means a wrong clock or a forgery.
	if c.IssuedAt == nil {
		if e.RequireIssuedAt {
			return fmt.Errorf("%w: \"iat\"", ErrMissingClaim)
		}
	} else if iat := c.IssuedAt.Time(); t.Add(leeway).Before(iat) {
		return fmt.Errorf("%w: issued at %s (now %s, leeway %s)", ErrIssuedInFuture, iat.Format(time.RFC3339), t.UTC().Format(time.RFC3339), leeway)
	}
	// Section 4.1.1: exact string comparison, no normalization.
	if e.Issuer != "" && c.Issuer != e.Issuer {
		if _, ok := c.Raw["iss"]; !ok {
			return fmt.Errorf("%w: %w: \"iss\" (expected %q)", ErrIssuer, ErrMissingClaim, truncate(e.Issuer))
		}
		return fmt.Errorf("%w: got %q, expected %q", ErrIssuer, truncate(c.Issuer), truncate(e.Issuer))
	}
	// Section 4.1.3: the audience must be listed.
	if e.Audience != "" && !c.Audience.Contains(e.Audience) {
		if _, ok := c.Raw["aud"]; !ok {
			return fmt.Errorf("%w: %w: \"aud\" (expected %q)", ErrAudience, ErrMissingClaim, truncate(e.Audience))
		}
		return fmt.Errorf("%w: %q not among %d audience(s)", ErrAudience, truncate(e.Audience), len(c.Audience))
	}
	// Section 4.1.2.
	if e.Subject != "" && c.Subject != e.Subject {
		if _, ok := c.Raw["sub"]; !ok {
			return fmt.Errorf("%w: %w: \"sub\"", ErrSubject, ErrMissingClaim)
		}
		return fmt.Errorf("%w: got %q, expected %q", ErrSubject, truncate(c.Subject), truncate(e.Subject))
	}
	return nil
}
