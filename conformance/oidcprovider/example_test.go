package oidcprovider_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oauthkit/oauthkit/conformance/oidcprovider"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Start node oidc-provider and get a client credentials token from it.
// The target configuration it writes is what
// "conformance -issuer URL -config FILE" reads.
func ExampleStart() {
	ctx := context.Background()
	srv, err := oidcprovider.Start(ctx, oidcprovider.Options{})
	if err != nil {
		log.Fatal(err) // wraps oidcprovider.ErrUnavailable without Node.js
	}
	defer srv.Close()
	fmt.Println("issuer:", srv.Issuer, "target configuration:", srv.ConfigPath)

	c := srv.Clients[oidcprovider.RoleClientSecretBasic]
	md, err := oauth2.DiscoverMetadata(ctx, nil, srv.Issuer, oauth2.MetadataOptions{})
	if err != nil {
		log.Fatal(err)
	}
	cfg := &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: md.Endpoint()}
	tok, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token type:", tok.TokenType)
}
