package httpclient

import (
	"strings"
)

// Limits on what is read of WWW-Authenticate headers, so that a hostile
// server cannot make the client parse megabytes.
const (
	maxChallengeBytes  = 16 << 10 // per header value
	maxChallenges      = 16
	maxChallengeParams = 32
)

// challenge is one authentication challenge of a WWW-Authenticate header:
// RFC 9110, section 11.6.1.
type challenge struct {
	scheme  string            // as sent; compare case-insensitively
	token68 string            // the token68 form, when used instead of parameters
	params  map[string]string // names in lower case, the first of a repeated name wins
}

// param returns the value of the named parameter (name in lower case).
func (c *challenge) param(name string) string { return c.params[name] }

// findChallenge returns the first challenge of the given scheme in the
// header values.
func findChallenge(values []string, scheme string) (challenge, bool) {
	for _, c := range parseChallenges(values) {
		if strings.EqualFold(c.scheme, scheme) {
			return c, true
		}
	}
	return challenge{}, false
}

// parseChallenges reads the challenges of WWW-Authenticate header values:
//
//	WWW-Authenticate = #challenge
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// The list is split at the commas outside quoted strings. An element that
// starts with "name =" is a parameter of the challenge before it; any other
// element starts a new challenge. Malformed parts are skipped; values
// longer than maxChallengeBytes are cut there.
func parseChallenges(values []string) []challenge {
	var out []challenge
	for _, v := range values {
		if len(v) > maxChallengeBytes {
			v = v[:maxChallengeBytes]
		}
		for elem := range listElements(v) {
			name, rest := cutToken(elem)
			if name == "" {
				continue // not a token: skip the element
			}
			rest = trimOWS(rest)
			if strings.HasPrefix(rest, "=") && !isToken68Tail(rest) {
				if len(out) > 0 {
					out[len(out)-1].addParam(name, rest[1:])
				}
				continue
			}
			if len(out) == maxChallenges {
				return out
			}
			c := challenge{scheme: name}
			if rest != "" {
				if pname, prest := cutToken(rest); pname != "" && strings.HasPrefix(trimOWS(prest), "=") && !isToken68Tail(trimOWS(prest)) {
					c.addParam(pname, trimOWS(prest)[1:])
				} else if isToken68(rest) {
					c.token68 = rest
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// addParam parses the value after "name =" and records it.
func (c *challenge) addParam(name, value string) {
	if len(c.params) == maxChallengeParams {
		return
	}
	value = trimOWS(value)
	var ok bool
	if strings.HasPrefix(value, `"`) {
		value, ok = unquote(value)
	} else {
		var rest string
		value, rest = cutToken(value)
		ok = value != "" && trimOWS(rest) == ""
	}
	if !ok {
		return
	}
	name = strings.ToLower(name)
	if c.params == nil {
		c.params = make(map[string]string, 2)
	}
	if _, dup := c.params[name]; !dup {
		c.params[name] = value
	}
}

// listElements yields the trimmed, non-empty elements of a comma-separated
// list, leaving commas inside quoted strings alone (RFC 9110, section 5.6.1).
func listElements(v string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		start, quoted := 0, false
		for i := 0; i <= len(v); i++ {
			if i < len(v) {
				switch c := v[i]; {
				case quoted && c == '\\':
					i++
					continue
				case c == '"':
					quoted = !quoted
					continue
				case c != ',' || quoted:
					continue
				}
			}
			if e := trimOWS(v[start:min(i, len(v))]); e != "" {
				if !yield(e) {
					return
				}
			}
			start = i + 1
		}
	}
}

// cutToken splits s after its leading token (RFC 9110, section 5.6.2).
func cutToken(s string) (token, rest string) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// unquote reads a quoted-string that must make up all of s, undoing
// quoted-pairs (RFC 9110, section 5.6.4).
func unquote(s string) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), trimOWS(s[i+1:]) == ""
		case '\\':
			if i+1 == len(s) {
				return "", false
			}
			i++
			b.WriteByte(s[i])
		default:
			if (c < 0x20 && c != '\t') || c == 0x7f {
				return "", false
			}
			b.WriteByte(c)
		}
	}
	return "", false
}

// isToken68 reports whether s is a token68 (RFC 9110, section 11.2).
func isToken68(s string) bool {
	i := 0
	for i < len(s) && isToken68Char(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

// isToken68Tail reports whether s, which starts with "=", is only the
// padding at the end of a token68 rather than a parameter's "=".
func isToken68Tail(s string) bool {
	return strings.Trim(s, "=") == ""
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }
