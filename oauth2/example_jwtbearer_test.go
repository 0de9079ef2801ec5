package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// A JWT as an authorization grant (RFC 7523, section 2.1): the client signs
// an assertion about a subject, and the server, which trusts the client's
// key, issues a token for that subject. A fresh assertion is minted for each
// request.
func ExampleJWTBearerGrant() {
	const issuer = "https://as.example"
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key := jose.JWK{KeyID: "batch-1", Key: priv}
	public, _ := key.Public()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		_, claims, err := jose.VerifyJWT(r.Context(), r.PostForm.Get("assertion"),
			jose.StaticKeySet{public}, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.ES256}},
			jose.Expected{Issuer: "batch", Audience: issuer, RequireExpiry: true})
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		fmt.Println(r.PostForm.Get("grant_type"), "for", claims.Subject)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-alice","token_type":"Bearer","expires_in":300}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "batch", Endpoint: oauth2.Endpoint{Issuer: issuer, TokenURL: srv.URL}}
	tok, err := cfg.Token(context.Background(), oauth2.JWTBearerGrant{
		Key: key, Algorithm: jose.ES256, Subject: "alice",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)
	// Output:
	// urn:ietf:params:oauth:grant-type:jwt-bearer for alice
	// at-alice
}
