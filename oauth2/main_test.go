package oauth2_test

import (
	"os"
	"testing"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

// kc is the Keycloak shared by the tests of this binary that need a real
// provider (and, through keycloaktest's sharing, by the run's other test
// processes); the others run without it.
var kc keycloaktest.Shared

func TestMain(m *testing.M) { os.Exit(kc.Run(m, keycloaktest.Options{})) }
