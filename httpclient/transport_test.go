package httpclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// headerLog records the credential headers a host receives.
type headerLog struct {
	mu   sync.Mutex
	reqs []string
	hits atomic.Int32
}

func (h *headerLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, fmt.Sprintf("%s %s auth=%q dpop=%q body=%q", r.Method, r.URL.Path,
		r.Header.Get("Authorization"), r.Header.Get("DPoP"), body))
	h.mu.Unlock()
	fmt.Fprint(w, "landed")
}

func (h *headerLog) log() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reqs...)
}

// HT-01: the token never follows a redirect to another origin.
func TestClient_HT01_CrossOriginRedirect(t *testing.T) {
	evil, otherPort := &headerLog{}, &headerLog{}
	f := newFixture(t, map[string]http.Handler{"evil.test": evil, "rs.test:8081": otherPort})
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/302":
			http.Redirect(w, r, "http://evil.test/stolen", http.StatusFound)
		case "/307":
			http.Redirect(w, r, "http://evil.test/stolen", http.StatusTemporaryRedirect)
		case "/port":
			http.Redirect(w, r, "http://rs.test:8081/stolen", http.StatusTemporaryRedirect)
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		default:
			fmt.Fprint(w, "final")
		}
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	for _, path := range []string{"/302", "/307"} {
		req, _ := http.NewRequest(http.MethodPost, "http://rs.test"+path, strings.NewReader("data"))
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	// The caller's own Authorization header is not carried to another
	// port either, which net/http would do.
	req, _ := http.NewRequest(http.MethodGet, "http://rs.test/port", nil)
	req.Header.Set("Authorization", "Bearer caller-set")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if _, _, err := get(t, c, "http://rs.test/same"); err != nil {
		t.Fatal(err)
	}

	for _, l := range append(evil.log(), otherPort.log()...) {
		if !strings.Contains(l, `auth="" dpop=""`) {
			t.Errorf("another origin received credentials: %s", l)
		}
	}
	if evil.hits.Load() != 2 || otherPort.hits.Load() != 1 {
		t.Errorf("redirects not followed: evil %d, other port %d", evil.hits.Load(), otherPort.hits.Load())
	}
	seen := f.rs.seen()
	if want := []string{"Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-1"}; !cmp.Equal(seen, want) {
		t.Errorf("RS saw %q, want the token on every same-origin hop", seen)
	}
}

func TestClient_RequestNotModified(t *testing.T) {
	f := newFixture(t, nil)
	var gotUA []string
	var hadUA bool
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		gotUA, hadUA = r.Header["User-Agent"]
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://rs.test/x", nil)
	req.Header["X-A"] = make([]string, 1, 4)
	req.Header["X-A"][0] = "1"
	req.Header["User-Agent"] = nil // no default User-Agent
	want := req.Header.Clone()
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if diff := cmp.Diff(want, req.Header); diff != "" {
		t.Errorf("caller's header changed (-want +got):\n%s", diff)
	}
	if hadUA {
		t.Errorf("a nil User-Agent was not kept: RS got %q", gotUA)
	}
	if x := req.Header["X-A"][:2]; x[1] != "" {
		t.Errorf("the caller's backing array was written: %q", x)
	}
}

// HT-03: a resource server that always answers 401 invalid_token. Each
// request causes at most one refresh and one retry, then the 401 comes back.
func TestClient_HT03_Endless401(t *testing.T) {
	f := newFixture(t, nil)
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="x", error="invalid_token", error_description="The access token expired"`)
		w.WriteHeader(http.StatusUnauthorized)
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	const n = 4
	for i := range n {
		f.clock.Advance(2 * time.Second)
		req, _ := http.NewRequest(http.MethodPost, "http://rs.test/x", bytes.NewReader([]byte("payload")))
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", res.StatusCode)
		}
		if got := f.as.refreshes.Load(); got != int32(i+1) {
			t.Fatalf("after %d requests: %d refreshes", i+1, got)
		}
	}
	if got := f.rs.hits.Load(); got != 2*n {
		t.Errorf("RS hits = %d, want %d (one retry each)", got, 2*n)
	}
	// Within MinRefreshInterval of the last refresh: no refresh, no retry.
	if status, _, _ := get(t, c, "http://rs.test/x"); status != http.StatusUnauthorized || f.as.refreshes.Load() != n || f.rs.hits.Load() != 2*n+1 {
		t.Errorf("rate limit: status %d, refreshes %d, hits %d", status, f.as.refreshes.Load(), f.rs.hits.Load())
	}
	// A body that cannot be replayed: no refresh and no retry.
	f.clock.Advance(2 * time.Second)
	req, _ := http.NewRequest(http.MethodPost, "http://rs.test/x", io.NopCloser(strings.NewReader("once")))
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if f.as.refreshes.Load() != n || f.rs.hits.Load() != 2*n+2 {
		t.Errorf("unreplayable body: refreshes %d, hits %d", f.as.refreshes.Load(), f.rs.hits.Load())
	}
}

// A 401 invalid_token for an old token: refresh, retry once with the same
// body, succeed.
func TestClient_InvalidTokenRefreshAndRetry(t *testing.T) {
	f := newFixture(t, nil)
	var bodies []string
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if r.Header.Get("Authorization") == "Bearer at-1" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, strings.Repeat("x", 1<<20))
			return
		}
		fmt.Fprint(w, "ok")
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Second)
	res, err := s.Client().Post("http://rs.test/x", "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || f.as.refreshes.Load() != 1 {
		t.Errorf("status %d, refreshes %d", res.StatusCode, f.as.refreshes.Load())
	}
	if !cmp.Equal(bodies, []string{"payload", "payload"}) {
		t.Errorf("bodies = %q", bodies)
	}
}

// Many requests rejected with the same old token share one refresh.
func TestClient_ConcurrentInvalidTokenOneRefresh(t *testing.T) {
	f := newFixture(t, nil)
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer at-1" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.as.delay = 30 * time.Millisecond
	f.clock.Advance(2 * time.Second)
	c := s.Client()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if status, _, err := get(t, c, "http://rs.test/x"); err != nil || status != 200 {
				t.Errorf("status %d err %v", status, err)
			}
		})
	}
	wg.Wait()
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// HT-04: challenges a new token cannot answer cause no refresh and no retry.
func TestClient_HT04_NoRefresh(t *testing.T) {
	cases := []struct {
		name, challenge string
		status          int
	}{
		{"401_without_error", `Bearer realm="api"`, 401},
		{"403_insufficient_scope", `Bearer error="insufficient_scope", scope="a b"`, 403},
		{"401_basic_only", `Basic realm="api"`, 401},
		{"401_dpop_for_bearer_token", `DPoP error="invalid_token", algs="ES256"`, 401},
		{"401_no_challenge", ``, 401},
		{"401_garbage", `,,,="==" Bearer error`, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
				if tc.challenge != "" {
					w.Header().Set("WWW-Authenticate", tc.challenge)
				}
				w.WriteHeader(tc.status)
			}
			s := f.session(httpclient.Options{})
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			res, err := s.Client().Get("http://rs.test/x")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status || res.Header.Get("WWW-Authenticate") != tc.challenge {
				t.Errorf("response changed: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
			if f.as.refreshes.Load() != 0 || f.rs.hits.Load() != 1 {
				t.Errorf("refreshes %d, RS hits %d; want 0 and 1", f.as.refreshes.Load(), f.rs.hits.Load())
			}
		})
	}
}

// fakeProver stands in for an oauth2.DPoPProver: its proofs name the
// method, the target, whether an access token was bound and the nonce.
type fakeProver struct {
	mu     sync.Mutex
	nonce  string
	n      int
	nonces []string
}

func (p *fakeProver) Proof(method, target, accessToken string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return fmt.Sprintf("proof-%d %s %s ath=%t nonce=%s", p.n, method, target, accessToken != "", p.nonce), nil
}

func (p *fakeProver) UpdateNonce(target, nonce string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nonce = nonce
	p.nonces = append(p.nonces, nonce)
}

func dpopFixture(t *testing.T, extra map[string]http.Handler) (*fixture, *fakeProver, *httpclient.Session) {
	t.Helper()
	f := newFixture(t, extra)
	p := &fakeProver{}
	f.cfg.DPoP = p
	f.as.tokenType = "DPoP"
	s := f.session(httpclient.Options{})
	tok, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "DPoP" {
		t.Fatalf("token type %q", tok.TokenType)
	}
	return f, p, s
}

// DP-01 at the resource server: one retry with the server's nonce, no
// refresh.
func TestClient_DP01_NonceRetry(t *testing.T) {
	f, p, s := dpopFixture(t, nil)
	var proofs []string
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		proofs = append(proofs, r.Header.Get("DPoP"))
		if !strings.HasSuffix(r.Header.Get("DPoP"), "nonce=rs-1") {
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
			w.Header().Set("DPoP-Nonce", "rs-1")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "ok")
	}
	status, _, err := get(t, s.Client(), "http://rs.test/data?q=1")
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	if f.as.refreshes.Load() != 0 {
		t.Error("a nonce challenge caused a refresh")
	}
	want := []string{
		"proof-2 GET http://rs.test/data?q=1 ath=true nonce=", // proof-1 went to the token endpoint
		"proof-3 GET http://rs.test/data?q=1 ath=true nonce=rs-1",
	}
	if !cmp.Equal(proofs, want) {
		t.Errorf("proofs = %q, want %q", proofs, want)
	}
	for _, a := range f.rs.seen() {
		if a != "DPoP at-1" {
			t.Errorf("Authorization = %q, want DPoP at-1", a)
		}
	}
	if !cmp.Equal(p.nonces, []string{"rs-1"}) {
		t.Errorf("nonces recorded: %q", p.nonces)
	}
}

// DP-01: a resource server that wants a new nonce every time. One retry
// per request, then its 401 comes back; no refresh.
func TestClient_DP01_NonceLoop(t *testing.T) {
	f, _, s := dpopFixture(t, nil)
	var n atomic.Int32
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
		w.Header().Set("DPoP-Nonce", fmt.Sprintf("n-%d", n.Add(1)))
		w.WriteHeader(http.StatusUnauthorized)
	}
	f.clock.Advance(time.Minute)
	for i := 1; i <= 3; i++ {
		status, _, err := get(t, s.Client(), "http://rs.test/x")
		if err != nil || status != 401 {
			t.Fatalf("status %d err %v", status, err)
		}
		if got := f.rs.hits.Load(); got != int32(2*i) {
			t.Fatalf("after %d requests, %d RS hits", i, got)
		}
	}
	if f.as.refreshes.Load() != 0 {
		t.Error("a nonce challenge caused a refresh")
	}
}

// DP-04: a DPoP-bound token is never sent as Bearer.
func TestClient_DP04_NeverBearer(t *testing.T) {
	evil := &headerLog{}
	f, _, s := dpopFixture(t, map[string]http.Handler{"evil.test": evil})
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://evil.test/x", http.StatusFound)
		}
	}
	if _, _, err := get(t, s.Client(), "http://rs.test/redirect"); err != nil {
		t.Fatal(err)
	}
	if got := f.rs.seen(); !cmp.Equal(got, []string{"DPoP at-1"}) {
		t.Errorf("RS saw %q", got)
	}
	if l := evil.log(); len(l) != 1 || !strings.Contains(l[0], `auth="" dpop=""`) {
		t.Errorf("evil.test got %q", l)
	}

	// Without a prover, a stored DPoP token cannot be sent at all.
	g := newFixture(t, nil)
	st := g.session(httpclient.Options{Token: &oauth2.Token{AccessToken: "at-x", TokenType: "DPoP"}})
	_, _, err := get(t, st.Client(), "http://rs.test/x")
	if !errors.Is(err, httpclient.ErrMalformedToken) || g.rs.hits.Load() != 0 {
		t.Errorf("err = %v, RS hits %d", err, g.rs.hits.Load())
	}
}

// A waiting request whose context ends returns at once through Client too.
func TestClient_ContextCancelledWhileRefreshing(t *testing.T) {
	leakCheck(t)
	f := newFixture(t, nil)
	s, release := f.stalledRefresh(t, httpclient.Options{})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://rs.test/x", strings.NewReader("b"))
	if _, err := s.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

// DP-04 policy: a server that answers a DPoP token request with a Bearer
// token gets the token back as Bearer, without a proof.
func TestClient_DP04_BearerAnswerSentAsBearer(t *testing.T) {
	f := newFixture(t, nil)
	f.cfg.DPoP = &fakeProver{}
	var proof string
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) { proof = r.Header.Get("DPoP") }
	s := f.session(httpclient.Options{})
	tok, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"})
	if err != nil || tok.TokenType != "Bearer" {
		t.Fatalf("%v %v", tok, err)
	}
	if _, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil {
		t.Fatal(err)
	}
	if got := f.rs.seen(); !cmp.Equal(got, []string{"Bearer at-1"}) || proof != "" {
		t.Errorf("RS saw %q, proof %q", got, proof)
	}
}

// DM-05: a 401 whose challenge names resource metadata on another host. The
// Session follows no URL a challenge names: evil.test receives nothing, and
// no credential goes anywhere but the configured token endpoint.
func TestClient_DM05_ResourceMetadataNotFollowed(t *testing.T) {
	evil := &resourceServer{}
	f := newFixture(t, map[string]http.Handler{"evil.test": evil})
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", resource_metadata="http://evil.test/.well-known/oauth-protected-resource"`)
		w.WriteHeader(http.StatusUnauthorized)
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Second)
	status, _, err := get(t, s.Client(), "http://rs.test/x")
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("status %d, err %v", status, err)
	}
	if got := evil.hits.Load(); got != 0 {
		t.Errorf("evil.test received %d requests, want 0", got)
	}
	if got := f.as.refreshes.Load(); got > 1 {
		t.Errorf("%d refreshes for one request, want at most 1", got)
	}
}
