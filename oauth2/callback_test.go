package oauth2_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

// codeServer is an authorization server's token endpoint that redeems one
// code and records what it was sent.
type codeServer struct {
	code      string
	requests  atomic.Int32
	mu        sync.Mutex
	verifiers []string
	codes     []string
}

func (s *codeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	r.ParseForm()
	s.mu.Lock()
	s.verifiers = append(s.verifiers, r.PostForm.Get("code_verifier"))
	s.codes = append(s.codes, r.PostForm.Get("code"))
	s.mu.Unlock()
	if r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("code") != s.code {
		replyJSON(w, 400, `{"error":"invalid_grant"}`)
		return
	}
	replyJSON(w, 200, `{"access_token":"at-`+s.code+`","token_type":"Bearer"}`)
}

// startCodeFlow starts a token endpoint on loopback and a flow against it.
func startCodeFlow(t *testing.T, opts oauth2.AuthorizationOptions) (*oauth2.Config, *oauth2.Flow, *codeServer) {
	t.Helper()
	cs := &codeServer{code: "the-code"}
	cfg := startTokenEndpoint(t, cs.ServeHTTP)
	cfg.ClientSecret = ""
	cfg.Endpoint.AuthorizationURL = cfg.Endpoint.Issuer + "/authorize"
	cfg.RedirectURL = "http://127.0.0.1/cb"
	f, err := cfg.AuthorizationRequest(opts)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, f, cs
}

func TestCallback_OI06_State(t *testing.T) {
	ctx := context.Background()
	cfg, f, cs := startCodeFlow(t, oauth2.AuthorizationOptions{})
	iss := cfg.Endpoint.Issuer
	rejected := []struct {
		name   string
		params url.Values
		want   error
	}{
		{"no state", url.Values{"code": {"the-code"}, "iss": {iss}}, oauth2.ErrStateMismatch},
		{"empty state", url.Values{"code": {"the-code"}, "state": {""}}, oauth2.ErrStateMismatch},
		{"wrong state", url.Values{"code": {"the-code"}, "state": {f.State + "x"}}, oauth2.ErrStateMismatch},
		{"state prefix", url.Values{"code": {"the-code"}, "state": {f.State[:10]}}, oauth2.ErrStateMismatch},
		{"repeated state", url.Values{"code": {"the-code"}, "state": {f.State, f.State}}, oauth2.ErrInvalidCallback},
		{"repeated code", url.Values{"code": {"the-code", "other"}, "state": {f.State}}, oauth2.ErrInvalidCallback},
		{"repeated iss", url.Values{"code": {"the-code"}, "state": {f.State}, "iss": {iss, iss}}, oauth2.ErrInvalidCallback},
	}
	for _, tc := range rejected {
		_, err := f.Complete(ctx, cfg, tc.params)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == oauth2.ErrInvalidCallback && !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidRequest}) {
			t.Errorf("%s: %v does not match invalid_request", tc.name, err)
		}
	}
	if n := cs.requests.Load(); n != 0 || f.Used() {
		t.Fatalf("%d token requests after rejected callbacks (used %v)", n, f.Used())
	}
	// The forged responses did not spend the flow: the real one works once.
	good := url.Values{"code": {"the-code"}, "state": {f.State}, "iss": {iss}}
	tok, err := f.Complete(ctx, cfg, good)
	if err != nil || tok.AccessToken != "at-the-code" {
		t.Fatalf("token %v, err %v", tok, err)
	}
	if cs.verifiers[0] != f.CodeVerifier || cs.codes[0] != "the-code" {
		t.Errorf("server got verifier %q code %q", cs.verifiers[0], cs.codes[0])
	}
	// Replay of the same response.
	if _, err := f.Complete(ctx, cfg, good); !errors.Is(err, oauth2.ErrFlowUsed) {
		t.Errorf("replay: err = %v, want ErrFlowUsed", err)
	}
	if n := cs.requests.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestCallback_OI06_ErrorResponses(t *testing.T) {
	_, f, _ := startCodeFlow(t, oauth2.AuthorizationOptions{})
	_, err := f.Callback(url.Values{"state": {f.State}, "error": {"access_denied"},
		"error_description": {"User denied\r\nconsent"}, "error_uri": {"https://as/e"}})
	var e *oauth2.Error
	if !errors.As(err, &e) || e.Code != "access_denied" || e.Description != "User denied  consent" ||
		e.URI != "https://as/e" || e.StatusCode != 0 {
		t.Fatalf("err = %#v", err)
	}
	if !f.Used() {
		t.Error("an error response did not end the flow")
	}

	_, f, _ = startCodeFlow(t, oauth2.AuthorizationOptions{})
	_, err = f.Callback(url.Values{"state": {f.State}, "error": {"access_denied"}, "code": {"c"}})
	if !errors.Is(err, oauth2.ErrInvalidCallback) {
		t.Errorf("code and error: %v", err)
	}
	_, f, _ = startCodeFlow(t, oauth2.AuthorizationOptions{})
	for _, p := range []url.Values{{"state": {f.State}}} {
		if _, err := f.Callback(p); !errors.Is(err, oauth2.ErrInvalidCallback) {
			t.Errorf("%v: %v", p, err)
		}
	}
	_, f, _ = startCodeFlow(t, oauth2.AuthorizationOptions{})
	if _, err := f.Callback(url.Values{"state": {f.State}, "code": {""}}); !errors.Is(err, oauth2.ErrInvalidCallback) {
		t.Errorf("empty code: %v", err)
	}
}

func TestCallback_OI07_MixUp(t *testing.T) {
	ctx := context.Background()
	vh := newVirtualHosts()
	honest := &codeServer{code: "as-code"}
	evil := &codeServer{code: "evil-code"}
	asURL := vh.serve(t, "as.test", honest)
	evilURL := vh.serve(t, "evil.test", evil)
	hc := vh.client(t)
	newCfg := func(base string) *oauth2.Config {
		return &oauth2.Config{
			ClientID: "shared-client", RedirectURL: "http://client.test/cb", HTTPClient: hc,
			Endpoint: oauth2.Endpoint{Issuer: base, AuthorizationURL: base + "/authorize", TokenURL: base + "/token"},
		}
	}
	asCfg, evilCfg := newCfg(asURL), newCfg(evilURL)

	// The user starts at evil.test, which forwards the browser to as.test;
	// as.test's response (with its iss) reaches the flow made for evil.test.
	evilFlow, err := evilCfg.AuthorizationRequest(oauth2.AuthorizationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = evilFlow.Complete(ctx, evilCfg, url.Values{"code": {"as-code"}, "state": {evilFlow.State}, "iss": {asURL}})
	if !errors.Is(err, oauth2.ErrIssuerMismatch) {
		t.Fatalf("mix-up: err = %v, want ErrIssuerMismatch", err)
	}

	// A flow made for as.test cannot be redeemed with evil.test's Config.
	asFlow, _ := asCfg.AuthorizationRequest(oauth2.AuthorizationOptions{RequireIssuer: true})
	_, err = asFlow.Complete(ctx, evilCfg, url.Values{"code": {"as-code"}, "state": {asFlow.State}, "iss": {asURL}})
	if !errors.Is(err, oauth2.ErrIssuerMismatch) || asFlow.Used() {
		t.Fatalf("wrong config: err = %v, used %v", err, asFlow.Used())
	}

	// as.test declared iss support: a response without it is refused.
	_, err = asFlow.Complete(ctx, asCfg, url.Values{"code": {"as-code"}, "state": {asFlow.State}})
	if !errors.Is(err, oauth2.ErrMissingIssuer) {
		t.Fatalf("missing iss: err = %v, want ErrMissingIssuer", err)
	}

	// The honest flow works, and its verifier goes to as.test only.
	asFlow, _ = asCfg.AuthorizationRequest(oauth2.AuthorizationOptions{RequireIssuer: true})
	tok, err := asFlow.Complete(ctx, asCfg, url.Values{"code": {"as-code"}, "state": {asFlow.State}, "iss": {asURL}})
	if err != nil || tok.AccessToken != "at-as-code" {
		t.Fatalf("honest flow: %v, %v", tok, err)
	}
	if n := evil.requests.Load(); n != 0 {
		t.Fatalf("evil.test received %d token requests (codes %q)", n, evil.codes)
	}
	if honest.requests.Load() != 1 || honest.verifiers[0] != asFlow.CodeVerifier {
		t.Errorf("as.test got %d requests, verifiers %q", honest.requests.Load(), honest.verifiers)
	}
}

func TestCallback_OI08_VerifierOnlyToIssuingServer(t *testing.T) {
	ctx := context.Background()
	cfg, _, cs := startCodeFlow(t, oauth2.AuthorizationOptions{})
	flows := make([]*oauth2.Flow, 20)
	for i := range flows {
		flows[i], _ = cfg.AuthorizationRequest(oauth2.AuthorizationOptions{})
	}
	for _, f := range flows {
		if _, err := f.Complete(ctx, cfg, url.Values{"code": {"the-code"}, "state": {f.State}}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for i, v := range cs.verifiers {
		if v != flows[i].CodeVerifier || seen[v] {
			t.Fatalf("request %d carried verifier %q, flow had %q", i, v, flows[i].CodeVerifier)
		}
		seen[v] = true
	}
}

func TestParseCallbackQuery(t *testing.T) {
	v, err := oauth2.ParseCallbackQuery("code=a%2Bb+c&state=s&state=s2&&iss=https%3A%2F%2Fas&error_description=caf%C3%A9")
	if err != nil || v.Get("code") != "a+b c" || len(v["state"]) != 2 || v.Get("iss") != "https://as" || v.Get("error_description") != "café" {
		t.Errorf("values %v, err %v", v, err)
	}
	bad := []string{
		"code=a;state=b",
		"code=%zz",
		"co%d=a",
		"code=%de",
		strings.Repeat("a=b&", 101),
		"code=" + strings.Repeat("x", 64<<10),
	}
	for _, q := range bad {
		if _, err := oauth2.ParseCallbackQuery(q); !errors.Is(err, oauth2.ErrInvalidCallback) {
			t.Errorf("%.40q: err = %v", q, err)
		}
	}
	// A form_post body (response_mode=form_post) has the same encoding.
	if v, err := oauth2.ParseCallbackQuery("code=c&state=s"); err != nil || v.Get("code") != "c" {
		t.Errorf("form_post: %v %v", v, err)
	}
}
