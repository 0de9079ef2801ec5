// This file runs the generic catalogue against node oidc-provider through
// the harness of package conformance/oidcprovider and the form agent of
// package conformance/agent.

package conformance

import (
	"net/http"
	"testing"

	"github.com/oauthkit/oauthkit/conformance/agent"
)

// oidcProviderKnownFailures are the generic scenarios oidc-provider is
// known to fail, with why.
var oidcProviderKnownFailures = map[string]string{}

// TestCatalogueOIDCProvider runs the whole catalogue against
// oidc-provider, through the target configuration its harness writes and
// the generic form agent: the same code path as Keycloak's target.
func TestCatalogueOIDCProvider(t *testing.T) {
	srv := op.Server(t)
	target, err := LoadTarget(srv.ConfigPath)
	if err != nil {
		t.Fatalf("the harness's target configuration: %v", err)
	}
	var fields agent.FormFields
	if f := target.Login.Form; f != nil {
		fields.Username, fields.Password = f.UsernameField, f.PasswordField
	}
	p := NewTargetProvider(target, func(hc *http.Client) LoginAgent { return agent.NewForm(hc, target.Issuer, fields) })
	runCatalogue(t, p, oidcProviderKnownFailures)
}
