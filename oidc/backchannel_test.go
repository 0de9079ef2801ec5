package oidc

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func logoutClaims() map[string]any {
	return map[string]any{
		"iss":    testIssuer,
		"aud":    testClientID,
		"iat":    testNow.Add(-5 * time.Second).Unix(),
		"exp":    testNow.Add(2 * time.Minute).Unix(),
		"jti":    "bWJq",
		"sid":    "08a5019c-17e1-4977-8f42-65a12843ea02",
		"sub":    "248289761001",
		"events": map[string]any{BackChannelLogoutEvent: map[string]any{}},
	}
}

func signLogout(t *testing.T, typ string, claims map[string]any) string {
	hdr := map[string]any{"alg": "RS256", "kid": testKID}
	if typ != "" {
		hdr["typ"] = typ
	}
	return signWith(t, hdr, claims, rsaSigner(opRSAKey(), crypto.SHA256))
}

func TestVerifyLogoutToken_Valid(t *testing.T) {
	v := testVerifier()
	for _, typ := range []string{LogoutTokenType, "application/logout+jwt", ""} {
		lt, err := v.VerifyLogoutToken(context.Background(), signLogout(t, typ, logoutClaims()), LogoutTokenOptions{})
		if err != nil {
			t.Fatalf("typ %q: %v", typ, err)
		}
		if lt.SessionID != "08a5019c-17e1-4977-8f42-65a12843ea02" || lt.Subject != "248289761001" || lt.ID != "bWJq" {
			t.Errorf("unexpected %+v", lt)
		}
	}
	// sid only, sub only.
	for _, drop := range []string{"sub", "sid"} {
		if _, err := v.VerifyLogoutToken(context.Background(), signLogout(t, LogoutTokenType, with(logoutClaims(), map[string]any{drop: nil})), LogoutTokenOptions{}); err != nil {
			t.Errorf("without %s: %v", drop, err)
		}
	}
	// Keycloak before 25 sends typ JWT: accepted only when allowed.
	jwt := signLogout(t, "JWT", logoutClaims())
	if _, err := v.VerifyLogoutToken(context.Background(), jwt, LogoutTokenOptions{}); !errors.Is(err, ErrTokenType) {
		t.Errorf("typ JWT by default: got %v", err)
	}
	if _, err := v.VerifyLogoutToken(context.Background(), jwt, LogoutTokenOptions{AllowJWTType: true}); err != nil {
		t.Errorf("typ JWT allowed: %v", err)
	}
}

// Section 2.6, each step; OI-12 in reverse: an ID token is not a logout token.
func TestVerifyLogoutToken_Invalid(t *testing.T) {
	v := testVerifier()
	cases := []struct {
		name  string
		typ   string
		claim map[string]any
		opts  LogoutTokenOptions
		want  error
	}{
		{"ID token", "JWT", idClaims(), LogoutTokenOptions{AllowJWTType: true}, ErrLogoutToken},
		{"typ at+jwt", "at+jwt", logoutClaims(), LogoutTokenOptions{}, ErrTokenType},
		{"nonce present", LogoutTokenType, with(logoutClaims(), map[string]any{"nonce": "n"}), LogoutTokenOptions{}, ErrNonce},
		{"no events", LogoutTokenType, with(logoutClaims(), map[string]any{"events": nil}), LogoutTokenOptions{}, ErrLogoutToken},
		{"events array", LogoutTokenType, with(logoutClaims(), map[string]any{"events": []string{BackChannelLogoutEvent}}), LogoutTokenOptions{}, ErrLogoutToken},
		{"other event", LogoutTokenType, with(logoutClaims(), map[string]any{"events": map[string]any{"urn:other": map[string]any{}}}), LogoutTokenOptions{}, ErrLogoutToken},
		{"event not an object", LogoutTokenType, with(logoutClaims(), map[string]any{"events": map[string]any{BackChannelLogoutEvent: true}}), LogoutTokenOptions{}, ErrLogoutToken},
		{"no sub nor sid", LogoutTokenType, with(logoutClaims(), map[string]any{"sub": nil, "sid": nil}), LogoutTokenOptions{}, ErrMissingClaim},
		{"no jti", LogoutTokenType, with(logoutClaims(), map[string]any{"jti": nil}), LogoutTokenOptions{}, ErrMissingClaim},
		{"no iat", LogoutTokenType, with(logoutClaims(), map[string]any{"iat": nil}), LogoutTokenOptions{}, ErrMissingClaim},
		{"iat in future", LogoutTokenType, with(logoutClaims(), map[string]any{"iat": testNow.Add(time.Hour).Unix()}), LogoutTokenOptions{}, ErrIssuedInFuture},
		{"expired", LogoutTokenType, with(logoutClaims(), map[string]any{"exp": testNow.Add(-time.Hour).Unix()}), LogoutTokenOptions{}, ErrExpired},
		{"no exp required", LogoutTokenType, with(logoutClaims(), map[string]any{"exp": nil}), LogoutTokenOptions{RequireExpiry: true}, ErrMissingClaim},
		{"other iss", LogoutTokenType, with(logoutClaims(), map[string]any{"iss": "https://evil.example"}), LogoutTokenOptions{}, ErrIssuerMismatch},
		{"other aud", LogoutTokenType, with(logoutClaims(), map[string]any{"aud": "other"}), LogoutTokenOptions{}, ErrAudience},
	}
	for _, c := range cases {
		_, err := v.VerifyLogoutToken(context.Background(), signLogout(t, c.typ, c.claim), c.opts)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// And a logout token is never an ID token.
	if _, err := v.Verify(context.Background(), signLogout(t, "", logoutClaims()), VerifyOptions{}); !errors.Is(err, ErrTokenType) {
		t.Errorf("logout token as ID token: got %v", err)
	}
}

func TestBackChannelLogoutHandler(t *testing.T) {
	var got []*LogoutToken
	h := &BackChannelLogoutHandler{
		Verifier: testVerifier(),
		Logout: func(_ context.Context, lt *LogoutToken) error {
			if lt.SessionID == "fail" {
				return errors.New("internal detail that must not leak")
			}
			got = append(got, lt)
			return nil
		},
		MaxBodySize: 100 << 10,
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body string, contentType string) (*http.Response, string) {
		res, err := srv.Client().Post(srv.URL, contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	form := "application/x-www-form-urlencoded"
	res, _ := post(url.Values{"logout_token": {signLogout(t, LogoutTokenType, logoutClaims())}}.Encode(), form)
	if res.StatusCode != http.StatusOK || len(got) != 1 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("valid: %d %d %q", res.StatusCode, len(got), res.Header.Get("Cache-Control"))
	}
	for name, c := range map[string]struct {
		body, ct string
		status   int
	}{
		"no token":       {"foo=bar", form, http.StatusBadRequest},
		"two tokens":     {"logout_token=a&logout_token=b", form, http.StatusBadRequest},
		"bad token":      {"logout_token=a.b.c", form, http.StatusBadRequest},
		"ID token":       {url.Values{"logout_token": {signID(t, idClaims())}}.Encode(), form, http.StatusBadRequest},
		"JSON body":      {`{"logout_token":"x"}`, "application/json", http.StatusUnsupportedMediaType},
		"too large":      {"logout_token=" + strings.Repeat("a", 200<<10), form, http.StatusRequestEntityTooLarge},
		"bad escape":     {"logout_token=%zz", form, http.StatusBadRequest},
		"callback fails": {url.Values{"logout_token": {signLogout(t, LogoutTokenType, with(logoutClaims(), map[string]any{"sid": "fail"}))}}.Encode(), form, http.StatusBadRequest},
	} {
		res, body := post(c.body, c.ct)
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", name, res.StatusCode, c.status)
		}
		var e map[string]string
		if json.Unmarshal([]byte(body), &e) != nil || e["error"] == "" {
			t.Errorf("%s: body %q is not an error object", name, body)
		}
		if strings.Contains(body, "internal detail") {
			t.Errorf("%s: the callback's error leaked", name)
		}
	}
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", res.StatusCode)
	}
	if len(got) != 1 {
		t.Errorf("%d logouts, want 1", len(got))
	}
}
