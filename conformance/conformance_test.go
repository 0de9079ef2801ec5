package conformance

import (
	"fmt"
	"os"
	"testing"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

// kc is the Keycloak shared by every scenario of this test binary.
var kc keycloaktest.Shared

// TestMain starts Keycloak once for the test binary.
func TestMain(m *testing.M) { os.Exit(kc.Run(m, keycloaktest.Options{})) }

// reasonTB records why the shared server skipped a test.
type reasonTB struct {
	testing.TB
	reason string
}

func (r *reasonTB) Skip(args ...any) {
	r.reason = fmt.Sprint(args...)
	r.TB.Skip(args...)
}

// provider returns the shared Keycloak as a Provider, or a Provider that
// says why there is none. With $OAUTHKIT_REQUIRE_KEYCLOAK set, a missing
// Keycloak fails t.
func provider(t *testing.T) *Provider {
	var srv *keycloaktest.Server
	var reason string
	t.Run("keycloak", func(t *testing.T) {
		tb := &reasonTB{TB: t}
		defer func() { reason = tb.reason }() // Skip does not return
		srv = kc.Server(tb)
	})
	if srv == nil {
		if reason == "" {
			reason = "Keycloak unavailable"
		}
		return &Provider{Unavailable: reason}
	}
	return NewKeycloakProvider(srv)
}

// TestCatalogue runs every scenario of the catalogue as a subtest against
// the shared Keycloak. Scenarios that need Keycloak skip, saying why, when
// it is not available (as with -short); hostile scenarios always run.
func TestCatalogue(t *testing.T) {
	p := provider(t)
	for _, s := range Catalogue() {
		t.Run(s.ID, func(t *testing.T) {
			if !s.Serial {
				t.Parallel()
			}
			res := RunScenario(t.Context(), p, s, DefaultTimeout)
			switch res.Status {
			case StatusPass:
				t.Logf("%s (%s): pass in %v", s.Title, s.Spec, res.Duration)
			case StatusSkip:
				t.Skip(res.Reason)
			default:
				for _, ev := range res.Evidence {
					t.Log(ev.String())
				}
				t.Errorf("%s (%s): %s", s.Title, s.Spec, res.Reason)
			}
		})
	}
}
