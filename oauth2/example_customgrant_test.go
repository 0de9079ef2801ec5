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

// A grant type of an extension oauthkit has no type for (RFC 6749, section
// 4.5), by its URI and its parameters.
func ExampleCustomGrant() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		fmt.Println(r.PostForm.Get("grant_type"), r.PostForm.Get("otp"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-otp","token_type":"Bearer"}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "kiosk", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}}
	tok, err := cfg.Token(context.Background(), oauth2.CustomGrant{
		Type:   "urn:example:params:oauth:grant-type:otp",
		Params: url.Values{"otp": {"246810"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)
	// Output:
	// urn:example:params:oauth:grant-type:otp 246810
	// at-otp
}
