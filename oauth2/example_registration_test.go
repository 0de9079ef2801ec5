package oauth2_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oauthkit/oauthkit/oauth2"
)

// A client registers itself at the registration endpoint with an initial
// access token (RFC 7591), uses its new credentials, and later reads and
// deletes its registration (RFC 7592).
func ExampleConfig_RegisterClient() {
	ctx := context.Background()
	reg := &oauth2.Config{}
	rc, err := reg.RegisterClient(ctx, oauth2.RegistrationRequest{
		Endpoint:           "https://as.example/realms/demo/clients-registrations/openid-connect",
		InitialAccessToken: "initial-access-token-from-the-admin",
		Metadata: oauth2.ClientMetadata{
			ClientName:              "my app",
			RedirectURIs:            []string{"https://app.example/callback"},
			GrantTypes:              []string{"authorization_code", "client_credentials"},
			TokenEndpointAuthMethod: oauth2.MethodClientSecretBasic,
		},
	})
	if err != nil {
		log.Fatal(err) // e.g. invalid_redirect_uri, or oauth2.ErrRegistrationWidened
	}
	cfg := &oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: "https://as.example/realms/demo/protocol/openid-connect/token"}}
	if err := rc.Apply(cfg); err != nil {
		log.Fatal(err) // oauth2.ErrClientSecretExpired
	}
	tok, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType)

	// The registration access token may rotate: keep the latest copy.
	if rc, err = reg.ReadClient(ctx, rc); err != nil {
		log.Fatal(err)
	}
	if err := reg.DeleteClient(ctx, rc); err != nil {
		log.Fatal(err)
	}
}
