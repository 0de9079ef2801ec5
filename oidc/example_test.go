package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// exampleOP is a minimal OpenID provider for the examples: discovery, JWKS
// and a token endpoint that issues an ES256 ID token for the last nonce.
type exampleOP struct {
	*httptest.Server
	key   jose.JWK
	nonce string
}

func newExampleOP() *exampleOP {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	op := &exampleOP{key: jose.JWK{KeyID: "k1", Algorithm: jose.ES256, Use: "sig", Key: priv}}
	op.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]any{
				"issuer":                                op.URL,
				"authorization_endpoint":                op.URL + "/auth",
				"token_endpoint":                        op.URL + "/token",
				"jwks_uri":                              op.URL + "/jwks",
				"end_session_endpoint":                  op.URL + "/logout",
				"id_token_signing_alg_values_supported": []string{"ES256"},
			})
		case "/jwks":
			pub, _ := op.key.Public()
			_ = json.NewEncoder(w).Encode(jose.JWKSet{Keys: []jose.JWK{pub}})
		case "/token":
			_ = json.NewEncoder(w).Encode(map[string]any{
				"access_token": "an-access-token", "token_type": "Bearer", "expires_in": 300,
				"id_token": op.idToken(op.nonce),
			})
		default:
			http.NotFound(w, r)
		}
	}))
	return op
}

func (op *exampleOP) idToken(nonce string) string {
	now := time.Now()
	raw, err := jose.SignClaims(op.key, jose.ES256, map[string]any{
		"iss": op.URL, "sub": "user-42", "aud": "my-app", "azp": "my-app",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": nonce,
	}, jose.SignOptions{Type: "JWT"})
	if err != nil {
		log.Fatal(err)
	}
	return raw
}

// Verify an ID token with keys discovered from the provider. The verifier
// accepts only the algorithms the client allows that the provider lists.
func ExampleIDTokenVerifier_Verify() {
	op := newExampleOP()
	defer op.Close()
	ctx := context.Background()

	provider, err := oidc.NewProvider(ctx, op.URL, oidc.ProviderConfig{HTTPClient: op.Client()})
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := provider.Verifier(oidc.IDTokenVerifier{
		ClientID:   "my-app",
		Algorithms: []jose.Algorithm{jose.ES256, jose.RS256},
	})
	if err != nil {
		log.Fatal(err)
	}
	token, err := verifier.Verify(ctx, op.idToken("n-123"), oidc.VerifyOptions{Nonce: "n-123"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.Subject, verifier.Algorithms)

	_, err = verifier.Verify(ctx, op.idToken("n-123"), oidc.VerifyOptions{Nonce: "another-login"})
	fmt.Println(errors.Is(err, oidc.ErrNonce))
	// Output:
	// user-42 [ES256]
	// true
}

// Log a user in with the authorization code flow, PKCE, state and nonce.
func ExampleRelyingParty_StartLogin() {
	op := newExampleOP()
	defer op.Close()
	ctx := context.Background()

	provider, err := oidc.NewProvider(ctx, op.URL, oidc.ProviderConfig{HTTPClient: op.Client()})
	if err != nil {
		log.Fatal(err)
	}
	rp, err := oidc.NewRelyingParty(provider,
		oauth2.Config{ClientID: "my-app", RedirectURL: "https://app.example/callback", Scopes: []string{"profile"}},
		oidc.IDTokenVerifier{Algorithms: []jose.Algorithm{jose.ES256}})
	if err != nil {
		log.Fatal(err)
	}

	// 1. Redirect the user agent to login.URL(); keep login server-side,
	// keyed by login.State().
	login, err := rp.StartLogin(oidc.LoginOptions{})
	if err != nil {
		log.Fatal(err)
	}
	request, _ := url.Parse(login.URL())
	fmt.Println(request.Query().Get("scope"), request.Query().Get("code_challenge_method"))

	// (The provider authenticates the user and redirects back.)
	op.nonce = request.Query().Get("nonce")
	callback := url.Values{"code": {"the-code"}, "state": {login.State()}}

	// 2. At the redirect URI: check the response, redeem the code, verify
	// the ID token.
	result, err := login.Finish(ctx, rp, callback)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(result.IDToken.Subject, result.Token.AccessToken)

	// A login completes once.
	_, err = login.Finish(ctx, rp, callback)
	fmt.Println(errors.Is(err, oauth2.ErrFlowUsed))
	// Output:
	// openid profile S256
	// user-42 an-access-token
	// true
}

// Build an RP-initiated logout request.
func ExampleLogoutURL() {
	u, err := oidc.LogoutURL("https://sso.example/realms/demo/protocol/openid-connect/logout", oidc.LogoutOptions{
		ClientID:              "my-app",
		PostLogoutRedirectURI: "https://app.example/",
		State:                 "xyz",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	// Output:
	// https://sso.example/realms/demo/protocol/openid-connect/logout?client_id=my-app&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F&state=xyz
}

// Serve the back-channel logout endpoint.
func ExampleBackChannelLogoutHandler() {
	verifier := &oidc.IDTokenVerifier{
		ClientID: "my-app",
		Issuer:   "https://sso.example/realms/demo",
		KeySet:   jose.NewRemoteKeySet("https://sso.example/realms/demo/protocol/openid-connect/certs", jose.RemoteKeySetConfig{}),
	}
	mux := http.NewServeMux()
	mux.Handle("POST /backchannel-logout", &oidc.BackChannelLogoutHandler{
		Verifier: verifier,
		Logout: func(ctx context.Context, t *oidc.LogoutToken) error {
			// End the sessions of t.SessionID (or every session of t.Subject).
			fmt.Println("logout", t.SessionID)
			return nil
		},
	})
	_ = mux
}
