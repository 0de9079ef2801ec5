package oauth2

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oauthkit/oauthkit/internal/redact"
	"github.com/oauthkit/oauthkit/internal/safetext"
	"github.com/oauthkit/oauthkit/internal/wire"
)

// response is a back-channel response, read whole within the size cap.
type response struct {
	status  int
	header  http.Header
	body    []byte
	secrets redact.Secrets // credentials the request carried, never to be shown
}

// post sends form to endpoint as an application/x-www-form-urlencoded POST
// (RFC 6749, section 3.2), authenticating the client when authenticate is
// set, through the wire: redirects refused, the body read within the size
// cap, the exchange observed. A non-2xx status is not an error here; the
// caller interprets the body.
func (c *Config) post(ctx context.Context, endpoint string, form url.Values, authenticate bool, header http.Header) (*response, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return nil, err
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
	encoded := form.Encode()
	req.Body = http.NoBody
	if encoded != "" {
		req.Body = readCloser(encoded)
	}
	req.ContentLength = int64(len(encoded))
	req.GetBody = func() (io.ReadCloser, error) { return readCloser(encoded), nil }
	return c.send(req, form, nil)
}

// checkEndpoint checks the URL of a back-channel endpoint before anything
// is sent to it: configured (else ErrMissingEndpoint), an absolute http(s)
// URL (else ErrInvalidConfig), and one the wire may send to: no user
// information (else ErrInsecureURL).
func checkEndpoint(endpoint string) error {
	if endpoint == "" {
		return ErrMissingEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: endpoint %q is not an http(s) URL", ErrInvalidConfig, redact.URL(endpoint))
	}
	return wire.CheckURL(u)
}

// send sends req, a request to the authorization server built with the
// caller's context and fully authenticated, through the wire (see post).
// form or body is what the request body holds, for the Observer. Requests
// whose body is not a form (dynamic client registration, RFC 7591) use it
// directly.
func (c *Config) send(req *http.Request, form url.Values, body []byte) (*response, error) {
	call := c.call(form)
	call.Body = body
	res, err := call.Do(req)
	if err != nil {
		return nil, err
	}
	return &response{status: res.StatusCode, header: res.Header, body: res.Body, secrets: res.Secrets}, nil
}

// call is the wire description of an exchange made for c.
func (c *Config) call(form url.Values) *wire.Call {
	w := &wire.Call{
		Client:    c.HTTPClient,
		Redirects: wire.NoRedirects,
		MaxBody:   c.maxBody(),
		Form:      form,
		Observe:   c.Observer,
		Reveal:    c.RevealSecrets,
		Clock:     c.Clock,
	}
	w.Secrets.Add(c.ClientSecret)
	if c.BeforeRequest != nil {
		w.Before = c.BeforeRequest
	}
	return w
}

func readCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

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
		Header:      r.secrets.Header(r.header),
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
	code = sanitize(r.secrets.String(code), 128)
	if code == "" {
		return nil // only control characters or spaces: not an error code
	}
	var desc, uri string
	_ = json.Unmarshal(members["error_description"], &desc)
	_ = json.Unmarshal(members["error_uri"], &uri)
	body := r.secrets.Body(r.body)
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	return &Error{
		Code:        code,
		Description: sanitize(r.secrets.String(desc), 1024),
		URI:         sanitize(r.secrets.String(uri), 1024),
		StatusCode:  r.status,
		Header:      r.secrets.Header(r.header),
		Body:        slices.Clone(body),
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
func excerpt(body []byte, secrets redact.Secrets) string {
	return sanitize(string(secrets.Body(body)), 256)
}

// sanitize is [safetext.Clip]: s cut to max bytes on a rune boundary,
// control characters replaced.
func sanitize(s string, max int) string { return safetext.Clip(s, max) }

// cloneValues returns a deep copy of v.
func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
