package oidc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Client-initiated backchannel authentication in poll mode: the user
// approves on her own device while the client polls.
func ExampleBackchannelAuthenticate() {
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, "https://as.example/realms/demo", oidc.ProviderConfig{})
	if err != nil {
		log.Fatal(err)
	}
	client := &oauth2.Config{ClientID: "my-app", ClientSecret: "secret", Endpoint: p.Endpoint()}
	ba, err := oidc.BackchannelAuthenticate(ctx, client, "https://as.example/realms/demo/protocol/openid-connect/ext/ciba/auth",
		oidc.BackchannelAuthenticationRequest{LoginHint: "alice", BindingMessage: "W4SCT"})
	if err != nil {
		log.Fatal(err) // e.g. unknown_user_id
	}
	tok, err := oidc.PollBackchannelToken(ctx, client, ba)
	if err != nil {
		log.Fatal(err) // access_denied, expired_token, oidc.ErrCIBAExpired
	}
	fmt.Println(tok.TokenType)
}
