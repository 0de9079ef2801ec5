// Command kcfetch makes the Keycloak distribution used by the oauthkit
// tests ready ahead of them: it downloads it with Maven when it is not
// cached, builds it and prepares its data directory, so that the tests
// only start it. Continuous integration runs it before "go test".
//
// Usage:
//
//	go run ./keycloaktest/cmd/kcfetch [-version 26.7.3] [-cache DIR] [-start]
//
// It honours $KEYCLOAK_VERSION and $KEYCLOAK_HOME like the tests do, and
// does nothing when $KEYCLOAK_URL names a running server. With
// -start it also starts and stops one server and prints how long that
// took.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

func main() {
	version := flag.String("version", "", "Keycloak version (default $KEYCLOAK_VERSION, else "+keycloaktest.DefaultVersion+")")
	cacheDir := flag.String("cache", "", "cache directory (default: the user cache directory + /oauthkit)")
	start := flag.Bool("start", false, "also start and stop one server, to check and time it")
	timeout := flag.Duration("timeout", 20*time.Minute, "overall time limit")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if u := os.Getenv(keycloaktest.EnvURL); u != "" && !*start {
		fmt.Printf("kcfetch: %s is set (%s); the tests use that server, nothing to fetch\n", keycloaktest.EnvURL, u)
		return
	}
	opts := keycloaktest.Options{Version: *version, CacheDir: *cacheDir, Progress: os.Stderr}
	began := time.Now()
	d, err := keycloaktest.EnsureDistribution(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("kcfetch: Keycloak %s ready at %s (%s)\n", d.Version, d.Home, time.Since(began).Round(time.Millisecond))
	if !*start {
		return
	}
	opts.Source = d.Source
	began = time.Now()
	srv, err := keycloaktest.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("kcfetch: server started at %s in %s\n", srv.URL, time.Since(began).Round(time.Millisecond))
	began = time.Now()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("kcfetch: server stopped in %s\n", time.Since(began).Round(time.Millisecond))
}
