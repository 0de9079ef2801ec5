package oidc

import (
	"errors"
	"net/url"
	"testing"
)

func TestLogoutURL(t *testing.T) {
	got, err := LogoutURL("https://op.example/logout?tenant=t1", LogoutOptions{
		IDTokenHint: "eyJ.a.b", ClientID: "app", PostLogoutRedirectURI: "https://app.example/bye",
		State: "st", UILocales: []string{"fr-CA", "fr", "en"}, LogoutHint: "jane",
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	q := u.Query()
	want := map[string]string{
		"tenant": "t1", "id_token_hint": "eyJ.a.b", "client_id": "app", "post_logout_redirect_uri": "https://app.example/bye",
		"state": "st", "ui_locales": "fr-CA fr en", "logout_hint": "jane",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if u.Host != "op.example" || u.Path != "/logout" {
		t.Errorf("endpoint changed: %s", got)
	}
	minimal, err := LogoutURL("https://op.example/logout", LogoutOptions{})
	if err != nil || minimal != "https://op.example/logout" {
		t.Errorf("no parameters: %q %v", minimal, err)
	}
}

func TestLogoutURL_Invalid(t *testing.T) {
	for name, c := range map[string]struct {
		endpoint string
		opts     LogoutOptions
	}{
		"javascript endpoint":         {"javascript:alert(1)", LogoutOptions{}},
		"fragment":                    {"https://op.example/logout#x", LogoutOptions{}},
		"redirect without identity":   {"https://op.example/logout", LogoutOptions{PostLogoutRedirectURI: "https://app.example/"}},
		"state without redirect":      {"https://op.example/logout", LogoutOptions{State: "s", ClientID: "app"}},
		"extra overrides a parameter": {"https://op.example/logout", LogoutOptions{Extra: url.Values{"id_token_hint": {"x"}}}},
	} {
		if _, err := LogoutURL(c.endpoint, c.opts); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	p := &Provider{Metadata: &Metadata{}}
	if _, err := p.LogoutURL(LogoutOptions{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no end_session_endpoint: got %v", err)
	}
}
