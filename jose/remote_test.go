package jose

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for cache and rate-limit tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// jwksServer serves a replaceable response and records requests.
type jwksServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     string
	status   int
	header   http.Header
	delay    chan struct{} // when non-nil, requests wait for it to close
	hits     atomic.Int64
	noCaches atomic.Int64
}

func newJWKSServer(t *testing.T, body string) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if r.Header.Get("Cache-Control") == "no-cache" {
			s.noCaches.Add(1)
		}
		s.mu.Lock()
		body, status, header, delay := s.body, s.status, s.header, s.delay
		s.mu.Unlock()
		if delay != nil {
			select {
			case <-delay:
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(body string, status int) {
	s.mu.Lock()
	s.body, s.status = body, status
	s.mu.Unlock()
}

func jwksJSON(t testing.TB, ks ...JWK) string {
	t.Helper()
	pubs := make([]JWK, len(ks))
	for i, k := range ks {
		pubs[i] = pubJWK(t, k)
	}
	b, err := JWKSet{Keys: pubs}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newRemote(srv *jwksServer, clock *fakeClock) *RemoteKeySet {
	return NewRemoteKeySet(srv.URL, RemoteKeySetConfig{HTTPClient: srv.Client(), Clock: clock.Now})
}

func TestRemoteKeySet_FetchAndCache(t *testing.T) {
	k := keys(t)
	key := JWK{KeyID: "a", Key: k.rsa}
	srv := newJWKSServer(t, jwksJSON(t, key))
	clock := &fakeClock{t: testNow}
	r := newRemote(srv, clock)
	tok := mustSign(t, key, RS256, claimsJSON(), SignOptions{})
	for range 5 {
		if _, _, err := Verify(bg, tok, r, VerifyOptions{Algorithms: []Algorithm{RS256}}); err != nil {
			t.Fatal(err)
		}
	}
	if r.Fetches() != 1 || srv.hits.Load() != 1 {
		t.Fatalf("fetches = %d, server hits = %d; want 1", r.Fetches(), srv.hits.Load())
	}
	if srv.noCaches.Load() != 0 {
		t.Error("first fetch sent Cache-Control: no-cache")
	}
}

func TestRemoteKeySet_JW16_KeyRotation(t *testing.T) {
	k := keys(t)
	oldKey, newKey := JWK{KeyID: "old", Key: k.rsa}, JWK{KeyID: "new", Key: k.rsa2}
	srv := newJWKSServer(t, jwksJSON(t, oldKey))
	clock := &fakeClock{t: testNow}
	r := newRemote(srv, clock)
	opts := VerifyOptions{Algorithms: []Algorithm{RS256}}
	if _, _, err := Verify(bg, mustSign(t, oldKey, RS256, "{}", SignOptions{}), r, opts); err != nil {
		t.Fatal(err)
	}
	// The OP rotates its key right after the first fetch.
	srv.set(jwksJSON(t, newKey), http.StatusOK)
	if _, _, err := Verify(bg, mustSign(t, newKey, RS256, "{}", SignOptions{}), r, opts); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("server hits = %d, want exactly 2", got)
	}
	if srv.noCaches.Load() != 1 {
		t.Errorf("refetch did not send Cache-Control: no-cache")
	}
}

func TestRemoteKeySet_JW15_RefetchStorm(t *testing.T) {
	k := keys(t)
	good := JWK{KeyID: "good", Key: k.rsa}
	srv := newJWKSServer(t, jwksJSON(t, good))
	clock := &fakeClock{t: testNow}
	r := newRemote(srv, clock)
	opts := VerifyOptions{Algorithms: []Algorithm{RS256}}
	goodTok := mustSign(t, good, RS256, "{}", SignOptions{})
	if _, _, err := Verify(bg, goodTok, r, opts); err != nil {
		t.Fatal(err)
	}
	// The endpoint breaks; a flood of random kids arrives.
	srv.set("<html>oops</html>", http.StatusInternalServerError)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kid := "random-" + itoa(int64(i))
			tok := rawToken(t, `{"alg":"RS256","kid":"`+kid+`"}`, "{}", RS256, k.rsa2)
			_, _, err := Verify(bg, tok, r, opts)
			if !errors.Is(err, ErrUnknownKey) {
				t.Errorf("kid %s: %v", kid, err)
			}
		}()
	}
	wg.Wait()
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("server hits = %d, want 2 (initial + one refetch)", got)
	}
	// Good cached keys are still served.
	if _, _, err := Verify(bg, goodTok, r, opts); err != nil {
		t.Fatalf("cached key lost after failed refetch: %v", err)
	}
	// Junk responses also count against the interval.
	clock.Add(DefaultRefreshInterval)
	srv.set(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, http.StatusOK)
	for range 20 {
		tok := rawToken(t, `{"alg":"RS256","kid":"another"}`, "{}", RS256, k.rsa2)
		_, _, err := Verify(bg, tok, r, opts)
		wantErr(t, err, ErrUnknownKey)
	}
	if got := srv.hits.Load(); got != 3 {
		t.Fatalf("server hits = %d, want 3", got)
	}
	// A success followed by misses: still one refetch per interval.
	clock.Add(DefaultRefreshInterval)
	srv.set(jwksJSON(t, good), http.StatusOK)
	for i := range 20 {
		tok := rawToken(t, `{"alg":"RS256","kid":"x`+itoa(int64(i))+`"}`, "{}", RS256, k.rsa2)
		_, _, err := Verify(bg, tok, r, opts)
		wantErr(t, err, ErrUnknownKey)
	}
	if got := srv.hits.Load(); got != 4 {
		t.Fatalf("server hits = %d, want 4 (one refetch)", got)
	}
	if _, _, err := Verify(bg, goodTok, r, opts); err != nil {
		t.Fatalf("cached key lost after junk refetch: %v", err)
	}
}

func TestRemoteKeySet_NegativeCacheOnFirstFetch(t *testing.T) {
	srv := newJWKSServer(t, "nope")
	srv.set("nope", http.StatusServiceUnavailable)
	clock := &fakeClock{t: testNow}
	r := newRemote(srv, clock)
	for range 10 {
		_, err := r.Keys(bg, "x")
		var fe *FetchError
		if !errors.As(err, &fe) || fe.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("err = %v, want *FetchError with status 503", err)
		}
	}
	if srv.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", srv.hits.Load())
	}
	clock.Add(DefaultRefreshInterval)
	_, _ = r.Keys(bg, "x")
	if srv.hits.Load() != 2 {
		t.Fatalf("hits after the interval = %d, want 2", srv.hits.Load())
	}
}

func TestRemoteKeySet_ConcurrentMissesShareOneFetch(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, jwksJSON(t, JWK{KeyID: "a", Key: k.p256}))
	release := make(chan struct{})
	srv.mu.Lock()
	srv.delay = release
	srv.mu.Unlock()
	r := newRemote(srv, &fakeClock{t: testNow})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Keys(bg, "a")
			errs <- err
		}()
	}
	// Let every goroutine block on the one fetch, then release it.
	deadline := time.Now().Add(5 * time.Second)
	for srv.hits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if srv.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", srv.hits.Load())
	}
}

func TestRemoteKeySet_WaiterLeavesThroughContext_HT10(t *testing.T) {
	srv := newJWKSServer(t, `{"keys":[]}`)
	release := make(chan struct{})
	srv.mu.Lock()
	srv.delay = release
	srv.mu.Unlock()
	before := runtime.NumGoroutine()
	r := newRemote(srv, &fakeClock{t: testNow})
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Keys(ctx, "a")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("waiter did not leave with its context")
	}
	// A second waiter joins the same fetch, which then completes.
	done := make(chan error, 1)
	go func() { _, err := r.Keys(bg, "a"); done <- err }()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if err := <-done; !errors.Is(err, ErrNoUsableKeys) {
		t.Fatalf("second waiter: %v, want ErrNoUsableKeys", err)
	}
	if srv.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", srv.hits.Load())
	}
	srv.CloseClientConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("goroutines: %d before, %d after", before, n)
	}
}

func TestRemoteKeySet_BodyCapAfterDecompression(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write([]byte(`{"keys":[` + strings.Repeat(" ", 10<<20) + `]}`))
	_ = w.Close()
	srv := newJWKSServer(t, gz.String())
	srv.header = http.Header{"Content-Encoding": {"gzip"}, "Content-Type": {"application/json"}}
	r := newRemote(srv, &fakeClock{t: testNow})
	_, err := r.Keys(bg, "")
	wantErr(t, err, ErrTooLarge)
	if len(gz.Bytes()) > 1<<20 {
		t.Fatalf("test body on the wire is %d bytes; it should be small", gz.Len())
	}
	// A plain body over a custom cap.
	srv2 := newJWKSServer(t, `{"keys":[]}`+strings.Repeat(" ", 2000))
	r2 := NewRemoteKeySet(srv2.URL, RemoteKeySetConfig{HTTPClient: srv2.Client(), MaxBodySize: 1000})
	_, err = r2.Keys(bg, "")
	wantErr(t, err, ErrTooLarge)
}

func TestRemoteKeySet_JW14_KeyCountAndOct(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, jwksJSON(t, JWK{KeyID: "a", Key: k.p256}, JWK{KeyID: "b", Key: k.p256}, JWK{KeyID: "c", Key: k.p256}))
	r := NewRemoteKeySet(srv.URL, RemoteKeySetConfig{HTTPClient: srv.Client(), MaxKeys: 2})
	_, err := r.Keys(bg, "a")
	wantErr(t, err, ErrTooLarge)

	srv2 := newJWKSServer(t, `{"keys":[{"kty":"oct","kid":"h","k":"`+b64s(string(k.hmac))+`"}]}`)
	r2 := newRemote(srv2, &fakeClock{t: testNow})
	tok := rawToken(t, `{"alg":"HS256","kid":"h"}`, "{}", HS256, k.hmac)
	_, _, err = Verify(bg, tok, r2, VerifyOptions{Algorithms: []Algorithm{HS256}})
	wantErr(t, err, ErrNoUsableKeys)
}

func TestRemoteKeySet_CacheControl(t *testing.T) {
	k := keys(t)
	key := JWK{KeyID: "a", Key: k.p256}
	for _, c := range []struct {
		header string
		fresh  time.Duration // still fresh at this age
		stale  time.Duration // refreshed (in the background) at this age
	}{
		{"", 59 * time.Minute, 61 * time.Minute},
		{"max-age=600", 9 * time.Minute, 11 * time.Minute},
		{"public, max-age=5", 29 * time.Second, 31 * time.Second}, // bounded below by the interval
		{"no-store", 29 * time.Second, 31 * time.Second},
		{"max-age=999999999", 23 * time.Hour, 25 * time.Hour}, // bounded above by 24 h
	} {
		t.Run(c.header, func(t *testing.T) {
			srv := newJWKSServer(t, jwksJSON(t, key))
			if c.header != "" {
				srv.header = http.Header{"Cache-Control": {c.header}}
			}
			clock := &fakeClock{t: testNow}
			r := newRemote(srv, clock)
			if _, err := r.Keys(bg, "a"); err != nil {
				t.Fatal(err)
			}
			clock.Add(c.fresh)
			if _, err := r.Keys(bg, "a"); err != nil {
				t.Fatal(err)
			}
			if srv.hits.Load() != 1 {
				t.Fatalf("refetched while fresh")
			}
			clock.Add(c.stale - c.fresh)
			// Stale keys are served at once and refreshed in the background.
			if _, err := r.Keys(bg, "a"); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for srv.hits.Load() != 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if srv.hits.Load() != 2 {
				t.Fatalf("hits = %d, want a background refresh", srv.hits.Load())
			}
		})
	}
}

func TestVerify_JW05_JkuListenerGetsNoRequests(t *testing.T) {
	k := keys(t)
	var evilHits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		_, _ = w.Write([]byte(jwksJSON(t, JWK{KeyID: "evil", Key: k.rsa2})))
	}))
	defer evil.Close()
	srv := newJWKSServer(t, jwksJSON(t, JWK{KeyID: "good", Key: k.rsa}))
	r := newRemote(srv, &fakeClock{t: testNow})
	for _, h := range []string{
		`{"alg":"RS256","kid":"evil","jku":"` + evil.URL + `"}`,
		`{"alg":"RS256","kid":"good","jku":"` + evil.URL + `"}`,
		`{"alg":"RS256","kid":"good","x5u":"` + evil.URL + `"}`,
	} {
		tok := rawToken(t, h, claimsJSON(), RS256, k.rsa2)
		if _, _, err := Verify(bg, tok, r, VerifyOptions{Algorithms: []Algorithm{RS256}}); err == nil {
			t.Fatal("token signed by the attacker accepted")
		}
	}
	if evilHits.Load() != 0 {
		t.Fatalf("evil listener got %d requests", evilHits.Load())
	}
}

func TestRemoteKeySet_DefaultClientAndBadURL(t *testing.T) {
	r := NewRemoteKeySet("http://user:pw@127.0.0.1:1/\x7f", RemoteKeySetConfig{})
	_, err := r.Keys(bg, "a")
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want *FetchError", err)
	}
	noSecret(t, err.Error(), "pw")
}

// A JWKS URI with user information is refused before any request, and the
// password appears in no error; the Observer is shown each fetch, the
// refetch for an unknown kid with its Cache-Control header.
func TestRemoteKeySet_URLAndObserver(t *testing.T) {
	key := JWK{KeyID: "a", Key: keys(t).rsa}
	srv := newJWKSServer(t, jwksJSON(t, key))
	clock := &fakeClock{t: testNow}
	withPassword := strings.Replace(srv.URL, "://", "://user:jwks-pw@", 1)
	r := NewRemoteKeySet(withPassword, RemoteKeySetConfig{HTTPClient: srv.Client(), Clock: clock.Now})
	_, err := r.Keys(context.Background(), "")
	if err == nil || strings.Contains(err.Error(), "jwks-pw") || srv.hits.Load() != 0 {
		t.Fatalf("got %v after %d requests", err, srv.hits.Load())
	}

	var seen []*HTTPExchange
	r = NewRemoteKeySet(srv.URL, RemoteKeySetConfig{HTTPClient: srv.Client(), Clock: clock.Now,
		Observer: func(ex *HTTPExchange) { seen = append(seen, ex) }})
	if _, err := r.Keys(context.Background(), key.KeyID); err != nil {
		t.Fatal(err)
	}
	_, _ = r.Keys(context.Background(), "rotated-kid")
	if len(seen) != 2 || seen[0].StatusCode != http.StatusOK || len(seen[0].ResponseBody) == 0 ||
		seen[1].RequestHeader.Get("Cache-Control") != "no-cache" {
		t.Errorf("observed %+v", seen)
	}
}
