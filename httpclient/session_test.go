package httpclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

func TestSession_FetchTokenAndRequest(t *testing.T) {
	f := newFixture(t, nil)
	var got []string
	s := f.session(httpclient.Options{OnToken: func(_ context.Context, tok *oauth2.Token) { got = append(got, tok.AccessToken) }})
	tok, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-1" || tok.RefreshToken != "rt-1" {
		t.Fatalf("token = %+v", tok)
	}
	status, body, err := get(t, s.Client(), "http://rs.test/x")
	if err != nil || status != 200 || body != "ok" {
		t.Fatalf("GET = %d %q %v", status, body, err)
	}
	if seen := f.rs.seen(); !slices.Equal(seen, []string{"Bearer at-1"}) {
		t.Errorf("RS saw %q", seen)
	}
	if !slices.Equal(got, []string{"at-1"}) {
		t.Errorf("OnToken got %q", got)
	}
	// The token handed out is a copy.
	tok.AccessToken = "changed"
	if cur, _ := s.Token(ctxT(t)); cur.AccessToken != "at-1" {
		t.Errorf("Token() = %q after the caller changed its copy", cur.AccessToken)
	}
}

func TestSession_NoToken(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{})
	if _, err := s.Token(ctxT(t)); !errors.Is(err, httpclient.ErrNoToken) {
		t.Errorf("Token() error = %v, want ErrNoToken", err)
	}
	if _, _, err := get(t, s.Client(), "http://rs.test/x"); !errors.Is(err, httpclient.ErrNoToken) {
		t.Errorf("GET error = %v, want ErrNoToken", err)
	}
	if f.rs.hits.Load() != 0 {
		t.Error("a request without a token reached the resource server")
	}
}

func TestSession_StoredTokenStart(t *testing.T) {
	f := newFixture(t, nil)
	f.as.valid["rt-stored"] = true
	now := f.clock.Now()
	stored := &oauth2.Token{AccessToken: "at-stored", TokenType: "Bearer", RefreshToken: "rt-stored",
		ReceivedAt: now.Add(-time.Minute), Expiry: now.Add(time.Hour)}
	var onToken []string
	s := f.session(httpclient.Options{Token: stored, OnToken: func(_ context.Context, tok *oauth2.Token) {
		onToken = append(onToken, tok.AccessToken)
	}})
	if _, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil {
		t.Fatal(err)
	}
	if f.as.requests.Load() != 0 {
		t.Error("a valid stored token was refreshed")
	}
	// Past expiry the stored refresh token renews it.
	f.clock.Advance(2 * time.Hour)
	if _, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil {
		t.Fatal(err)
	}
	if got := f.as.lastForm().Get("refresh_token"); got != "rt-stored" {
		t.Errorf("refresh used %q", got)
	}
	if seen := f.rs.seen(); !slices.Equal(seen, []string{"Bearer at-stored", "Bearer at-1"}) {
		t.Errorf("RS saw %q", seen)
	}
	if !slices.Equal(onToken, []string{"at-1"}) {
		t.Errorf("OnToken got %q, want only the new token", onToken)
	}
}

func TestSession_StoredTokenUnusable(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{Token: &oauth2.Token{AccessToken: "x", TokenType: "mac"}})
	_, err := s.Token(ctxT(t))
	if !errors.Is(err, httpclient.ErrMalformedToken) || !errors.Is(err, oauth2.ErrUnsupportedTokenType) {
		t.Errorf("err = %v", err)
	}
}

// requestsAt returns how many refreshes the AS saw after the clock is moved
// to each offset from the fetch and one request is sent.
func requestsAt(t *testing.T, f *fixture, s *httpclient.Session, offsets ...time.Duration) []int32 {
	t.Helper()
	start := f.clock.Now()
	var out []int32
	for _, off := range offsets {
		f.clock.Advance(start.Add(off).Sub(f.clock.Now()))
		if _, err := s.Token(ctxT(t)); err != nil {
			t.Fatalf("at +%v: %v", off, err)
		}
		out = append(out, f.as.refreshes.Load())
	}
	return out
}

// The zero Leeway is DefaultLeeway.
func TestSession_LeewayRefresh(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	got := requestsAt(t, f, s, 0, 239*time.Second, 240*time.Second, 241*time.Second, 400*time.Second)
	// 300 s token, 60 s leeway: due at 240 s; the new token is due at 480 s.
	if want := []int32{0, 0, 1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("refreshes = %v, want %v", got, want)
	}
}

func TestSession_HalfLifeWhenLeewayCoversLifetime(t *testing.T) {
	f := newFixture(t, nil)
	f.as.expiresIn = "60" // Keycloak master realm
	s := f.session(httpclient.Options{Leeway: 60 * time.Second})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	var offs []time.Duration
	for i := range 120 {
		offs = append(offs, time.Duration(i)*time.Second)
	}
	got := requestsAt(t, f, s, offs...)
	// Refreshed at 30 s, 60 s, 90 s: once per half lifetime, not per request.
	if got[29] != 0 || got[30] != 1 || got[59] != 1 || got[60] != 2 || got[119] != 3 {
		t.Errorf("refreshes at 29,30,59,60,119 s = %d %d %d %d %d, want 0 1 1 2 3", got[29], got[30], got[59], got[60], got[119])
	}
}

func TestSession_UnknownExpiryNeverRefreshedProactively(t *testing.T) {
	f := newFixture(t, nil)
	f.as.expiresIn = ""
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	got := requestsAt(t, f, s, 0, time.Hour, 24*365*time.Hour)
	if !slices.Equal(got, []int32{0, 0, 0}) {
		t.Errorf("refreshes = %v", got)
	}
}

func TestSession_NoLeewayRefreshesAtExpiry(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{Leeway: httpclient.NoLeeway})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	got := requestsAt(t, f, s, 299*time.Second, 300*time.Second)
	if !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("refreshes = %v", got)
	}
}

// TE-08: tokens that live 1 s, against a 60 s leeway. Every token is used,
// and refreshes happen at most once a second however many requests come.
func TestSession_TE08_ShortLifetime(t *testing.T) {
	for _, life := range []string{"1", "2", "10"} {
		t.Run("expires_in="+life, func(t *testing.T) {
			f := newFixture(t, nil)
			f.as.expiresIn = life
			s := f.session(httpclient.Options{})
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			used := map[string]bool{}
			const steps, perStep, step = 60, 5, 100 * time.Millisecond
			for range steps {
				for range perStep {
					tok, err := s.Token(ctxT(t))
					if err != nil {
						t.Fatal(err)
					}
					if tok.Expired(f.clock.Now()) {
						t.Fatalf("expired token %s handed out", tok.AccessToken)
					}
					used[tok.AccessToken] = true
				}
				f.clock.Advance(step)
			}
			elapsed := steps * step
			if max := int32(elapsed/time.Second) + 1; f.as.refreshes.Load() > max {
				t.Errorf("%d refreshes in %v, want at most %d", f.as.refreshes.Load(), elapsed, max)
			}
			if f.as.refreshes.Load() == 0 {
				t.Error("never refreshed")
			}
			for _, at := range f.as.issuedTokens() {
				if !used[at] {
					t.Errorf("token %s was never used", at)
				}
			}
		})
	}
}

// TE-08 with expires_in 0: the token arrives expired. It is still used
// once, then requests fail fast until a refresh is allowed again.
func TestSession_TE08_ZeroLifetime(t *testing.T) {
	f := newFixture(t, nil)
	f.as.expiresIn = "0"
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Token(ctxT(t)); err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("first use: %v %v", tok, err)
	}
	for range 20 {
		_, err := s.Token(ctxT(t))
		if !errors.Is(err, httpclient.ErrTokenExpired) || !errors.Is(err, httpclient.ErrRefreshLimited) {
			t.Fatalf("err = %v, want ErrTokenExpired and ErrRefreshLimited", err)
		}
	}
	if n := f.as.refreshes.Load(); n != 0 {
		t.Fatalf("%d refreshes within a second", n)
	}
	f.clock.Advance(time.Second)
	if tok, err := s.Token(ctxT(t)); err != nil || tok.AccessToken != "at-2" {
		t.Fatalf("after 1 s: %v %v", tok, err)
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// HT-05: 50 requests find the token expired at once. The AS rotates
// refresh tokens and revokes them all when one is used twice.
func TestSession_HT05_ConcurrentRefreshWithReuseDetection(t *testing.T) {
	f := newFixture(t, nil)
	f.as.rotate, f.as.reuseKill = true, true
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.as.delay = 50 * time.Millisecond
	f.clock.Advance(time.Hour)
	c := s.Client()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			status, _, err := get(t, c, "http://rs.test/x")
			if err == nil && status != 200 {
				err = errors.New(http.StatusText(status))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("AS saw %d refreshes, want exactly 1", n)
	}
	for _, a := range f.rs.seen() {
		if a != "Bearer at-2" {
			t.Errorf("RS saw %q, want the new token only", a)
		}
	}
	// The rotated refresh token is the one used next.
	f.as.delay = 0
	if _, err := s.Refresh(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := f.as.lastForm().Get("refresh_token"); got != "rt-2" {
		t.Errorf("next refresh used %q, want rt-2", got)
	}
}

// HT-06: rotation semantics of the refresh response.
func TestSession_HT06_RefreshTokenRotation(t *testing.T) {
	cases := []struct {
		name, mode string
		rotate     bool
		wantNext   string
	}{
		{"a_omitted_keeps_old", "omit", false, "rt-1"},
		{"b_new_replaces_old", "", true, "rt-2"},
		{"c_empty_is_absent", "empty", false, "rt-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.as.rtOnRefresh, f.as.rotate = tc.mode, tc.rotate
			var mu sync.Mutex
			stored := map[string]string{} // access token -> refresh token, as persisted
			s := f.session(httpclient.Options{OnToken: func(_ context.Context, tok *oauth2.Token) {
				mu.Lock()
				stored[tok.AccessToken] = tok.RefreshToken
				mu.Unlock()
			}})
			f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
				at := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				mu.Lock()
				_, ok := stored[at]
				mu.Unlock()
				if !ok {
					t.Errorf("RS got %s before OnToken did", at)
				}
			}
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Hour)
			if _, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			if got := stored["at-2"]; got != tc.wantNext {
				t.Errorf("OnToken stored refresh token %q, want %q", got, tc.wantNext)
			}
			mu.Unlock()
			f.clock.Advance(time.Hour)
			if _, err := s.Token(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if got := f.as.lastForm().Get("refresh_token"); got != tc.wantNext {
				t.Errorf("second refresh used %q, want %q", got, tc.wantNext)
			}
		})
	}
}

func TestSession_OnTokenBeforeUseAndWaiters(t *testing.T) {
	f := newFixture(t, nil)
	f.as.delay = 20 * time.Millisecond
	var mu sync.Mutex
	var order []string
	s := f.session(httpclient.Options{OnToken: func(_ context.Context, tok *oauth2.Token) {
		time.Sleep(30 * time.Millisecond) // a slow store
		mu.Lock()
		order = append(order, "OnToken "+tok.AccessToken)
		mu.Unlock()
	}})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			tok, err := s.Token(ctxT(t))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, "got "+tok.AccessToken)
			mu.Unlock()
		})
	}
	wg.Wait()
	want := []string{"OnToken at-1", "OnToken at-2", "got at-2", "got at-2", "got at-2", "got at-2", "got at-2"}
	if !slices.Equal(order, want) {
		t.Errorf("order = %q, want %q", order, want)
	}
}

// HT-08: invalid_grant stops the Session until FetchToken.
func TestSession_HT08_InvalidGrantStops(t *testing.T) {
	for _, code := range []string{"invalid_grant", "invalid_client"} {
		t.Run(code, func(t *testing.T) {
			f := newFixture(t, nil)
			f.as.hook = func(w http.ResponseWriter, _ url.Values) bool {
				writeJSON(w, http.StatusBadRequest, `{"error":"`+code+`","error_description":"Session not active"}`)
				return true
			}
			s := f.session(httpclient.Options{})
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Hour)
			want := code + ": Session not active"
			_, _, err := get(t, s.Client(), "http://rs.test/x")
			var oe *oauth2.Error
			if !errors.As(err, &oe) || oe.Error() != want || !strings.HasSuffix(err.Error(), want) {
				t.Fatalf("GET error = %v, want one wrapping %q", err, want)
			}
			for range 5 {
				f.clock.Advance(time.Minute)
				_, err := s.Token(ctxT(t))
				if err == nil || err.Error() != want {
					t.Fatalf("Token() error = %v, want %q", err, want)
				}
				if _, err := s.Refresh(ctxT(t)); err == nil || err.Error() != want {
					t.Fatalf("Refresh() error = %v, want %q", err, want)
				}
			}
			if n := f.as.refreshes.Load(); n != 1 {
				t.Errorf("AS saw %d refreshes, want 1", n)
			}
			if f.rs.hits.Load() != 0 {
				t.Error("a request reached the RS after the session stopped")
			}
			// A new token starts over.
			f.as.hook = nil
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil {
				t.Errorf("after FetchToken: %v", err)
			}
		})
	}
}

// HT-08: 429 with an absurd Retry-After: one refresh, then fail fast with
// the last error until the capped back-off ends.
func TestSession_HT08_RetryAfterCapped(t *testing.T) {
	f := newFixture(t, nil)
	f.as.hook = func(w http.ResponseWriter, _ url.Values) bool {
		w.Header().Set("Retry-After", "999999999")
		writeJSON(w, http.StatusTooManyRequests, `{"error":"slow_down_please"}`)
		return true
	}
	s := f.session(httpclient.Options{MaxBackoff: 5 * time.Minute})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	_, err := s.Token(ctxT(t))
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("first error = %v", err)
	}
	for range 299 {
		f.clock.Advance(time.Second)
		_, err := s.Token(ctxT(t))
		if !errors.Is(err, httpclient.ErrTokenExpired) || !errors.As(err, &oe) {
			t.Fatalf("while backing off: %v", err)
		}
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes during the back-off", n)
	}
	f.clock.Advance(time.Second)
	_, _ = s.Token(ctxT(t))
	if n := f.as.refreshes.Load(); n != 2 {
		t.Errorf("%d refreshes after 5 min, want 2", n)
	}
}

// HT-08: 503 forever. Ten minutes of requests every 100 ms reach the AS a
// handful of times, and never with an expired token at the RS.
func TestSession_HT08_ServiceUnavailableForever(t *testing.T) {
	f := newFixture(t, nil)
	f.as.hook = func(w http.ResponseWriter, _ url.Values) bool {
		http.Error(w, "<html>down</html>", http.StatusServiceUnavailable)
		return true
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(290 * time.Second) // due, not expired
	ok, failed := 0, 0
	for range 6000 {
		tok, err := s.Token(ctxT(t))
		switch {
		case err == nil:
			if tok.Expired(f.clock.Now()) {
				t.Fatal("expired token handed out")
			}
			ok++
		default:
			var re *oauth2.ResponseError
			if !errors.As(err, &re) || re.StatusCode != 503 {
				t.Fatalf("err = %v", err)
			}
			failed++
		}
		f.clock.Advance(100 * time.Millisecond)
	}
	if ok != 100 {
		t.Errorf("%d requests used the still-valid token, want 100 (the 10 s until expiry)", ok)
	}
	// 1 s, 2 s, 4 s ... capped at 5 min: about 10 attempts in 10 min.
	if n := f.as.refreshes.Load(); n < 5 || n > 12 {
		t.Errorf("%d refreshes in 10 min", n)
	}
}

// HT-10: the AS stalls during the refresh. A caller whose deadline passes
// leaves; the refresh goes on for the others, and nothing leaks.
func TestSession_HT10_StalledRefresh(t *testing.T) {
	leakCheck(t)
	f := newFixture(t, nil)
	var onToken []string
	s, release := f.stalledRefresh(t, httpclient.Options{OnToken: func(_ context.Context, tok *oauth2.Token) { onToken = append(onToken, tok.AccessToken) }})

	other := make(chan error, 1)
	go func() {
		_, _, err := get(t, s.Client(), "http://rs.test/x")
		other <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://rs.test/x", nil)
	start := time.Now()
	_, err := s.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the call took %v past its deadline", d)
	}
	select {
	case err := <-other:
		t.Fatalf("the other waiter returned early: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-other; err != nil {
		t.Errorf("other waiter: %v", err)
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if !slices.Equal(onToken, []string{"at-1", "at-2"}) {
		t.Errorf("OnToken got %q", onToken)
	}
}

// The shared refresh is bounded by RefreshTimeout, not by its first
// caller's context.
func TestSession_RefreshTimeout(t *testing.T) {
	leakCheck(t)
	f := newFixture(t, nil)
	s, release := f.stalledRefresh(t, httpclient.Options{RefreshTimeout: 100 * time.Millisecond})
	_, err := s.Token(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the refresh's DeadlineExceeded", err)
	}
	close(release)
	// Not retried within the call, nor at once after it (ambiguous failure).
	if _, err := s.Token(context.Background()); !errors.Is(err, httpclient.ErrTokenExpired) {
		t.Errorf("second call: %v", err)
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestSession_WaiterCancellation(t *testing.T) {
	f := newFixture(t, nil)
	s, release := f.stalledRefresh(t, httpclient.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Token(ctx)
		done <- err
	}()
	for f.as.refreshes.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a cancelled waiter did not return")
	}
	close(release)
	tok, err := s.Token(ctxT(t))
	if err != nil || tok.AccessToken != "at-2" {
		t.Errorf("after the refresh: %v %v", tok, err)
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1 (cancelling must not abort or repeat it)", n)
	}
}

func TestSession_ClientCredentialsRefetchKeepsExtra(t *testing.T) {
	f := newFixture(t, nil)
	extra := url.Values{"audience": {"api"}, "resource": {"https://a.test", "https://b.test"}}
	s := f.session(httpclient.Options{})
	g := oauth2.ClientCredentialsGrant{Scopes: []string{"read"}, Extra: extra}
	if _, err := s.FetchToken(ctxT(t), g); err != nil {
		t.Fatal(err)
	}
	extra.Set("audience", "changed-by-caller") // the Session keeps its own copy
	f.clock.Advance(time.Hour)
	tok, err := s.Token(ctxT(t))
	if err != nil || tok.AccessToken != "at-2" {
		t.Fatalf("Token() = %v, %v", tok, err)
	}
	form := f.as.lastForm()
	if form.Get("grant_type") != "client_credentials" || form.Get("audience") != "api" ||
		!slices.Equal(form["resource"], []string{"https://a.test", "https://b.test"}) || form.Get("scope") != "read" {
		t.Errorf("re-fetch form = %v", form)
	}
}

func TestSession_NoRefreshToken(t *testing.T) {
	f := newFixture(t, nil)
	f.as.noRT = true
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(250 * time.Second) // due but valid: still used
	if _, err := s.Token(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	_, err := s.Token(ctxT(t))
	var ee *httpclient.ExpiredError
	if !errors.Is(err, httpclient.ErrTokenExpired) || !errors.Is(err, httpclient.ErrCannotRefresh) || !errors.As(err, &ee) {
		t.Errorf("err = %v", err)
	}
	if _, err := s.Refresh(ctxT(t)); !errors.Is(err, httpclient.ErrCannotRefresh) {
		t.Errorf("Refresh() err = %v", err)
	}
	if f.as.refreshes.Load() != 0 {
		t.Error("refresh attempted without a refresh token")
	}
}

func TestSession_RefreshForces(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		tok, err := s.Refresh(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if want := "at-" + string(rune('2'+i)); tok.AccessToken != want {
			t.Errorf("Refresh() = %s, want %s", tok.AccessToken, want)
		}
	}
}

// HT-12: sentinel secrets never appear in any error, whatever the AS does.
func TestSession_HT12_NoSecretsInErrors(t *testing.T) {
	const cs, pw, rt = "SENTINEL-CS", "SENTINEL-PW", "SENTINEL-RT"
	echo := func(w http.ResponseWriter, form url.Values) bool {
		writeJSON(w, http.StatusBadRequest, `{"error":"invalid_request","error_description":"got `+form.Encode()+`"}`)
		return true
	}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		for _, s := range []string{cs, pw, rt, "SENTINEL-AT"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error holds %s: %v", s, err)
			}
		}
	}
	f := newFixture(t, nil)
	f.cfg.ClientSecret = cs
	f.cfg.AuthMethod = oauth2.ClientSecretPost{}
	f.as.valid[rt] = true
	now := f.clock.Now()
	s := f.session(httpclient.Options{Token: &oauth2.Token{AccessToken: "SENTINEL-AT", TokenType: "Bearer",
		RefreshToken: rt, ReceivedAt: now, Expiry: now.Add(time.Minute)}})
	f.as.hook = echo
	f.clock.Advance(time.Hour)
	_, err := s.Token(ctxT(t))
	check(t, err)
	_, _, err = get(t, s.Client(), "http://rs.test/x")
	check(t, err)
	_, err = s.Refresh(ctxT(t))
	check(t, err)
	_, err = s.FetchToken(ctxT(t), oauth2.CustomGrant{Type: "x", Params: url.Values{"password": {pw}}})
	check(t, err)

	// An access token that cannot go in a header is refused by oauth2 on
	// receipt, unnamed.
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"access_token":"SENTINEL-AT\r\nX-Evil: 1","token_type":"Bearer"}`)
	})
	h := newFixture(t, map[string]http.Handler{"bad.test": srv})
	h.cfg.Endpoint.TokenURL = "http://bad.test/token"
	bad := h.session(httpclient.Options{})
	_, err = bad.FetchToken(ctxT(t), oauth2.ClientCredentialsGrant{})
	check(t, err)
	if !errors.Is(err, oauth2.ErrAccessTokenSyntax) {
		t.Errorf("err = %v, want oauth2.ErrAccessTokenSyntax", err)
	}
}

// A refresh started before a FetchToken must not overwrite its token.
func TestSession_FetchTokenDuringRefresh(t *testing.T) {
	f := newFixture(t, nil)
	s, release := f.stalledRefresh(t, httpclient.Options{})
	done := make(chan *oauth2.Token, 1)
	go func() {
		tok, _ := s.Token(ctxT(t))
		done <- tok
	}()
	for f.as.refreshes.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	fetched, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "v"})
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if tok := <-done; tok == nil || tok.AccessToken != fetched.AccessToken {
		t.Errorf("waiter got %v, want the fetched %s", tok, fetched.AccessToken)
	}
	if cur, _ := s.Token(ctxT(t)); cur.AccessToken != fetched.AccessToken {
		t.Errorf("current = %s, want %s", cur.AccessToken, fetched.AccessToken)
	}
}
