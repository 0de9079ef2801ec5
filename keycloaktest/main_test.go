package keycloaktest_test

import (
	"os"
	"testing"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

// kc is the Keycloak shared by every test of this binary.
var kc keycloaktest.Shared

func TestMain(m *testing.M) { os.Exit(kc.Run(m, keycloaktest.Options{})) }
