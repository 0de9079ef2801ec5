package jose_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/oauthkit/oauthkit/jose"
)

// Load a private key from a PEM file, as openssl writes it, for
// private_key_jwt or DPoP, and publish its public half as a JWK Set.
func ExampleReadKeyFile() {
	// A key file: here made on the spot, usually "openssl genpkey".
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "client.pem")
	os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)

	key, err := jose.ReadKeyFile(name)
	if err != nil {
		log.Fatal(err)
	}
	// PEM carries no kid: the RFC 7638 thumbprint is a stable one.
	key.KeyID, _ = key.Thumbprint()
	fmt.Printf("%T %v %d\n", key.Key, key.IsPrivate(), len(key.KeyID))

	public, _ := key.Public()
	set, _ := jose.JWKSet{Keys: []jose.JWK{public}}.MarshalJSON()
	fmt.Println(len(set) > 0)
	// Output:
	// *ecdsa.PrivateKey true 43
	// true
}

// Read the public key of a certificate, and see a weak key refused.
func ExampleParsePEM() {
	cert, err := os.ReadFile("testdata/keys/rsa-cert.pem")
	if err != nil {
		log.Fatal(err)
	}
	key, err := jose.ParsePEM(cert)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T\n", key.Key)

	weak, _ := os.ReadFile("testdata/keys/rsa-1024.pem")
	_, err = jose.ParsePEM(weak)
	fmt.Println(err)
	fmt.Println(errors.Is(err, jose.ErrWeakKey), errors.Is(err, jose.ErrUnusableKey))
	// Output:
	// *rsa.PublicKey
	// jose: unusable key: key too weak: RSA key of 1024 bits (at least 2048 required)
	// true true
}

// Load the signing keys of a client from a JWK Set file: every key must
// parse, private keys included, unlike a set fetched from a jwks_uri.
func ExampleReadKeySetFile() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "client-keys.json")
	// The example keys of RFC 7517, appendix A.2 and RFC 8037, appendix A.
	os.WriteFile(name, []byte(`{"keys":[
		{"kty":"EC","crv":"P-256","kid":"2025-03","alg":"ES256",
		 "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
		 "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"},
		{"kty":"OKP","crv":"Ed25519","kid":"2025-01","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`), 0o600)

	set, err := jose.ReadKeySetFile(name)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range set.Keys {
		fmt.Println(k.KeyID, k.Algorithm, k.IsPrivate())
	}
	// Output:
	// 2025-03 ES256 true
	// 2025-01  false
}
