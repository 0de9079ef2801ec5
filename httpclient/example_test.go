package httpclient_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// fakeKeycloak answers the password grant of admin-cli and the users count
// of the admin API, like a Keycloak master realm with one user.
func fakeKeycloak() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /realms/master/protocol/openid-connect/token", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("username") != "admin" || r.PostFormValue("password") != "admin" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"eyJ.admin.token","expires_in":60,"refresh_expires_in":1800,
			"refresh_token":"eyJ.refresh","token_type":"Bearer","session_state":"abc","scope":"profile email"}`)
	})
	mux.HandleFunc("GET /admin/realms/master/users/count", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer eyJ.admin.token" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="master"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "1")
	})
	return httptest.NewServer(mux)
}

// The seed scenario: log in to Keycloak's admin API as admin-cli and call
// it; the Session refreshes the token by itself when it is due.
func Example() {
	srv := fakeKeycloak()
	defer srv.Close()
	kc := srv.URL
	ctx := context.Background()

	cfg := &oauth2.Config{ClientID: "admin-cli", Endpoint: oauth2.Endpoint{TokenURL: kc + "/realms/master/protocol/openid-connect/token"}}
	s := httpclient.New(cfg, httpclient.Options{Leeway: 60 * time.Second, OnToken: func(ctx context.Context, t *oauth2.Token) {
		// Store t (it marshals to JSON) to start a later Session with Options.Token.
	}})
	tok, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: "admin", Password: "admin"})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := s.Client().Get(kc + "/admin/realms/master/users/count")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Println(tok.TokenType, tok.Lifetime(), tok.ExtraString("session_state"))
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// Bearer 1m0s abc
	// 200 1
}
