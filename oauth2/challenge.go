package oauth2

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Caps on what ParseChallenges accepts, so that a hostile resource server
// cannot make a client spend unbounded memory on one header.
const (
	// maxChallengeHeaderSize is the largest total length, in bytes, of the
	// WWW-Authenticate values parsed at once.
	maxChallengeHeaderSize = 16 << 10
	// maxChallenges is the largest number of challenges parsed at once.
	maxChallenges = 32
	// maxChallengeParams is the largest number of parameters of one challenge.
	maxChallengeParams = 32
)

// ErrMalformedChallenge is wrapped by every error of [ParseChallenges]: a
// WWW-Authenticate value that breaks the syntax of RFC 9110, section 11.6.1,
// repeats a parameter, or exceeds a cap.
var ErrMalformedChallenge = errors.New("oauth2: malformed WWW-Authenticate challenge")

// Challenge is one authentication challenge of a WWW-Authenticate header:
// RFC 9110, section 11.6.1. A challenge has either parameters or a token68,
// or neither.
type Challenge struct {
	// Scheme is the authentication scheme as the server spelled it, such as
	// "Bearer" or "DPoP". Compare it with [Challenge.Is], which ignores case.
	Scheme string
	// Params holds the auth-params, keyed by their lower-cased names (names
	// are case-insensitive), with quoted-string values unquoted.
	Params map[string]string
	// Token68 is the token68 form of the challenge's data, when it has one.
	Token68 string
}

// Is reports whether c's scheme is scheme, ignoring case (RFC 9110, section
// 11.1).
func (c Challenge) Is(scheme string) bool { return strings.EqualFold(c.Scheme, scheme) }

// Param returns the value of the parameter name, whose case is ignored.
func (c Challenge) Param(name string) string { return c.Params[strings.ToLower(name)] }

// Realm returns the "realm" parameter (RFC 9110, section 11.5).
func (c Challenge) Realm() string { return c.Param("realm") }

// ErrorCode returns the "error" parameter, such as "invalid_token" or
// "insufficient_scope" (RFC 6750, section 3.1).
func (c Challenge) ErrorCode() string { return c.Param("error") }

// ErrorDescription returns the "error_description" parameter (RFC 6750,
// section 3).
func (c Challenge) ErrorDescription() string { return c.Param("error_description") }

// ErrorURI returns the "error_uri" parameter (RFC 6750, section 3).
func (c Challenge) ErrorURI() string { return c.Param("error_uri") }

// Scope returns the "scope" parameter: the space-delimited scope needed to
// access the resource (RFC 6750, section 3). A client must not widen the
// scope it asks for just because a resource server says so; it is shown to
// the caller to decide.
func (c Challenge) Scope() string { return c.Param("scope") }

// Scopes returns the scope parameter split on spaces.
func (c Challenge) Scopes() []string { return strings.Fields(c.Scope()) }

// ResourceMetadata returns the "resource_metadata" parameter, the URL of
// the protected resource's metadata (RFC 9728, section 5.1). The value comes
// from the resource server and is untrusted: check its scheme and origin
// before fetching it (RFC 9728, section 7).
func (c Challenge) ResourceMetadata() string { return c.Param("resource_metadata") }

// FindChallenge returns the first challenge of the given scheme in h's
// WWW-Authenticate fields (RFC 9110, section 11.6.1). A field that does not parse is skipped, so that
// one malformed challenge does not hide a well-formed one in another field.
func FindChallenge(h http.Header, scheme string) (Challenge, bool) {
	for _, v := range h.Values("WWW-Authenticate") {
		cs, _ := ParseChallenges(v)
		for _, c := range cs {
			if c.Is(scheme) {
				return c, true
			}
		}
	}
	return Challenge{}, false
}

// BearerChallenge returns the first Bearer challenge of h's
// WWW-Authenticate fields (RFC 6750, section 3).
func BearerChallenge(h http.Header) (Challenge, bool) { return FindChallenge(h, TokenTypeBearer) }

// DPoPChallenge returns the first DPoP challenge of h's WWW-Authenticate
// fields (RFC 9449, section 7.1); its "error" is "use_dpop_nonce" when the
// resource server wants a nonce in the proof (section 9).
func DPoPChallenge(h http.Header) (Challenge, bool) { return FindChallenge(h, TokenTypeDPoP) }

// ParseChallenges parses WWW-Authenticate field values (RFC 9110, section
// 11.6.1), each of which may hold several comma-separated challenges; pass
// every value of the header, as http.Header.Values returns them. Scheme and
// parameter names are case-insensitive; quoted-string values are unquoted
// (section 5.6.4). A parameter repeated within a challenge is an error
// (RFC 6750, section 3: attributes MUST NOT appear more than once).
//
// On an error, the challenges parsed before it are returned with an error
// wrapping [ErrMalformedChallenge]. Parsing takes time linear in the input,
// which is capped at [maxChallengeHeaderSize] bytes, [maxChallenges]
// challenges and [maxChallengeParams] parameters per challenge.
func ParseChallenges(values ...string) ([]Challenge, error) {
	total := 0
	for _, v := range values {
		total += len(v)
		if total > maxChallengeHeaderSize {
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedChallenge, maxChallengeHeaderSize)
		}
	}
	var out []Challenge
	for _, v := range values {
		p := challengeParser{s: v}
		for {
			c, ok, err := p.next()
			if err != nil {
				return out, err
			}
			if !ok {
				break
			}
			if len(out) == maxChallenges {
				return out, fmt.Errorf("%w: more than %d challenges", ErrMalformedChallenge, maxChallenges)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// challengeParser walks one field value. Every step consumes input or
// ends, so parsing is linear.
type challengeParser struct {
	s   string
	pos int
}

func (p *challengeParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrMalformedChallenge, what, p.pos)
}

// skipOWS skips spaces and tabs.
func (p *challengeParser) skipOWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// skipSeparators skips empty list elements: whitespace and commas
// (RFC 9110, section 5.6.1).
func (p *challengeParser) skipSeparators() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == ',') {
		p.pos++
	}
}

// token consumes a run of tchar.
func (p *challengeParser) token() string {
	start := p.pos
	for p.pos < len(p.s) && isTChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// atParam reports whether the input at the current position is an
// auth-param: token BWS "=" BWS, followed by something other than "=", ",",
// or the end (which would make it a token68 with padding).
func (p *challengeParser) atParam() bool {
	i := p.pos
	for i < len(p.s) && isTChar(p.s[i]) {
		i++
	}
	if i == p.pos {
		return false
	}
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\t') {
		i++
	}
	if i >= len(p.s) || p.s[i] != '=' {
		return false
	}
	i++
	if i < len(p.s) && p.s[i] == '=' {
		return false
	}
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\t') {
		i++
	}
	return i < len(p.s) && p.s[i] != ','
}

// next parses one challenge; ok is false at the end of the input.
func (p *challengeParser) next() (c Challenge, ok bool, err error) {
	p.skipSeparators()
	if p.pos >= len(p.s) {
		return Challenge{}, false, nil
	}
	c.Scheme = p.token()
	if c.Scheme == "" {
		return Challenge{}, false, p.fail("expected an auth-scheme")
	}
	if p.pos < len(p.s) && p.s[p.pos] != ' ' && p.s[p.pos] != '\t' && p.s[p.pos] != ',' {
		return Challenge{}, false, p.fail("invalid character after the auth-scheme")
	}
	p.skipOWS()
	if p.pos >= len(p.s) || p.s[p.pos] == ',' {
		return c, true, nil
	}
	if !p.atParam() {
		t, err := p.token68()
		if err != nil {
			return Challenge{}, false, err
		}
		c.Token68 = t
		p.skipOWS()
		if p.pos < len(p.s) && p.s[p.pos] != ',' {
			return Challenge{}, false, p.fail("unexpected data after token68")
		}
		return c, true, nil
	}
	c.Params = map[string]string{}
	for {
		name := strings.ToLower(p.token())
		p.skipOWS()
		p.pos++ // "=", as atParam checked
		p.skipOWS()
		value, err := p.paramValue()
		if err != nil {
			return Challenge{}, false, err
		}
		if _, dup := c.Params[name]; dup {
			return Challenge{}, false, p.fail(fmt.Sprintf("parameter %q repeated", sanitize(name, 64)))
		}
		if len(c.Params) == maxChallengeParams {
			return Challenge{}, false, p.fail(fmt.Sprintf("more than %d parameters", maxChallengeParams))
		}
		c.Params[name] = value
		p.skipOWS()
		if p.pos >= len(p.s) {
			return c, true, nil
		}
		if p.s[p.pos] != ',' {
			return Challenge{}, false, p.fail("expected ',' after a parameter")
		}
		// A comma ends this parameter. What follows is either another
		// parameter of this challenge or the next challenge.
		save := p.pos
		p.skipSeparators()
		if p.pos >= len(p.s) {
			return c, true, nil
		}
		if !p.atParam() {
			p.pos = save
			return c, true, nil
		}
	}
}

// token68 consumes 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
// *"=" (RFC 9110, section 11.2).
func (p *challengeParser) token68() (string, error) {
	start := p.pos
	for p.pos < len(p.s) && isToken68Char(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return "", p.fail("expected a token68 or a parameter")
	}
	for p.pos < len(p.s) && p.s[p.pos] == '=' {
		p.pos++
	}
	return p.s[start:p.pos], nil
}

// paramValue consumes a token or a quoted-string (RFC 9110, section 5.6.4)
// and returns its value.
func (p *challengeParser) paramValue() (string, error) {
	if p.pos < len(p.s) && p.s[p.pos] != '"' {
		if t := p.token(); t != "" {
			return t, nil
		}
		return "", p.fail("invalid parameter value")
	}
	if p.pos >= len(p.s) {
		return "", p.fail("missing parameter value")
	}
	p.pos++ // opening quote
	var b strings.Builder
	start := p.pos
	escaped := false
	for p.pos < len(p.s) {
		ch := p.s[p.pos]
		switch {
		case ch == '"':
			p.pos++
			if !escaped {
				return p.s[start : p.pos-1], nil
			}
			return b.String(), nil
		case ch == '\\':
			if p.pos+1 >= len(p.s) || !isQuotedPairChar(p.s[p.pos+1]) {
				return "", p.fail("invalid quoted-pair")
			}
			if !escaped {
				escaped = true
				b.WriteString(p.s[start:p.pos])
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		case isQDText(ch):
			if escaped {
				b.WriteByte(ch)
			}
			p.pos++
		default:
			return "", p.fail("invalid character in a quoted-string")
		}
	}
	return "", p.fail("unterminated quoted-string")
}

// isTChar reports whether b is a tchar (RFC 9110, section 5.6.2).
func isTChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// isToken68Char reports whether b may appear in a token68 before its
// padding (RFC 9110, section 11.2).
func isToken68Char(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", b) >= 0
}

// isQDText: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
func isQDText(b byte) bool {
	return b == '\t' || b == ' ' || b == 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80
}

// isQuotedPairChar: HTAB / SP / VCHAR / obs-text.
func isQuotedPairChar(b byte) bool {
	return b == '\t' || (b >= 0x20 && b != 0x7f)
}

// ChallengeError returns the error a resource server states in the
// WWW-Authenticate header of a 401 or 403 response (RFC 6750, section 3.1;
// RFC 9449, section 7.1), or nil when no Bearer or DPoP challenge there
// carries an error code. The required scope of an "insufficient_scope"
// error is in the challenge: BearerChallenge(e.Header).Scopes().
func ChallengeError(statusCode int, h http.Header) *Error {
	for _, scheme := range []string{TokenTypeBearer, TokenTypeDPoP} {
		c, ok := FindChallenge(h, scheme)
		if !ok || c.ErrorCode() == "" {
			continue
		}
		return &Error{
			Code:        sanitize(c.ErrorCode(), 128),
			Description: sanitize(c.ErrorDescription(), 1024),
			URI:         sanitize(c.ErrorURI(), 1024),
			StatusCode:  statusCode,
			Header:      h,
		}
	}
	return nil
}
