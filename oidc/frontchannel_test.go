package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestFrontChannelLogout(t *testing.T) {
	sessions := map[string]bool{"s-1": true}
	h := &FrontChannelLogoutHandler{Issuer: testIssuer, RequireSession: true,
		Logout: func(_ context.Context, _ *http.Request, l *FrontChannelLogout) error {
			if !sessions[l.SessionID] {
				return ErrUnknownSession
			}
			delete(sessions, l.SessionID)
			return nil
		}}
	var lastErr error
	h.OnError = func(_ *http.Request, err error) { lastErr = err }
	serve := func(q string) int {
		lastErr = nil
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "https://rp.example/logout?"+q, nil))
		if cc := w.Header().Get("Cache-Control"); cc != "no-cache, no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		return w.Code
	}
	iss := url.QueryEscape(testIssuer)
	for name, tc := range map[string]struct {
		query string
		want  error
	}{
		"other issuer":  {"iss=https%3A%2F%2Fevil.example&sid=s-1", ErrIssuerMismatch},
		"no sid":        {"iss=" + iss, ErrFrontChannelLogout},
		"nothing":       {"", ErrFrontChannelLogout},
		"repeated sid":  {"iss=" + iss + "&sid=s-1&sid=s-2", ErrFrontChannelLogout},
		"other session": {"iss=" + iss + "&sid=s-2", ErrUnknownSession},
	} {
		if code := serve(tc.query); code != 400 || !errors.Is(lastErr, tc.want) {
			t.Errorf("%s: %d %v", name, code, lastErr)
		}
		if !sessions["s-1"] {
			t.Fatalf("%s: the session was ended", name)
		}
	}
	if code := serve("iss=" + iss + "&sid=s-1"); code != 200 || sessions["s-1"] {
		t.Errorf("valid logout: %d, session still held: %v", code, sessions["s-1"])
	}
	h.RequireSession = false
	if _, err := ParseFrontChannelLogout(httptest.NewRequest("GET", "https://rp.example/logout", nil), testIssuer, false); err != nil {
		t.Errorf("no parameters, not required: %v", err)
	}
}
