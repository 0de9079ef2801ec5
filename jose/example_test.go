package jose_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// Verifying an ID token against the provider's JWKS URI.
func ExampleVerifyJWT() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signing := jose.JWK{KeyID: "k1", Key: priv}
	pub, _ := signing.Public()
	jwks, _ := jose.JWKSet{Keys: []jose.JWK{pub}}.MarshalJSON()
	op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(jwks) }))
	defer op.Close()

	now := time.Now()
	token, _ := jose.SignClaims(signing, jose.ES256, map[string]any{
		"iss": op.URL, "aud": "client-1", "sub": "alice",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}, jose.SignOptions{Type: "JWT"})

	keys := jose.NewRemoteKeySet(op.URL, jose.RemoteKeySetConfig{HTTPClient: op.Client()})
	_, claims, err := jose.VerifyJWT(context.Background(), token, keys,
		jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256, jose.ES256}},
		jose.Expected{Issuer: op.URL, Audience: "client-1", Leeway: time.Minute, RequireExpiry: true, RequireIssuedAt: true})
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println("subject:", claims.Subject)
	// Output: subject: alice
}

// Creating a DPoP proof header: typ dpop+jwt and the public key embedded.
func ExampleSign_dpop() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	proof, err := jose.SignClaims(jose.JWK{Key: priv}, jose.ES256, map[string]any{
		"jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": "https://as.example/token", "iat": time.Now().Unix(),
	}, jose.SignOptions{Type: "dpop+jwt", EmbedPublicKey: true})
	fmt.Println(err == nil && len(proof) > 0)
	// Output: true
}
