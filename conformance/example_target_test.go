package conformance_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/oauthkit/oauthkit/conformance"
)

// A target configuration names the issuer, its pre-registered clients by
// role and a test user; secrets may stay in the environment. Listing the
// catalogue against it says what can run and why not, before anything is
// sent (here the issuer is not reachable, so every scenario that needs
// its metadata says so).
func ExampleLoadTarget() {
	dir, _ := os.MkdirTemp("", "target")
	defer os.RemoveAll(dir)
	os.Setenv("EXAMPLE_APP_SECRET", "s3cr3t-from-the-environment")
	path := filepath.Join(dir, "target.json")
	os.WriteFile(path, []byte(`{
	  "version": 1,
	  "name": "Example provider",
	  "issuer": "http://127.0.0.1:9/op",
	  "clients": {
	    "client_secret_basic": {"client_id": "app", "client_secret_env": "EXAMPLE_APP_SECRET",
	      "redirect_uri": "http://127.0.0.1:8765/cb", "scopes": ["openid", "profile"]}
	  },
	  "users": [{"username": "alice", "password": "alice-password"}],
	  "login": {"agent": "keycloak"}
	}`), 0o600)

	target, err := conformance.LoadTarget(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(target.DisplayName(), target.Issuer)
	fmt.Println("client:", target.Client(conformance.RoleClientSecretBasic).ClientID)

	p := conformance.NewTargetProvider(target, conformance.KeycloakAgent)
	for _, s := range conformance.Catalogue() {
		if s.ID == "oidcc-server" || s.ID == "jw-01-alg-none" {
			why := conformance.Runnable(context.Background(), p, s)
			fmt.Printf("%s (%s): runnable=%t\n", s.ID, s.Kind(), why == "")
		}
	}
	// Output:
	// Example provider http://127.0.0.1:9/op
	// client: app
	// oidcc-server (any): runnable=false
	// jw-01-alg-none (hostile): runnable=true
}
