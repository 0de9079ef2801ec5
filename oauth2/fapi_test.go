package oauth2

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// fapiAS is a TLS authorization server for the FAPI client rules: it
// records the PAR and token requests and answers with tokenBody.
type fapiAS struct {
	*httptest.Server
	mu        sync.Mutex
	par       url.Values
	token     url.Values
	dpop      bool
	tokenBody string
}

func newFAPIAS(t *testing.T, tokenBody string) *fapiAS {
	t.Helper()
	a := &fapiAS{tokenBody: tokenBody}
	a.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		a.mu.Lock()
		defer a.mu.Unlock()
		switch r.URL.Path {
		case "/par":
			a.par = r.PostForm
			writeJSON(w, 201, `{"request_uri":"urn:ietf:params:oauth:request_uri:r1","expires_in":60}`)
		case "/token":
			a.token = r.PostForm
			a.dpop = r.Header.Get("DPoP") != ""
			writeJSON(w, 200, a.tokenBody)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func fapiConfig(a *fapiAS, key jose.JWK, dpop DPoPProver) *Config {
	return &Config{
		ClientID: "client",
		Endpoint: Endpoint{
			Issuer:                        a.URL,
			AuthorizationURL:              a.URL + "/authorize",
			TokenURL:                      a.URL + "/token",
			PushedAuthorizationRequestURL: a.URL + "/par",
		},
		AuthMethod:  PrivateKeyJWT{Key: key},
		DPoP:        dpop,
		HTTPClient:  a.Client(),
		RedirectURL: "https://client.test/cb",
	}
}

func TestFAPI2_SecurityProfileFlow(t *testing.T) {
	a := newFAPIAS(t, `{"access_token":"at","token_type":"DPoP","expires_in":60}`)
	c := fapiConfig(a, ecKey(t), newProver(t))
	var p FAPI2
	f, authURL, err := p.AuthorizationRequest(context.Background(), c, AuthorizationOptions{Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	// Section 5.3.3.2 item 5: only client_id and request_uri go to the
	// authorization endpoint; everything else was pushed (item 2).
	u, _ := url.Parse(authURL)
	if q := u.Query(); len(q) != 2 || q.Get("client_id") != "client" || q.Get("request_uri") != "urn:ietf:params:oauth:request_uri:r1" {
		t.Errorf("authorization URL %s", authURL)
	}
	if a.par.Get("code_challenge_method") != "S256" || a.par.Get("client_assertion") == "" || a.par.Get("state") != f.State {
		t.Errorf("pushed %v", a.par)
	}
	if !f.RequireIssuer {
		t.Error("iss not required")
	}
	// Section 5.3.3.2 item 4: a response without iss is refused.
	if _, err := p.Complete(context.Background(), c, f, url.Values{"state": {f.State}, "code": {"c"}}); !errors.Is(err, ErrMissingIssuer) {
		t.Fatalf("without iss: %v", err)
	}
	f, _, _ = p.AuthorizationRequest(context.Background(), c, AuthorizationOptions{})
	tok, err := p.Complete(context.Background(), c, f, url.Values{"state": {f.State}, "code": {"c"}, "iss": {a.URL}})
	if err != nil || tok.TokenType != TokenTypeDPoP || !a.dpop || a.token.Get("code_verifier") != f.CodeVerifier {
		t.Fatalf("token %+v, err %v, dpop %v", tok, err, a.dpop)
	}
}

func TestFAPI2_MessageSigningFlow(t *testing.T) {
	a := newFAPIAS(t, `{"access_token":"at","token_type":"DPoP","expires_in":60}`)
	clientKey := ecKey(t)
	serverKey := ecKey(t)
	c := fapiConfig(a, clientKey, newProver(t))
	p := FAPI2{MessageSigning: true, RequestObject: RequestObject{Key: clientKey}, JARM: JARMVerifier{Keys: publicSet(t, serverKey)}}
	f, _, err := p.AuthorizationRequest(context.Background(), c, AuthorizationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.par.Has("state") || a.par.Get("request") == "" {
		t.Fatalf("pushed %v", a.par)
	}
	_, claims, err := jose.VerifyJWT(context.Background(), a.par.Get("request"), publicSet(t, clientKey),
		jose.VerifyOptions{Algorithms: FAPI2Algorithms}, jose.Expected{Issuer: "client", Audience: a.URL, RequireExpiry: true})
	if err != nil {
		t.Fatal(err)
	}
	if m, _, _ := claims.StringClaim("response_mode"); m != "jwt" {
		t.Errorf("response_mode %q", m)
	}
	claimsOut := map[string]any{"iss": a.URL, "aud": "client", "exp": time.Now().Add(time.Minute).Unix(), "state": f.State, "code": "c"}
	resp, _ := jose.SignClaims(serverKey, jose.ES256, claimsOut, jose.SignOptions{})
	// A plain (unsigned) response is refused with message signing on.
	if _, err := p.Complete(context.Background(), c, f, url.Values{"state": {f.State}, "code": {"c"}, "iss": {a.URL}}); !errors.Is(err, ErrJARM) {
		t.Fatalf("plain response: %v", err)
	}
	tok, err := p.Complete(context.Background(), c, f, url.Values{"response": {resp}})
	if err != nil || tok.TokenType != TokenTypeDPoP {
		t.Fatalf("token %+v, err %v", tok, err)
	}
}

// FA-10: DPoP was sent, but the server issues a Bearer token: the profile
// requires sender-constrained tokens, so the client refuses it.
func TestFA10_BearerDowngrade(t *testing.T) {
	a := newFAPIAS(t, `{"access_token":"at","token_type":"Bearer","expires_in":60}`)
	c := fapiConfig(a, ecKey(t), newProver(t))
	var p FAPI2
	f, _, err := p.AuthorizationRequest(context.Background(), c, AuthorizationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Complete(context.Background(), c, f, url.Values{"state": {f.State}, "code": {"c"}, "iss": {a.URL}})
	if !errors.Is(err, ErrFAPIProfile) || !strings.Contains(err.Error(), "5.3.3.1") {
		t.Fatalf("err %v", err)
	}
}

func TestFAPI2_MTLSBoundToken(t *testing.T) {
	a := newFAPIAS(t, "")
	cert := testCertificate(t, "client")
	hc, err := NewMTLSClient(a.Client(), cert)
	if err != nil {
		t.Fatal(err)
	}
	c := fapiConfig(a, ecKey(t), nil)
	c.AuthMethod = TLSClientAuth{}
	c.HTTPClient = hc
	var p FAPI2
	bound := boundToken(`{"x5t#S256":"` + CertificateThumbprint(cert.Leaf) + `"}`)
	if err := p.CheckToken(c, bound); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckToken(c, boundToken("")); !errors.Is(err, ErrCertificateBinding) {
		t.Fatalf("unbound: %v", err)
	}
	a.tokenBody = `{"access_token":"` + boundToken("").AccessToken + `","token_type":"Bearer"}`
	f, _, err := p.AuthorizationRequest(context.Background(), c, AuthorizationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.par.Has("client_assertion") || a.par.Get("client_id") != "client" {
		t.Errorf("pushed %v", a.par)
	}
	if _, err := p.Complete(context.Background(), c, f, url.Values{"state": {f.State}, "code": {"c"}, "iss": {a.URL}}); !errors.Is(err, ErrCertificateBinding) {
		t.Fatalf("unbound token accepted: %v", err)
	}
}

func TestFAPI2_Check(t *testing.T) {
	a := newFAPIAS(t, "")
	key := ecKey(t)
	ok := fapiConfig(a, key, newProver(t))
	if err := (&FAPI2{}).Check(ok); err != nil {
		t.Fatal(err)
	}
	insecureTransport := a.Client().Transport.(*http.Transport).Clone()
	insecureTransport.TLSClientConfig.InsecureSkipVerify = true
	insecure := &http.Client{Transport: insecureTransport}
	oldTLS := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS10}}}
	for name, tc := range map[string]struct {
		mod     func(c *Config)
		p       FAPI2
		section string
	}{
		"http endpoint":      {func(c *Config) { c.Endpoint.TokenURL = "http://as.test/token" }, FAPI2{}, "5.2.1"},
		"no issuer":          {func(c *Config) { c.Endpoint.Issuer = "" }, FAPI2{}, "5.3.3.1"},
		"no PAR endpoint":    {func(c *Config) { c.Endpoint.PushedAuthorizationRequestURL = "" }, FAPI2{}, "5.3.3.2 item 2"},
		"secret":             {func(c *Config) { c.AuthMethod = ClientSecretBasic{}; c.ClientSecret = "s" }, FAPI2{}, "5.3.3.1 item 2"},
		"default auth":       {func(c *Config) { c.AuthMethod = nil }, FAPI2{}, "5.3.3.1 item 2"},
		"RS256 assertion":    {func(c *Config) { c.AuthMethod = PrivateKeyJWT{Key: rsaKey(t)} }, FAPI2{}, "5.4"},
		"RS256 by pointer":   {func(c *Config) { c.AuthMethod = &PrivateKeyJWT{Key: key, Algorithm: jose.RS256} }, FAPI2{}, "5.4"},
		"not constrained":    {func(c *Config) { c.DPoP = nil }, FAPI2{}, "5.3.3.1 item 1"},
		"mtls without cert":  {func(c *Config) { c.AuthMethod = TLSClientAuth{} }, FAPI2{}, "RFC 8705"},
		"no server check":    {func(c *Config) { c.HTTPClient = insecure }, FAPI2{}, "5.2.1 item 5"},
		"TLS 1.0":            {func(c *Config) { c.HTTPClient = oldTLS }, FAPI2{}, "5.2.1 item 2"},
		"JARM without keys":  {func(c *Config) {}, FAPI2{MessageSigning: true, RequestObject: RequestObject{Key: key}}, "5.4.2"},
		"JARM HS256":         {func(c *Config) {}, FAPI2{MessageSigning: true, RequestObject: RequestObject{Key: key}, JARM: JARMVerifier{Keys: publicSet(t, key), Algorithms: []jose.Algorithm{jose.HS256}}}, "5.4"},
		"RS256 request obj.": {func(c *Config) {}, FAPI2{MessageSigning: true, RequestObject: RequestObject{Key: rsaKey(t), Algorithm: jose.RS256, AllowRS256: true}, JARM: JARMVerifier{Keys: publicSet(t, key)}}, "5.4"},
	} {
		c := *ok
		tc.mod(&c)
		err := tc.p.Check(&c)
		if !errors.Is(err, ErrFAPIProfile) || !strings.Contains(err.Error(), tc.section) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A response_mode other than the JARM ones is refused.
	p := FAPI2{}
	if _, _, err := p.AuthorizationRequest(context.Background(), ok, AuthorizationOptions{Extra: url.Values{"response_mode": {"fragment"}}}); !errors.Is(err, ErrFAPIProfile) {
		t.Errorf("response_mode: %v", err)
	}
	if a.par != nil {
		t.Error("a refused configuration pushed a request")
	}
}
