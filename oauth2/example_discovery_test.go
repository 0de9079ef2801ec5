package oauth2_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Authorization server metadata (RFC 8414): the endpoints come from the
// server's document, whose issuer must be the one asked for.
func ExampleDiscoverMetadata() {
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The document for issuer; the one at .../tenant names issuer too,
		// not issuer/tenant.
		if r.URL.Path != "/.well-known/oauth-authorization-server" && r.URL.Path != "/.well-known/oauth-authorization-server/tenant" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/authorize","token_endpoint":"%[1]s/token",`+
			`"revocation_endpoint":"%[1]s/revoke","response_types_supported":["code"],`+
			`"code_challenge_methods_supported":["S256"]}`, issuer)
	}))
	defer srv.Close()
	issuer = srv.URL

	md, err := oauth2.DiscoverMetadata(context.Background(), srv.Client(), issuer, oauth2.MetadataOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimPrefix(md.TokenEndpoint, issuer), strings.TrimPrefix(md.RevocationEndpoint, issuer))
	fmt.Println(md.CodeChallengeMethodsSupported)

	// A document that names another issuer is refused (section 3.3).
	_, err = oauth2.DiscoverMetadata(context.Background(), srv.Client(), issuer+"/tenant", oauth2.MetadataOptions{})
	fmt.Println(errors.Is(err, oauth2.ErrIssuerMismatch))
	// Output:
	// /token /revoke
	// [S256]
	// true
}
