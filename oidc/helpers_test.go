package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// Test keys are generated once per test binary: RSA generation is slow.
var (
	opRSAKey       = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	attackerRSAKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	rotatedRSAKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	opECKey        = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC() })
	attackerECKey  = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC() })
	opEdKey        = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEC() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

const (
	testIssuer   = "https://op.example/realms/test"
	testClientID = "app"
	testKID      = "rsa-1"
	testECKID    = "ec-1"
	testEdKID    = "ed-1"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signWith builds a compact JWS from a header and claims, both JSON-encoded
// as given (maps keep test control of every member), and signs it.
func signWith(t testing.TB, header, claims any, sign func(input string) []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	var p []byte
	switch c := claims.(type) {
	case []byte:
		p = c
	case string:
		p = []byte(c)
	default:
		if p, err = json.Marshal(claims); err != nil {
			t.Fatal(err)
		}
	}
	input := b64(h) + "." + b64(p)
	return input + "." + b64(sign(input))
}

func rsaSigner(key *rsa.PrivateKey, h crypto.Hash) func(string) []byte {
	return func(input string) []byte {
		hh := h.New()
		hh.Write([]byte(input))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, hh.Sum(nil))
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func esSigner(key *ecdsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		d := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
		if err != nil {
			panic(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
}

func edSigner(key ed25519.PrivateKey) func(string) []byte {
	return func(input string) []byte { return ed25519.Sign(key, []byte(input)) }
}

func hmacSigner(secret []byte, h func() hash.Hash) func(string) []byte {
	return func(input string) []byte {
		m := hmac.New(h, secret)
		m.Write([]byte(input))
		return m.Sum(nil)
	}
}

// claims returns a valid ID token claim set for testNow.
func idClaims() map[string]any {
	return map[string]any{
		"iss":   testIssuer,
		"sub":   "248289761001",
		"aud":   testClientID,
		"exp":   testNow.Add(5 * time.Minute).Unix(),
		"iat":   testNow.Add(-10 * time.Second).Unix(),
		"nonce": "n-0S6_WzA2Mj",
	}
}

func rsHeader() map[string]any { return map[string]any{"alg": "RS256", "kid": testKID, "typ": "JWT"} }

// signID signs claims as the test OP with RS256.
func signID(t testing.TB, claims map[string]any) string {
	return signWith(t, rsHeader(), claims, rsaSigner(opRSAKey(), crypto.SHA256))
}

// with returns a copy of claims with the changes applied; a nil value
// deletes the claim.
func with(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func publicJWK(kid string, key any, alg jose.Algorithm) jose.JWK {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		key = &k.PublicKey
	case *ecdsa.PrivateKey:
		key = &k.PublicKey
	case ed25519.PrivateKey:
		key = k.Public()
	}
	return jose.JWK{KeyID: kid, Algorithm: alg, Use: "sig", Key: key}
}

// opKeys is the OP's public key set.
func opKeys() jose.StaticKeySet {
	return jose.StaticKeySet{
		publicJWK(testKID, opRSAKey(), jose.RS256),
		publicJWK(testECKID, opECKey(), jose.ES256),
		publicJWK(testEdKID, opEdKey(), jose.EdDSA),
	}
}

func testVerifier() *IDTokenVerifier {
	return &IDTokenVerifier{
		ClientID: testClientID,
		Issuer:   testIssuer,
		KeySet:   opKeys(),
		Clock:    fixedNow,
		Leeway:   30 * time.Second,
	}
}

// jwksJSON serves keys as a JWKS document.
func jwksJSON(t testing.TB, keys ...jose.JWK) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JWKSet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// counter counts requests per path.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) inc(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[path]++
}

func (c *counter) get(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[path]
}

// testServer is an in-memory OpenID provider on an httptest server: its
// discovery document, JWKS and token and userinfo endpoints are functions
// the test may replace.
type testServer struct {
	*httptest.Server
	hits      counter
	mu        sync.Mutex
	discovery func(issuer string) any
	jwks      func() []byte
	token     http.HandlerFunc
	userinfo  http.HandlerFunc
	noCache   atomic.Int32 // JWKS requests with Cache-Control: no-cache
}

func newTestServer(t testing.TB) *testServer {
	ts := &testServer{}
	ts.discovery = func(issuer string) any { return discoveryDoc(issuer) }
	ts.jwks = func() []byte { return jwksJSON(t, publicJWK(testKID, opRSAKey(), jose.RS256)) }
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.hits.inc(r.URL.Path)
		ts.mu.Lock()
		disc, jwks, token, userinfo := ts.discovery, ts.jwks, ts.token, ts.userinfo
		ts.mu.Unlock()
		switch r.URL.Path {
		case WellKnownPath:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(disc(ts.URL))
		case "/jwks":
			if strings.Contains(r.Header.Get("Cache-Control"), "no-cache") {
				ts.noCache.Add(1)
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(jwks())
		case "/token":
			if token == nil {
				http.NotFound(w, r)
				return
			}
			token(w, r)
		case "/userinfo":
			if userinfo == nil {
				http.NotFound(w, r)
				return
			}
			userinfo(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) set(f func()) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	f()
}

func discoveryDoc(issuer string) map[string]any {
	return map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                issuer + "/auth",
		"token_endpoint":                        issuer + "/token",
		"userinfo_endpoint":                     issuer + "/userinfo",
		"jwks_uri":                              issuer + "/jwks",
		"end_session_endpoint":                  issuer + "/logout",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"backchannel_logout_supported":          true,
	}
}
