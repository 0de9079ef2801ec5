package oauth2_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Pushed authorization requests (RFC 9126): the client posts the
// authorization request's parameters over the back channel, authenticated,
// and sends the user agent to a short URL that refers to them.
func ExampleConfig_PushAuthorizationRequest() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		fmt.Println("pushed:", r.PostForm.Get("response_type"), r.PostForm.Get("scope"), r.PostForm.Get("code_challenge_method"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID: "web", ClientSecret: "s3cret", RedirectURL: "https://app.example/callback",
		Endpoint: oauth2.Endpoint{
			AuthorizationURL:              "https://as.example/authorize",
			PushedAuthorizationRequestURL: srv.URL,
		},
	}
	verifier := oauth2.NewCodeVerifier()
	pa, err := cfg.PushAuthorizationRequest(context.Background(), url.Values{
		"response_type":         {"code"},
		"redirect_uri":          {cfg.RedirectURL},
		"scope":                 {"openid profile"},
		"state":                 {"af0ifjsldkj"},
		"code_challenge":        {oauth2.S256Challenge(verifier)},
		"code_challenge_method": {oauth2.CodeChallengeMethodS256},
	})
	if err != nil {
		log.Fatal(err)
	}
	authURL, err := cfg.PushedAuthorizationURL(pa)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pa.ExpiresIn)
	fmt.Println(authURL)
	// Output:
	// pushed: code openid profile S256
	// 1m0s
	// https://as.example/authorize?client_id=web&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c
}
