package httpclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// kc is the Keycloak shared by the tests of this binary that need no
// server of their own.
var kc keycloaktest.Shared

func TestMain(m *testing.M) { os.Exit(kc.Run(m, keycloaktest.Options{})) }

// passwordClient creates a client with the password grant and a user in
// realm, and returns a Config for them and the grant.
func passwordClient(t *testing.T, srv *keycloaktest.Server, realm *keycloaktest.Realm) (*oauth2.Config, oauth2.PasswordGrant) {
	t.Helper()
	ctx := ctxT(t)
	c, err := srv.Admin().CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{DirectAccessGrants: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := srv.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.Secret, Endpoint: realm.Endpoint(), Scopes: []string{"openid"}}
	return cfg, oauth2.PasswordGrant{Username: u.Username, Password: u.Password}
}

// HT-05 against Keycloak with refresh token rotation and reuse detection
// ("Revoke Refresh Token", max reuse 0): a proxy lets the refresh reach
// Keycloak, which rotates the refresh token, then closes the connection
// without answering. The Session does not present the old refresh token
// again, so the family survives: the rotated refresh token still works.
// Presenting the old one is what would have revoked it.
func TestKeycloak_HT05_UnansweredRefreshKeepsFamily(t *testing.T) {
	srv := kc.Server(t)
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{RevokeRefreshToken: true, RefreshTokenMaxReuse: 0})
	cfg, grant := passwordClient(t, srv, realm)

	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var rotated string
	refreshes := 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		form, _ := url.ParseQuery(string(body))
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		out.Host = target.Host // Keycloak derives the issuer from the host
		res, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		answer, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		if form.Get("grant_type") == "refresh_token" {
			mu.Lock()
			refreshes++
			first := refreshes == 1
			if first {
				var tok struct {
					RefreshToken string `json:"refresh_token"`
				}
				_ = json.Unmarshal(answer, &tok)
				rotated = tok.RefreshToken
			}
			mu.Unlock()
			if first {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
		}
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		w.Write(answer)
	}))
	t.Cleanup(proxy.Close)
	direct := *cfg
	cfg.Endpoint.TokenURL = proxy.URL + mustPath(t, realm.TokenURL)

	now := time.Now()
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	cfg.Clock = clock
	var log errorLog
	s := httpclient.New(cfg, httpclient.Options{OnRefreshError: log.add})
	first, err := s.FetchToken(ctxT(t), grant)
	if err != nil {
		t.Fatal(err)
	}
	// Keycloak tells a stale refresh token by its issue time in whole
	// seconds: let one pass, so that the reuse check at the end means
	// something.
	time.Sleep(1100 * time.Millisecond)
	advance(first.Lifetime() - 10*time.Second) // due, not expired
	for range 5 {
		if _, err := s.Token(ctxT(t)); err != nil {
			t.Fatalf("with a valid token: %v", err)
		}
		advance(2 * time.Second)
	}
	advance(time.Minute)
	if _, err := s.Token(ctxT(t)); !errors.Is(err, httpclient.ErrTokenExpired) || !errors.Is(err, httpclient.ErrRefreshUnanswered) {
		t.Fatalf("after expiry: %v", err)
	}
	mu.Lock()
	n, rt := refreshes, rotated
	mu.Unlock()
	if n != 1 || rt == "" {
		t.Fatalf("%d refreshes reached Keycloak (rotated token %t), want 1", n, rt != "")
	}
	if errs := log.all(); len(errs) != 1 || !errors.Is(errs[0], httpclient.ErrRefreshUnanswered) {
		t.Errorf("OnRefreshError: %v", errs)
	}
	// The family is intact: the refresh token Keycloak rotated to works.
	direct.Clock = nil
	if _, err := direct.Refresh(ctxT(t), &oauth2.Token{RefreshToken: rt}); err != nil {
		t.Fatalf("the rotated refresh token was revoked: %v", err)
	}
	// And reuse detection is on: the old refresh token, presented again,
	// is refused.
	if _, err := direct.Refresh(ctxT(t), first); !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidGrant}) {
		t.Errorf("Keycloak accepted the old refresh token again (%v): the test proves nothing", err)
	}
}

func mustPath(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// A Session across a Keycloak outage: the server is stopped with SIGTERM
// in the middle of a Session, requests fail with typed errors and leak no
// goroutines, then it starts again on the same port and data, and the next
// request recovers with the refresh token from before. OnToken saw every
// token the Session used. This test starts a Keycloak of its own.
func TestKeycloak_SessionSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Keycloak of its own")
	}
	leakCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	srv, err := keycloaktest.Start(ctx, keycloaktest.Options{Source: keycloaktest.SourceCache})
	if err != nil {
		t.Skipf("no local Keycloak: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
	cfg, grant := passwordClient(t, srv, realm)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg.HTTPClient = &http.Client{Transport: tr, Timeout: 30 * time.Second}

	now := time.Now()
	var clockMu sync.Mutex
	cfg.Clock = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }

	var mu sync.Mutex
	var stored []string
	s := httpclient.New(cfg, httpclient.Options{
		Base: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		OnToken: func(_ context.Context, t *oauth2.Token) {
			mu.Lock()
			stored = append(stored, t.AccessToken)
			mu.Unlock()
		},
	})
	used := map[string]bool{}
	userinfo := func() (int, error) {
		tok, err := s.Token(ctx)
		if err != nil {
			return 0, err
		}
		used[tok.AccessToken] = true
		res, err := s.Client().Get(realm.UserinfoURL)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
	first, err := s.FetchToken(ctx, grant)
	if err != nil {
		t.Fatal(err)
	}
	if code, err := userinfo(); err != nil || code != 200 {
		t.Fatalf("before the outage: %d %v", code, err)
	}

	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	tr.CloseIdleConnections()
	// The token is valid: the request goes out and fails to connect.
	_, err = s.Client().Get(realm.UserinfoURL)
	var ue *url.Error
	var op *net.OpError
	if !errors.As(err, &ue) || !errors.As(err, &op) {
		t.Fatalf("request while Keycloak is down: %T %v", err, err)
	}
	// The token expires during the outage: every request fails at once
	// with an *ExpiredError carrying the dial error, the refresh is backed
	// off, not repeated per request.
	advance(first.Lifetime() + time.Second)
	for i := range 3 {
		_, err := s.Client().Get(realm.UserinfoURL)
		var ee *httpclient.ExpiredError
		if !errors.As(err, &ee) || !errors.As(err, &op) {
			t.Fatalf("expired during the outage, attempt %d: %T %v", i, err, err)
		}
		if errors.Is(err, httpclient.ErrRefreshUnanswered) {
			t.Fatalf("a refused connection counted as an unanswered refresh: %v", err)
		}
	}

	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	advance(10 * time.Minute) // past any back-off
	if code, err := userinfo(); err != nil || code != 200 {
		t.Fatalf("after the restart: %d %v", code, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stored) != 2 {
		t.Errorf("OnToken saw %d tokens, want 2 (the login and the refresh after the restart)", len(stored))
	}
	for at := range used {
		found := false
		for _, s := range stored {
			found = found || s == at
		}
		if !found {
			t.Error("a token OnToken never saw was used")
		}
	}
}
