package oidc_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oidc"
)

// A client that registered id_token_encrypted_response_alg RSA-OAEP
// decrypts its ID tokens with its private key; the signed token inside
// then gets every check of the verifier.
func ExampleDecrypter() {
	ctx := context.Background()
	keyJSON, err := os.ReadFile("client-encryption-key.jwk") // the private JWK
	if err != nil {
		log.Fatal(err)
	}
	key, err := jose.ParseJWK(keyJSON)
	if err != nil {
		log.Fatal(err)
	}
	p, err := oidc.NewProvider(ctx, "https://as.example/realms/demo", oidc.ProviderConfig{})
	if err != nil {
		log.Fatal(err)
	}
	v, err := p.Verifier(oidc.IDTokenVerifier{
		ClientID:  "my-app",
		Decrypter: &oidc.Decrypter{Keys: []jose.JWK{key}, KeyAlgorithms: []jose.Algorithm{jose.RSAOAEP}},
	})
	if err != nil {
		log.Fatal(err)
	}
	id, err := v.Verify(ctx, "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkExMjhHQ00iLCJjdHkiOiJKV1QifQ....", oidc.VerifyOptions{Nonce: "n-0S6"})
	if err != nil {
		log.Fatal(err) // oidc.ErrNotEncrypted, oidc.ErrUnsignedPlaintext, jose.ErrDecryption, ...
	}
	fmt.Println(id.Subject)
}
