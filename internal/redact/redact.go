// Package redact keeps credentials out of everything oauthkit shows: error
// messages, error headers and bodies, and the exchanges given to observers.
//
// A [Secrets] holds the credential values one exchange carries. Text is
// redacted by replacing each value, and the encodings a server may echo it
// in, by [Placeholder]. A JSON body is redacted on its decoded strings, so a
// value echoed with any escaping ("\/", "\u00e4") is found; only the strings
// that changed are encoded again, every other byte stays as it was.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Placeholder replaces every credential.
const Placeholder = "[redacted]"

// minLen is the shortest value redacted: replacing shorter ones would garble
// the text and hide nothing worth hiding.
const minLen = 4

// Secrets is a set of credential values. The zero value is an empty set,
// ready to use. A Secrets must not be modified while it is being used by
// another goroutine; its read methods may be called concurrently.
type Secrets struct {
	vals []string // longest first, so a value is replaced whole before any value it contains
}

// Add adds each value and its URL-query encoding (how a form or a
// redirect echoes it). Values shorter than four bytes are ignored.
func (s *Secrets) Add(values ...string) {
	for _, v := range values {
		s.add(v)
		if q := url.QueryEscape(v); q != v {
			s.add(q)
		}
		if p := url.PathEscape(v); p != v {
			s.add(p)
		}
	}
}

func (s *Secrets) add(v string) {
	if len(v) < minLen || slices.Contains(s.vals, v) {
		return
	}
	i, _ := slices.BinarySearchFunc(s.vals, v, func(a, b string) int { return len(b) - len(a) })
	s.vals = slices.Insert(s.vals, i, v)
}

// AddForm adds the values of every credential parameter of form (see
// [IsSecretParam]).
func (s *Secrets) AddForm(form url.Values) {
	for k, vs := range form {
		if IsSecretParam(k) {
			s.Add(vs...)
		}
	}
}

// AddHeader adds the credentials request headers carry: the Authorization
// credential (and, for Basic, the decoded password, as sent and
// form-decoded, RFC 6749 section 2.3.1) and the DPoP proof.
func (s *Secrets) AddHeader(h http.Header) {
	if a := h.Get("Authorization"); a != "" {
		if scheme, cred, ok := strings.Cut(a, " "); ok {
			cred = strings.TrimSpace(cred)
			s.Add(cred)
			if strings.EqualFold(scheme, "Basic") {
				if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
					if _, pw, ok := strings.Cut(string(raw), ":"); ok {
						s.Add(pw)
						if u, err := url.QueryUnescape(pw); err == nil {
							s.Add(u)
						}
					}
				}
			}
		}
	}
	s.Add(h.Values("Dpop")...)
	s.Add(h.Values("Cookie")...)
}

// Merge adds every value of o.
func (s *Secrets) Merge(o Secrets) {
	for _, v := range o.vals {
		s.add(v)
	}
}

// Empty reports whether the set holds no value.
func (s Secrets) Empty() bool { return len(s.vals) == 0 }

// String returns str with every value replaced by [Placeholder].
func (s Secrets) String(str string) string {
	for _, v := range s.vals {
		if strings.Contains(str, v) {
			str = strings.ReplaceAll(str, v, Placeholder)
		}
	}
	return str
}

// Body redacts a response body: as JSON (see [Secrets.JSON], no member
// names) when it is valid JSON, else as text.
func (s Secrets) Body(b []byte) []byte {
	if json.Valid(b) {
		return s.JSON(b, nil)
	}
	if red := s.String(string(b)); red != string(b) {
		return []byte(red)
	}
	return b
}

// JSON redacts a valid JSON document: each string, decoded, is redacted as
// text, and the value of every object member whose name secret reports (a
// string or not) is replaced by the string [Placeholder]. A string that
// does not change keeps its original bytes; the input is returned itself
// when nothing changes. A document that is not valid JSON is redacted as
// text. secret may be nil.
func (s Secrets) JSON(b []byte, secret func(name string) bool) []byte {
	if !json.Valid(b) {
		return []byte(s.String(string(b)))
	}
	var out []byte // nil until something changes
	done := 0      // b[:done] is in out already
	replace := func(from, to int, with []byte) {
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(out, b[done:from]...)
		out = append(out, with...)
		done = to
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end := stringEnd(b, i)
		lit := b[i:end]
		var str string
		_ = json.Unmarshal(lit, &str) // valid: checked above
		next := skipSpace(b, end)
		if next < len(b) && b[next] == ':' && secret != nil && secret(str) {
			// A credential member: its whole value goes.
			vstart := skipSpace(b, next+1)
			vend := valueEnd(b, vstart)
			if red := s.String(str); red != str {
				replace(i, end, quote(red))
			}
			replace(vstart, vend, quote(Placeholder))
			i = vend - 1
			continue
		}
		if red := s.String(str); red != str {
			replace(i, end, quote(red))
		}
		i = end - 1
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[j])) {
		j++
	}
	return j
}

func quote(s string) []byte {
	q, _ := json.Marshal(s)
	return q
}

// Header returns h itself when no value holds a secret, else a copy with
// every secret in its values replaced.
func (s Secrets) Header(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		for i, v := range vs {
			if red := s.String(v); red != v {
				if out == nil {
					out = h.Clone()
				}
				out[k][i] = red
			}
		}
	}
	if out == nil {
		return h
	}
	return out
}

// Error returns err itself when its text holds no secret, else an error
// whose text has them replaced and which still matches, through errors.Is
// and errors.As, whatever err matched (cancellation, timeouts, sentinels).
func (s Secrets) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := s.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Unredacted returns the error Error wrapped, or err itself.
func Unredacted(err error) error {
	var r *redactedError
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// URL returns raw with any user information's password hidden
// (url.URL.Redacted), or "(invalid URL)" when raw does not parse.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}

// IsSecretParam reports whether a request parameter's value is a
// credential (RFC 6749 sections 2.3.1, 4.1.3, 4.3.2, 6; RFC 7636; RFC 7521;
// RFC 8693; RFC 7009; RFC 7662; RFC 8628; OpenID Connect RP-Initiated
// Logout).
func IsSecretParam(name string) bool {
	switch name {
	case "client_secret", "password", "code", "code_verifier", "refresh_token",
		"assertion", "client_assertion", "subject_token", "actor_token", "token",
		"device_code", "access_token", "id_token", "id_token_hint",
		"logout_token", "auth_req_id",
		// CIBA Core 1.0, section 7.1: the hint token, the user's code and
		// the token the provider pings the client with.
		"login_hint_token", "user_code", "client_notification_token":
		return true
	}
	return false
}

// IsSecretMember reports whether a response member's value is a
// credential (RFC 6749 section 5.1, RFC 8628 section 3.2, RFC 7591 section
// 3.2.1, OpenID Connect Core section 3.1.3.3, CIBA section 7.3).
func IsSecretMember(name string) bool {
	switch name {
	case "access_token", "refresh_token", "id_token", "device_code",
		"client_secret", "registration_access_token", "auth_req_id":
		return true
	}
	return false
}
