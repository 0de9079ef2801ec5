package oauth2_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/oauthkit/oauthkit/oauth2"
)

// A refresh (RFC 6749, section 6) with refresh token rotation: the server
// issues a new refresh token, which replaces the old one. When a server
// sends none, the new Token keeps the old refresh token.
func ExampleConfig_Refresh() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		fmt.Println("server got:", r.PostForm.Get("grant_type"), r.PostForm.Get("refresh_token"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-2","token_type":"Bearer","expires_in":300,"refresh_token":"rt-2"}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "cli", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}}
	old := &oauth2.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1"}
	tok, err := cfg.Refresh(context.Background(), old)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, tok.RefreshToken)
	// Output:
	// server got: refresh_token rt-1
	// at-2 rt-2
}
