package oidcprovider

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/internal/testenv"
	"github.com/oauthkit/oauthkit/keycloaktest"
)

// Shared is one oidc-provider for a whole test binary. Declare one in the
// test package and run it from TestMain:
//
//	var op oidcprovider.Shared
//
//	func TestMain(m *testing.M) { os.Exit(op.Run(m, oidcprovider.Options{})) }
//
// or, with a Keycloak as well:
//
//	func TestMain(m *testing.M) {
//		os.Exit(op.RunFunc(func() int { return kc.Run(m, keycloaktest.Options{}) }, oidcprovider.Options{}))
//	}
//
// With -short, while fuzzing, or when the provider cannot start, the tests
// that call Server skip with the reason. When $OAUTHKIT_REQUIRE_PROVIDERS
// is set, both cases fail instead.
type Shared struct {
	srv    *Server
	reason string
}

// Run starts the provider (unless -short), runs the tests, stops the
// provider and returns the exit code for os.Exit.
func (s *Shared) Run(m *testing.M, opts Options) int { return s.RunFunc(m.Run, opts) }

// RunFunc is Run around any function that runs the tests and returns an
// exit code, such as another harness's Run.
func (s *Shared) RunFunc(run func() int, opts Options) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	required := Required()
	switch {
	case fuzzing():
		s.reason = "oidc-provider not started while fuzzing"
	case testing.Short():
		s.reason = "oidc-provider not started in -short mode"
		if required {
			fmt.Fprintf(os.Stderr, "oidcprovider: %s is set, but -short skips the provider tests\n", keycloaktest.EnvRequireProviders)
			return 1
		}
	default:
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		srv, err := Start(ctx, opts)
		cancel()
		if err != nil {
			if required {
				fmt.Fprintf(os.Stderr, "oidcprovider: %s is set and oidc-provider did not start: %v\n", keycloaktest.EnvRequireProviders, err)
				return 1
			}
			s.reason = "oidc-provider unavailable: " + firstLine(err.Error())
			fmt.Fprintf(os.Stderr, "oidcprovider: skipping oidc-provider tests: %v\n", err)
		} else {
			s.srv = srv
		}
	}
	code := run()
	if s.srv != nil {
		if err := s.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "oidcprovider: stopping: %v\n", err)
		}
	}
	return code
}

// Server returns the shared server, or skips t (fails it, when
// $OAUTHKIT_REQUIRE_PROVIDERS is set) when there is none.
func (s *Shared) Server(t testing.TB) *Server {
	t.Helper()
	if s.srv == nil {
		reason := s.reason
		if reason == "" {
			reason = "oidc-provider not started: call Shared.Run from TestMain"
		}
		if Required() {
			t.Fatalf("oidcprovider: %s is set: %s", keycloaktest.EnvRequireProviders, reason)
		}
		t.Skip(reason)
	}
	return s.srv
}

// Required reports whether $OAUTHKIT_REQUIRE_PROVIDERS is set to a value
// other than "", "0" or "false": then a provider that cannot start fails
// the tests instead of skipping them.
func Required() bool { return testenv.On(keycloaktest.EnvRequireProviders) }

func firstLine(s string) string { return testenv.FirstLine(s) }

func fuzzing() bool { return testenv.Fuzzing() }
