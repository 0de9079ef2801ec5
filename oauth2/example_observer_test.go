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

// Watch what goes over the wire: the Observer is shown each exchange once
// it has ended, with every credential redacted (the client secret in the
// Authorization header, the password in the form, the tokens in the
// response body), so its output can go to a log or a protocol trace.
func ExampleConfig_Observer() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-secret","token_type":"Bearer","expires_in":60,"refresh_token":"rt-secret"}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID:     "app",
		ClientSecret: "app-secret",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/token"},
		Observer: func(ex *oauth2.HTTPExchange) {
			fmt.Println(ex.Method, ex.StatusCode, ex.Err)
			fmt.Println("Authorization:", ex.RequestHeader.Get("Authorization"))
			fmt.Println("form:", ex.Form.Encode())
			fmt.Println("body:", string(ex.ResponseBody))
		},
	}
	if _, err := cfg.Token(context.Background(), oauth2.PasswordGrant{Username: "alice", Password: "alice-password"}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// POST 200 <nil>
	// Authorization: Basic [redacted]
	// form: grant_type=password&password=%5Bredacted%5D&username=alice
	// body: {"access_token":"[redacted]","token_type":"Bearer","expires_in":60,"refresh_token":"[redacted]"}
}
