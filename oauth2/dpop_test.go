package oauth2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oauthkit/oauthkit/jose"
)

// proofOf verifies a proof with the prover's public key and returns its
// header members and claims.
func proofOf(t *testing.T, d *DPoPKey, proof string) (map[string]json.RawMessage, dpopClaims) {
	t.Helper()
	hdr, payload, err := jose.Verify(context.Background(), proof, jose.StaticKeySet{d.PublicKey()},
		jose.VerifyOptions{Algorithms: []jose.Algorithm{d.alg}, Types: []string{DPoPProofType}})
	if err != nil {
		t.Fatalf("proof does not verify: %v", err)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(hdr.Raw, &h); err != nil {
		t.Fatal(err)
	}
	var c dpopClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return h, c
}

func newProver(t *testing.T) *DPoPKey {
	t.Helper()
	d, err := NewDPoPProver(ecKey(t), jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDPoPKey_ProofContents(t *testing.T) {
	d := newProver(t)
	p1, err := d.Proof("POST", "https://user:pw@as.test/token?x=1#frag", "")
	if err != nil {
		t.Fatal(err)
	}
	h, c := proofOf(t, d, p1)
	if string(h["typ"]) != `"dpop+jwt"` || h["jwk"] == nil || h["kid"] != nil {
		t.Errorf("header %s", h)
	}
	if c.HTM != "POST" || c.HTU != "https://as.test/token" || c.ATH != "" || c.Nonce != "" || c.JTI == "" || c.IAT == 0 {
		t.Errorf("claims %+v", c)
	}
	p2, _ := d.Proof("GET", "https://rs.test/api", "SENTINEL-AT")
	_, c2 := proofOf(t, d, p2)
	sum := sha256.Sum256([]byte("SENTINEL-AT"))
	if c2.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) || c2.HTM != "GET" {
		t.Errorf("claims %+v", c2)
	}
	if c2.JTI == c.JTI {
		t.Error("jti reused")
	}
	if strings.Contains(p2, "SENTINEL-AT") {
		t.Error("the access token is in the proof")
	}
}

func TestDPoPKey_JWKThumbprint(t *testing.T) {
	d := newProver(t)
	want, err := d.PublicKey().Thumbprint()
	if err != nil || d.JWKThumbprint() != want || want == "" {
		t.Errorf("thumbprint %q, want %q (%v)", d.JWKThumbprint(), want, err)
	}
}

func TestDPoPKey_DP04_JWKHeaderIsPublicOnly(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key jose.JWK
		alg jose.Algorithm
	}{
		{ecKey(t), jose.ES256},
		{jose.JWK{Key: rk}, jose.PS256},
	} {
		d, err := NewDPoPProver(tc.key, tc.alg)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := d.Proof("POST", "https://as.test/token", "")
		if err != nil {
			t.Fatal(err)
		}
		h, _ := proofOf(t, d, proof)
		var jwk map[string]json.RawMessage
		if err := json.Unmarshal(h["jwk"], &jwk); err != nil {
			t.Fatal(err)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			if _, ok := jwk[private]; ok {
				t.Errorf("%s proof's jwk header has private member %q", tc.alg, private)
			}
		}
	}
}

func TestNewDPoPProver_Refusals(t *testing.T) {
	ec := ecKey(t)
	pub, _ := ec.Public()
	for _, tc := range []struct {
		name string
		key  jose.JWK
		alg  jose.Algorithm
	}{
		{"MAC", jose.NewSymmetricKey([]byte("0123456789abcdef0123456789abcdef")), jose.HS256},
		{"symmetric key", jose.NewSymmetricKey([]byte("0123456789abcdef0123456789abcdef")), jose.ES256},
		{"public key", pub, jose.ES256},
		{"mismatch", ec, jose.RS256},
		{"none", ec, "none"},
		{"no key", jose.JWK{}, jose.ES256},
	} {
		if _, err := NewDPoPProver(tc.key, tc.alg); !errors.Is(err, ErrDPoP) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func TestDPoPKey_DP03_HostileNonces(t *testing.T) {
	d := newProver(t)
	nonceFor := func(target string) string {
		p, err := d.Proof("POST", target, "")
		if err != nil {
			t.Fatal(err)
		}
		_, c := proofOf(t, d, p)
		return c.Nonce
	}
	for _, bad := range []string{
		"", "a\r\nDPoP: x", "a b", `a"b`, `a\b`, "caf\xc3\xa9", "\x00", strings.Repeat("n", maxDPoPNonceLength+1),
	} {
		d.UpdateNonce("https://as.test/token", bad)
		if got := nonceFor("https://as.test/token"); got != "" {
			t.Errorf("nonce %.20q was kept as %.20q", bad, got)
		}
	}
	good := "eyJ7S_zG.eyJH0-Z.HX4w-7v!#$%&'()*+,-./:;<=>?@[]^_`{|}~"
	d.UpdateNonce("https://AS.test:443/token?x", good)
	if got := nonceFor("https://as.test/other"); got != good {
		t.Errorf("nonce %q, want %q", got, good)
	}
	if got := nonceFor("https://rs.test/api"); got != "" {
		t.Errorf("nonce of as.test sent to rs.test: %q", got)
	}
	if got := nonceFor("https://as.test:8443/token"); got != "" {
		t.Errorf("nonce sent to another port: %q", got)
	}
	d.UpdateNonce("https://as.test/token", strings.Repeat("n", maxDPoPNonceLength))
	if got := nonceFor("https://as.test/token"); len(got) != maxDPoPNonceLength {
		t.Errorf("nonce of the maximum length not kept")
	}
	// An invalid nonce leaves the last good one in place.
	d.UpdateNonce("https://as.test/token", "bad\n")
	if got := nonceFor("https://as.test/token"); len(got) != maxDPoPNonceLength {
		t.Errorf("an invalid nonce replaced a good one")
	}
}

func TestDPoPKey_NonceTableBounded(t *testing.T) {
	d := newProver(t)
	for i := range 4 * maxNonceOrigins {
		d.UpdateNonce(fmt.Sprintf("https://h%d.test/token", i), "n")
	}
	d.mu.Lock()
	n := len(d.nonces)
	d.mu.Unlock()
	if n > maxNonceOrigins {
		t.Errorf("%d origins remembered", n)
	}
}

func TestDPoPKey_BadTargets(t *testing.T) {
	d := newProver(t)
	for _, target := range []string{"", "/token", "ftp://as.test/x", "javascript:x", "http://[::1"} {
		if _, err := d.Proof("POST", target, ""); !errors.Is(err, ErrDPoP) {
			t.Errorf("%q: err = %v", target, err)
		}
	}
	if _, err := d.Proof("", "https://as.test/", ""); !errors.Is(err, ErrDPoP) {
		t.Errorf("no method: err = %v", err)
	}
}

func TestDPoPKey_ConcurrentUse(t *testing.T) {
	d := newProver(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			d.UpdateNonce("https://as.test/", "n"+string(rune('a'+i)))
			if _, err := d.Proof("POST", "https://as.test/token", ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// dpopAS is a token endpoint that checks and records DPoP proofs.
type dpopAS struct {
	mu     sync.Mutex
	proofs []dpopClaims
}

func (a *dpopAS) record(t *testing.T, d *DPoPKey, r *http.Request) dpopClaims {
	proof := r.Header.Get("DPoP")
	if proof == "" {
		t.Error("request without a DPoP proof")
		return dpopClaims{}
	}
	_, c := proofOf(t, d, proof)
	a.mu.Lock()
	a.proofs = append(a.proofs, c)
	a.mu.Unlock()
	return c
}

func TestToken_DP01_NonceLoopRetriesOnce(t *testing.T) {
	d := newProver(t)
	as := &dpopAS{}
	n := 0
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		as.record(t, d, r)
		n++
		w.Header().Set("DPoP-Nonce", "nonce-"+string(rune('0'+n)))
		writeJSON(w, 400, `{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}`)
	})
	c.DPoP = d
	_, err := c.Token(context.Background(), ClientCredentialsGrant{})
	if !errors.Is(err, &Error{Code: ErrorUseDPoPNonce}) {
		t.Fatalf("err = %v, want use_dpop_nonce", err)
	}
	if len(as.proofs) != 2 {
		t.Fatalf("%d requests, want 2", len(as.proofs))
	}
	if as.proofs[0].Nonce != "" || as.proofs[1].Nonce != "nonce-1" || as.proofs[0].JTI == as.proofs[1].JTI {
		t.Errorf("proofs %+v", as.proofs)
	}
	if as.proofs[1].HTU != c.Endpoint.TokenURL || as.proofs[1].HTM != "POST" {
		t.Errorf("htu/htm %+v", as.proofs[1])
	}
	assertNoSecret(t, err)
}

func TestToken_DPoPBoundToken(t *testing.T) {
	d := newProver(t)
	as := &dpopAS{}
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		as.record(t, d, r)
		writeJSON(w, 200, `{"access_token":"AT","token_type":"dpop","expires_in":60}`)
	})
	c.DPoP = d
	tok, err := c.Token(context.Background(), ClientCredentialsGrant{})
	if err != nil || tok.TokenType != TokenTypeDPoP {
		t.Fatalf("tok %+v, err %v", tok, err)
	}
}

// The policy for a Bearer answer to a DPoP token request: the token is
// returned as Bearer (unbound), so the caller sees the downgrade in
// Token.TokenType and never mistakes it for a DPoP-bound token.
func TestToken_DP04_BearerAnswerToDPoPRequest(t *testing.T) {
	d := newProver(t)
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("DPoP") == "" {
			t.Error("no proof sent")
		}
		writeJSON(w, 200, `{"access_token":"AT","token_type":"Bearer"}`)
	})
	c.DPoP = d
	tok, err := c.Token(context.Background(), ClientCredentialsGrant{})
	if err != nil || tok.TokenType != TokenTypeBearer {
		t.Fatalf("tok %+v, err %v", tok, err)
	}
}

func TestPushAuthorizationRequest_DPoPNonceRetry(t *testing.T) {
	d := newProver(t)
	as := &dpopAS{}
	var forms []url.Values
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		pc := as.record(t, d, r)
		r.ParseForm()
		forms = append(forms, r.PostForm)
		if pc.Nonce != "srv-nonce" {
			w.Header().Set("DPoP-Nonce", "srv-nonce")
			writeJSON(w, 400, `{"error":"use_dpop_nonce"}`)
			return
		}
		writeJSON(w, 201, `{"request_uri":"urn:x","expires_in":60}`)
	})
	c.DPoP = d
	c.AuthMethod = ClientSecretPost{}
	pa, err := c.PushAuthorizationRequest(context.Background(), url.Values{"response_type": {"code"}})
	if err != nil || pa.RequestURI != "urn:x" {
		t.Fatalf("pa %+v, err %v", pa, err)
	}
	if len(as.proofs) != 2 || as.proofs[0].HTU != c.Endpoint.PushedAuthorizationRequestURL {
		t.Errorf("proofs %+v", as.proofs)
	}
	for _, f := range forms {
		if len(f["client_secret"]) != 1 || len(f["client_id"]) != 1 {
			t.Errorf("form %v", f)
		}
	}
}

func TestPushAuthorizationRequest_DP01_NonceLoop(t *testing.T) {
	d := newProver(t)
	as := &dpopAS{}
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		as.record(t, d, r)
		w.Header().Set("DPoP-Nonce", "n"+string(rune('a'+len(as.proofs))))
		writeJSON(w, 400, `{"error":"use_dpop_nonce"}`)
	})
	c.DPoP = d
	_, err := c.PushAuthorizationRequest(context.Background(), url.Values{})
	if !errors.Is(err, &Error{Code: ErrorUseDPoPNonce}) || len(as.proofs) != 2 {
		t.Fatalf("err %v after %d requests", err, len(as.proofs))
	}
}

func BenchmarkDPoPKey_Proof(b *testing.B) {
	d, err := NewDPoPProver(ecKey(b), jose.ES256)
	if err != nil {
		b.Fatal(err)
	}
	d.UpdateNonce("https://rs.test/", "nonce")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Proof("GET", "https://rs.test/api?q=1", "access-token"); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleNewDPoPProver() {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	prover, err := NewDPoPProver(jose.JWK{Key: priv}, jose.ES256)
	if err != nil {
		panic(err)
	}
	cfg := &Config{
		ClientID:     "worker",
		ClientSecret: "secret",
		Endpoint:     Endpoint{TokenURL: "https://as.example/token"},
		DPoP:         prover,
	}
	tok, err := cfg.Token(context.Background(), ClientCredentialsGrant{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if tok.TokenType != TokenTypeDPoP {
		fmt.Println("the server issued an unbound Bearer token")
	}
}
