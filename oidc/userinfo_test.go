package oidc

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

const userinfoAT = "SENTINEL-AT-userinfo"

func userinfoProvider(t *testing.T, handler http.HandlerFunc) (*testServer, *Provider) {
	t.Helper()
	ts := newTestServer(t)
	ts.set(func() { ts.userinfo = handler })
	p, _ := providerFor(t, ts)
	return ts, p
}

func serveJSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+userinfoAT {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

func TestUserInfo_JSON(t *testing.T) {
	_, p := userinfoProvider(t, serveJSON(`{"sub":"248289761001","name":"Jane Doe","email":"j@example.com","email_verified":true,"preferred_username":"jane","groups":["a"]}`))
	u, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "248289761001", ClientID: testClientID})
	if err != nil {
		t.Fatal(err)
	}
	if u.Subject != "248289761001" || u.Name != "Jane Doe" || !u.EmailVerified || u.PreferredUsername != "jane" || u.Signed {
		t.Fatalf("unexpected %+v", u)
	}
	var extra struct{ Groups []string }
	if err := u.Claims(&extra); err != nil || len(extra.Groups) != 1 {
		t.Errorf("Claims: %v %v", err, extra)
	}
}

// OI-11: a userinfo sub that is not the ID token's is refused.
func TestUserInfo_OI11_SubjectSubstitution(t *testing.T) {
	for name, body := range map[string]string{
		"other sub":      `{"sub":"attacker"}`,
		"no sub":         `{"name":"x"}`,
		"case variant":   `{"sub":"248289761001","SUB":"attacker"}`,
		"numeric sub":    `{"sub":248289761001}`,
		"not an object":  `["sub","248289761001"]`,
		"trailing space": `{"sub":"248289761001 "}`,
	} {
		_, p := userinfoProvider(t, serveJSON(body))
		u, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "248289761001", ClientID: testClientID})
		if err == nil || u != nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrSubject) && !errors.Is(err, ErrUserInfo) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// OI-11: signed userinfo with a bad signature, iss or aud is refused.
func TestUserInfo_OI11_Signed(t *testing.T) {
	claims := func(ts *testServer) map[string]any {
		return map[string]any{"sub": "248289761001", "iss": ts.URL, "aud": testClientID, "name": "Jane"}
	}
	serveJWT := func(sign func(ts *testServer) string, ts **testServer) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/jwt")
			_, _ = w.Write([]byte(sign(*ts)))
		}
	}
	cases := map[string]struct {
		sign func(ts *testServer) string
		want error
	}{
		"valid": {func(ts *testServer) string {
			return signWith(t, rsHeader(), claims(ts), rsaSigner(opRSAKey(), crypto.SHA256))
		}, nil},
		"bad signature": {func(ts *testServer) string {
			return signWith(t, rsHeader(), claims(ts), rsaSigner(attackerRSAKey(), crypto.SHA256))
		}, jose.ErrSignature},
		"other iss": {func(ts *testServer) string {
			return signWith(t, rsHeader(), with(claims(ts), map[string]any{"iss": "https://evil.example"}), rsaSigner(opRSAKey(), crypto.SHA256))
		}, ErrIssuerMismatch},
		"other aud": {func(ts *testServer) string {
			return signWith(t, rsHeader(), with(claims(ts), map[string]any{"aud": "other-app"}), rsaSigner(opRSAKey(), crypto.SHA256))
		}, ErrAudience},
		"other sub": {func(ts *testServer) string {
			return signWith(t, rsHeader(), with(claims(ts), map[string]any{"sub": "attacker"}), rsaSigner(opRSAKey(), crypto.SHA256))
		}, ErrSubject},
		"alg none": {func(ts *testServer) string {
			h, _ := json.Marshal(map[string]any{"alg": "none"})
			p, _ := json.Marshal(claims(ts))
			return b64(h) + "." + b64(p) + "."
		}, ErrUserInfo},
	}
	for name, c := range cases {
		var ts *testServer
		ts, p := userinfoProvider(t, serveJWT(c.sign, &ts))
		u, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "248289761001", ClientID: testClientID})
		if c.want == nil {
			if err != nil || !u.Signed || u.Name != "Jane" {
				t.Errorf("%s: %v %+v", name, err, u)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

// 401 with a Bearer challenge is an *oauth2.Error; other failures a
// *oauth2.ResponseError; the access token never shows.
func TestUserInfo_Errors(t *testing.T) {
	_, p := userinfoProvider(t, serveJSON(`{}`))
	_, err := p.UserInfo(context.Background(), "wrong-token", UserInfoOptions{Subject: "s"})
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.Code != "invalid_token" || oe.StatusCode != http.StatusUnauthorized {
		t.Errorf("401: got %v", err)
	}
	if !errors.Is(err, &oauth2.Error{Code: "invalid_token"}) {
		t.Errorf("401 does not match invalid_token")
	}
	_, p = userinfoProvider(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>proxy error for " + r.Header.Get("Authorization") + "</html>"))
	})
	_, err = p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "s"})
	var re *oauth2.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusBadGateway {
		t.Errorf("502: got %v", err)
	}
	if strings.Contains(err.Error(), userinfoAT) {
		t.Errorf("HT-12: access token in the error: %v", err)
	}
	_, p = userinfoProvider(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("sub=248289761001"))
	})
	if _, err = p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "248289761001"}); !errors.Is(err, ErrUserInfo) {
		t.Errorf("text/plain: got %v", err)
	}
	if _, err = p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no Subject: got %v", err)
	}
}

// TE-13 / HT-10 for userinfo: the body is capped; a redirect is not
// followed with the token.
func TestUserInfo_TooLargeAndRedirect(t *testing.T) {
	_, p := userinfoProvider(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"sub":"s","pad":"` + strings.Repeat("x", 2<<20) + `"}`))
	})
	if _, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "s"}); !errors.Is(err, oauth2.ErrResponseTooLarge) {
		t.Errorf("2 MiB: got %v", err)
	}
	var followed bool
	ts, p := userinfoProvider(t, nil)
	ts.set(func() {
		ts.userinfo = func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("moved") != "" {
				followed = true
			}
			http.Redirect(w, r, "/userinfo?moved=1", http.StatusTemporaryRedirect)
		}
	})
	_, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "s"})
	if !errors.Is(err, oauth2.ErrRedirect) || followed {
		t.Errorf("redirect: got %v (followed %v)", err, followed)
	}
}

// HT-10: a server that stalls after the headers cannot hold the call past
// the caller's deadline.
func TestUserInfo_HT10_Stall(t *testing.T) {
	release := make(chan struct{})
	ts, p := userinfoProvider(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"sub":`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	_ = ts
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.UserInfo(ctx, userinfoAT, UserInfoOptions{Subject: "s"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the call took %v", d)
	}
}

// HT-10 for discovery.
func TestDiscover_HT10_Stall(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := Discover(ctx, srv.Client(), srv.URL, DiscoveryOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline error", err)
	}
}

// Metadata narrows the algorithms of signed userinfo; when nothing is left,
// signed responses are refused rather than checked with the default.
func TestUserInfo_SignedAlgorithmsNarrowed(t *testing.T) {
	var ts *testServer
	ts, p := userinfoProvider(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwt")
		_, _ = w.Write([]byte(signWith(t, rsHeader(), map[string]any{"sub": "s", "iss": ts.URL, "aud": testClientID}, rsaSigner(opRSAKey(), crypto.SHA256))))
	})
	p.Metadata.UserInfoSigningAlgValuesSupported = []string{"ES512"}
	if _, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "s", ClientID: testClientID}); !errors.Is(err, ErrUserInfo) {
		t.Errorf("got %v, want ErrUserInfo", err)
	}
	p.Metadata.UserInfoSigningAlgValuesSupported = []string{"RS256"}
	if _, err := p.UserInfo(context.Background(), userinfoAT, UserInfoOptions{Subject: "s", ClientID: testClientID}); err != nil {
		t.Errorf("RS256 listed: %v", err)
	}
}
