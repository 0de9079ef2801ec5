package oauth2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCertificate makes a self-signed client certificate.
func testCertificate(t testing.TB, cn string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// mtlsServer is a TLS server that requests (does not require) a client
// certificate and records what each request presented.
type mtlsServer struct {
	*httptest.Server
	mu      sync.Mutex
	certs   []*x509.Certificate // nil entry: no certificate
	forms   []url.Values
	respond func(w http.ResponseWriter, r *http.Request)
}

func newMTLSServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *mtlsServer {
	t.Helper()
	s := &mtlsServer{respond: respond}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		var c *x509.Certificate
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			c = r.TLS.PeerCertificates[0]
		}
		s.mu.Lock()
		s.certs = append(s.certs, c)
		s.forms = append(s.forms, r.PostForm)
		s.mu.Unlock()
		s.respond(w, r)
	}))
	s.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *mtlsServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.certs)
}

func TestCertificateThumbprint(t *testing.T) {
	cert := testCertificate(t, "c1")
	sum := sha256.Sum256(cert.Leaf.Raw)
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if got := CertificateThumbprint(cert.Leaf); got != want || len(got) != 43 {
		t.Fatalf("thumbprint %q, want %q", got, want)
	}
	if CertificateThumbprint(testCertificate(t, "c2").Leaf) == want {
		t.Fatal("two certificates share a thumbprint")
	}
}

func TestMetadataMTLSEndpoint(t *testing.T) {
	m := &Metadata{
		Issuer:                             "https://as.test/realms/r",
		AuthorizationEndpoint:              "https://as.test/realms/r/auth",
		TokenEndpoint:                      "https://as.test/realms/r/token",
		PushedAuthorizationRequestEndpoint: "https://as.test/realms/r/par",
		RevocationEndpoint:                 "https://as.test/realms/r/revoke",
		MTLSEndpointAliases: map[string]string{
			"token_endpoint":                        "https://as.test:8443/realms/r/token",
			"pushed_authorization_request_endpoint": "https://AS.test:8443/realms/r/par",
			"userinfo_endpoint":                     "https://as.test:8443/realms/r/userinfo",
		},
	}
	e, err := m.MTLSEndpoint(false)
	if err != nil {
		t.Fatal(err)
	}
	if e.TokenURL != "https://as.test:8443/realms/r/token" || e.PushedAuthorizationRequestURL != "https://AS.test:8443/realms/r/par" ||
		e.RevocationURL != m.RevocationEndpoint || e.AuthorizationURL != m.AuthorizationEndpoint || e.Issuer != m.Issuer {
		t.Errorf("endpoint %+v", e)
	}
	if u, err := m.MTLSEndpointURL("userinfo_endpoint", false); err != nil || u != "https://as.test:8443/realms/r/userinfo" {
		t.Errorf("userinfo alias %q, %v", u, err)
	}
	if u, err := m.MTLSEndpointURL("introspection_endpoint", false); err != nil || u != "" {
		t.Errorf("absent alias %q, %v", u, err)
	}
	m.MTLSEndpointAliases["revocation_endpoint"] = "http://as.test/realms/r/revoke"
	if _, err := m.MTLSEndpoint(true); !errors.Is(err, ErrMTLSAlias) {
		t.Errorf("http alias: %v", err)
	}
}

// FA-07: an mtls_endpoint_aliases entry on another host is refused unless
// the caller opts in, and the other host receives nothing.
func TestFA07_MTLSAliasOnAnotherHost(t *testing.T) {
	evil := newMTLSServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	m := &Metadata{
		Issuer:                "https://as.test",
		TokenEndpoint:         "https://as.test/token",
		AuthorizationEndpoint: "https://as.test/auth",
		MTLSEndpointAliases:   map[string]string{"token_endpoint": "https://evil.test/token"},
	}
	_, err := m.MTLSEndpoint(false)
	if !errors.Is(err, ErrMTLSAlias) || !strings.Contains(err.Error(), "evil.test") {
		t.Fatalf("err %v", err)
	}
	if e, err := m.MTLSEndpoint(true); err != nil || e.TokenURL != "https://evil.test/token" {
		t.Fatalf("opt-in: %+v, %v", e, err)
	}
	if evil.requests() != 0 {
		t.Fatal("the other host was contacted")
	}
}

func TestNewMTLSClient(t *testing.T) {
	srv := newMTLSServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	cert := testCertificate(t, "client")
	hc, err := NewMTLSClient(srv.Client(), cert)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if srv.certs[0] == nil || !srv.certs[0].Equal(cert.Leaf) {
		t.Fatal("the server did not receive the certificate")
	}
	if got, known := ClientCertificate(hc); !known || !got.Equal(cert.Leaf) {
		t.Fatalf("ClientCertificate %v %v", got, known)
	}
	// The base client is not modified.
	if got, known := ClientCertificate(srv.Client()); !known || got != nil {
		t.Fatal("base client changed")
	}
	// A bound token never goes over plain http.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("plain http server reached") }))
	defer plain.Close()
	if _, err := hc.Get(plain.URL); !errors.Is(err, ErrNoClientCertificate) {
		t.Fatalf("plain http: %v", err)
	}
	if _, err := NewMTLSClient(&http.Client{Transport: roundTripFunc(nil)}, cert); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("custom transport: %v", err)
	}
	if _, err := NewMTLSClient(nil, tls.Certificate{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("empty certificate: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mtlsConfig(t *testing.T, srv *mtlsServer, hc *http.Client) *Config {
	return &Config{
		ClientID: "client",
		Endpoint: Endpoint{
			Issuer:                        srv.URL,
			AuthorizationURL:              srv.URL + "/authorize",
			TokenURL:                      srv.URL + "/token",
			PushedAuthorizationRequestURL: srv.URL + "/par",
		},
		HTTPClient: hc,
	}
}

func TestTLSClientAuth(t *testing.T) {
	srv := newMTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"access_token":"at","token_type":"Bearer","expires_in":60}`)
	})
	cert := testCertificate(t, "client")
	hc, err := NewMTLSClient(srv.Client(), cert)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []ClientAuthenticator{TLSClientAuth{}, SelfSignedTLSClientAuth{Certificate: &cert}} {
		c := mtlsConfig(t, srv, hc)
		c.AuthMethod = m
		if _, err := c.Token(context.Background(), ClientCredentialsGrant{}); err != nil {
			t.Fatalf("%s: %v", m.Method(), err)
		}
		n := srv.requests() - 1
		form := srv.forms[n]
		if !srv.certs[n].Equal(cert.Leaf) || form.Get("client_id") != "client" || form.Has("client_secret") || form.Has("client_assertion") {
			t.Errorf("%s: form %v", m.Method(), form)
		}
	}
	if (TLSClientAuth{}).Method() != "tls_client_auth" || (SelfSignedTLSClientAuth{}).Method() != "self_signed_tls_client_auth" {
		t.Error("method names")
	}
}

func TestTLSClientAuth_RefusedWithoutCertificate(t *testing.T) {
	srv := newMTLSServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	other := testCertificate(t, "other")
	withOther, _ := NewMTLSClient(srv.Client(), other)
	configured := testCertificate(t, "configured")
	for name, c := range map[string]*Config{
		"no certificate":    {ClientID: "client", AuthMethod: TLSClientAuth{}, HTTPClient: srv.Client(), Endpoint: Endpoint{TokenURL: srv.URL + "/token"}},
		"nil client":        {ClientID: "client", AuthMethod: TLSClientAuth{}, Endpoint: Endpoint{TokenURL: srv.URL + "/token"}},
		"other certificate": {ClientID: "client", AuthMethod: TLSClientAuth{Certificate: &configured}, HTTPClient: withOther, Endpoint: Endpoint{TokenURL: srv.URL + "/token"}},
		"plain http":        {ClientID: "client", AuthMethod: TLSClientAuth{}, HTTPClient: withOther, Endpoint: Endpoint{TokenURL: "http://127.0.0.1:1/token"}},
	} {
		if _, err := c.Token(context.Background(), ClientCredentialsGrant{}); !errors.Is(err, ErrNoClientCertificate) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if srv.requests() != 0 {
		t.Fatalf("%d requests sent", srv.requests())
	}
}

// boundToken is an unsigned JWT access token with the given cnf member.
func boundToken(cnf string) *Token {
	payload := `{"sub":"u"}`
	if cnf != "" {
		payload = `{"sub":"u","cnf":` + cnf + `}`
	}
	enc := base64.RawURLEncoding.EncodeToString
	return &Token{AccessToken: enc([]byte(`{"alg":"PS256"}`)) + "." + enc([]byte(payload)) + ".c2ln", TokenType: TokenTypeBearer}
}

func TestCheckCertificateBinding(t *testing.T) {
	cert := testCertificate(t, "client").Leaf
	other := testCertificate(t, "other").Leaf
	bound := boundToken(`{"x5t#S256":"` + CertificateThumbprint(cert) + `"}`)
	if err := CheckCertificateBinding(bound, cert); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		tok  *Token
		cert *x509.Certificate
	}{
		"another certificate": {bound, other},
		"not bound":           {boundToken(""), cert},
		"DPoP-bound only":     {boundToken(`{"jkt":"abc"}`), cert},
		"cnf not an object":   {boundToken(`"x"`), cert},
		"thumbprint a number": {boundToken(`{"x5t#S256":5}`), cert},
	} {
		if err := CheckCertificateBinding(tc.tok, tc.cert); !errors.Is(err, ErrCertificateBinding) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := CheckCertificateBinding(&Token{AccessToken: "opaque-token"}, cert); err != nil {
		t.Errorf("opaque token: %v", err)
	}
	if err := CheckCertificateBinding(boundToken(""), nil); err != nil {
		t.Errorf("unbound token, no certificate: %v", err)
	}
}

// FA-08: the token response claims a binding the client did not ask for:
// a certificate-bound JWT when the client presented no certificate, or a
// DPoP token type when no proof was sent.
func TestFA08_UnrequestedBinding(t *testing.T) {
	bound := boundToken(`{"x5t#S256":"` + CertificateThumbprint(testCertificate(t, "x").Leaf) + `"}`)
	if err := CheckCertificateBinding(bound, nil); !errors.Is(err, ErrCertificateBinding) {
		t.Fatalf("certificate binding: %v", err)
	}
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"access_token":"at","token_type":"DPoP","expires_in":60}`)
	})
	if _, err := c.Token(context.Background(), ClientCredentialsGrant{}); !errors.Is(err, ErrUnsupportedTokenType) {
		t.Fatalf("DPoP without proof: %v", err)
	}
}
