package oidc_test

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
	"strings"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Fetch userinfo with a DPoP-bound access token: it goes with the DPoP
// scheme and a fresh proof from the same prover that obtained the token
// (RFC 9449, section 7.1), never as Bearer. Pass the token's type and the
// prover; with a Provider, p.UserInfo takes the same options.
func ExampleFetchUserInfo_dpop() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "DPoP ") || r.Header.Get("DPoP") == "" {
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"sub":"alice","name":"Alice"}`)
	}))
	defer srv.Close()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: key}, jose.ES256)
	if err != nil {
		log.Fatal(err)
	}
	// tok came from a Config whose DPoP field is prover.
	tok := &oauth2.Token{AccessToken: "dpop-bound-token", TokenType: oauth2.TokenTypeDPoP}

	u, err := oidc.FetchUserInfo(context.Background(), srv.URL, tok.AccessToken, oidc.UserInfoOptions{
		Subject:   "alice", // the ID token's sub
		TokenType: tok.TokenType,
		DPoP:      prover,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Subject, u.Name)
	// Output: alice Alice
}
