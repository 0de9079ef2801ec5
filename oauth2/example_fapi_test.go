package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// fapiExampleServer stands in for a FAPI 2.0 authorization server: it
// accepts pushed requests and issues DPoP-bound tokens.
func fapiExampleServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/par", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"request_uri":"urn:ietf:params:oauth:request_uri:bwc4JK","expires_in":60}`)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at","token_type":"DPoP","expires_in":300}`)
	})
	return httptest.NewTLSServer(mux)
}

func newKey() jose.JWK {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	return jose.JWK{Key: k}
}

// A FAPI 2.0 client: private_key_jwt, DPoP-bound tokens, PAR, PKCE and the
// iss check, all applied by the FAPI2 setting, which also refuses anything
// the profile forbids (a client secret, RS256, plain http, ...).
func ExampleFAPI2() {
	as := fapiExampleServer()
	defer as.Close()
	ctx := context.Background()

	dpop, err := oauth2.NewDPoPProver(newKey(), jose.ES256)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &oauth2.Config{
		ClientID: "bank-client",
		Endpoint: oauth2.Endpoint{ // usually (*oauth2.Metadata).Endpoint() after discovery
			Issuer:                        as.URL,
			AuthorizationURL:              as.URL + "/authorize",
			TokenURL:                      as.URL + "/token",
			PushedAuthorizationRequestURL: as.URL + "/par",
		},
		RedirectURL: "https://client.example/cb",
		AuthMethod:  oauth2.PrivateKeyJWT{Key: newKey(), Algorithm: jose.ES256},
		DPoP:        dpop,
		HTTPClient:  as.Client(), // trusts the test server's certificate
	}
	var fapi oauth2.FAPI2 // MessageSigning: true adds JAR and JARM

	flow, authURL, err := fapi.AuthorizationRequest(ctx, cfg, oauth2.AuthorizationOptions{Scopes: []string{"accounts"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(authURL[len(as.URL):])

	// The user agent comes back to the redirect URI with this query.
	callback := url.Values{"code": {"c1"}, "state": {flow.State}, "iss": {as.URL}}
	tok, err := fapi.Complete(ctx, cfg, flow, callback)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType)

	cfg.AuthMethod = oauth2.ClientSecretBasic{}
	_, _, err = fapi.AuthorizationRequest(ctx, cfg, oauth2.AuthorizationOptions{})
	fmt.Println(err)
	// Output:
	// /authorize?client_id=bank-client&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Abwc4JK
	// DPoP
	// oauth2: not allowed by the FAPI 2.0 profile (Security Profile 5.3.3.1 item 2): client authentication must be private_key_jwt or mutual TLS, not client_secret_basic
}

// A client that authenticates or binds its tokens with mutual TLS uses the
// server's mtls_endpoint_aliases (RFC 8705, section 5), and only on the
// issuer's host unless told otherwise.
func ExampleMetadata_MTLSEndpoint() {
	md, err := oauth2.ParseMetadata([]byte(`{
		"issuer": "https://as.example",
		"authorization_endpoint": "https://as.example/authorize",
		"token_endpoint": "https://as.example/token",
		"mtls_endpoint_aliases": {"token_endpoint": "https://as.example:8443/token"}
	}`), "https://as.example", oauth2.MetadataOptions{})
	if err != nil {
		log.Fatal(err)
	}
	e, err := md.MTLSEndpoint(false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.TokenURL)

	md.MTLSEndpointAliases["token_endpoint"] = "https://elsewhere.example/token"
	_, err = md.MTLSEndpoint(false)
	fmt.Println(errors.Is(err, oauth2.ErrMTLSAlias))
	// Output:
	// https://as.example:8443/token
	// true
}
