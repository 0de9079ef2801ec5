package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/oauth2"
)

// exchanges keeps the exchanges a Config's Observer sees, and records each
// as evidence. Its observe method is the Observer.
type exchanges struct {
	e     *Env
	clock func() time.Time
	mu    sync.Mutex
	list  []observedExchange
}

// observedExchange is an exchange and when it was seen, by the scenario's
// clock.
type observedExchange struct {
	*oauth2.HTTPExchange
	At time.Time
}

func newExchanges(e *Env, clock func() time.Time) *exchanges {
	if clock == nil {
		clock = time.Now
	}
	return &exchanges{e: e, clock: clock}
}

func (x *exchanges) observe(ex *oauth2.HTTPExchange) {
	x.e.Record(ex)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.list = append(x.list, observedExchange{HTTPExchange: ex, At: x.clock()})
}

// grants returns the token requests of grantType ("" for every token
// request). The Observer also sees the Session's resource requests, which
// carry no grant_type.
func (x *exchanges) grants(grantType string) []observedExchange {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []observedExchange
	for _, ex := range x.list {
		if gt := ex.Form.Get("grant_type"); gt != "" && (grantType == "" || gt == grantType) {
			out = append(out, ex)
		}
	}
	return out
}

// fakeClock is a clock that moves only when told: a scenario moves a
// Session's time forward instead of sleeping through a token's lifetime.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// wantOAuthError checks that err is an *oauth2.Error with the given code,
// description (unchecked when empty) and HTTP status (unchecked when 0),
// and says what was seen otherwise.
func wantOAuthError(err error, code, description string, status int) error {
	if err == nil {
		return fmt.Errorf("expected error %q, got a token", code)
	}
	var oe *oauth2.Error
	if !errors.As(err, &oe) {
		return fmt.Errorf("expected an *oauth2.Error %q, got %T: %v", code, err, err)
	}
	var problems []string
	if oe.Code != code {
		problems = append(problems, fmt.Sprintf("code %q, expected %q", oe.Code, code))
	}
	if description != "" && oe.Description != description {
		problems = append(problems, fmt.Sprintf("description %q, expected %q", oe.Description, description))
	}
	if status != 0 && oe.StatusCode != status {
		problems = append(problems, fmt.Sprintf("HTTP status %d, expected %d", oe.StatusCode, status))
	}
	if !errors.Is(err, &oauth2.Error{Code: code}) {
		problems = append(problems, fmt.Sprintf("errors.Is(err, &oauth2.Error{Code: %q}) is false", code))
	}
	if len(problems) > 0 {
		return fmt.Errorf("error response %q: %s", oe.Error(), strings.Join(problems, "; "))
	}
	return nil
}

// maxBody bounds every body a scenario reads, counted after any
// decompression by the transport.
const maxBody = 1 << 20

// get sends a GET through c and returns the status and the body, read up
// to maxBody.
func get(ctx context.Context, c *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := bounded.Read(res.Body, maxBody)
	return res.StatusCode, body, err
}

// authCapture is a RoundTripper that remembers the Authorization header of
// each request before passing it on.
type authCapture struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (a *authCapture) RoundTrip(req *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.seen = append(a.seen, req.Header.Get("Authorization"))
	a.mu.Unlock()
	return a.base.RoundTrip(req)
}

func (a *authCapture) headers() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// capturingClient returns a client like e.RecordingClient() whose
// transport also captures Authorization headers.
func capturingClient(e *Env) (*http.Client, *authCapture) {
	c := e.RecordingClient()
	ac := &authCapture{base: c.Transport}
	c.Transport = ac
	return c, ac
}

// resourceServer is a loopback resource server that answers 200 and
// remembers the Authorization header of every request.
type resourceServer struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newResourceServer() (*resourceServer, error) {
	rs := &resourceServer{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rs.Server = &httptest.Server{
		Listener: l,
		Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rs.mu.Lock()
			rs.auth = append(rs.auth, r.Header.Get("Authorization"))
			rs.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "ok")
		}), ReadHeaderTimeout: 10 * time.Second},
	}
	rs.Start()
	return rs, nil
}

func (rs *resourceServer) headers() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.auth...)
}

// jwtClaim returns a string claim of a JWT's payload without verifying
// the signature: scenarios use it only to find a provider's own session
// identifier in a token the provider has just issued over a direct
// connection.
func jwtClaim(token, name string) string {
	var claims map[string]any
	if !jwtPayload(token, &claims) {
		return ""
	}
	s, _ := claims[name].(string)
	return s
}

// jwtPayload decodes the JSON payload of a compact JWS into v without
// verifying the signature, and reports whether it could.
func jwtPayload(token string, v any) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	return json.Unmarshal(payload, v) == nil
}

// bearer returns "Bearer " + the token, the header a request must carry.
func bearer(t *oauth2.Token) string { return "Bearer " + t.AccessToken }

// sessionRig is an httpclient.Session on a fake clock, with a loopback
// resource server to send it to and a log of the tokens it received.
type sessionRig struct {
	clock   *fakeClock
	rs      *resourceServer
	tokens  *tokenLog
	session *httpclient.Session
}

// newSessionRig puts cfg and x on a fresh fake clock and returns a Session
// of cfg that records its exchanges through e; the resource server closes
// when the scenario ends.
func newSessionRig(e *Env, cfg *oauth2.Config, x *exchanges) (*sessionRig, error) {
	clock := newFakeClock()
	cfg.Clock = clock.Now
	x.clock = clock.Now
	rs, err := newResourceServer()
	if err != nil {
		return nil, err
	}
	e.Cleanup(func(context.Context) error { rs.Close(); return nil })
	tokens := newTokenLog()
	s := httpclient.New(cfg, httpclient.Options{Clock: clock.Now, OnToken: tokens.onToken, Base: e.RecordingClient()})
	return &sessionRig{clock: clock, rs: rs, tokens: tokens, session: s}, nil
}

// tokenLog keeps the tokens a Session's OnToken received.
type tokenLog struct {
	mu   sync.Mutex
	list []*oauth2.Token
}

func newTokenLog() *tokenLog { return &tokenLog{} }

func (l *tokenLog) onToken(_ context.Context, t *oauth2.Token) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, t)
}

func (l *tokenLog) all() []*oauth2.Token {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*oauth2.Token(nil), l.list...)
}

// errorCode returns the "error" member of a JSON error response body.
func errorCode(body []byte) string {
	var v struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Error
}

// keys returns the names of the form's parameters, sorted.
func keys(form url.Values) []string {
	return slices.Sorted(maps.Keys(form))
}
