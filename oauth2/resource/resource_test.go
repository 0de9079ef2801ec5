package resource

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

const (
	testIssuer   = "https://as.example"
	testResource = "https://api.example"
)

// testSigner signs access tokens as the authorization server.
type testSigner struct {
	key  jose.JWK
	keys jose.KeySet
	now  time.Time
}

func newTestSigner(t *testing.T) *testSigner {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := jose.JWK{KeyID: "k1", Key: priv}
	pub, err := key.Public()
	if err != nil {
		t.Fatal(err)
	}
	return &testSigner{key: key, keys: jose.StaticKeySet{pub}, now: time.Now()}
}

func (s *testSigner) claims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "aud": testResource, "sub": "user-1", "client_id": "client-1",
		"iat": s.now.Unix(), "exp": s.now.Add(5 * time.Minute).Unix(), "jti": "j-1", "scope": "read write",
	}
}

func (s *testSigner) sign(t *testing.T, typ string, claims map[string]any) string {
	t.Helper()
	tok, err := jose.SignClaims(s.key, jose.ES256, claims, jose.SignOptions{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (s *testSigner) validator() *JWTValidator {
	return &JWTValidator{Issuer: testIssuer, Resource: testResource, Keys: s.keys, Clock: func() time.Time { return s.now }}
}

func TestJWTValidator_Valid(t *testing.T) {
	s := newTestSigner(t)
	at, err := s.validator().ValidateAccessToken(context.Background(), s.sign(t, "at+jwt", s.claims()))
	if err != nil {
		t.Fatal(err)
	}
	if at.Subject != "user-1" || at.ClientID != "client-1" || !at.HasScope("write") || at.HasScope("admin") || at.Claims == nil {
		t.Errorf("token %+v", at)
	}
	if _, err := s.validator().ValidateAccessToken(context.Background(), s.sign(t, "application/at+jwt", s.claims())); err != nil {
		t.Errorf("application/at+jwt: %v", err)
	}
}

func TestJWTValidator_RS01_NotAnAccessToken(t *testing.T) {
	s := newTestSigner(t)
	v := s.validator()
	for _, typ := range []string{"JWT", "", "dpop+jwt"} {
		if _, err := v.ValidateAccessToken(context.Background(), s.sign(t, typ, s.claims())); !errors.Is(err, jose.ErrType) {
			t.Errorf("typ %q: %v", typ, err)
		}
	}
	v.AllowJWTType = true
	if _, err := v.ValidateAccessToken(context.Background(), s.sign(t, "JWT", s.claims())); err != nil {
		t.Errorf("typ JWT allowed: %v", err)
	}
	idToken := s.claims()
	idToken["typ"] = "ID" // Keycloak's ID tokens
	if _, err := v.ValidateAccessToken(context.Background(), s.sign(t, "JWT", idToken)); !errors.Is(err, jose.ErrType) {
		t.Errorf("ID token: %v", err)
	}
	if _, err := v.ValidateAccessToken(context.Background(), s.sign(t, "logout+jwt", s.claims())); !errors.Is(err, jose.ErrType) {
		t.Errorf("logout+jwt: %v", err)
	}
}

func TestJWTValidator_RS02_WrongAudienceIssuerExpiry(t *testing.T) {
	s := newTestSigner(t)
	for name, tc := range map[string]struct {
		set  map[string]any
		want error
	}{
		"aud":       {map[string]any{"aud": "https://other.example"}, jose.ErrAudience},
		"iss":       {map[string]any{"iss": "https://evil.example"}, jose.ErrIssuer},
		"exp":       {map[string]any{"exp": s.now.Add(-time.Minute).Unix()}, jose.ErrExpired},
		"no exp":    {map[string]any{"exp": nil}, jose.ErrMissingClaim},
		"client_id": {map[string]any{"client_id": nil}, jose.ErrMissingClaim},
		"jti":       {map[string]any{"jti": nil}, jose.ErrMissingClaim},
		"sub":       {map[string]any{"sub": nil}, jose.ErrMissingClaim},
		"cnf":       {map[string]any{"cnf": "x"}, jose.ErrMalformed},
	} {
		c := s.claims()
		for k, v := range tc.set {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		if _, err := s.validator().ValidateAccessToken(context.Background(), s.sign(t, "at+jwt", c)); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	c := s.claims()
	delete(c, "client_id")
	c["azp"] = "client-2"
	v := s.validator()
	v.AllowAzpAsClientID = true
	if at, err := v.ValidateAccessToken(context.Background(), s.sign(t, "at+jwt", c)); err != nil || at.ClientID != "client-2" {
		t.Errorf("azp as client_id: %v", err)
	}
}

func TestJWTValidator_SymmetricAlgorithmRefused(t *testing.T) {
	s := newTestSigner(t)
	secret := jose.NewSymmetricKey([]byte("0123456789abcdef0123456789abcdef"))
	tok, err := jose.SignClaims(secret, jose.HS256, s.claims(), jose.SignOptions{Type: "at+jwt"})
	if err != nil {
		t.Fatal(err)
	}
	v := s.validator()
	v.Keys = jose.StaticKeySet{secret}
	if _, err := v.ValidateAccessToken(context.Background(), tok); !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
		t.Errorf("HS256: %v", err)
	}
	if _, err := (&JWTValidator{}).ValidateAccessToken(context.Background(), tok); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("empty validator: %v", err)
	}
}

// introspectionAS is an introspection endpoint answering body for every
// token, counting requests.
func introspectionAS(t *testing.T, status int, body func(token string) string) (*oauth2.Config, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body(r.PostForm.Get("token")))
	}))
	t.Cleanup(srv.Close)
	return &oauth2.Config{ClientID: "rs", ClientSecret: "rs-secret", Endpoint: oauth2.Endpoint{IntrospectionURL: srv.URL}}, &n
}

func activeBody(exp time.Time, extra string) func(string) string {
	return func(tok string) string {
		b, _ := json.Marshal(map[string]any{"active": true, "sub": "u", "client_id": "c", "aud": []string{testResource},
			"iss": testIssuer, "scope": "read", "exp": exp.Unix(), "jti": tok})
		if extra != "" {
			b = append(b[:len(b)-1], ","+extra+"}"...)
		}
		return string(b)
	}
}

func TestIntrospectionValidator_CachedWithinTTLAndExpiry(t *testing.T) {
	now := time.Now()
	cfg, n := introspectionAS(t, 200, activeBody(now.Add(30*time.Second), ""))
	clock := now
	cfg.Clock = func() time.Time { return clock }
	v := &IntrospectionValidator{Client: cfg, Resource: testResource, Issuer: testIssuer, CacheTTL: time.Minute}
	for range 3 {
		at, err := v.ValidateAccessToken(context.Background(), "opaque-1")
		if err != nil || at.Subject != "u" || at.Introspection == nil {
			t.Fatalf("%v %+v", err, at)
		}
	}
	if n.Load() != 1 {
		t.Errorf("%d introspection requests, want 1", n.Load())
	}
	clock = now.Add(31 * time.Second) // past the token's exp, before the TTL
	if _, err := v.ValidateAccessToken(context.Background(), "opaque-1"); !errors.Is(err, ErrInactive) {
		t.Errorf("after exp: %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("the cached result outlived the token's exp: %d requests", n.Load())
	}
}

func TestIntrospectionValidator_RS08_CacheBounded(t *testing.T) {
	cfg, n := introspectionAS(t, 200, activeBody(time.Now().Add(time.Hour), ""))
	v := &IntrospectionValidator{Client: cfg, CacheSize: 10}
	for i := range 100 {
		if _, err := v.ValidateAccessToken(context.Background(), "tok-"+string(rune('a'+i%26))+strings.Repeat("x", i)); err != nil {
			t.Fatal(err)
		}
	}
	if l := v.cache.len(); l > 10 {
		t.Errorf("cache holds %d entries, cap 10", l)
	}
	if n.Load() != 100 {
		t.Errorf("%d requests", n.Load())
	}
}

func TestIntrospectionValidator_RS05_EndpointFailureNotCached(t *testing.T) {
	for _, status := range []int{401, 500} {
		cfg, n := introspectionAS(t, status, func(string) string { return `{"error":"invalid_client"}` })
		v := &IntrospectionValidator{Client: cfg}
		for range 2 {
			if at, err := v.ValidateAccessToken(context.Background(), "opaque"); err == nil || at != nil {
				t.Fatalf("HTTP %d accepted", status)
			}
		}
		if n.Load() != 2 {
			t.Errorf("HTTP %d: failure cached (%d requests)", status, n.Load())
		}
	}
}

func TestIntrospectionValidator_DM06_NotAnAccessTokenForUs(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	for name, tc := range map[string]struct {
		body func(string) string
		want error
	}{
		"inactive":      {func(string) string { return `{"active":false}` }, ErrInactive},
		"string active": {func(string) string { return `{"active":"true"}` }, ErrInactive},
		"refresh":       {activeBody(exp, `"typ":"Refresh"`), ErrInactive},
		"other aud":     {func(string) string { return `{"active":true,"aud":"https://other.example","iss":"` + testIssuer + `"}` }, jose.ErrAudience},
		"other iss": {func(string) string {
			return `{"active":true,"aud":"` + testResource + `","iss":"https://evil.example"}`
		}, jose.ErrIssuer},
	} {
		cfg, _ := introspectionAS(t, 200, tc.body)
		v := &IntrospectionValidator{Client: cfg, Resource: testResource, Issuer: testIssuer}
		if _, err := v.ValidateAccessToken(context.Background(), "opaque"); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}

// dpopClient is a client's DPoP key.
func dpopClient(t *testing.T) *oauth2.DPoPKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := oauth2.NewDPoPProver(jose.JWK{Key: priv}, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDPoPVerifier_Valid(t *testing.T) {
	d := dpopClient(t)
	v := &DPoPVerifier{}
	proof, _ := d.Proof("GET", "https://api.example/items?x=1", "tok")
	p, err := v.Verify(context.Background(), proof, "GET", "https://API.example:443/items", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if p.JKT != d.JWKThumbprint() {
		t.Errorf("jkt %s, want %s", p.JKT, d.JWKThumbprint())
	}
}

func TestDPoPVerifier_RS03_Replay(t *testing.T) {
	d := dpopClient(t)
	v := &DPoPVerifier{}
	proof, _ := d.Proof("GET", "https://api.example/items", "tok")
	if _, err := v.Verify(context.Background(), proof, "GET", "https://api.example/items", "tok"); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(context.Background(), proof, "GET", "https://api.example/items", "tok")
	if !errors.Is(err, ErrDPoPReplay) || !errors.Is(err, ErrDPoPProof) {
		t.Errorf("replay: %v", err)
	}
}

func TestDPoPVerifier_WrongRequest(t *testing.T) {
	d := dpopClient(t)
	now := time.Now()
	for name, tc := range map[string]struct {
		method, uri, token string
		clock              time.Time
	}{
		"htm":     {"POST", "https://api.example/items", "tok", now},
		"htu":     {"GET", "https://api.example/other", "tok", now},
		"ath":     {"GET", "https://api.example/items", "another-token", now},
		"old iat": {"GET", "https://api.example/items", "tok", now.Add(2 * time.Minute)},
		"future":  {"GET", "https://api.example/items", "tok", now.Add(-time.Minute)},
	} {
		proof, _ := d.Proof("GET", "https://api.example/items", "tok")
		v := &DPoPVerifier{Clock: func() time.Time { return tc.clock }}
		if _, err := v.Verify(context.Background(), proof, tc.method, tc.uri, tc.token); !errors.Is(err, ErrDPoPProof) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDPoPVerifier_RS04_HostileKeyOrAlgorithm(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	claims := map[string]any{"jti": "1", "htm": "GET", "htu": "https://api.example/", "iat": time.Now().Unix()}
	// A private key in the jwk header, the proof validly signed with it.
	privJWK, _ := json.Marshal(jose.JWK{Key: priv})
	if !strings.Contains(string(privJWK), `"d"`) {
		t.Fatal("the JWK has no private part")
	}
	tok := es256Proof(t, priv, privJWK, claims)
	if _, err := (&DPoPVerifier{}).Verify(context.Background(), tok, "GET", "https://api.example/", ""); !errors.Is(err, ErrDPoPProof) {
		t.Errorf("private jwk: %v", err)
	}
	pubJWK, _ := json.Marshal(jose.JWK{Key: &priv.PublicKey})
	if _, err := (&DPoPVerifier{}).Verify(context.Background(), es256Proof(t, priv, pubJWK, claims), "GET", "https://api.example/", ""); err != nil {
		t.Errorf("the same proof with the public key: %v", err)
	}
	// A symmetric key and HS256.
	secret := jose.NewSymmetricKey([]byte("0123456789abcdef0123456789abcdef"))
	symJWK, _ := json.Marshal(secret)
	tok = hs256Proof(t, secret, symJWK, claims)
	if _, err := (&DPoPVerifier{}).Verify(context.Background(), tok, "GET", "https://api.example/", ""); !errors.Is(err, ErrDPoPProof) {
		t.Errorf("symmetric jwk: %v", err)
	}
	// No jwk header at all, garbage, oversize.
	for _, p := range []string{"a.b.c", "", "e30.e30.", strings.Repeat("a", maxProofSize+1)} {
		if _, err := (&DPoPVerifier{}).Verify(context.Background(), p, "GET", "https://api.example/", ""); !errors.Is(err, ErrDPoPProof) {
			t.Errorf("%.20q: %v", p, err)
		}
	}
}

// es256Proof signs a proof by hand with any jwk header.
func es256Proof(t *testing.T, priv *ecdsa.PrivateKey, jwk []byte, claims map[string]any) string {
	hdr, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": json.RawMessage(jwk)})
	body, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// hs256Proof builds by hand a proof signed with HS256 whose jwk header is
// the secret: what jose.Sign refuses to make.
func hs256Proof(t *testing.T, key jose.JWK, jwk []byte, claims map[string]any) string {
	hdr, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "HS256", "jwk": json.RawMessage(jwk)})
	body, _ := json.Marshal(claims)
	tok, err := jose.Sign(key, jose.HS256, body, jose.SignOptions{Type: "dpop+jwt"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	return base64.RawURLEncoding.EncodeToString(hdr) + "." + parts[1] + "." + parts[2]
}

type fixedNonce string

func (n fixedNonce) Nonce() string           { return string(n) }
func (n fixedNonce) Valid(nonce string) bool { return nonce == string(n) }

// guardRig is a Guard over a handler that reports the accepted token.
func guardRig(t *testing.T, g *Guard) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/items", g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := TokenFromContext(r.Context())
		io.WriteString(w, at.Subject)
	})))
	mux.Handle("/admin", g.Wrap(g.RequireScopes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), "admin")))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, url string, header map[string][]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestGuard_BearerChallenges(t *testing.T) {
	s := newTestSigner(t)
	g := &Guard{Validator: s.validator(), Realm: "api", ResourceMetadataURL: "https://api.example/.well-known/oauth-protected-resource"}
	srv := guardRig(t, g)
	tok := s.sign(t, "at+jwt", s.claims())

	res, body := call(t, srv.URL+"/items", map[string][]string{"Authorization": {"Bearer " + tok}})
	if res.StatusCode != 200 || body != "user-1" {
		t.Fatalf("valid token: %d %q", res.StatusCode, body)
	}
	res, _ = call(t, srv.URL+"/items", nil)
	if res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") != `Bearer realm="api", resource_metadata="https://api.example/.well-known/oauth-protected-resource"` {
		t.Errorf("no token: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"Bearer " + tok + "x"}})
	if c, ok := oauth2.BearerChallenge(res.Header); res.StatusCode != 401 || !ok || c.ErrorCode() != oauth2.ErrorInvalidToken {
		t.Errorf("bad signature: %d %v", res.StatusCode, res.Header)
	}
	if strings.Contains(res.Header.Get("WWW-Authenticate"), tok[:20]) {
		t.Error("the challenge echoes the token")
	}
	res, _ = call(t, srv.URL+"/admin", map[string][]string{"Authorization": {"Bearer " + tok}})
	if c, ok := oauth2.BearerChallenge(res.Header); res.StatusCode != 403 || !ok || c.ErrorCode() != oauth2.ErrorInsufficientScope || c.Scope() != "admin" {
		t.Errorf("insufficient scope: %d %v", res.StatusCode, res.Header)
	}
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"Bearer " + tok, "Bearer " + tok}})
	if c, _ := oauth2.BearerChallenge(res.Header); res.StatusCode != 400 || c.ErrorCode() != oauth2.ErrorInvalidRequest {
		t.Errorf("two headers: %d %v", res.StatusCode, res.Header)
	}
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"Bearer a b"}})
	if res.StatusCode != 400 {
		t.Errorf("not a b64token: %d", res.StatusCode)
	}
}

func TestGuard_RS06_DPoPBinding(t *testing.T) {
	s := newTestSigner(t)
	d := dpopClient(t)
	claims := s.claims()
	claims["cnf"] = map[string]any{"jkt": d.JWKThumbprint()}
	tok := s.sign(t, "at+jwt", claims)
	g := &Guard{Validator: s.validator(), DPoP: &DPoPVerifier{}}
	srv := guardRig(t, g)
	proof, _ := d.Proof("GET", srv.URL+"/items", tok)
	res, body := call(t, srv.URL+"/items", map[string][]string{"Authorization": {"DPoP " + tok}, "Dpop": {proof}})
	if res.StatusCode != 200 || body != "user-1" {
		t.Fatalf("DPoP: %d %q %v", res.StatusCode, body, res.Header)
	}
	// RS-06: the bound token as Bearer, and a proof by another key.
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"Bearer " + tok}})
	if c, ok := oauth2.BearerChallenge(res.Header); res.StatusCode != 401 || !ok || c.ErrorCode() != oauth2.ErrorInvalidToken {
		t.Errorf("bound token as Bearer: %d %v", res.StatusCode, res.Header)
	}
	other := dpopClient(t)
	proof, _ = other.Proof("GET", srv.URL+"/items", tok)
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"DPoP " + tok}, "Dpop": {proof}})
	if c, ok := oauth2.DPoPChallenge(res.Header); res.StatusCode != 401 || !ok || c.ErrorCode() != oauth2.ErrorInvalidToken || c.Param("algs") == "" {
		t.Errorf("another key: %d %v", res.StatusCode, res.Header)
	}
	// Missing proof.
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"DPoP " + tok}})
	if c, ok := oauth2.DPoPChallenge(res.Header); res.StatusCode != 401 || !ok || c.ErrorCode() != "invalid_dpop_proof" {
		t.Errorf("no proof: %d %v", res.StatusCode, res.Header)
	}
	// An unbound token under DPoP.
	plain := s.sign(t, "at+jwt", s.claims())
	proof, _ = d.Proof("GET", srv.URL+"/items", plain)
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"DPoP " + plain}, "Dpop": {proof}})
	if res.StatusCode != 401 {
		t.Errorf("unbound token as DPoP: %d", res.StatusCode)
	}
}

func TestGuard_DPoPNonce(t *testing.T) {
	s := newTestSigner(t)
	d := dpopClient(t)
	claims := s.claims()
	claims["cnf"] = map[string]any{"jkt": d.JWKThumbprint()}
	tok := s.sign(t, "at+jwt", claims)
	g := &Guard{Validator: s.validator(), DPoP: &DPoPVerifier{Nonces: fixedNonce("n-1")}, RequireDPoP: true}
	srv := guardRig(t, g)
	proof, _ := d.Proof("GET", srv.URL+"/items", tok)
	res, _ := call(t, srv.URL+"/items", map[string][]string{"Authorization": {"DPoP " + tok}, "Dpop": {proof}})
	c, ok := oauth2.DPoPChallenge(res.Header)
	if res.StatusCode != 401 || !ok || c.ErrorCode() != oauth2.ErrorUseDPoPNonce || res.Header.Get("DPoP-Nonce") != "n-1" {
		t.Fatalf("nonce challenge: %d %v", res.StatusCode, res.Header)
	}
	if _, ok := oauth2.BearerChallenge(res.Header); ok {
		t.Error("a Bearer challenge where DPoP is required")
	}
	d.UpdateNonce(srv.URL, res.Header.Get("DPoP-Nonce"))
	proof, _ = d.Proof("GET", srv.URL+"/items", tok)
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"DPoP " + tok}, "Dpop": {proof}})
	if res.StatusCode != 200 {
		t.Errorf("with the nonce: %d %v", res.StatusCode, res.Header)
	}
	res, _ = call(t, srv.URL+"/items", map[string][]string{"Authorization": {"Bearer " + s.sign(t, "at+jwt", s.claims())}})
	if res.StatusCode != 401 {
		t.Errorf("Bearer where DPoP is required: %d", res.StatusCode)
	}
}

func TestGuard_RS09_CertificateBinding(t *testing.T) {
	s := newTestSigner(t)
	der := []byte("certificate-DER")
	sum := sha256.Sum256(der)
	claims := s.claims()
	claims["cnf"] = map[string]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])}
	tok := s.sign(t, "at+jwt", claims)
	g := &Guard{Validator: s.validator()}
	req := httptest.NewRequest("GET", "https://api.example/items", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := g.Authenticate(req); !errors.Is(err, ErrBinding) {
		t.Errorf("no certificate: %v", err)
	}
	req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: []byte("another")}}}
	if _, err := g.Authenticate(req); !errors.Is(err, ErrBinding) {
		t.Errorf("another certificate: %v", err)
	}
	req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: der}}}
	if _, err := g.Authenticate(req); err != nil {
		t.Errorf("the bound certificate: %v", err)
	}
}

func TestMetadata_ServeAndDiscover(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	md := &ProtectedResourceMetadata{Resource: srv.URL + "/api", AuthorizationServers: []string{testIssuer}, ScopesSupported: []string{"read"}}
	mux.Handle("/.well-known/oauth-protected-resource/api", md.Handler())
	got, err := DiscoverResource(context.Background(), srv.Client(), srv.URL+"/api", nil, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Resource != md.Resource || got.AuthorizationServers[0] != testIssuer {
		t.Errorf("got %+v", got)
	}
}

func TestMetadata_RS07_ResourceMismatchAndChallengeURL(t *testing.T) {
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		io.WriteString(w, `{"resource":"x","authorization_servers":["https://evil.example"]}`)
	}))
	defer evil.Close()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.Handle("/.well-known/oauth-protected-resource/api", (&ProtectedResourceMetadata{Resource: srv.URL + "/other", AuthorizationServers: []string{"https://evil.example"}}).Handler())
	if _, err := DiscoverResource(context.Background(), nil, srv.URL+"/api", nil, DiscoverOptions{}); !errors.Is(err, ErrResourceMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	h := http.Header{"Www-Authenticate": {`Bearer error="invalid_token", resource_metadata="` + evil.URL + `/md"`}}
	_, _ = DiscoverResource(context.Background(), nil, srv.URL+"/api", h, DiscoverOptions{})
	if evilHits.Load() != 0 {
		t.Error("the challenge's resource_metadata was fetched without opting in")
	}
	if _, err := DiscoverResource(context.Background(), nil, srv.URL+"/api", h, DiscoverOptions{FollowChallenge: true}); !errors.Is(err, ErrResourceMismatch) || evilHits.Load() != 1 {
		t.Errorf("opted in: %v, %d hits", err, evilHits.Load())
	}
	h = http.Header{"Www-Authenticate": {`Bearer resource_metadata="http://169.254.169.254/latest"`}}
	if _, err := DiscoverResource(context.Background(), nil, srv.URL+"/api", h, DiscoverOptions{FollowChallenge: true}); !errors.Is(err, oauth2.ErrInsecureURL) {
		t.Errorf("non-loopback http: %v", err)
	}
	for _, body := range []string{`[]`, `{"resource":1}`, `{"Resource":"` + srv.URL + `/api"}`, `{"resource":"` + srv.URL + `/api","authorization_servers":["file:///x"]}`} {
		if _, err := ParseProtectedResourceMetadata([]byte(body), srv.URL+"/api"); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
}

func FuzzParseProtectedResourceMetadata(f *testing.F) {
	f.Add([]byte(`{"resource":"https://api.example","authorization_servers":["https://as.example"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseProtectedResourceMetadata(b, "https://api.example")
		if err == nil && m.Resource != "https://api.example" {
			t.Fatal("accepted another resource")
		}
	})
}

func FuzzDPoPVerify(f *testing.F) {
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.e30.")
	v := &DPoPVerifier{}
	f.Fuzz(func(t *testing.T, proof string) {
		if p, err := v.Verify(context.Background(), proof, "GET", "https://api.example/", ""); err == nil && p.JKT == "" {
			t.Fatal("a proof without a key")
		}
	})
}

func TestRotatingNonces(t *testing.T) {
	now := time.Now()
	n := &RotatingNonces{Period: time.Minute, Clock: func() time.Time { return now }}
	first := n.Nonce()
	if !n.Valid(first) || n.Valid("") || n.Valid("other") || n.Nonce() != first {
		t.Fatal("a fresh nonce")
	}
	now = now.Add(time.Minute)
	second := n.Nonce()
	if second == first || !n.Valid(first) || !n.Valid(second) {
		t.Error("after one period the previous nonce stays valid")
	}
	now = now.Add(2 * time.Minute)
	if n.Valid(first) || n.Valid(second) {
		t.Error("after two periods old nonces are refused")
	}
}

func BenchmarkJWTValidator(b *testing.B) {
	s := newTestSigner(&testing.T{})
	tok, _ := jose.SignClaims(s.key, jose.ES256, s.claims(), jose.SignOptions{Type: "at+jwt"})
	v := s.validator()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.ValidateAccessToken(context.Background(), tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDPoPVerifier(b *testing.B) {
	d := dpopClient(&testing.T{})
	v := &DPoPVerifier{}
	proofs := make([]string, 0, 4096)
	for range cap(proofs) {
		p, _ := d.Proof("GET", "https://api.example/items", "tok")
		proofs = append(proofs, p)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := v.Verify(context.Background(), proofs[i%len(proofs)], "GET", "https://api.example/items", "tok"); err != nil && i < len(proofs) {
			b.Fatal(err)
		}
		i++
	}
}

func TestDiscoverResource_ObserverSeesTheExchange(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	md := &ProtectedResourceMetadata{Resource: srv.URL + "/api", AuthorizationServers: []string{testIssuer}}
	mux.Handle("/.well-known/oauth-protected-resource/api", md.Handler())
	var seen []*oauth2.HTTPExchange
	opts := DiscoverOptions{Observer: func(ex *oauth2.HTTPExchange) { seen = append(seen, ex) }}
	if _, err := DiscoverResource(context.Background(), srv.Client(), srv.URL+"/api", nil, opts); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Method != http.MethodGet || seen[0].URL != srv.URL+"/.well-known/oauth-protected-resource/api" || seen[0].StatusCode != http.StatusOK || len(seen[0].ResponseBody) == 0 {
		t.Fatalf("observed %+v", seen)
	}
}

func TestDiscoverResource_TE11_RedirectRefused(t *testing.T) {
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) }))
	defer evil.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/md", http.StatusFound)
	}))
	defer srv.Close()
	if _, err := DiscoverResource(context.Background(), nil, srv.URL+"/api", nil, DiscoverOptions{}); !errors.Is(err, oauth2.ErrRedirect) || evilHits.Load() != 0 {
		t.Errorf("redirect: %v, %d hits", err, evilHits.Load())
	}
}

func TestDiscoverResource_TE13_BodyBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"resource":"`)
		io.WriteString(w, strings.Repeat("a", maxMetadataSize))
		io.WriteString(w, `"}`)
	}))
	defer srv.Close()
	if _, err := DiscoverResource(context.Background(), nil, srv.URL+"/api", nil, DiscoverOptions{}); !errors.Is(err, oauth2.ErrResponseTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}

func TestIntrospectionValidator_ConcurrentMissesShareOneRequest(t *testing.T) {
	var hits atomic.Int32
	first := make(chan struct{})
	release := make(chan struct{})
	body := activeBody(time.Now().Add(time.Hour), "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			close(first)
		}
		<-release
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body(r.PostForm.Get("token")))
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	cfg := &oauth2.Config{ClientID: "rs", ClientSecret: "rs-secret", Endpoint: oauth2.Endpoint{IntrospectionURL: srv.URL}}
	v := &IntrospectionValidator{Client: cfg, Resource: testResource}

	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			at, err := v.ValidateAccessToken(context.Background(), "opaque-shared")
			if err == nil && at.Subject != "u" {
				err = fmt.Errorf("subject %q", at.Subject)
			}
			errs <- err
		})
	}
	// A caller that gives up leaves without ending the request of the others.
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() {
		_, err := v.ValidateAccessToken(ctx, "opaque-shared")
		left <- err
	}()
	<-first
	time.Sleep(200 * time.Millisecond) // every caller has had time to send its own request
	cancel()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that left got %v", err)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("%d concurrent validations of one token made %d introspection requests, want 1", n+1, got)
	}
}

func TestTruncate_HT12_ErrorTextSafe(t *testing.T) {
	// 63 ASCII bytes, then a two-byte rune across the 64-byte cut; and a
	// forged log line.
	for _, in := range []string{strings.Repeat("a", 63) + "é" + strings.Repeat("b", 10), "kid\nlevel=error\u2028msg=forged"} {
		got := truncate(in)
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\n\r\u2028") || len(got) > 64+len("…") {
			t.Errorf("truncate(%q) = %q: not valid UTF-8 on one line within 64 bytes", in, got)
		}
	}
}
