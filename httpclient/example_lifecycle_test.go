package httpclient_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// exampleServer is an authorization server, an OpenID provider and a
// resource server in one, for the examples. Access tokens are "at-N",
// refresh tokens "rt-N"; the resource at /api answers 200 to the latest
// access token and a 401 without an error code to any other.
type exampleServer struct {
	*httptest.Server
	key jose.JWK

	mu       sync.Mutex
	n        int
	sub      string // the user the ID tokens name
	nonce    string // the nonce of the login under way
	requests int    // token requests
	revoked  []string
}

func newExampleServer() *exampleServer {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	es := &exampleServer{key: jose.JWK{KeyID: "k1", Algorithm: jose.ES256, Use: "sig", Key: priv}, sub: "user-42"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fmt.Sprintf(`{"issuer":%[1]q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token",
			"revocation_endpoint":"%[1]s/revoke","jwks_uri":"%[1]s/jwks","id_token_signing_alg_values_supported":["ES256"]}`, es.URL))
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		pub, _ := es.key.Public()
		_ = json.NewEncoder(w).Encode(jose.JWKSet{Keys: []jose.JWK{pub}})
	})
	mux.HandleFunc("POST /token", es.token)
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, r *http.Request) {
		es.mu.Lock()
		es.revoked = append(es.revoked, r.PostFormValue("token_type_hint"))
		es.mu.Unlock()
	})
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		es.mu.Lock()
		latest := "Bearer at-" + strconv.Itoa(es.n)
		es.mu.Unlock()
		if r.Header.Get("Authorization") != latest {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "hello")
	})
	es.Server = httptest.NewServer(mux)
	return es
}

func (es *exampleServer) token(w http.ResponseWriter, r *http.Request) {
	es.mu.Lock()
	defer es.mu.Unlock()
	es.requests++
	es.n++
	body := map[string]any{"access_token": "at-" + strconv.Itoa(es.n), "token_type": "Bearer", "expires_in": 300}
	switch r.PostFormValue("grant_type") {
	case "authorization_code", "refresh_token", "password":
		body["refresh_token"] = "rt-" + strconv.Itoa(es.n)
	}
	if r.PostFormValue("grant_type") != oauth2.GrantTypeJWTBearer && r.PostFormValue("grant_type") != "password" {
		now := time.Now()
		claims := map[string]any{"iss": es.URL, "sub": es.sub, "aud": "my-app", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if r.PostFormValue("grant_type") == "authorization_code" {
			claims["nonce"] = es.nonce
		}
		raw, err := jose.SignClaims(es.key, jose.ES256, claims, jose.SignOptions{Type: "JWT"})
		if err != nil {
			log.Fatal(err)
		}
		body["id_token"] = raw
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (es *exampleServer) tokenRequests() int {
	es.mu.Lock()
	defer es.mu.Unlock()
	return es.requests
}

// getBody sends GET u through c and returns the status and the body.
func getBody(c *http.Client, u string) string {
	res, err := c.Get(u)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return fmt.Sprint(res.StatusCode, " ", string(b))
}

// Persist the token from OnToken and start again from it after a restart
// with Options.Token: no new login, no token request.
func ExampleOptions_persistence() {
	es := newExampleServer()
	defer es.Close()
	ctx := context.Background()
	cfg := &oauth2.Config{ClientID: "my-app", Endpoint: oauth2.Endpoint{TokenURL: es.URL + "/token"}}

	var stored []byte // a file or a database row in a real program
	save := func(_ context.Context, t *oauth2.Token) {
		b, err := json.Marshal(t)
		if err != nil {
			log.Print(err)
			return
		}
		stored = b
	}
	s := httpclient.New(cfg, httpclient.Options{OnToken: save})
	if _, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: "alice", Password: "secret"}); err != nil {
		log.Fatal(err)
	}

	// After a restart: the stored token, and the same OnToken for its
	// refreshed successors.
	var tok oauth2.Token
	if err := json.Unmarshal(stored, &tok); err != nil {
		log.Fatal(err)
	}
	restarted := httpclient.New(cfg, httpclient.Options{Token: &tok, OnToken: save})
	fmt.Println(getBody(restarted.Client(), es.URL+"/api"))
	fmt.Println("token requests:", es.tokenRequests())
	// Output:
	// 200 hello
	// token requests: 1
}

// Log out: revoke the refresh token, then the access token (RFC 7009). The
// Session has no token afterwards.
func ExampleSession_Revoke() {
	es := newExampleServer()
	defer es.Close()
	ctx := context.Background()
	cfg := &oauth2.Config{ClientID: "my-app", Endpoint: oauth2.Endpoint{TokenURL: es.URL + "/token", RevocationURL: es.URL + "/revoke"}}
	s := httpclient.New(cfg, httpclient.Options{})
	if _, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: "alice", Password: "secret"}); err != nil {
		log.Fatal(err)
	}
	if err := s.Revoke(ctx); err != nil {
		log.Print(err) // the token may still be valid at the server
	}
	// Delete the stored copy here, too.
	fmt.Println(es.revoked)
	_, err := s.Client().Get(es.URL + "/api")
	fmt.Println(errors.Is(err, httpclient.ErrRevoked))
	// Output:
	// [refresh_token access_token]
	// true
}

// An OpenID Connect login whose Session refreshes by itself and keeps the
// identity verified: a refreshed ID token for another user is refused
// (OpenID Connect Core 1.0, section 12.2), and the Session goes on with the
// token it had.
func ExampleOptions_verifyRefresh() {
	es := newExampleServer()
	defer es.Close()
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, es.URL, oidc.ProviderConfig{})
	if err != nil {
		log.Fatal(err)
	}
	rp, err := oidc.NewRelyingParty(provider,
		oauth2.Config{ClientID: "my-app", RedirectURL: "https://app.example/callback"},
		oidc.IDTokenVerifier{Algorithms: []jose.Algorithm{jose.ES256}})
	if err != nil {
		log.Fatal(err)
	}
	login, err := rp.StartLogin(oidc.LoginOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// (The user agent goes to login.URL(); the provider redirects back.)
	authURL, _ := url.Parse(login.URL())
	es.nonce = authURL.Query().Get("nonce")
	result, err := login.Finish(ctx, rp, url.Values{"code": {"the-code"}, "state": {login.State()}})
	if err != nil {
		log.Fatal(err)
	}

	// This example moves a clock instead of waiting; real code leaves
	// Clock nil.
	now := time.Now()
	rp.Config.Clock = func() time.Time { return now }
	identity := rp.Verifier.RefreshCheck(result.IDToken)
	s := httpclient.New(rp.Config, httpclient.Options{
		Token:         result.Token,
		VerifyRefresh: identity.Check,
		OnRefreshError: func(_ context.Context, err error) {
			fmt.Println("refresh refused:", errors.Is(err, httpclient.ErrTokenRefused), errors.Is(err, oidc.ErrIdentityChanged))
		},
	})

	now = now.Add(4 * time.Minute) // due: refreshed with the same user
	tok, err := s.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, identity.Latest().Subject)

	es.sub = "someone-else"        // the provider now names another user
	now = now.Add(4 * time.Minute) // due again
	tok, err = s.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, identity.Latest().Subject)
	// Output:
	// at-2 user-42
	// refresh refused: true true
	// at-2 user-42
}

// Some APIs answer a token they no longer accept with a 401 that carries no
// error code. With RefreshOnUnauthorized the Session refreshes once and
// retries; by default it returns the 401.
func ExampleOptions_refreshOnUnauthorized() {
	es := newExampleServer()
	defer es.Close()
	ctx := context.Background()
	now := time.Now() // a clock the example moves; real code leaves Clock nil
	cfg := &oauth2.Config{ClientID: "my-app", Endpoint: oauth2.Endpoint{TokenURL: es.URL + "/token"}, Clock: func() time.Time { return now }}
	s := httpclient.New(cfg, httpclient.Options{RefreshOnUnauthorized: true})
	if _, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: "alice", Password: "secret"}); err != nil {
		log.Fatal(err)
	}
	es.mu.Lock()
	es.n++ // the server has moved on: it no longer accepts at-1
	es.mu.Unlock()
	now = now.Add(time.Minute) // past MinRefreshInterval, long before the token is due
	fmt.Println(getBody(s.Client(), es.URL+"/api"))
	fmt.Println("token requests:", es.tokenRequests())
	// Output:
	// 200 hello
	// token requests: 2
}

// A workload that authenticates with an assertion (RFC 7523, section 2.1)
// gets no refresh token; the Session mints a new assertion and runs the
// grant again when the token is due.
func ExampleSession_FetchToken_assertionGrant() {
	es := newExampleServer()
	defer es.Close()
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	minted := 0
	grant := oauth2.AssertionGrant{Mint: func(ctx context.Context, c *oauth2.Config) (string, error) {
		minted++
		now := time.Now()
		return jose.SignClaims(jose.JWK{Key: key}, jose.ES256, map[string]any{
			"iss": "workload-7", "sub": "workload-7", "aud": es.URL,
			"iat": now.Unix(), "exp": now.Add(oauth2.DefaultAssertionLifetime).Unix(), "jti": strconv.Itoa(minted),
		}, jose.SignOptions{})
	}}

	now := time.Now() // a clock the example moves; real code leaves Clock nil
	cfg := &oauth2.Config{ClientID: "workload-7", Endpoint: oauth2.Endpoint{TokenURL: es.URL + "/token"}, Clock: func() time.Time { return now }}
	s := httpclient.New(cfg, httpclient.Options{})
	if _, err := s.FetchToken(ctx, grant); err != nil {
		log.Fatal(err)
	}
	now = now.Add(10 * time.Minute) // the token has expired
	fmt.Println(getBody(s.Client(), es.URL+"/api"))
	fmt.Println("assertions minted:", minted)
	// Output:
	// 200 hello
	// assertions minted: 2
}
