// Command serve starts node oidc-provider as the conformance tests do and
// keeps it running until interrupted, printing its issuer and the target
// configuration it wrote, for a run of the conformance command by hand:
//
//	go run ./conformance/oidcprovider/cmd/serve
//	go run ./conformance/cmd/conformance -issuer ISSUER -config CONFIG
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauthkit/oauthkit/conformance/oidcprovider"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	srv, err := oidcprovider.Start(ctx, oidcprovider.Options{Progress: os.Stderr})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("issuer %s\nconfig %s\nlog    %s\n(interrupt to stop)\n", srv.Issuer, srv.ConfigPath, srv.LogFile)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
