package oauth2_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

// authConfig is a public client of a server at as.example.
func authConfig() *oauth2.Config {
	return &oauth2.Config{
		ClientID: "web",
		Endpoint: oauth2.Endpoint{
			Issuer:           "https://as.example",
			AuthorizationURL: "https://as.example/authorize?tenant=t1",
			TokenURL:         "https://as.example/token",
		},
		RedirectURL: "http://127.0.0.1:8400/callback",
		Scopes:      []string{"openid", "profile"},
	}
}

func TestAuthorizationRequest(t *testing.T) {
	cfg := authConfig()
	f, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{
		Nonce: "n-0S6_WzA2Mj",
		Extra: url.Values{"resource": {"https://api1/", "https://api2/"}, "prompt": {"login"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "as.example" || u.Path != "/authorize" {
		t.Errorf("URL = %s", f.URL)
	}
	q := u.Query()
	want := map[string][]string{
		"tenant":                {"t1"},
		"response_type":         {"code"},
		"client_id":             {"web"},
		"redirect_uri":          {"http://127.0.0.1:8400/callback"},
		"scope":                 {"openid profile"},
		"state":                 {f.State},
		"code_challenge":        {oauth2.S256Challenge(f.CodeVerifier)},
		"code_challenge_method": {"S256"},
		"nonce":                 {"n-0S6_WzA2Mj"},
		"resource":              {"https://api1/", "https://api2/"},
		"prompt":                {"login"},
	}
	if len(q) != len(want) {
		t.Errorf("query %v, want %v", q, want)
	}
	for k, vs := range want {
		if got := q[k]; len(got) != len(vs) || (len(vs) > 0 && got[0] != vs[0]) || (len(vs) > 1 && got[1] != vs[1]) {
			t.Errorf("%s = %q, want %q", k, got, vs)
		}
	}
	if len(f.State) < 43 || oauth2.CheckCodeVerifier(f.CodeVerifier) != nil {
		t.Errorf("state %q, verifier %q", f.State, f.CodeVerifier)
	}
	if q.Has("code_verifier") {
		t.Error("the verifier is in the URL")
	}
	if f.Issuer != "https://as.example" || f.TokenURL != "https://as.example/token" ||
		f.RedirectURL != cfg.RedirectURL || f.Nonce != "n-0S6_WzA2Mj" || f.Used() {
		t.Errorf("flow = %+v", f)
	}
	if f.Params.Get("state") != f.State || f.Params.Has("tenant") {
		t.Errorf("Params = %v", f.Params)
	}

	par, err := f.PushedAuthorizationURL("urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c")
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(par)
	if pq := pu.Query(); len(pq) != 3 || pq.Get("client_id") != "web" || pq.Get("tenant") != "t1" ||
		pq.Get("request_uri") != "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c" {
		t.Errorf("PAR URL = %s", par)
	}
	if _, err := f.PushedAuthorizationURL(""); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("empty request_uri: %v", err)
	}
}

func TestAuthorizationRequest_Options(t *testing.T) {
	cfg := authConfig()
	v := "abcdefghijklmnopqrstuvwxyz0123456789-._~ABCDEFG"
	f, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{
		Scopes: []string{"email"}, RedirectURL: "https://app/cb", CodeVerifier: v, RequireIssuer: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(f.URL)
	q := u.Query()
	if q.Get("scope") != "email" || q.Get("redirect_uri") != "https://app/cb" || q.Has("nonce") ||
		q.Get("code_challenge") != oauth2.S256Challenge(v) || !f.RequireIssuer || f.CodeVerifier != v {
		t.Errorf("flow %+v, query %v", f, q)
	}
}

func TestAuthorizationRequest_Errors(t *testing.T) {
	cases := map[string]struct {
		mutate func(*oauth2.Config)
		opts   oauth2.AuthorizationOptions
		want   error
	}{
		"no endpoint":          {func(c *oauth2.Config) { c.Endpoint.AuthorizationURL = "" }, oauth2.AuthorizationOptions{}, oauth2.ErrMissingEndpoint},
		"javascript":           {func(c *oauth2.Config) { c.Endpoint.AuthorizationURL = "javascript:alert(1)" }, oauth2.AuthorizationOptions{}, oauth2.ErrInvalidConfig},
		"no client":            {func(c *oauth2.Config) { c.ClientID = "" }, oauth2.AuthorizationOptions{}, oauth2.ErrInvalidConfig},
		"extra state":          {nil, oauth2.AuthorizationOptions{Extra: url.Values{"state": {"fixed"}}}, oauth2.ErrInvalidConfig},
		"extra challenge":      {nil, oauth2.AuthorizationOptions{Extra: url.Values{"code_challenge_method": {"plain"}}}, oauth2.ErrInvalidConfig},
		"short verifier":       {nil, oauth2.AuthorizationOptions{CodeVerifier: "short"}, oauth2.ErrInvalidConfig},
		"require no issuer":    {func(c *oauth2.Config) { c.Endpoint.Issuer = "" }, oauth2.AuthorizationOptions{RequireIssuer: true}, oauth2.ErrInvalidConfig},
		"fragment in endpoint": {func(c *oauth2.Config) { c.Endpoint.AuthorizationURL += "#x" }, oauth2.AuthorizationOptions{}, oauth2.ErrInvalidConfig},
	}
	for name, tc := range cases {
		cfg := authConfig()
		if tc.mutate != nil {
			tc.mutate(cfg)
		}
		if _, err := cfg.AuthorizationRequest(tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestAuthorizationRequest_OI08_ChallengesUnique(t *testing.T) {
	cfg := authConfig()
	states, challenges := map[string]bool{}, map[string]bool{}
	for i := 0; i < 500; i++ {
		f, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(f.URL)
		q := u.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != oauth2.S256Challenge(f.CodeVerifier) {
			t.Fatalf("flow %d: %v", i, q)
		}
		if len(f.CodeVerifier) < 43 || len(f.CodeVerifier) > 128 {
			t.Fatalf("verifier length %d", len(f.CodeVerifier))
		}
		if challenges[q.Get("code_challenge")] || states[f.State] {
			t.Fatalf("flow %d repeats a challenge or a state", i)
		}
		challenges[q.Get("code_challenge")], states[f.State] = true, true
	}
}
