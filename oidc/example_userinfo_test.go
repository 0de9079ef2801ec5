package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oidc"
)

// A userinfo request (OpenID Connect Core, section 5.3) with the access
// token of a login. Its "sub" must be the ID token's: userinfo about anyone
// else is refused (section 5.3.4).
func ExampleFetchUserInfo() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("server got:", r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"sub":"248289761001","name":"Jane Doe","email":"janedoe@example.com","email_verified":true,"locale":"en"}`)
	}))
	defer srv.Close()

	// sub is the verified ID token's Subject.
	info, err := oidc.FetchUserInfo(context.Background(), srv.URL, "at-1", oidc.UserInfoOptions{Subject: "248289761001"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Name, info.Email, info.EmailVerified)
	var more struct {
		Locale string `json:"locale"`
	}
	if err := info.Claims(&more); err != nil {
		log.Fatal(err)
	}
	fmt.Println(more.Locale)

	_, err = oidc.FetchUserInfo(context.Background(), srv.URL, "at-1", oidc.UserInfoOptions{Subject: "someone-else"})
	fmt.Println(errors.Is(err, jose.ErrSubject))
	// Output:
	// server got: Bearer at-1
	// Jane Doe janedoe@example.com true
	// en
	// server got: Bearer at-1
	// true
}
