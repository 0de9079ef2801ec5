package jose

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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
	v, err := parseNumericDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseNumericDate range-checks before converting. RFC 7519, section 2.
func parseNumericDate(b string) (NumericDate, error) {
	if len(b) == 0 || len(b) > 64 {
		return 0, fmt.Errorf("%w: NumericDate is not a number", ErrMalformed)
	}
	// Fast path: a plain non-negative integer.
	if len(b) <= 12 {
		var v int64
		plain := true
		for i := 0; i < len(b); i++ {
			c := b[i]
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
	s := jsonScanner{data: []byte(b)}
	if b[0] != '-' && (b[0] < '0' || b[0] > '9') || s.scanNumber() != nil || s.pos != len(b) {
		return 0, fmt.Errorf("%w: NumericDate must be a JSON number", ErrMalformed)
	}
	f, err := strconv.ParseFloat(b, 64)
	if err != nil || f < 0 || f > maxNumericDate || f != f {
		return 0, fmt.Errorf("%w: NumericDate %s out of range", ErrMalformed, truncate(b))
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
	v, err := parseAudience(b)
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

// parseAudience parses "aud": one string or an array of strings.
func parseAudience(b []byte) (Audience, error) {
	doc := string(b)
	s := jsonScanner{data: b}
	s.skipSpace()
	start := s.pos
	if s.pos < len(b) && b[s.pos] == '"' {
		if _, err := s.scanString(); err != nil {
			return nil, err
		}
		end := s.pos
		s.skipSpace()
		if s.pos != len(b) {
			return nil, errJSON(s.pos, "trailing data after the string")
		}
		return Audience{stringValue(doc[start:end])}, nil
	}
	out, err := parseStringArray(b, doc)
	if err != nil {
		return nil, fmt.Errorf("%w: \"aud\" must be a string or an array of strings", ErrMalformed)
	}
	return out, nil
}

// Claims is a JWT claim set. RFC 7519, section 4.
//
// The registered claims are fields. Every member of a parsed claim set, the
// registered ones included, stays readable as it appeared in the token
// through Raw, Member, Has, StringClaim, NumericDateClaim and StringsClaim.
// A Claims built by hand rather than by ParseClaims, VerifyJWT or
// UnmarshalJSON has no members beyond its fields.
type Claims struct {
	Issuer    string       // "iss", RFC 7519 section 4.1.1
	Subject   string       // "sub", section 4.1.2
	Audience  Audience     // "aud", section 4.1.3
	Expiry    *NumericDate // "exp", section 4.1.4
	NotBefore *NumericDate // "nbf", section 4.1.5
	IssuedAt  *NumericDate // "iat", section 4.1.6
	ID        string       // "jti", section 4.1.7

	// doc is the parsed claim set (a private, immutable copy) and members
	// indexes its top-level members in document order. Values are read
	// from doc on demand, so verification builds no per-member map.
	doc     string
	members []member
}

// memberIs reports whether m, a member of c.doc, is called name.
func (c *Claims) memberIs(m *member, name string) bool {
	raw := c.doc[m.nameStart:m.nameEnd]
	if !m.escaped {
		return raw == name
	}
	// An escape takes more bytes than the character it stands for.
	return len(raw) > len(name) && string(unescape([]byte(raw))) == name
}

// memberName returns the decoded name of m, a member of c.doc.
func (c *Claims) memberName(m *member) string {
	raw := c.doc[m.nameStart:m.nameEnd]
	if m.escaped {
		return string(unescape([]byte(raw)))
	}
	return raw
}

// claimsBlock holds a Claims together with the storage its pointer and
// slice fields use in the common case, so that parsing allocates it once.
type claimsBlock struct {
	claims Claims
	dates  [3]NumericDate // exp, nbf, iat
	aud    [1]string      // a single-string "aud"
	index  [24]member     // the members of all but unusually large claim sets
}

// ParseClaims parses a JWT claim set strictly (RFC 7519, section 7.2, step
// 10): it must be one JSON object with unique member names (names equal but
// for case are duplicates too), registered claims must have their registered
// types, and NumericDates must be in range. Errors wrap ErrMalformed.
//
// The result keeps a private copy of payload, never the caller's buffer.
// Call it only on a payload whose signature has been verified.
func ParseClaims(payload []byte) (*Claims, error) {
	block := new(claimsBlock)
	ms, err := scanObject(payload, block.index[:0])
	if err != nil {
		return nil, fmt.Errorf("%w (in the claims)", err)
	}
	// One private copy of the document: names and values without escapes
	// are substrings of it, and members are read from it later.
	doc := string(payload)
	c := &block.claims
	c.doc, c.members = doc, ms
	for i := range ms {
		m := &ms[i]
		val := doc[m.valStart:m.valEnd]
		var date *NumericDate
		name := doc[m.nameStart:m.nameEnd]
		if m.escaped {
			name = c.memberName(m)
		}
		switch name {
		case "iss", "sub", "jti":
			if m.kind != kindString {
				return nil, fmt.Errorf("%w: claim %q must be a string", ErrMalformed, name)
			}
			v := stringValue(val)
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
			if m.kind == kindString {
				block.aud[0] = stringValue(val)
				c.Audience = block.aud[:1:1]
				continue
			}
			if m.kind != kindArray {
				return nil, fmt.Errorf("%w: claim \"aud\" must be a string or an array of strings", ErrMalformed)
			}
			if c.Audience, err = parseStringArray(m.value(payload), val); err != nil {
				return nil, fmt.Errorf("%w: claim \"aud\" must be a string or an array of strings", ErrMalformed)
			}
			continue
		case "exp":
			date = &block.dates[0]
			c.Expiry = date
		case "nbf":
			date = &block.dates[1]
			c.NotBefore = date
		case "iat":
			date = &block.dates[2]
			c.IssuedAt = date
		default:
			if reg, ok := caseVariantOf(payload, m, "iss", "sub", "aud", "exp", "nbf", "iat", "jti"); ok {
				return nil, fmt.Errorf("%w: claim %q is a case variant of %q", ErrMalformed, truncate(name), reg)
			}
			continue
		}
		if m.kind != kindNumber {
			return nil, fmt.Errorf("%w: claim %q must be a NumericDate", ErrMalformed, name)
		}
		if *date, err = parseNumericDate(val); err != nil {
			return nil, fmt.Errorf("%w (claim %q)", err, name)
		}
	}
	return c, nil
}

// stringValue returns the content of a validated JSON string value (quotes
// included): a substring of raw when it holds no escapes.
func stringValue(raw string) string {
	inner := raw[1 : len(raw)-1]
	if strings.IndexByte(inner, '\\') < 0 {
		return inner
	}
	return string(unescape([]byte(inner)))
}

// parseStringArray parses a JSON array of strings. b is the raw value and
// doc the same bytes as a string: values without escapes are taken from
// doc without copying.
func parseStringArray(b []byte, doc string) ([]string, error) {
	var tmp [8]string
	out := tmp[:0]
	s := jsonScanner{data: b}
	s.skipSpace()
	if s.pos >= len(b) || b[s.pos] != '[' {
		return nil, errJSON(s.pos, "expected an array")
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(b) && b[s.pos] == ']' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			if s.pos >= len(b) || b[s.pos] != '"' {
				return nil, errJSON(s.pos, "expected a string")
			}
			start := s.pos
			if _, err := s.scanString(); err != nil {
				return nil, err
			}
			out = append(out, stringValue(doc[start:s.pos]))
			s.skipSpace()
			if s.pos >= len(b) {
				return nil, errJSON(s.pos, "unterminated array")
			}
			if b[s.pos] == ',' {
				s.pos++
				continue
			}
			if b[s.pos] == ']' {
				s.pos++
				break
			}
			return nil, errJSON(s.pos, "expected ',' or ']'")
		}
	}
	s.skipSpace()
	if s.pos != len(b) {
		return nil, errJSON(s.pos, "trailing data after the array")
	}
	return append(make([]string, 0, len(out)), out...), nil
}

// member returns the member called name (exact, case-sensitive match).
func (c *Claims) member(name string) (*member, bool) {
	if c == nil || len(c.members) == 0 {
		return nil, false
	}
	// Equal names have equal fold hashes: members whose hash differs are
	// skipped without looking at their bytes. Simple equivalent: compare
	// c.memberName(m) == name for every member.
	h := lookupHash(name)
	for i := range c.members {
		m := &c.members[i]
		if m.fold == h && c.memberIs(m, name) {
			return m, true
		}
	}
	return nil, false
}

// lookupHash returns the fold hash (see foldHash) of a name looked up in a
// claim set, without allocating for names of up to 64 bytes.
//
// Simple equivalent: h, _ := foldHash([]byte(name)), which allocates. The
// first branch hashes a short ASCII name from one word (foldWord, see
// strictjson_fast.go); the second copies to the stack.
func lookupHash(name string) uint32 {
	if len(name) < 8 {
		var x uint64
		for i := len(name) - 1; i >= 0; i-- {
			x = x<<8 | uint64(name[i])
		}
		if x&highs == 0 {
			h, _ := foldWord(x, len(name))
			return h
		}
	}
	if len(name) <= 64 {
		var buf [64]byte
		h, _ := foldHash(buf[:copy(buf[:], name)])
		return h
	}
	h, _ := foldHash([]byte(name))
	return h
}

// value returns the raw JSON of m, a member of c.doc.
func (c *Claims) value(m *member) string { return c.doc[m.valStart:m.valEnd] }

// Has reports whether the claim set has a member called name, whatever its
// value (null included).
func (c *Claims) Has(name string) bool {
	_, ok := c.member(name)
	return ok
}

// Member returns the raw JSON value of the member called name, as it
// appeared in the token, and whether there is one. The slice is a fresh
// copy the caller may keep and modify.
func (c *Claims) Member(name string) (json.RawMessage, bool) {
	m, ok := c.member(name)
	if !ok {
		return nil, false
	}
	return json.RawMessage(c.value(m)), true
}

// Raw returns every member of the claim set, the registered ones included,
// as it appeared in the token. It builds a new map on each call, which the
// caller may keep and modify; prefer Member, Has, StringClaim,
// NumericDateClaim or StringsClaim to read a few claims.
func (c *Claims) Raw() map[string]json.RawMessage {
	if c == nil {
		return map[string]json.RawMessage{}
	}
	out := make(map[string]json.RawMessage, len(c.members))
	if len(c.members) == 0 {
		return out
	}
	all := []byte(c.doc)
	for i := range c.members {
		m := &c.members[i]
		out[c.memberName(m)] = all[m.valStart:m.valEnd:m.valEnd]
	}
	return out
}

// StringClaim returns the string member called name. ok reports whether the
// member is present; a present member that is not a JSON string is an error
// wrapping ErrMalformed.
func (c *Claims) StringClaim(name string) (v string, ok bool, err error) {
	m, ok := c.member(name)
	if !ok {
		return "", false, nil
	}
	if m.kind != kindString {
		return "", true, fmt.Errorf("%w: claim %q must be a string", ErrMalformed, truncate(name))
	}
	return stringValue(c.value(m)), true, nil
}

// NumericDateClaim returns the NumericDate member called name (RFC 7519,
// section 2), range-checked as NumericDate.UnmarshalJSON does. ok reports
// whether the member is present; a present member that is not a valid
// NumericDate is an error wrapping ErrMalformed.
func (c *Claims) NumericDateClaim(name string) (d NumericDate, ok bool, err error) {
	m, ok := c.member(name)
	if !ok {
		return 0, false, nil
	}
	if m.kind != kindNumber {
		return 0, true, fmt.Errorf("%w: claim %q must be a NumericDate", ErrMalformed, truncate(name))
	}
	if d, err = parseNumericDate(c.value(m)); err != nil {
		return 0, true, fmt.Errorf("%w (claim %q)", err, truncate(name))
	}
	return d, true, nil
}

// StringsClaim returns the array-of-strings member called name (for
// example "amr"). ok reports whether the member is present; a present
// member that is not an array of strings is an error wrapping ErrMalformed.
func (c *Claims) StringsClaim(name string) (v []string, ok bool, err error) {
	m, ok := c.member(name)
	if !ok {
		return nil, false, nil
	}
	raw := c.value(m)
	if m.kind == kindArray {
		if v, err = parseStringArray([]byte(raw), raw); err == nil {
			return v, true, nil
		}
	}
	return nil, true, fmt.Errorf("%w: claim %q must be an array of strings", ErrMalformed, truncate(name))
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

// MarshalJSON encodes the claim set: the members of a parsed claim set (see
// Raw), with the registered claims taken from the struct fields (a zero
// field omits the claim).
func (c Claims) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(c.members)+7)
	for k, v := range c.Raw() {
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
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
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
	if e.Clock != nil {
		now = e.Clock
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
		if c.Issuer == "" && !c.Has("iss") {
			return fmt.Errorf("%w: %w: \"iss\" (expected %q)", ErrIssuer, ErrMissingClaim, truncate(e.Issuer))
		}
		return fmt.Errorf("%w: got %q, expected %q", ErrIssuer, truncate(c.Issuer), truncate(e.Issuer))
	}
	// Section 4.1.3: the audience must be listed.
	if e.Audience != "" && !c.Audience.Contains(e.Audience) {
		if len(c.Audience) == 0 && !c.Has("aud") {
			return fmt.Errorf("%w: %w: \"aud\" (expected %q)", ErrAudience, ErrMissingClaim, truncate(e.Audience))
		}
		return fmt.Errorf("%w: %q not among %d audience(s)", ErrAudience, truncate(e.Audience), len(c.Audience))
	}
	// Section 4.1.2.
	if e.Subject != "" && c.Subject != e.Subject {
		if c.Subject == "" && !c.Has("sub") {
			return fmt.Errorf("%w: %w: \"sub\"", ErrSubject, ErrMissingClaim)
		}
		return fmt.Errorf("%w: got %q, expected %q", ErrSubject, truncate(c.Subject), truncate(e.Subject))
	}
	return nil
}
