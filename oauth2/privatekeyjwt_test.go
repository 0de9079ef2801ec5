package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// assertionRecorder is a token endpoint that records the forms it gets.
type assertionRecorder struct {
	mu    sync.Mutex
	forms []url.Values
	basic bool
}

func (a *assertionRecorder) handler(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	a.mu.Lock()
	a.forms = append(a.forms, r.PostForm)
	if _, _, ok := r.BasicAuth(); ok {
		a.basic = true
	}
	a.mu.Unlock()
	replyJSON(w, 200, okToken)
}

// checkAssertion verifies a client assertion form with key and returns its
// header and claims.
func checkAssertion(t *testing.T, form url.Values, key jose.JWK, alg jose.Algorithm) (jose.Header, *jose.Claims) {
	t.Helper()
	if got := form.Get("client_assertion_type"); got != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		t.Errorf("client_assertion_type = %q", got)
	}
	if form.Get("client_id") != "client" || form.Has("client_secret") {
		t.Errorf("form = %v", form)
	}
	h, payload, err := jose.Verify(context.Background(), form.Get("client_assertion"), jose.StaticKeySet{key},
		jose.VerifyOptions{Algorithms: []jose.Algorithm{alg}})
	if err != nil {
		t.Fatalf("assertion does not verify: %v", err)
	}
	claims, err := jose.ParseClaims(payload)
	if err != nil {
		t.Fatal(err)
	}
	return h, claims
}

func TestPrivateKeyJWT_Algorithms(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		key     any
		alg     jose.Algorithm // configured
		wantAlg jose.Algorithm
	}{
		{rsaKey, "", jose.RS256},
		{rsaKey, jose.PS384, jose.PS384},
		{p256, "", jose.ES256},
		{p384, "", jose.ES384},
		{p521, "", jose.ES512},
		{edKey, "", jose.EdDSA},
	}
	for _, tc := range cases {
		t.Run(string(tc.wantAlg), func(t *testing.T) {
			rec := &assertionRecorder{}
			cfg := startTokenEndpoint(t, rec.handler)
			cfg.ClientSecret = ""
			cfg.Endpoint.Issuer = "https://as.example/realms/r"
			now := time.Unix(1_750_000_000, 0)
			cfg.Clock = func() time.Time { return now }
			key := jose.JWK{KeyID: "client-key-1", Key: tc.key}
			cfg.AuthMethod = oauth2.PrivateKeyJWT{Key: key, Algorithm: tc.alg}
			for i := 0; i < 2; i++ {
				if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
					t.Fatal(err)
				}
			}
			pub, _ := key.Public()
			h, c := checkAssertion(t, rec.forms[0], pub, tc.wantAlg)
			if h.Algorithm != tc.wantAlg || h.KeyID != "client-key-1" || h.Type != "" {
				t.Errorf("header = %+v", h)
			}
			if c.Issuer != "client" || c.Subject != "client" {
				t.Errorf("iss, sub = %q, %q", c.Issuer, c.Subject)
			}
			// TE-17: aud is the issuer identifier, one string, never the token endpoint.
			if string(c.Raw()["aud"]) != `"https://as.example/realms/r"` {
				t.Errorf("aud = %s", c.Raw()["aud"])
			}
			if c.IssuedAt == nil || !c.IssuedAt.Time().Equal(now) || c.Expiry == nil || !c.Expiry.Time().Equal(now.Add(60*time.Second)) {
				t.Errorf("iat, exp = %v, %v", c.IssuedAt, c.Expiry)
			}
			if len(c.ID) < 22 {
				t.Errorf("jti %q is shorter than 128 bits", c.ID)
			}
			_, c2 := checkAssertion(t, rec.forms[1], pub, tc.wantAlg)
			if c2.ID == c.ID || rec.forms[0].Get("client_assertion") == rec.forms[1].Get("client_assertion") {
				t.Error("the assertion was reused")
			}
			if rec.basic {
				t.Error("Basic credentials sent as well")
			}
		})
	}
}

func TestPrivateKeyJWT_TE17_AudienceFallbackAndType(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rec := &assertionRecorder{}
	cfg := startTokenEndpoint(t, rec.handler)
	cfg.Endpoint.Issuer = ""
	key := jose.JWK{Key: p256}
	cfg.AuthMethod = oauth2.PrivateKeyJWT{Key: key, Type: "client-authentication+jwt"}
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
		t.Fatal(err)
	}
	pub, _ := key.Public()
	h, c := checkAssertion(t, rec.forms[0], pub, jose.ES256)
	var aud string
	json.Unmarshal(c.Raw()["aud"], &aud)
	if aud != cfg.Endpoint.TokenURL {
		t.Errorf("aud = %q, want the token endpoint %q when no issuer is configured", aud, cfg.Endpoint.TokenURL)
	}
	if h.Type != "client-authentication+jwt" || h.KeyID != "" {
		t.Errorf("header = %+v", h)
	}
}

func TestPrivateKeyJWT_Errors(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rec := &assertionRecorder{}
	cfg := startTokenEndpoint(t, rec.handler)
	ctx := context.Background()
	for name, m := range map[string]oauth2.PrivateKeyJWT{
		"public key":      {Key: jose.JWK{Key: &p256.PublicKey}, Algorithm: jose.ES256},
		"wrong alg":       {Key: jose.JWK{Key: p256}, Algorithm: jose.RS256},
		"no key":          {},
		"symmetric":       {Key: jose.NewSymmetricKey([]byte("0123456789abcdef0123456789abcdef"))},
		"key alg differs": {Key: jose.JWK{Key: p256, Algorithm: jose.ES384}},
	} {
		cfg.AuthMethod = m
		if _, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	cfg.AuthMethod = oauth2.PrivateKeyJWT{Key: jose.JWK{Key: p256}}
	cfg.Endpoint.Issuer = ""
	cfg.ClientID = ""
	if _, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{}); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("no client id: %v", err)
	}
	if len(rec.forms) != 0 {
		t.Errorf("%d requests sent with a broken client authentication", len(rec.forms))
	}
}

// The audience setting: the issuer by default, the token endpoint URL
// (OpenID Connect Core 1.0, section 9; what Ory Hydra requires), or a fixed
// value; the same for client_secret_jwt.
func TestClientAssertion_AudienceSetting(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key := jose.JWK{Key: p256}
	pub, _ := key.Public()
	secret := "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name string
		aud  oauth2.AssertionAudience
		want func(cfg *oauth2.Config) string
	}{
		{"issuer", oauth2.AssertionAudience{}, func(*oauth2.Config) string { return "https://as.example/realms/r" }},
		{"token endpoint", oauth2.AssertionAudience{TokenEndpoint: true}, func(cfg *oauth2.Config) string { return cfg.Endpoint.TokenURL }},
		{"fixed", oauth2.AssertionAudience{Fixed: "https://hydra.example/oauth2/token", TokenEndpoint: true}, func(*oauth2.Config) string { return "https://hydra.example/oauth2/token" }},
	} {
		for _, method := range []string{"private_key_jwt", "client_secret_jwt"} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				rec := &assertionRecorder{}
				cfg := startTokenEndpoint(t, rec.handler)
				cfg.Endpoint.Issuer = "https://as.example/realms/r"
				verifyKey, alg := pub, jose.ES256
				if method == "private_key_jwt" {
					cfg.AuthMethod = oauth2.PrivateKeyJWT{Key: key, Audience: tc.aud}
				} else {
					cfg.ClientSecret = secret
					cfg.AuthMethod = oauth2.ClientSecretJWT{Audience: tc.aud}
					verifyKey, alg = jose.NewSymmetricKey([]byte(secret)), jose.HS256
				}
				if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
					t.Fatal(err)
				}
				_, c := checkAssertion(t, rec.forms[0], verifyKey, alg)
				var aud string
				json.Unmarshal(c.Raw()["aud"], &aud)
				if want := tc.want(cfg); aud != want {
					t.Errorf("aud = %q, want %q", aud, want)
				}
			})
		}
	}
}

// An RSA key under 2048 bits is refused as too small, not as a key that
// does not fit the algorithm, and nothing is sent.
func TestPrivateKeyJWT_JW14_WeakRSAKey(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rec := &assertionRecorder{}
	cfg := startTokenEndpoint(t, rec.handler)
	cfg.AuthMethod = oauth2.PrivateKeyJWT{Key: jose.JWK{Key: small}}
	_, err = cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	if !errors.Is(err, oauth2.ErrInvalidConfig) || !errors.Is(err, jose.ErrUnusableKey) || !strings.Contains(err.Error(), "1024 bits") {
		t.Fatalf("err = %v", err)
	}
	if len(rec.forms) != 0 {
		t.Error("a request was sent")
	}
}
