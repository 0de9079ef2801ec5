package agent_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oauthkit/oauthkit/conformance/agent"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Log a user in on a provider's HTML pages without a browser, then
// redeem the code.
func ExampleNewForm() {
	ctx := context.Background()
	issuer := "http://127.0.0.1:3000"
	md, err := oauth2.DiscoverMetadata(ctx, nil, issuer, oauth2.MetadataOptions{})
	if err != nil {
		log.Fatal(err)
	}
	cfg := &oauth2.Config{ClientID: "app", Endpoint: md.Endpoint(), RedirectURL: "http://127.0.0.1:8400/cb"}
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{Scopes: []string{"openid"}, RequireIssuer: true})
	if err != nil {
		log.Fatal(err)
	}
	// oidc-provider's development pages name the username field "login".
	a := agent.NewForm(nil, issuer, agent.FormFields{Username: "login"})
	callback, err := a.Authorize(ctx, flow.URL, cfg.RedirectURL, "alice", "secret")
	if err != nil {
		log.Fatal(err) // an *agent.Error: refused credentials, an error page, a form to another origin
	}
	tok, err := flow.Complete(ctx, cfg, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ID token received:", tok.IDToken != "")
}

// Let a person log in with their own browser; the callback arrives on a
// loopback redirect URI (RFC 8252, section 7.3).
func ExampleNewInteractive() {
	ctx := context.Background()
	a := agent.NewInteractive(agent.InteractiveOptions{OpenBrowser: true})
	callback, err := a.Authorize(ctx, "https://op.example/authorize?client_id=app&state=s", "http://127.0.0.1:8400/cb", "alice", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("code received:", callback.Query().Get("code") != "")
}
