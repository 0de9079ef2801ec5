package keycloaktest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Start a Keycloak outside of tests, as the conformance command does.
func ExampleStart() {
	ctx := context.Background()
	srv, err := keycloaktest.Start(ctx, keycloaktest.Options{})
	if err != nil {
		log.Fatal(err) // says why: no Java, Maven failed, port taken, timeout...
	}
	defer srv.Close()
	fmt.Println("Keycloak", srv.Version, "at", srv.URL)
}

// Set up a realm with a confidential client and a user, then run the
// password grant against it.
func ExampleAdmin_CreateClient() {
	ctx := context.Background()
	srv, err := keycloaktest.Start(ctx, keycloaktest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	admin := srv.Admin()
	realm, err := admin.CreateRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer admin.DeleteRealm(ctx, realm.Name)
	client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		Auth:               keycloaktest.ClientSecretPost,
		DirectAccessGrants: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{Username: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	cfg := &oauth2.Config{
		ClientID:     client.ClientID,
		ClientSecret: client.Secret,
		Endpoint:     realm.Endpoint(),
		AuthMethod:   oauth2.ClientSecretPost{},
	}
	tok, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("access token lifetime:", tok.Lifetime())
}

// Log a user in through Keycloak's login form and take the authorization
// response without a browser.
func ExampleUserAgent_Login() {
	ctx := context.Background()
	// The realm "demo" of a running Keycloak, with a public client "app"
	// and a user alice (see Admin.CreateRealm, CreateClient, CreateUser).
	realm := keycloaktest.NewAdmin("http://127.0.0.1:8080", "admin", "admin", nil).Realm("demo")
	const redirect = "http://127.0.0.1:9/callback"
	cfg := &oauth2.Config{ClientID: "app", Endpoint: realm.Endpoint(), RedirectURL: redirect, Scopes: []string{"openid"}}
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{})
	if err != nil {
		log.Fatal(err)
	}
	callback, err := keycloaktest.NewUserAgent(nil).Login(ctx, flow.URL, redirect, "alice", "secret")
	if err != nil {
		log.Fatal(err)
	}
	params, err := oauth2.ParseCallbackQuery(callback.RawQuery)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := flow.Complete(ctx, cfg, params)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ID token received:", tok.IDToken != "")
}
