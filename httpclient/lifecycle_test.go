package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// errorLog collects what Options.OnRefreshError receives.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(_ context.Context, err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// rotateThenHangUp makes f's server rotate the refresh token on the first
// refresh, then close the connection without an answer: the response is
// lost, the new refresh token with it.
func rotateThenHangUp(t *testing.T, f *fixture) {
	var once sync.Once
	f.as.hook = func(w http.ResponseWriter, form url.Values) bool {
		hung := false
		once.Do(func() {
			f.as.mu.Lock()
			delete(f.as.valid, form.Get("refresh_token"))
			f.as.valid["rt-rotated-unseen"] = true
			f.as.mu.Unlock()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			hung = true
		})
		return hung
	}
}

// A refresh whose request reached the server but whose answer never came
// back is not sent again with the same refresh token: the server rotated it
// and, with reuse detection, would revoke the whole family. The request
// that triggered it goes on with the valid token, the program hears of it
// through OnRefreshError, and once the token expires requests fail with an
// *ExpiredError carrying the cause. FetchToken starts again.
func TestSession_HT05_UnansweredRefreshNotRepeated(t *testing.T) {
	leakCheck(t)
	f := newFixture(t, nil)
	f.as.rotate, f.as.reuseKill = true, true
	f.as.expiresIn = "300"
	rotateThenHangUp(t, f)
	var log errorLog
	s := f.session(httpclient.Options{OnRefreshError: log.add})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}

	f.clock.Advance(250 * time.Second) // due, not expired
	for i := range 50 {
		code, _, err := get(t, s.Client(), "http://rs.test/x")
		if err != nil || code != 200 {
			t.Fatalf("request %d: %d %v", i, code, err)
		}
		f.clock.Advance(time.Second) // well past any back-off
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes, want exactly 1", n)
	}
	for _, a := range f.rs.seen() {
		if a != "Bearer at-1" {
			t.Fatalf("resource server got %q, want the old valid token", a)
		}
	}
	errs := log.all()
	if len(errs) != 1 || !errors.Is(errs[0], httpclient.ErrRefreshUnanswered) {
		t.Fatalf("OnRefreshError got %v, want one ErrRefreshUnanswered", errs)
	}
	var ue *url.Error
	if !errors.As(errs[0], &ue) {
		t.Errorf("the error does not wrap its cause: %v", errs[0])
	}

	f.clock.Advance(time.Minute) // expired now
	_, err := s.Token(ctxT(t))
	var ee *httpclient.ExpiredError
	if !errors.As(err, &ee) || !errors.Is(err, httpclient.ErrRefreshUnanswered) {
		t.Fatalf("after expiry: %v, want *ExpiredError with ErrRefreshUnanswered", err)
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes after expiry, want still 1", n)
	}
	f.as.mu.Lock()
	familyAlive := f.as.valid["rt-rotated-unseen"]
	f.as.mu.Unlock()
	if !familyAlive {
		t.Error("the server revoked the token family: the old refresh token was sent again")
	}

	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if code, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil || code != 200 {
		t.Fatalf("after FetchToken: %d %v", code, err)
	}
}

// The refresh timeout running out after the request was sent is an
// unanswered refresh too.
func TestSession_HT10_RefreshTimeoutAfterSendingNotRepeated(t *testing.T) {
	f := newFixture(t, nil)
	f.as.rotate = true
	s := f.session(httpclient.Options{RefreshTimeout: 100 * time.Millisecond})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.as.mu.Lock()
	f.as.delay = 500 * time.Millisecond
	f.as.mu.Unlock()
	f.clock.Advance(time.Hour)
	_, err := s.Token(ctxT(t))
	if !errors.Is(err, httpclient.ErrRefreshUnanswered) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrRefreshUnanswered wrapping context.DeadlineExceeded", err)
	}
	f.as.mu.Lock()
	f.as.delay = 0
	f.as.mu.Unlock()
	f.clock.Advance(time.Hour)
	if _, err := s.Token(ctxT(t)); !errors.Is(err, httpclient.ErrRefreshUnanswered) {
		t.Fatalf("later: %v", err)
	}
	if n := f.as.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	// An explicit Refresh is the caller's decision to try again.
	if _, err := s.Refresh(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// A refresh that failed before anything was sent (the server cannot be
// dialled) is retried after the back-off, and an expired token then fails
// with an *ExpiredError carrying the dial error, as the package doc says:
// never a bare *url.Error.
func TestSession_HT08_OutageExpiredErrorTyped(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	up := f.net.addrs["as.test:80"]
	delete(f.net.addrs, "as.test:80") // the authorization server is down
	f.net.tr.CloseIdleConnections()
	f.clock.Advance(time.Hour)
	for i := range 5 {
		_, err := s.Token(ctxT(t))
		var ee *httpclient.ExpiredError
		var ue *url.Error
		if !errors.As(err, &ee) || !errors.As(err, &ue) {
			t.Fatalf("attempt %d: %T %v, want *ExpiredError wrapping the *url.Error", i, err, err)
		}
		f.clock.Advance(time.Hour) // past the back-off
	}
	f.net.addrs["as.test:80"] = up
	if _, err := s.Token(ctxT(t)); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// A refresh is never due before half the token's lifetime: with the
// default 60 s leeway and one request every 100 ms for 10 minutes, a token
// of lifetime L is refreshed at most ceil(600 / (L/2)) + 1 times.
func TestSession_TE08_NeverDueBeforeHalfLifetime(t *testing.T) {
	for _, life := range []int{30, 60, 61, 62, 65, 90, 120, 300, 3600} {
		t.Run(strconv.Itoa(life)+"s", func(t *testing.T) {
			f := newFixture(t, nil)
			f.as.expiresIn = strconv.Itoa(life)
			s := f.session(httpclient.Options{Leeway: 60 * time.Second})
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			ctx := ctxT(t)
			for range 6000 {
				if _, err := s.Token(ctx); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(100 * time.Millisecond)
			}
			limit := int32(math.Ceil(600/(float64(life)/2))) + 1
			if n := f.as.refreshes.Load(); n > limit {
				t.Errorf("%d refreshes in 10 minutes, want at most %d", n, limit)
			}
			if life <= 300 && f.as.refreshes.Load() == 0 {
				t.Error("never refreshed")
			}
		})
	}
}

// A refreshed token that VerifyRefresh refuses is never installed nor sent:
// the Session keeps the old one, reports the typed error, and does not
// refresh by itself again.
func TestSession_VerifyRefreshRefuses(t *testing.T) {
	f := newFixture(t, nil)
	refusal := errors.New("identity changed")
	var seen []string
	var log errorLog
	s := f.session(httpclient.Options{
		VerifyRefresh: func(_ context.Context, previous, refreshed *oauth2.Token) error {
			seen = append(seen, previous.AccessToken+">"+refreshed.AccessToken)
			return refusal
		},
		OnRefreshError: log.add,
		OnToken:        func(_ context.Context, t *oauth2.Token) { seen = append(seen, "stored "+t.AccessToken) },
	})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(250 * time.Second)
	if code, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil || code != 200 {
		t.Fatal(code, err)
	}
	f.clock.Advance(10 * time.Second)
	if code, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil || code != 200 {
		t.Fatal(code, err)
	}
	if got := fmt.Sprint(seen); got != "[stored at-1 at-1>at-2]" {
		t.Errorf("calls: %s", got)
	}
	for _, a := range f.rs.seen() {
		if a != "Bearer at-1" {
			t.Errorf("sent %q", a)
		}
	}
	errs := log.all()
	if len(errs) != 1 || !errors.Is(errs[0], httpclient.ErrTokenRefused) || !errors.Is(errs[0], refusal) {
		t.Errorf("OnRefreshError: %v", errs)
	}
	f.clock.Advance(time.Hour)
	if _, err := s.Token(ctxT(t)); !errors.Is(err, httpclient.ErrTokenExpired) || !errors.Is(err, httpclient.ErrTokenRefused) {
		t.Errorf("after expiry: %v", err)
	}
	if _, err := s.Refresh(ctxT(t)); !errors.Is(err, refusal) {
		t.Errorf("explicit Refresh: %v", err)
	}
}

// A stored token whose access token breaks RFC 6750's syntax is refused.
func TestSession_StoredTokenSyntax(t *testing.T) {
	f := newFixture(t, nil)
	s := f.session(httpclient.Options{Token: &oauth2.Token{AccessToken: "abc def", TokenType: "Bearer"}})
	_, err := s.Token(ctxT(t))
	if !errors.Is(err, httpclient.ErrMalformedToken) || !errors.Is(err, oauth2.ErrAccessTokenSyntax) {
		t.Fatalf("err = %v", err)
	}
	if f.rs.hits.Load() != 0 {
		t.Error("sent")
	}
}

// Revoke revokes the refresh token, then the access token (RFC 7009), and
// the Session has no token afterwards.
func TestSession_Revoke(t *testing.T) {
	var mu sync.Mutex
	var revoked []string
	rev := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		revoked = append(revoked, r.PostFormValue("token_type_hint")+"="+r.PostFormValue("token"))
		mu.Unlock()
	})
	f := newFixture(t, map[string]http.Handler{"revoke.test": rev})
	f.cfg.Endpoint.RevocationURL = "http://revoke.test/revoke"
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(revoked); got != "[refresh_token=rt-1 access_token=at-1]" {
		t.Errorf("revoked %s", got)
	}
	if _, _, err := get(t, s.Client(), "http://rs.test/x"); !errors.Is(err, httpclient.ErrRevoked) {
		t.Errorf("request after Revoke: %v", err)
	}
	if f.rs.hits.Load() != 0 {
		t.Error("a revoked token was sent")
	}
	if err := s.Revoke(ctxT(t)); !errors.Is(err, httpclient.ErrRevoked) {
		t.Errorf("second Revoke: %v", err)
	}
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if code, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil || code != 200 {
		t.Errorf("after FetchToken: %d %v", code, err)
	}
}

// A failed revocation still drops the token, and says what failed.
func TestSession_RevokeUnavailable(t *testing.T) {
	rev := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	f := newFixture(t, map[string]http.Handler{"revoke.test": rev})
	f.cfg.Endpoint.RevocationURL = "http://revoke.test/revoke"
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	var ue *oauth2.UnavailableError
	if err := s.Revoke(ctxT(t)); !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *oauth2.UnavailableError", err)
	}
	if _, err := s.Token(ctxT(t)); !errors.Is(err, httpclient.ErrRevoked) {
		t.Errorf("token kept: %v", err)
	}
}

// With RefreshOnUnauthorized, a 401 without an error code is answered with
// one refresh and one retry; without it, it is returned as it is.
func TestClient_HT04_RefreshOnUnauthorized(t *testing.T) {
	for _, opt := range []bool{false, true} {
		t.Run(strconv.FormatBool(opt), func(t *testing.T) {
			f := newFixture(t, nil)
			f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer at-1" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				fmt.Fprint(w, "ok")
			}
			s := f.session(httpclient.Options{RefreshOnUnauthorized: opt})
			if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(2 * time.Second) // past MinRefreshInterval
			code, _, err := get(t, s.Client(), "http://rs.test/x")
			if err != nil {
				t.Fatal(err)
			}
			want, refreshes := 401, int32(0)
			if opt {
				want, refreshes = 200, 1
			}
			if code != want || f.as.refreshes.Load() != refreshes {
				t.Errorf("status %d with %d refreshes, want %d with %d", code, f.as.refreshes.Load(), want, refreshes)
			}
		})
	}
}

// A token obtained with an assertion grant is renewed by minting a new
// assertion and running the grant again (RFC 7523, section 2.1).
func TestSession_AssertionGrantMintedAgain(t *testing.T) {
	f := newFixture(t, nil)
	f.as.noRT = true
	var minted int
	s := f.session(httpclient.Options{})
	g := oauth2.AssertionGrant{Type: "client_credentials", Mint: func(context.Context, *oauth2.Config) (string, error) {
		minted++
		return "assertion-" + strconv.Itoa(minted), nil
	}}
	if _, err := s.FetchToken(ctxT(t), g); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	tok, err := s.Token(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-2" || minted != 2 {
		t.Errorf("token %s after %d assertions", tok.AccessToken, minted)
	}
	if a := f.as.lastForm().Get("assertion"); a != "assertion-2" {
		t.Errorf("assertion sent: %q", a)
	}
}

// oauth2.Config.Observer sees the Session's resource requests too, the
// token redacted.
func TestClient_ObserverSeesResourceRequests(t *testing.T) {
	f := newFixture(t, nil)
	var mu sync.Mutex
	var seen []string
	f.cfg.Observer = func(e *oauth2.HTTPExchange) {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %d %s", e.Method, e.URL, e.StatusCode, e.RequestHeader.Get("Authorization")))
		mu.Unlock()
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if code, _, err := get(t, s.Client(), "http://rs.test/x"); err != nil || code != 200 {
		t.Fatal(code, err)
	}
	mu.Lock()
	defer mu.Unlock()
	last := seen[len(seen)-1]
	if last != "GET http://rs.test/x 200 Bearer [redacted]" {
		t.Errorf("observed %q", last)
	}
	for _, o := range seen {
		if strings.Contains(o, "at-1") {
			t.Errorf("the token is in an observation: %q", o)
		}
	}
}

// HT-01 with look-alike host names: a redirect from straße.test to
// straẞe.test (equal under Unicode case folding, dialled as two different
// hosts) carries no token.
func TestClient_HT01_UnicodeLookAlikeRedirect(t *testing.T) {
	lookAlike := &headerLog{}
	f := newFixture(t, map[string]http.Handler{"strasse.test": lookAlike})
	// The resource server answers at straße.test's ASCII form too.
	f.net.addrs["xn--strae-oqa.test:80"] = f.net.addrs["rs.test:80"]
	f.rs.handle = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://straẞe.test/stolen", http.StatusFound)
	}
	s := f.session(httpclient.Options{})
	if _, err := s.FetchToken(ctxT(t), oauth2.PasswordGrant{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, s.Client(), "http://straße.test/start"); err != nil {
		t.Fatal(err)
	}
	if lookAlike.hits.Load() != 1 {
		t.Fatalf("the redirect was not followed to the look-alike host (%d hits)", lookAlike.hits.Load())
	}
	for _, l := range lookAlike.log() {
		if !strings.Contains(l, `auth="" dpop=""`) {
			t.Errorf("the look-alike host received credentials: %s", l)
		}
	}
}
