// Command prepare installs the node packages of the oidc-provider harness
// (npm ci of conformance/oidcprovider's lockfile) into the user cache, so
// that a later test run starts the provider without installing. It
// prints the directory, and fails with the reason when Node.js or npm is
// missing.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/oauthkit/oauthkit/conformance/oidcprovider"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir, err := oidcprovider.Prepare(ctx, oidcprovider.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("oidc-provider %s ready in %s\n", oidcprovider.Version, dir)
}
