package oauth2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

func ecKey(t testing.TB) jose.JWK {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JWK{KeyID: "k1", Key: k}
}

func publicSet(t testing.TB, k jose.JWK) jose.StaticKeySet {
	t.Helper()
	pub, err := k.Public()
	if err != nil {
		t.Fatal(err)
	}
	return jose.StaticKeySet{pub}
}

func TestJWTBearerGrant_GivenAssertion(t *testing.T) {
	form, err := JWTBearerGrant{Assertion: "a.b.c", Scopes: []string{"x"}}.Form(context.Background(), &Config{})
	if err != nil || form.Get("assertion") != "a.b.c" || form.Get("scope") != "x" {
		t.Fatalf("form %v, err %v", form, err)
	}
}

func TestJWTBearerGrant_MintsFreshAssertions(t *testing.T) {
	key := ecKey(t)
	clock := newExtClock()
	c := &Config{ClientID: "client", Endpoint: Endpoint{Issuer: "https://as.test", TokenURL: "https://as.test/token"}, Clock: clock.Now}
	g := JWTBearerGrant{Key: key, Algorithm: jose.ES256, Subject: "alice", Claims: map[string]any{"iss": "evil", "tenant": "t1"}}
	seen := map[string]bool{}
	for range 3 {
		form, err := g.Form(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		hdr, claims, err := jose.VerifyJWT(context.Background(), form.Get("assertion"), publicSet(t, key),
			jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.ES256}},
			jose.Expected{Issuer: "client", Subject: "alice", Audience: "https://as.test", Clock: clock.Now, RequireExpiry: true, RequireIssuedAt: true})
		if err != nil {
			t.Fatal(err)
		}
		if hdr.KeyID != "k1" {
			t.Errorf("kid %q", hdr.KeyID)
		}
		if len(claims.Audience) != 1 {
			t.Errorf("aud %v, want the issuer alone", claims.Audience)
		}
		if got := claims.Expiry.Time().Sub(claims.IssuedAt.Time()); got != DefaultAssertionLifetime {
			t.Errorf("lifetime %v", got)
		}
		if claims.ID == "" || seen[claims.ID] {
			t.Errorf("jti %q not fresh", claims.ID)
		}
		seen[claims.ID] = true
		var tenant string
		json.Unmarshal(claims.Raw()["tenant"], &tenant)
		if tenant != "t1" {
			t.Errorf("extra claim lost: %v", claims.Raw())
		}
	}
}

func TestJWTBearerGrant_Invalid(t *testing.T) {
	key := ecKey(t)
	c := &Config{ClientID: "client", Endpoint: Endpoint{Issuer: "https://as.test"}}
	for _, tc := range []struct {
		g JWTBearerGrant
		c *Config
	}{
		{JWTBearerGrant{}, c},
		{JWTBearerGrant{Key: key, Algorithm: jose.ES256}, c}, // no subject
		{JWTBearerGrant{Key: key, Algorithm: jose.ES256, Subject: "s"}, &Config{ClientID: "client"}},   // no audience
		{JWTBearerGrant{Key: key, Algorithm: jose.ES256, Subject: "s"}, &Config{Endpoint: c.Endpoint}}, // no issuer
	} {
		if _, err := tc.g.Form(context.Background(), tc.c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: err = %v", tc.g, err)
		}
	}
	if _, err := (JWTBearerGrant{Key: key, Algorithm: jose.RS256, Subject: "s"}).Form(context.Background(), c); err == nil {
		t.Error("an EC key signed RS256")
	}
}

func TestJWTBearerGrant_TokenRequest(t *testing.T) {
	var got url.Values
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.PostForm
		writeJSON(w, 200, `{"access_token":"AT","token_type":"Bearer","expires_in":60}`)
	})
	key := ecKey(t)
	tok, err := c.Token(context.Background(), JWTBearerGrant{Key: key, Algorithm: jose.ES256, Subject: "alice", Lifetime: time.Minute})
	if err != nil || tok.AccessToken != "AT" {
		t.Fatalf("tok %+v, err %v", tok, err)
	}
	if got.Get("grant_type") != GrantTypeJWTBearer || got.Get("assertion") == "" {
		t.Errorf("form %v", got)
	}
}
