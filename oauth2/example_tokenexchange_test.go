package oauth2_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Token exchange (RFC 8693): a service trades the token it received for one
// meant for the next service down the line. TokenExchange checks that the
// server issued the type asked for.
func ExampleConfig_TokenExchange() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		fmt.Println("exchange", r.PostForm.Get("subject_token"), "for", r.PostForm.Get("audience"))
		w.Header().Set("Content-Type", "application/json")
		issued := oauth2.TokenTypeAccessToken
		if r.PostForm.Get("audience") == "legacy" {
			issued = oauth2.TokenTypeSAML2 // not what was asked for
		}
		fmt.Fprintf(w, `{"access_token":"at-billing","token_type":"Bearer","issued_token_type":%q,"expires_in":60}`, issued)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "orders", ClientSecret: "s3cret", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}}
	grant := oauth2.TokenExchangeGrant{
		SubjectToken:       "at-from-user",
		SubjectTokenType:   oauth2.TokenTypeAccessToken,
		RequestedTokenType: oauth2.TokenTypeAccessToken,
		Audience:           []string{"billing"},
	}
	tok, err := cfg.TokenExchange(context.Background(), grant)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, tok.IssuedTokenType)

	grant.Audience = []string{"legacy"}
	_, err = cfg.TokenExchange(context.Background(), grant)
	fmt.Println(errors.Is(err, oauth2.ErrIssuedTokenType))
	// Output:
	// exchange at-from-user for billing
	// at-billing urn:ietf:params:oauth:token-type:access_token
	// exchange at-from-user for legacy
	// true
}
