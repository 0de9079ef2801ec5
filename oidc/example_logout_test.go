package oidc_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/oauthkit/oauthkit/oidc"
)

// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0, section 2)
// at the provider's end_session_endpoint, found by discovery: the ID token
// as the hint, and where the user agent comes back to.
func ExampleProvider_LogoutURL() {
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token",`+
			`"jwks_uri":"%[1]s/certs","end_session_endpoint":"%[1]s/logout",`+
			`"response_types_supported":["code"],"subject_types_supported":["public"],`+
			`"id_token_signing_alg_values_supported":["RS256"]}`, issuer)
	}))
	defer srv.Close()
	issuer = srv.URL

	provider, err := oidc.NewProvider(context.Background(), issuer, oidc.ProviderConfig{})
	if err != nil {
		log.Fatal(err)
	}
	logout, err := provider.LogoutURL(oidc.LogoutOptions{
		IDTokenHint:           "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", // IDToken.Raw of the login
		PostLogoutRedirectURI: "https://app.example/",
		State:                 "af0ifjsldkj",
	})
	if err != nil {
		log.Fatal(err)
	}
	// Send the user agent to logout.
	fmt.Println(logout[len(issuer):])
	// Output:
	// /logout?id_token_hint=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F&state=af0ifjsldkj
}
