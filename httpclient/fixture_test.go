package httpclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// clock is a fake clock that tests advance instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// network maps host names (as.test, rs.test, evil.test, with an optional
// port) to loopback test servers through the transport's DialContext, so
// that tests can cross hosts: net/http keeps Authorization across ports of
// one host name.
type network struct {
	tr    *http.Transport
	addrs map[string]string
}

func newNetwork(t *testing.T, handlers map[string]http.Handler) *network {
	t.Helper()
	n := &network{addrs: map[string]string{}}
	for name, h := range handlers {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		if !strings.Contains(name, ":") {
			name += ":80"
		}
		n.addrs[name] = srv.Listener.Addr().String()
	}
	n.tr = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			a, ok := n.addrs[addr]
			if !ok {
				return nil, fmt.Errorf("test network: no host %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, a)
		},
		ResponseHeaderTimeout: 10 * time.Second,
	}
	t.Cleanup(n.tr.CloseIdleConnections)
	return n
}

func (n *network) client() *http.Client { return &http.Client{Transport: n.tr} }

// authServer is a fake token endpoint. Access tokens are "at-N", refresh
// tokens "rt-N". It counts requests per grant type and can rotate refresh
// tokens with reuse detection.
type authServer struct {
	mu          sync.Mutex
	expiresIn   string // JSON value of expires_in; "" omits it
	rotate      bool   // a refresh issues a new refresh token and revokes the old one
	reuseKill   bool   // presenting a revoked refresh token revokes every one (Keycloak reuse detection)
	noRT        bool   // never issue a refresh token
	rtOnRefresh string // "omit", "empty" or "" (new one) for refresh responses
	tokenType   string // default "Bearer"
	valid       map[string]bool
	issued      []string
	forms       []url.Values
	delay       time.Duration
	// hook, when set, may answer a refresh request itself.
	hook      func(w http.ResponseWriter, form url.Values) bool
	n         int
	refreshes atomic.Int32
	requests  atomic.Int32
}

func newAuthServer() *authServer {
	return &authServer{expiresIn: "300", valid: map[string]bool{}}
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	a.mu.Lock()
	a.forms = append(a.forms, form)
	delay := a.delay
	hook := a.hook
	a.mu.Unlock()
	if form.Get("grant_type") == "refresh_token" {
		a.refreshes.Add(1)
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	if hook != nil && form.Get("grant_type") == "refresh_token" && hook(w, form) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	rt := ""
	switch form.Get("grant_type") {
	case "password", "client_credentials":
		if !a.noRT && form.Get("grant_type") == "password" {
			rt = "new"
		}
	case "refresh_token":
		old := form.Get("refresh_token")
		if !a.valid[old] {
			if a.reuseKill {
				clear(a.valid)
			}
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"Token is not active"}`)
			return
		}
		switch {
		case a.rtOnRefresh == "omit":
			rt = "omit"
		case a.rtOnRefresh == "empty":
			rt = "empty"
		case a.rotate:
			delete(a.valid, old)
			rt = "new"
		default:
			rt = "omit"
		}
	default:
		writeJSON(w, http.StatusBadRequest, `{"error":"unsupported_grant_type"}`)
		return
	}
	a.n++
	at := "at-" + strconv.Itoa(a.n)
	a.issued = append(a.issued, at)
	body := map[string]any{"access_token": at, "token_type": "Bearer"}
	if a.tokenType != "" {
		body["token_type"] = a.tokenType
	}
	if a.expiresIn != "" {
		body["expires_in"] = json.RawMessage(a.expiresIn)
	}
	switch rt {
	case "new":
		v := "rt-" + strconv.Itoa(a.n)
		a.valid[v] = true
		body["refresh_token"] = v
	case "empty":
		body["refresh_token"] = ""
	}
	b, _ := json.Marshal(body)
	writeJSON(w, http.StatusOK, string(b))
}

func (a *authServer) lastForm() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.forms[len(a.forms)-1]
}

func (a *authServer) issuedTokens() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.issued...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// resourceServer records the Authorization headers it receives and answers
// with handle, or 200 "ok".
type resourceServer struct {
	mu     sync.Mutex
	auths  []string
	handle func(w http.ResponseWriter, r *http.Request)
	hits   atomic.Int32
}

func (rs *resourceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rs.hits.Add(1)
	rs.mu.Lock()
	rs.auths = append(rs.auths, r.Header.Get("Authorization"))
	h := rs.handle
	rs.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	fmt.Fprint(w, "ok")
}

func (rs *resourceServer) seen() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.auths...)
}

// fixture is an authorization server at as.test and a resource server at
// rs.test with a Session wired to both through a fake clock.
type fixture struct {
	as    *authServer
	rs    *resourceServer
	net   *network
	clock *clock
	cfg   *oauth2.Config
}

func newFixture(t *testing.T, extra map[string]http.Handler) *fixture {
	t.Helper()
	f := &fixture{as: newAuthServer(), rs: &resourceServer{}, clock: newClock()}
	handlers := map[string]http.Handler{"as.test": f.as, "rs.test": f.rs}
	for k, v := range extra {
		handlers[k] = v
	}
	f.net = newNetwork(t, handlers)
	f.cfg = &oauth2.Config{
		ClientID:   "app",
		Endpoint:   oauth2.Endpoint{TokenURL: "http://as.test/token"},
		HTTPClient: f.net.client(),
		Clock:      f.clock.Now,
	}
	return f
}

// session returns a Session over the fixture; opts.Base defaults to the
// test network.
func (f *fixture) session(opts httpclient.Options) *httpclient.Session {
	if opts.Base == nil {
		opts.Base = f.net.client()
	}
	return httpclient.New(f.cfg, opts)
}

// get sends GET url through c and returns the status and body.
func get(t *testing.T, c *http.Client, u string) (int, string, error) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String(), nil
}

// leakCheck fails t when goroutines started after it are still running
// a short while after the test and its cleanups (servers, idle
// connections) end. Call it before creating servers.
func leakCheck(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				n := runtime.Stack(buf, true)
				t.Errorf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:n])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// stalledRefresh makes f's authorization server hold every refresh until
// release is closed, fetches a first token with a session of opts and moves
// the clock past its expiry, so that the session's next use refreshes.
func (f *fixture) stalledRefresh(t *testing.T, opts httpclient.Options) (s *httpclient.Session, release chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	f.as.hook = func(w http.ResponseWriter, _ url.Values) bool {
		<-release
		return false
	}
	s = f.session(opts)
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	return s, release
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
