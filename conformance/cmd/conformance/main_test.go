package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/conformance"
)

func TestQuickTarget(t *testing.T) {
	t.Setenv("OAUTHKIT_TEST_APP_SECRET", "app-secret")
	o := options{issuer: "https://op.example", clientID: "app", clientSecretEnv: "OAUTHKIT_TEST_APP_SECRET"}
	tg, err := o.target()
	if err != nil {
		t.Fatal(err)
	}
	c := tg.Client(conformance.RoleClientSecretBasic)
	if c == nil || c.ClientID != "app" || c.ClientSecret != "app-secret" {
		t.Fatalf("quick target client: %+v", c)
	}
	o = options{issuer: "https://op.example", clientID: "spa", redirectURI: "http://127.0.0.1:8765/cb"}
	if tg, err = o.target(); err != nil || tg.Client(conformance.RolePublic) == nil {
		t.Fatalf("a client without secret is public: %v %+v", err, tg)
	}
}

func TestTargetFlagErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "t.json")
	if err := os.WriteFile(cfg, []byte(`{"version":1,"issuer":"https://op.example"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"quick without issuer":   {"-client-id", "app"},
		"config and quick flags": {"-config", cfg, "-client-id", "app"},
		"issuer differs":         {"-config", cfg, "-issuer", "https://other.example"},
		"secret env unset":       {"-issuer", "https://op.example", "-client-id", "app", "-client-secret-env", "OAUTHKIT_TEST_UNSET"},
		"bad regexp":             {"-run", "("},
		"unknown flag":           {"-frobnicate"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(args, &out, &errOut); code != 2 {
				t.Errorf("exit %d, expected 2; stderr: %s", code, errOut.String())
			}
		})
	}
}

// TestListWithoutProvider lists the catalogue with no provider: every
// scenario that needs one says why it cannot run, hostile ones can.
func TestListWithoutProvider(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-no-keycloak", "-list"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	text := out.String()
	for _, want := range []string{
		"no  any       oidcc-server",
		"-no-keycloak: no provider started",
		"yes hostile   jw-01-alg-none",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("list lacks %q:\n%s", want, text)
		}
	}
}

// TestKeycloakAdminFromTarget: a target file naming "admin": "keycloak"
// gets Keycloak's administration from its issuer's base URL and realm, so
// that the administration scenarios and the Keycloak-only ones run too.
func TestKeycloakAdminFromTarget(t *testing.T) {
	tg := &conformance.Target{Version: 1, Issuer: "http://127.0.0.1:8080/realms/demo", Admin: "keycloak", Login: conformance.TargetLogin{Agent: conformance.AgentKeycloak}}
	o := options{adminUser: "admin", adminPass: "admin"}
	p, release, err := o.provider(t.Context(), tg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if p.BaseURL != "http://127.0.0.1:8080" || p.Admin == nil || p.Administrator == nil || p.Agents == nil {
		t.Errorf("provider: base %q, admin %v, administrator %v, agents set %t", p.BaseURL, p.Admin, p.Administrator, p.Agents != nil)
	}
	tg.Issuer = "https://op.example"
	if _, _, err := o.provider(t.Context(), tg, &bytes.Buffer{}); err == nil {
		t.Error("admin keycloak with an issuer that is no Keycloak realm was accepted")
	}
}
