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

// clientAuthServer is a token endpoint that prints how the client
// authenticated (RFC 6749, section 2.3) and issues a token.
func clientAuthServer(check func(r *http.Request)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		check(r)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at","token_type":"Bearer"}`)
	}))
}

// client_secret_basic, the default for a client with a secret: HTTP Basic
// authentication with the form-encoded id and secret (RFC 6749, section
// 2.3.1).
func ExampleClientSecretBasic() {
	srv := clientAuthServer(func(r *http.Request) {
		id, secret, ok := r.BasicAuth()
		fmt.Println("basic:", ok, id, secret)
	})
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID: "reporting", ClientSecret: "s3cret",
		Endpoint:   oauth2.Endpoint{TokenURL: srv.URL},
		AuthMethod: oauth2.ClientSecretBasic{}, // the default when ClientSecret is set
	}
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// basic: true reporting s3cret
}

// client_secret_post: the id and secret in the request body (RFC 6749,
// section 2.3.1), for servers that do not take HTTP Basic.
func ExampleClientSecretPost() {
	srv := clientAuthServer(func(r *http.Request) {
		fmt.Println("body:", r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"))
	})
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID: "reporting", ClientSecret: "s3cret",
		Endpoint:   oauth2.Endpoint{TokenURL: srv.URL},
		AuthMethod: oauth2.ClientSecretPost{},
	}
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// body: reporting s3cret
}

// A public client (a CLI, a mobile app) has no secret: it only names itself
// with client_id. None is the default when ClientSecret is empty.
func ExampleNone() {
	srv := clientAuthServer(func(r *http.Request) {
		_, _, basic := r.BasicAuth()
		fmt.Println("client_id:", r.PostForm.Get("client_id"), "basic:", basic)
	})
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "admin-cli", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}, AuthMethod: oauth2.None{}}
	if _, err := cfg.Token(context.Background(), oauth2.PasswordGrant{Username: "admin", Password: "admin"}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// client_id: admin-cli basic: false
}

// client_secret_jwt: a fresh JWT signed with HMAC keyed by the client
// secret, which itself never leaves the client (RFC 7523, section 2.2).
func ExampleClientSecretJWT() {
	const issuer, secret = "https://as.example", "a-client-secret-of-at-least-32-bytes!"
	srv := clientAuthServer(func(r *http.Request) {
		// What the server checks: the assertion's signature, that the client
		// issued it, and that it is meant for this server (RFC 7523,
		// section 3).
		_, claims, err := jose.VerifyJWT(r.Context(), r.PostForm.Get("client_assertion"),
			jose.StaticKeySet{jose.NewSymmetricKey([]byte(secret))},
			jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.HS256}},
			jose.Expected{Issuer: "reporting", Subject: "reporting", Audience: issuer, RequireExpiry: true})
		fmt.Println(r.PostForm.Get("client_assertion_type"))
		fmt.Println("assertion valid:", err == nil, "secret sent:", r.PostForm.Has("client_secret"), "jti:", claims != nil && claims.ID != "")
	})
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID: "reporting", ClientSecret: secret,
		Endpoint:   oauth2.Endpoint{Issuer: issuer, TokenURL: srv.URL},
		AuthMethod: oauth2.ClientSecretJWT{Algorithm: jose.HS256},
	}
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// urn:ietf:params:oauth:client-assertion-type:jwt-bearer
	// assertion valid: true secret sent: false jti: true
}

// private_key_jwt: a fresh JWT signed with the client's private key; the
// server holds only the public key (RFC 7523, section 2.2). A key kept in a
// file loads with jose.ReadKeyFile.
func ExamplePrivateKeyJWT() {
	const issuer = "https://as.example"
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key := jose.JWK{KeyID: "client-key-1", Key: priv}
	public, _ := key.Public()

	srv := clientAuthServer(func(r *http.Request) {
		hdr, _, err := jose.VerifyJWT(r.Context(), r.PostForm.Get("client_assertion"),
			jose.StaticKeySet{public}, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.ES256}},
			jose.Expected{Issuer: "reporting", Subject: "reporting", Audience: issuer, RequireExpiry: true})
		fmt.Println("assertion valid:", err == nil, "kid:", hdr.KeyID)
	})
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID:   "reporting",
		Endpoint:   oauth2.Endpoint{Issuer: issuer, TokenURL: srv.URL},
		AuthMethod: oauth2.PrivateKeyJWT{Key: key, Algorithm: jose.ES256},
	}
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// assertion valid: true kid: client-key-1
}
