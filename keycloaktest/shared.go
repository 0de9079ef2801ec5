package keycloaktest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/internal/testenv"
)

// Shared is one Keycloak for a whole test binary, and, unless
// Options.Private or $OAUTHKIT_KEYCLOAK_SHARE=0, for every test binary of
// the run: the first process to need it starts it, the others join, and
// it stops when the last one leaves (or, when they all die, shortly after
// their leases go stale; see [EnvLinger]). $KEYCLOAK_URL still names an
// external server instead. Declare one in the test package and run it
// from TestMain:
//
//	var kc keycloaktest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(kc.Run(m, keycloaktest.Options{})) }
//
//	func TestLogin(t *testing.T) {
//		srv := kc.Server(t) // skips the test when Keycloak is unavailable
//		realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
//		...
//	}
//
// With -short, or when Keycloak cannot start, the tests that call Server
// skip with the reason, and the others run. When $OAUTHKIT_REQUIRE_KEYCLOAK
// or $OAUTHKIT_REQUIRE_PROVIDERS is set (see EnvRequire), both cases fail
// the test binary instead.
type Shared struct {
	srv    *Server
	reason string
}

// Run starts Keycloak (unless -short), runs the tests, stops Keycloak and
// returns the exit code for os.Exit. It parses the command-line flags if
// that has not happened yet.
func (s *Shared) Run(m *testing.M, opts Options) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	required := keycloakRequired()
	switch {
	case fuzzing():
		// Every fuzz worker process runs TestMain again; fuzz targets
		// need no provider.
		s.reason = "Keycloak not started while fuzzing"
	case testing.Short():
		s.reason = "Keycloak not started in -short mode"
		if required {
			fmt.Fprintf(os.Stderr, "keycloaktest: %s is set, but -short skips the Keycloak tests\n", EnvRequire)
			return 1
		}
	default:
		// The overall limit covers a download and build on a cold cache.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		began := time.Now()
		srv, err := startForTests(ctx, opts)
		cancel()
		if err != nil {
			if required {
				fmt.Fprintf(os.Stderr, "keycloaktest: %s is set and Keycloak did not start: %v\n", EnvRequire, err)
				return 1
			}
			s.reason = "Keycloak unavailable: " + firstLine(err.Error())
			fmt.Fprintf(os.Stderr, "keycloaktest: skipping Keycloak tests: %v\n", err)
		} else {
			s.srv = srv
			if testing.Verbose() {
				how := "started"
				if srv.Shared {
					how = "shared by the test processes of this run"
				}
				fmt.Fprintf(os.Stderr, "keycloaktest: Keycloak %s (%s, %s) at %s, ready in %s\n", srv.Version, srv.Source, how, srv.URL, time.Since(began).Round(time.Millisecond))
			}
		}
	}
	code := m.Run()
	if s.srv != nil {
		if err := s.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "keycloaktest: stopping Keycloak: %v\n", err)
		}
	}
	return code
}

// startForTests joins (or starts) the Keycloak shared by the test
// processes of the run when it can, else starts one as [Start] does.
func startForTests(ctx context.Context, opts Options) (*Server, error) {
	src, share, err := shareable(ctx, opts)
	if err != nil {
		return nil, err
	}
	if share {
		return startShared(ctx, opts, src)
	}
	return Start(ctx, opts)
}

// Server returns the shared server, or skips t (fails it, when
// $OAUTHKIT_REQUIRE_KEYCLOAK is set) when there is none.
func (s *Shared) Server(t testing.TB) *Server {
	t.Helper()
	if s.srv == nil {
		reason := s.reason
		if reason == "" {
			reason = "Keycloak not started: call Shared.Run from TestMain"
		}
		if keycloakRequired() {
			t.Fatalf("keycloaktest: %s is set: %s", EnvRequire, reason)
		}
		t.Skip(reason)
	}
	return s.srv
}

// keycloakRequired reports whether EnvRequire or EnvRequireProviders is
// set to a value other than "", "0" or "false".
func keycloakRequired() bool { return testenv.On(EnvRequire, EnvRequireProviders) }

func firstLine(s string) string { return testenv.FirstLine(s) }

// fuzzing reports whether the test binary runs as a fuzzer or one of its
// workers.
func fuzzing() bool { return testenv.Fuzzing() }
