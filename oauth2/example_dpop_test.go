package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// DPoP (RFC 9449) binds a token to a key the client holds: every request
// carries a fresh proof signed with it, so a stolen token is useless alone.
func ExampleNewDPoPProver() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: priv}, jose.ES256)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server verifies the proof with the public key it carries
		// (section 4.3) and binds the token to that key's thumbprint.
		hdr, _, err := jose.Verify(r.Context(), r.Header.Get("DPoP"), dpopKeyOf(r.Header.Get("DPoP")),
			jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.ES256}, Types: []string{oauth2.DPoPProofType}})
		fmt.Println("proof:", err == nil, hdr.Type)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-bound","token_type":"DPoP","expires_in":300}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "cli", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}, DPoP: prover}
	tok, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, tok.AccessToken)

	// A resource request: the token under the DPoP scheme, with a proof
	// bound to the method, the URL and the token (its "ath").
	proof, err := prover.Proof(http.MethodGet, "https://api.example/orders", tok.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example/orders", nil)
	req.Header.Set("Authorization", "DPoP "+tok.AccessToken)
	req.Header.Set("DPoP", proof)
	fmt.Println(req.Header.Get("Authorization"), len(prover.JWKThumbprint()))
	// Output:
	// proof: true dpop+jwt
	// DPoP at-bound
	// DPoP at-bound 43
}

// dpopKeyOf returns the key in a DPoP proof's "jwk" header as a key set.
// Only a DPoP server takes a key from a token's header, because the proof
// is there to show possession of exactly that key (RFC 9449, section 4.3).
func dpopKeyOf(proof string) jose.KeySet {
	header, _, _ := strings.Cut(proof, ".")
	b, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return jose.StaticKeySet{}
	}
	var h struct {
		JWK json.RawMessage `json:"jwk"`
	}
	if json.Unmarshal(b, &h) != nil {
		return jose.StaticKeySet{}
	}
	k, err := jose.ParseJWK(h.JWK)
	if err != nil || k.IsPrivate() {
		return jose.StaticKeySet{}
	}
	return jose.StaticKeySet{k}
}
