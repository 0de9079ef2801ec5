// Package wire is the one path every outbound HTTP exchange of oauthkit
// goes through: token, PAR, device authorization, introspection and
// revocation requests, discovery, key sets, userinfo, and the Session's
// resource requests.
//
// On that path each exchange gets, in this order: the endpoint URL check
// (http or https, a host, no user information), the hook that may adjust
// the request, the redirect policy of its endpoint applied to a shallow copy
// of the caller's *http.Client, a body read bounded after decompression,
// and, once it has ended, the observer, shown the exchange with its request
// headers and credentials redacted. Errors are redacted before they are
// returned.
package wire

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/redact"
	"github.com/oauthkit/oauthkit/internal/safetext"
)

// DefaultTimeout bounds each exchange made when the caller gave no
// *http.Client (oauth2.DefaultTimeout is this value).
const DefaultTimeout = 30 * time.Second

// maxRedirects bounds the redirects followed under SameOrigin.
const maxRedirects = 5

// Sentinels of the wire, exported by oauth2 under the names given.
var (
	// ErrRedirect (oauth2.ErrRedirect): an endpoint answered with a
	// redirect its policy refuses.
	ErrRedirect = errors.New("redirect refused")
	// ErrURL (oauth2.ErrInsecureURL): an endpoint URL that may not be used:
	// not http or https, no host, or user information in it (a password in
	// a URL ends up in logs; RFC 9110, section 4.2.4, deprecates it).
	ErrURL = errors.New("URL not allowed")
)

// Redirects is an endpoint's redirect policy.
type Redirects int

const (
	// NoRedirects returns a 3xx as a failure with ErrRedirect: for every
	// request that carries a credential. Go re-sends a POST body on a 307
	// or 308, even to another host, and the body holds credentials (RFC
	// 9700, section 4.12).
	NoRedirects Redirects = iota
	// SameOrigin follows at most five redirects within the scheme and host
	// of the request URL (discovery, RFC 8414 section 3); any other is
	// refused with ErrRedirect.
	SameOrigin
	// ClientPolicy keeps the caller's client's own redirect policy: for
	// requests without credentials whose documents are checked anyway
	// (key sets, whose keys are filtered and whose use is signature
	// verification).
	ClientPolicy
)

// Call describes how one exchange is made. The zero value sends with a
// default client, refuses redirects, reads at most 1 MiB and observes
// nothing.
type Call struct {
	// Client is the caller's client; nil means one with DefaultTimeout.
	// It is never modified: a shallow copy carries the redirect policy.
	Client *http.Client
	// Redirects is the endpoint's redirect policy.
	Redirects Redirects
	// MaxBody bounds the response body, counted after decompression;
	// zero or less means 1 MiB.
	MaxBody int64
	// Form is the form the request body encodes, shown to the observer.
	Form url.Values
	// Body is a request body that is not a form, shown to the observer
	// (JSON credential members redacted).
	Body []byte
	// Secrets are credentials the request carries beyond its form and
	// headers (which are added by Do): kept out of errors and observations.
	Secrets redact.Secrets
	// Before, when set, is called with the request just before it is
	// sent; an error ends the exchange.
	Before func(*http.Request) error
	// Observe, when set, is called once the exchange has ended.
	Observe func(*Exchange)
	// Reveal turns off redaction in what Observe is shown.
	Reveal bool
	// Clock returns the current time, for Duration; nil means time.Now.
	Clock func() time.Time
}

// Response is a response read whole within the size cap.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// URL is the URL the response came from, after any redirect followed.
	URL *url.URL
	// Secrets are every credential the request carried: callers redact
	// the errors they build from the response with them.
	Secrets redact.Secrets
}

// CheckURL reports whether u may be sent to: http or https, a host, no
// user information. The error matches ErrURL.
func CheckURL(u *url.URL) error {
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%w: %q is not an http(s) URL", ErrURL, safetext.Clip(u.Redacted(), 256))
	case u.Host == "":
		return fmt.Errorf("%w: %q has no host", ErrURL, safetext.Clip(u.Redacted(), 256))
	case u.User != nil:
		return fmt.Errorf("%w: %q carries user information", ErrURL, safetext.Clip(u.Redacted(), 256))
	}
	return nil
}

// Do sends req, built with the caller's context, and reads the response
// whole: see the package documentation. A non-2xx status is not an error
// here; the caller interprets it. A 3xx that the policy stops is an error
// matching ErrRedirect.
func (c *Call) Do(req *http.Request) (*Response, error) {
	if err := CheckURL(req.URL); err != nil {
		closeBody(req)
		return nil, err
	}
	if c.Before != nil {
		if err := c.Before(req); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	secrets := c.secrets(req)
	start := c.now()
	res, err := c.client(req.URL).Do(req)
	if err != nil {
		err = secrets.Error(err)
		c.observe(req, nil, nil, c.now().Sub(start), secrets, err)
		return nil, err
	}
	defer res.Body.Close()
	body, err := bounded.Read(decoded(res), c.maxBody())
	if err != nil {
		err = secrets.Error(err)
		c.observe(req, res, nil, c.now().Sub(start), secrets, err)
		return nil, err
	}
	if res.StatusCode >= 300 && res.StatusCode < 400 && c.Redirects != ClientPolicy {
		err = fmt.Errorf("%w: HTTP %d from %s", ErrRedirect, res.StatusCode, req.URL.Redacted())
		if loc := res.Header.Get("Location"); loc != "" {
			err = fmt.Errorf("%w to %s", err, safetext.Clip(secrets.String(redact.URL(loc)), 256))
		}
		c.observe(req, res, body, c.now().Sub(start), secrets, err)
		return nil, err
	}
	c.observe(req, res, body, c.now().Sub(start), secrets, nil)
	final := req.URL
	if res.Request != nil {
		final = res.Request.URL
	}
	return &Response{StatusCode: res.StatusCode, Header: res.Header, Body: body, URL: final, Secrets: secrets}, nil
}

// asciiEqualFold compares host names with ASCII case folding only:
// strings.EqualFold folds Unicode too, and "straße.test" would equal
// "straẞe.test" although the two are dialled as different hosts.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// secrets gathers every credential req carries.
func (c *Call) secrets(req *http.Request) redact.Secrets {
	var s redact.Secrets
	s.Merge(c.Secrets)
	s.AddForm(c.Form)
	s.AddHeader(req.Header)
	if req.URL.User != nil {
		if pw, ok := req.URL.User.Password(); ok {
			s.Add(pw)
		}
	}
	return s
}

func (c *Call) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

func (c *Call) maxBody() int64 {
	if c.MaxBody > 0 {
		return c.MaxBody
	}
	return 1 << 20
}

// client returns the shallow copy of the caller's client that applies the
// policy.
func (c *Call) client(target *url.URL) *http.Client {
	var hc http.Client
	if c.Client != nil {
		hc = *c.Client
	} else {
		hc.Timeout = DefaultTimeout
	}
	switch c.Redirects {
	case NoRedirects:
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	case SameOrigin:
		hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrRedirect, maxRedirects)
			}
			if req.URL.Scheme != target.Scheme || !asciiEqualFold(req.URL.Host, target.Host) || req.URL.User != nil {
				return fmt.Errorf("%w: to another origin (%s)", ErrRedirect, safetext.Clip(req.URL.Redacted(), 256))
			}
			return nil
		}
	}
	return &hc
}

// decoded returns the body to read: net/http has already decompressed a
// gzip body it asked for; a gzip body the caller's transport left encoded
// is decompressed here, so that the cap counts the decoded bytes.
func decoded(res *http.Response) io.Reader {
	if res.Uncompressed || !strings.EqualFold(strings.TrimSpace(res.Header.Get("Content-Encoding")), "gzip") {
		return res.Body
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		return errReader{fmt.Errorf("gzip body: %w", err)}
	}
	return zr
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// observe shows the exchange to the observer, redacted unless revealed.
func (c *Call) observe(req *http.Request, res *http.Response, body []byte, d time.Duration, secrets redact.Secrets, err error) {
	if c.Observe == nil {
		return
	}
	ex := &Exchange{
		Method:        req.Method,
		URL:           req.URL.Redacted(),
		RequestHeader: req.Header.Clone(),
		Duration:      d,
		Err:           err,
	}
	if c.Form != nil {
		ex.Form = cloneValues(c.Form)
	}
	if c.Body != nil {
		ex.RequestBody = bytes.Clone(c.Body)
	}
	if res != nil {
		ex.StatusCode = res.StatusCode
		ex.ResponseHeader = res.Header.Clone()
		if body != nil {
			ex.ResponseBody = bytes.Clone(body)
		}
	}
	if !c.Reveal {
		Redact(ex, secrets)
	}
	c.Observe(ex)
}

// Redact replaces every credential in ex: the credential parameters of the
// form, the Authorization credential (its scheme kept), DPoP and Cookie
// request headers, echoed secrets in the response headers, credential
// members and echoed secrets in the request and response bodies, and the
// error text.
func Redact(ex *Exchange, secrets redact.Secrets) {
	// What the client sent is redacted by name only: a parameter or header
	// that is not a credential is shown as it is, even when a credential
	// happens to be part of it (the user "admin" with the password "admin").
	for k, vs := range ex.Form {
		if redact.IsSecretParam(k) {
			for i := range vs {
				vs[i] = redact.Placeholder
			}
		}
	}
	for k, vs := range ex.RequestHeader {
		for i, v := range vs {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization", "Proxy-Authorization":
				if scheme, _, ok := strings.Cut(v, " "); ok {
					vs[i] = scheme + " " + redact.Placeholder
				} else {
					vs[i] = redact.Placeholder
				}
			case "Dpop", "Cookie":
				vs[i] = redact.Placeholder
			}
		}
	}
	ex.ResponseHeader = secrets.Header(ex.ResponseHeader)
	for _, k := range []string{"Set-Cookie"} {
		if _, ok := ex.ResponseHeader[k]; ok {
			ex.ResponseHeader = ex.ResponseHeader.Clone()
			for i := range ex.ResponseHeader[k] {
				ex.ResponseHeader[k][i] = redact.Placeholder
			}
		}
	}
	if len(ex.RequestBody) > 0 {
		ex.RequestBody = secrets.JSON(ex.RequestBody, redact.IsSecretMember)
	}
	if len(ex.ResponseBody) > 0 {
		ex.ResponseBody = secrets.JSON(ex.ResponseBody, redact.IsSecretMember)
	}
	if ex.Err != nil {
		ex.Err = secrets.Error(ex.Err)
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
