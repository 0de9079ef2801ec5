package oauth2_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Revoking at logout (RFC 7009): the refresh token first, which at most
// servers also ends its access tokens, then the access token. The server
// answers 200 even for a token it does not know (section 2.2).
func ExampleConfig_Revoke() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		fmt.Println("revoke", r.PostForm.Get("token"), r.PostForm.Get("token_type_hint"))
	}))
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "web", ClientSecret: "s3cret", Endpoint: oauth2.Endpoint{RevocationURL: srv.URL}}
	tok := &oauth2.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1"}
	if err := cfg.Revoke(context.Background(), tok.RefreshToken, oauth2.HintRefreshToken); err != nil {
		log.Fatal(err)
	}
	if err := cfg.Revoke(context.Background(), tok.AccessToken, oauth2.HintAccessToken); err != nil {
		log.Fatal(err)
	}
	// Output:
	// revoke rt-1 refresh_token
	// revoke at-1 access_token
}
