package conformance

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/conformance/oidcprovider"
	"github.com/oauthkit/oauthkit/keycloaktest"
)

// kc is the Keycloak shared by every scenario of this test binary (and,
// through keycloaktest's sharing, by the other test processes of the run);
// op is node oidc-provider, the second real provider.
var (
	kc keycloaktest.Shared
	op oidcprovider.Shared
)

// TestMain starts oidc-provider and Keycloak once for the test binary.
func TestMain(m *testing.M) {
	os.Exit(op.RunFunc(func() int { return kc.Run(m, keycloaktest.Options{}) }, oidcprovider.Options{}))
}

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
	p := NewKeycloakProvider(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	target, admin, remove, err := KeycloakTarget(ctx, p.Admin)
	if err != nil {
		t.Fatalf("provisioning the Keycloak target: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := remove(ctx); err != nil {
			t.Errorf("deleting the target realm: %v", err)
		}
	})
	p.Target, p.Administrator = target, admin
	return p
}

// keycloakKnownFailures are the generic scenarios Keycloak fails, with
// why: the test expects them to fail, so a Keycloak that mends one is
// noticed.
var keycloakKnownFailures = map[string]string{
	"any-wrong-client-secret": "Keycloak answers a wrong client secret with unauthorized_client, not RFC 6749 §5.2's invalid_client",
}

// TestCatalogue runs every scenario of the catalogue as a subtest against
// the shared Keycloak. Scenarios that need Keycloak skip, saying why, when
// it is not available (as with -short); hostile scenarios always run.
func TestCatalogue(t *testing.T) {
	p := provider(t)
	runCatalogue(t, p, keycloakKnownFailures)
}

// runCatalogue runs every scenario of the catalogue against p as a
// subtest; warnings and scenarios for review are logged, not failed. The
// scenarios in known must fail, and are then reported as skipped.
func runCatalogue(t *testing.T, p *Provider, known map[string]string) {
	_ = p.Prepare(t.Context())
	for _, s := range Catalogue() {
		t.Run(s.ID, func(t *testing.T) {
			if !s.Serial {
				t.Parallel()
			}
			res := RunScenario(t.Context(), p, s, DefaultTimeout)
			if why, ok := known[s.ID]; ok && res.Status != StatusSkip {
				if res.Status != StatusFail {
					t.Errorf("expected the known failure (%s), got %s %s", why, res.Status, res.Reason)
				}
				t.Skipf("known failure of this provider: %s (%s)", why, res.Reason)
			}
			switch res.Status {
			case StatusPass:
				t.Logf("%s (%s): pass in %v", s.Title, s.Spec, res.Duration)
			case StatusSkip:
				t.Skip(res.Reason)
			case StatusWarning, StatusReview:
				t.Logf("%s (%s): %s: %s", s.Title, s.Spec, res.Status, res.Reason)
			default:
				for _, ev := range res.Evidence {
					t.Log(ev.String())
				}
				t.Errorf("%s (%s): %s", s.Title, s.Spec, res.Reason)
			}
		})
	}
}
