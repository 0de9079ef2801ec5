package oidc

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/oauth2"
)

// The helpers below keep every HTTP exchange of the package bounded and
// every server-supplied text harmless in an error message.

// noRedirects returns a copy of hc (or of a default client) that does not
// follow redirects.
func noRedirects(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = oauth2.DefaultTimeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// readBounded reads r to its end, failing with oauth2.ErrResponseTooLarge
// past max bytes. Content-Length is never trusted.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("oidc: reading response: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", oauth2.ErrResponseTooLarge, max)
	}
	return b, nil
}

// redact replaces secret in s.
func redact(s, secret string) string {
	if len(secret) >= 4 {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// clean makes a server-supplied text safe for an error: secret redacted,
// control characters and line separators replaced (no forged log lines),
// at most max bytes.
func clean(s, secret string, max int) string {
	s = redact(s, secret)
	if len(s) > max {
		s = s[:max] + "…"
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// redactError hides secret in err's text, keeping what err matches.
func redactError(err error, secret string) error {
	msg := err.Error()
	if red := redact(msg, secret); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose text had a secret in it: msg is the text
// with the secret redacted, err the original, still seen by errors.Is and
// errors.As (context cancellation, timeouts).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
