package oauth2

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// response is a back-channel response, read whole within the size cap.
type response struct {
	status  int
	header  http.Header
	body    []byte
	secrets []string // values sent in the request that must never be shown
}

// post sends form to endpoint as an application/x-www-form-urlencoded POST
// (RFC 6749, section 3.2), authenticating the client when authenticate is
// set, and reads the response within the size cap. A non-2xx status is not
// an error here; the caller interprets the body. Redirects are refused.
func (c *Config) post(ctx context.Context, endpoint string, form url.Values, authenticate bool, header http.Header) (*response, error) {
	if endpoint == "" {
		return nil, ErrMissingEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: endpoint %q is not an http(s) URL", ErrInvalidConfig, endpoint)
	}
	if form == nil {
		form = url.Values{}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if authenticate {
		if err := c.authMethod().Authenticate(ctx, c, req, form); err != nil {
			return nil, err
		}
	}
	secrets := secretValues(form, req.Header, c.ClientSecret)
	encoded := form.Encode()
	req.Body = io.NopCloser(strings.NewReader(encoded))
	req.ContentLength = int64(len(encoded))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(encoded)), nil }

	start := time.Now()
	res, err := c.backChannelClient().Do(req)
	if err != nil {
		err = redactErr(err, secrets)
		c.observe(req, form, nil, nil, time.Since(start), err)
		return nil, err
	}
	defer res.Body.Close()
	body, err := readBounded(res.Body, c.maxBody())
	r := &response{status: res.StatusCode, header: res.Header, body: body, secrets: secrets}
	if err != nil {
		err = redactErr(err, secrets)
		c.observe(req, form, res, nil, time.Since(start), err)
		return nil, err
	}
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		err = fmt.Errorf("%w: HTTP %d from %s", ErrRedirect, res.StatusCode, u.Redacted())
		if loc := res.Header.Get("Location"); loc != "" {
			err = fmt.Errorf("%w to %s", err, sanitize(redact(loc, secrets), 256))
		}
		c.observe(req, form, res, body, time.Since(start), err)
		return nil, err
	}
	c.observe(req, form, res, body, time.Since(start), nil)
	return r, nil
}

// readBounded reads r to its end, failing with ErrResponseTooLarge past max
// bytes. It never trusts Content-Length.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("oauth2: reading response: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, max)
	}
	return b, nil
}

// isJSON reports whether a Content-Type names JSON (application/json or a
// +json type).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// errorFrom turns a failed response into an *Error when its body is an RFC
// 6749 error object (section 5.2), else into a *ResponseError.
func errorFrom(r *response) error {
	if e := oauthError(r); e != nil {
		return e
	}
	return &ResponseError{
		StatusCode:  r.status,
		ContentType: sanitize(r.header.Get("Content-Type"), 128),
		Excerpt:     excerpt(r.body, r.secrets),
		Header:      redactHeader(r.header, r.secrets),
	}
}

// checkSuccess returns the error r stands for unless it is a success with
// one of the statuses ok. An error object is an error whatever the status,
// since some servers send one with 200 (RFC 6749, section 5.2).
func checkSuccess(r *response, ok ...int) error {
	if e := oauthError(r); e != nil {
		return e
	}
	if !slices.Contains(ok, r.status) {
		return errorFrom(r)
	}
	return nil
}

// oauthError returns the RFC 6749 error object in r's body, or nil when the
// body is not one. The Content-Type is not required to be JSON: servers send
// error objects as text/plain too.
func oauthError(r *response) *Error {
	return errorFromMembers(r, jsonObject(r.body))
}

// maxErrorBody bounds the copy of the body an *Error keeps.
const maxErrorBody = 64 << 10

// errorFromMembers is oauthError on a body already split into its members
// (nil when it is not a JSON object). An object is an error response when
// its "error" member is a non-empty string (RFC 6749, section 5.2); the
// other members are taken when they are strings.
func errorFromMembers(r *response, members map[string]json.RawMessage) *Error {
	raw, ok := members["error"]
	if !ok {
		return nil
	}
	var code string
	if json.Unmarshal(raw, &code) != nil || code == "" {
		return nil
	}
	code = sanitize(redact(code, r.secrets), 128)
	if code == "" {
		return nil // only control characters or spaces: not an error code
	}
	var desc, uri string
	_ = json.Unmarshal(members["error_description"], &desc)
	_ = json.Unmarshal(members["error_uri"], &uri)
	body := redact(string(r.body), r.secrets)
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	return &Error{
		Code:        code,
		Description: sanitize(redact(desc, r.secrets), 1024),
		URI:         sanitize(redact(uri, r.secrets), 1024),
		StatusCode:  r.status,
		Header:      redactHeader(r.header, r.secrets),
		Body:        []byte(body),
	}
}

// jsonObject returns the members of a JSON object body, or nil when body is
// not one.
func jsonObject(body []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	return m
}

// excerpt is the start of a body fit for an error message: at most 256
// bytes, control characters replaced, secrets redacted.
func excerpt(body []byte, secrets []string) string {
	s := redact(string(body), secrets)
	return sanitize(s, 256)
}

// sanitize cuts s to at most max bytes on a rune boundary (plus "…" when
// cut), makes it valid UTF-8 and replaces control characters, so a hostile
// server cannot forge log lines or flood a message.
func sanitize(s string, max int) string {
	cut := false
	if len(s) > max {
		s = s[:max]
		cut = true
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if len(s) > max { // replacement characters are wider than the bytes they replace
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
		cut = true
	}
	s = strings.TrimSpace(s)
	if cut {
		s += "…"
	}
	return s
}

// redact replaces every secret in s by "[redacted]". Secrets shorter than 4
// bytes are left alone: redacting them would garble the text and hide
// nothing worth hiding.
func redact(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// redactErr returns err unchanged unless its text holds a secret; then an
// error with the secret replaced that still matches what err matched.
func redactErr(err error, secrets []string) error {
	msg := err.Error()
	if red := redact(msg, secrets); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap lets errors.Is and errors.As see the original error, for context
// cancellation and timeouts.
func (e *redactedError) Unwrap() error { return e.err }

// redactHeader returns h, or a copy of it with every secret in its values
// redacted when a server echoed one into a header.
func redactHeader(h http.Header, secrets []string) http.Header {
	var out http.Header
	for k, vs := range h {
		for i, v := range vs {
			if red := redact(v, secrets); red != v {
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
