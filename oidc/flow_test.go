package oidc

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// opSession is what the test OP remembers between the authorization
// request and the token request.
type opSession struct {
	mu        sync.Mutex
	nonce     string
	challenge string
	tokenReqs int
	forms     []url.Values
}

// tokenResponder returns a token endpoint that issues an ID token with the
// nonce of the last authorization request; shape may alter the response.
func tokenResponder(t *testing.T, ts *testServer, s *opSession, shape func(resp map[string]any, claims map[string]any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.mu.Lock()
		s.tokenReqs++
		s.forms = append(s.forms, r.PostForm)
		nonce := s.nonce
		s.mu.Unlock()
		at := "access-token-" + nonce
		sum := sha256.Sum256([]byte(at))
		claims := with(serverClaims(ts), map[string]any{"nonce": nonce, "at_hash": leftHalf(sum[:]), "azp": testClientID,
			"auth_time": testNow.Add(-time.Minute).Unix()})
		resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 300, "refresh_token": "rt", "scope": "openid profile"}
		if shape != nil {
			shape(resp, claims)
		}
		if _, ok := resp["id_token"]; !ok {
			resp["id_token"] = signWith(t, rsHeader(), claims, rsaSigner(opRSAKey(), crypto.SHA256))
		}
		if resp["id_token"] == nil {
			delete(resp, "id_token")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}
}

func newTestRP(t *testing.T, ts *testServer, s *opSession, shape func(map[string]any, map[string]any)) *RelyingParty {
	t.Helper()
	ts.set(func() { ts.token = tokenResponder(t, ts, s, shape) })
	p, err := NewProvider(context.Background(), ts.URL, ProviderConfig{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := NewRelyingParty(p, oauth2.Config{ClientID: testClientID, RedirectURL: "https://app.example/cb", Scopes: []string{"profile"}},
		IDTokenVerifier{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// authorize plays the OP's authorization endpoint: it reads the request
// and returns the callback query for it.
func authorize(t *testing.T, s *opSession, login *Login, issuer string) url.Values {
	t.Helper()
	u, err := url.Parse(login.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	s.mu.Lock()
	s.nonce = q.Get("nonce")
	s.challenge = q.Get("code_challenge")
	s.mu.Unlock()
	return url.Values{"code": {"the-code"}, "state": {q.Get("state")}, "iss": {issuer}}
}

func TestLogin_CodeFlow(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	rp := newTestRP(t, ts, s, nil)
	login, err := rp.StartLogin(LoginOptions{MaxAge: 10 * time.Minute, Extra: url.Values{"prompt": {"login"}}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(login.URL())
	q := u.Query()
	if q.Get("scope") != "openid profile" || q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" ||
		q.Get("max_age") != "600" || q.Get("prompt") != "login" || q.Get("response_type") != "code" {
		t.Fatalf("authorization request %s", u.RawQuery)
	}
	res, err := login.Finish(context.Background(), rp, authorize(t, s, login, ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	if res.IDToken == nil || res.IDToken.Nonce != q.Get("nonce") || res.Token.AccessToken == "" {
		t.Fatalf("result %+v", res)
	}
	if v := s.forms[0].Get("code_verifier"); oauth2.S256Challenge(v) != q.Get("code_challenge") {
		t.Errorf("the token request's verifier does not match the challenge")
	}
	// The login is consumed once.
	if _, err := login.Finish(context.Background(), rp, authorize(t, s, login, ts.URL)); !errors.Is(err, oauth2.ErrFlowUsed) {
		t.Errorf("second Finish: got %v", err)
	}
	if s.tokenReqs != 1 {
		t.Errorf("%d token requests", s.tokenReqs)
	}
}

// TE-16: a code-flow response for scope openid without an id_token, or with
// one that is not a JWS, is an error, never a plain OAuth success.
func TestLogin_TE16_MissingOrBadIDToken(t *testing.T) {
	for name, c := range map[string]struct {
		shape func(map[string]any, map[string]any)
		want  error
	}{
		"no id_token":    {func(r, _ map[string]any) { r["id_token"] = nil }, ErrMissingIDToken},
		"empty id_token": {func(r, _ map[string]any) { r["id_token"] = "" }, ErrMissingIDToken},
		"not a JWS":      {func(r, _ map[string]any) { r["id_token"] = "opaque-value" }, jose.ErrMalformed},
		"JWE-shaped":     {func(r, _ map[string]any) { r["id_token"] = "a.b.c.d.e" }, jose.ErrMalformed},
	} {
		ts := newTestServer(t)
		s := &opSession{}
		rp := newTestRP(t, ts, s, c.shape)
		login, err := rp.StartLogin(LoginOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := login.Finish(context.Background(), rp, authorize(t, s, login, ts.URL))
		if err == nil || res != nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

// OI-05: a valid ID token with its correct nonce, replayed into a second
// login, is rejected: the second login has its own nonce.
func TestLogin_OI05_NonceReplay(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	var replay string
	rp := newTestRP(t, ts, s, func(r, _ map[string]any) {
		if replay != "" {
			r["id_token"] = replay
		}
	})
	first, _ := rp.StartLogin(LoginOptions{})
	res, err := first.Finish(context.Background(), rp, authorize(t, s, first, ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	replay = res.Token.IDToken
	second, _ := rp.StartLogin(LoginOptions{})
	if first.Flow.Nonce == second.Flow.Nonce {
		t.Fatal("two logins share a nonce")
	}
	if _, err := second.Finish(context.Background(), rp, authorize(t, s, second, ts.URL)); !errors.Is(err, ErrNonce) {
		t.Errorf("replayed ID token: got %v, want ErrNonce", err)
	}
}

// OI-09: the ID token's at_hash must match the access token issued with it.
func TestLogin_OI09_AtHashMismatch(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	rp := newTestRP(t, ts, s, func(r, _ map[string]any) { r["access_token"] = "substituted-access-token" })
	login, _ := rp.StartLogin(LoginOptions{})
	if _, err := login.Finish(context.Background(), rp, authorize(t, s, login, ts.URL)); !errors.Is(err, ErrAccessTokenHash) {
		t.Errorf("got %v, want ErrAccessTokenHash", err)
	}
}

// max_age sent means auth_time is enforced.
func TestLogin_MaxAgeEnforced(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	rp := newTestRP(t, ts, s, func(_, c map[string]any) { c["auth_time"] = testNow.Add(-time.Hour).Unix() })
	login, _ := rp.StartLogin(LoginOptions{MaxAge: 5 * time.Minute})
	if _, err := login.Finish(context.Background(), rp, authorize(t, s, login, ts.URL)); !errors.Is(err, ErrAuthTime) {
		t.Errorf("got %v, want ErrAuthTime", err)
	}
	if _, err := rp.StartLogin(LoginOptions{Extra: url.Values{"max_age": {"5"}}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("max_age in Extra: got %v", err)
	}
	zero, _ := rp.StartLogin(LoginOptions{MaxAge: MaxAgeZero})
	if u, _ := url.Parse(zero.URL()); u.Query().Get("max_age") != "0" || zero.MaxAge != MaxAgeZero {
		t.Errorf("max_age=0: %s %v", zero.URL(), zero.MaxAge)
	}
}

// OI-06: a callback without state, with a wrong state, or with repeated
// parameters makes no token request.
func TestLogin_OI06_StateChecks(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	rp := newTestRP(t, ts, s, nil)
	login, _ := rp.StartLogin(LoginOptions{})
	good := authorize(t, s, login, ts.URL)
	for name, params := range map[string]url.Values{
		"no state":       {"code": {"c"}, "iss": {ts.URL}},
		"wrong state":    {"code": {"c"}, "state": {"forged"}, "iss": {ts.URL}},
		"repeated code":  {"code": {"c", "d"}, "state": good["state"], "iss": {ts.URL}},
		"code and error": {"code": {"c"}, "error": {"access_denied"}, "state": good["state"], "iss": {ts.URL}},
	} {
		if _, err := login.Finish(context.Background(), rp, params); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s.tokenReqs != 0 {
		t.Errorf("%d token requests before a valid callback", s.tokenReqs)
	}
}

// hostClient returns a client that dials the named hosts' listeners, so
// that as.test and evil.test are different hosts on loopback.
func hostClient(hosts map[string]string) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if target, ok := hosts[host]; ok {
			return dialer.DialContext(ctx, network, target)
		}
		return nil, errors.New("unknown test host " + host)
	}}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// OI-07: a response that names another issuer (mix-up) is refused, and the
// attacker's server never receives the code or the verifier.
func TestLogin_OI07_MixUp(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	var evilMu sync.Mutex
	var evilBodies []string
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		evilMu.Lock()
		evilBodies = append(evilBodies, r.URL.String()+" "+r.PostForm.Encode())
		evilMu.Unlock()
		http.NotFound(w, r)
	}))
	defer evil.Close()
	hc := hostClient(map[string]string{"as.test": ts.Listener.Addr().String(), "evil.test": evil.Listener.Addr().String()})
	issuer := "http://as.test"
	ts.set(func() {
		ts.discovery = func(string) any {
			return with(discoveryDoc(issuer), map[string]any{"authorization_response_iss_parameter_supported": true})
		}
		ts.token = tokenResponder(t, ts, s, func(_, c map[string]any) { c["iss"] = issuer })
	})
	p, err := NewProvider(context.Background(), issuer, ProviderConfig{HTTPClient: hc, AllowInsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := NewRelyingParty(p, oauth2.Config{ClientID: testClientID, RedirectURL: "https://app.example/cb"}, IDTokenVerifier{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if !rp.RequireIssuer {
		t.Fatal("RequireIssuer not taken from the metadata")
	}
	login, _ := rp.StartLogin(LoginOptions{})
	params := authorize(t, s, login, "http://evil.test")
	if _, err := login.Finish(context.Background(), rp, params); !errors.Is(err, oauth2.ErrIssuerMismatch) {
		t.Errorf("iss of another server: got %v", err)
	}
	login2, _ := rp.StartLogin(LoginOptions{})
	params = authorize(t, s, login2, "")
	delete(params, "iss")
	if _, err := login2.Finish(context.Background(), rp, params); !errors.Is(err, oauth2.ErrMissingIssuer) {
		t.Errorf("no iss: got %v", err)
	}
	login3, _ := rp.StartLogin(LoginOptions{})
	if _, err := login3.Finish(context.Background(), rp, authorize(t, s, login3, issuer)); err != nil {
		t.Errorf("honest callback: %v", err)
	}
	evilMu.Lock()
	defer evilMu.Unlock()
	if len(evilBodies) != 0 {
		t.Errorf("evil.test received %q", evilBodies)
	}
	if s.tokenReqs != 1 {
		t.Errorf("%d token requests, want 1", s.tokenReqs)
	}
}

// OI-08: every login has a fresh S256 challenge; the verifier goes only to
// the token endpoint of the issuing server.
func TestLogin_OI08_PKCE(t *testing.T) {
	ts := newTestServer(t)
	s := &opSession{}
	rp := newTestRP(t, ts, s, nil)
	rp.Config.Endpoint.Issuer = ts.URL
	seen := map[string]bool{}
	for range 50 {
		login, err := rp.StartLogin(LoginOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(login.URL())
		q := u.Query()
		if q.Get("code_challenge_method") != "S256" || len(login.Flow.CodeVerifier) < 43 {
			t.Fatalf("PKCE parameters %s", u.RawQuery)
		}
		if seen[q.Get("code_challenge")] || seen[q.Get("state")] || seen[q.Get("nonce")] {
			t.Fatal("a challenge, state or nonce repeated")
		}
		seen[q.Get("code_challenge")], seen[q.Get("state")], seen[q.Get("nonce")] = true, true, true
		if strings.Contains(login.URL(), login.Flow.CodeVerifier) {
			t.Fatal("the verifier is in the authorization request")
		}
	}
}
