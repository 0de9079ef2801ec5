package oauth2_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/oauthkit/oauthkit/oauth2"
)

// exampleServer is a tiny authorization server for the examples: it issues
// one token per request and remembers the PKCE challenge of the last
// authorization request.
func exampleServer() *httptest.Server {
	var challenge string
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		challenge = r.URL.Query().Get("code_challenge")
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch r.PostForm.Get("grant_type") {
		case "password":
			if r.PostForm.Get("username") != "admin" || r.PostForm.Get("password") != "admin" {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`)
				return
			}
			io.WriteString(w, `{"access_token":"at-password","token_type":"Bearer","expires_in":60,"refresh_token":"rt","session_state":"s1"}`)
		case "client_credentials":
			io.WriteString(w, `{"access_token":"at-service","token_type":"bearer","expires_in":300}`)
		case "authorization_code":
			if oauth2.S256Challenge(r.PostForm.Get("code_verifier")) != challenge {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"invalid_grant","error_description":"PKCE verification failed"}`)
				return
			}
			io.WriteString(w, `{"access_token":"at-user","token_type":"Bearer","expires_in":300}`)
		}
	})
	return httptest.NewServer(mux)
}

func ExampleConfig_Token_password() {
	srv := exampleServer()
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID: "admin-cli",
		Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/token"},
	}
	tok, err := cfg.Token(context.Background(), oauth2.PasswordGrant{Username: "admin", Password: "admin"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, tok.AccessToken, tok.Lifetime(), tok.ExtraString("session_state"))

	_, err = cfg.Token(context.Background(), oauth2.PasswordGrant{Username: "admin", Password: "wrong"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidGrant}))
	// Output:
	// Bearer at-password 1m0s s1
	// invalid_grant: Invalid user credentials
	// true
}

func ExampleConfig_Token_clientCredentials() {
	srv := exampleServer()
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID:     "reporting-service",
		ClientSecret: "s3cret",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/token"},
		Scopes:       []string{"reports:read"},
	}
	tok, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{
		Extra: url.Values{"resource": {"https://api.example/reports"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The server said "bearer"; the token type is canonical.
	fmt.Println(tok.TokenType, tok.AccessToken, tok.Lifetime())
	// Output:
	// Bearer at-service 5m0s
}

func ExampleConfig_AuthorizationRequest() {
	srv := exampleServer()
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID:    "web-app",
		RedirectURL: "http://127.0.0.1:8400/callback",
		Scopes:      []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{
			Issuer:           srv.URL,
			AuthorizationURL: srv.URL + "/authorize",
			TokenURL:         srv.URL + "/token",
		},
	}
	// 1. Start the flow and send the user agent to flow.URL. Keep the flow,
	// server-side, under flow.State.
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{RequireIssuer: true})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(flow.URL)
	fmt.Println(u.Query().Get("response_type"), u.Query().Get("code_challenge_method"))

	// (The user logs in; the server redirects back to the client.)
	if res, err := http.Get(flow.URL); err == nil {
		res.Body.Close()
	}
	callback := "code=abc&state=" + url.QueryEscape(flow.State) + "&iss=" + url.QueryEscape(srv.URL)

	// 2. At the redirect URI: check the response and redeem the code.
	params, err := oauth2.ParseCallbackQuery(callback)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := flow.Complete(context.Background(), cfg, params)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)

	// A replayed response is refused before any request is sent.
	_, err = flow.Complete(context.Background(), cfg, params)
	fmt.Println(err)
	// Output:
	// code S256
	// at-user
	// oauth2: authorization flow already used
}
