package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadTarget(t *testing.T) {
	dir := t.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "d.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	t.Setenv("OAUTHKIT_TEST_B_SECRET", "secret-of-b")
	t.Setenv("OAUTHKIT_TEST_ALICE_PW", "alice-password")
	path := writeFile(t, dir, "target.json", `{"version": 1, "name": "My provider", "issuer": "https://op.example",
	  "clients": {
	    "client_secret_basic": {"client_id": "a", "client_secret": "s", "redirect_uri": "http://127.0.0.1:8765/cb", "scopes": ["openid","profile"]},
	    "client_secret_post": {"client_id": "b", "client_secret_env": "OAUTHKIT_TEST_B_SECRET"},
	    "private_key_jwt": {"client_id": "d", "key_file": "d.pem", "alg": "ES256", "key_id": "k1"},
	    "public": {"client_id": "e", "redirect_uri": "http://127.0.0.1:8765/cb"}
	  },
	  "users": [{"username": "alice", "password_env": "OAUTHKIT_TEST_ALICE_PW"}],
	  "login": {"agent": "form", "form": {"username_field": "login", "password_field": "password"}}}`)
	tg, err := LoadTarget(path)
	if err != nil {
		t.Fatal(err)
	}
	if tg.DisplayName() != "My provider" || tg.Issuer != "https://op.example" {
		t.Errorf("name %q issuer %q", tg.DisplayName(), tg.Issuer)
	}
	if got := tg.Client(RoleClientSecretPost).ClientSecret; got != "secret-of-b" {
		t.Errorf("client_secret_env: secret %q", got)
	}
	if got := tg.User().Password; got != "alice-password" {
		t.Errorf("password_env: %q", got)
	}
	pk := tg.Client(RolePrivateKeyJWT).Key()
	if pk == nil || !pk.IsPrivate() || pk.Algorithm != jose.ES256 || pk.KeyID != "k1" {
		t.Fatalf("key file: %+v", pk)
	}
	if _, ok := tg.Client(RolePrivateKeyJWT).AuthMethod(RolePrivateKeyJWT).(oauth2.PrivateKeyJWT); !ok {
		t.Error("private_key_jwt client does not authenticate with PrivateKeyJWT")
	}
	if _, ok := tg.Client(RolePublic).AuthMethod(RolePublic).(oauth2.None); !ok {
		t.Error("public client does not authenticate with None")
	}
	if tg.Login.Form.UsernameField != "login" {
		t.Errorf("login form fields: %+v", tg.Login.Form)
	}
	secrets := strings.Join(tg.Secrets(), " ")
	for _, s := range []string{"secret-of-b", "alice-password", "s"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() lacks %q", s)
		}
	}
}

func TestLoadTargetErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"version":        `{"version": 2, "issuer": "https://op.example"}`,
		"no issuer":      `{"version": 1}`,
		"issuer query":   `{"version": 1, "issuer": "https://op.example/?x=1"}`,
		"unknown member": `{"version": 1, "issuer": "https://op.example", "clent": {}}`,
		"unknown role":   `{"version": 1, "issuer": "https://op.example", "clients": {"admin": {"client_id": "x"}}}`,
		"no client_id":   `{"version": 1, "issuer": "https://op.example", "clients": {"public": {}}}`,
		"no secret":      `{"version": 1, "issuer": "https://op.example", "clients": {"client_secret_basic": {"client_id": "x"}}}`,
		"env unset":      `{"version": 1, "issuer": "https://op.example", "clients": {"client_secret_post": {"client_id": "x", "client_secret_env": "OAUTHKIT_TEST_UNSET_VARIABLE"}}}`,
		"no key file":    `{"version": 1, "issuer": "https://op.example", "clients": {"private_key_jwt": {"client_id": "x", "key_file": "missing.pem"}}}`,
		"public key":     `{"version": 1, "issuer": "https://op.example", "clients": {"private_key_jwt": {"client_id": "x", "key_file": "pub.json"}}}`,
		"bad redirect":   `{"version": 1, "issuer": "https://op.example", "clients": {"public": {"client_id": "x", "redirect_uri": "/cb"}}}`,
		"bad agent":      `{"version": 1, "issuer": "https://op.example", "login": {"agent": "robot"}}`,
		"user no pw":     `{"version": 1, "issuer": "https://op.example", "users": [{"username": "a"}]}`,
		"trailing data":  `{"version": 1, "issuer": "https://op.example"} {}`,
		"not json":       `version: 1`,
	} {
		t.Run(name, func(t *testing.T) {
			writeFile(t, dir, "pub.json", `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`)
			_, err := LoadTarget(writeFile(t, dir, "t.json", content))
			if !errors.Is(err, ErrTarget) {
				t.Fatalf("err = %v, expected one wrapping ErrTarget", err)
			}
		})
	}
	if _, err := LoadTarget(filepath.Join(dir, "absent.json")); !errors.Is(err, ErrTarget) {
		t.Errorf("missing file: %v", err)
	}
}

// TestProviderNeeds checks each kind of need against metadata given
// directly: met, or unmet with a reason that names what is missing.
func TestProviderNeeds(t *testing.T) {
	meta, err := oauth2.ParseMetadata([]byte(`{"issuer":"https://op.example","authorization_endpoint":"https://op.example/auth",
		"token_endpoint":"https://op.example/token","grant_types_supported":["authorization_code","refresh_token"],
		"scopes_supported":["openid","email"],"claims_parameter_supported":true,"userinfo_endpoint":"https://op.example/me"}`), "https://op.example", oauth2.MetadataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{Issuer: "https://op.example", Clients: map[string]*TargetClient{
		RoleClientSecretBasic: {ClientID: "a", ClientSecret: "s", RedirectURI: "http://127.0.0.1/cb"},
	}, Users: []TargetUser{{Username: "u", Password: "p"}}}
	p := NewTargetProvider(tg, KeycloakAgent)
	p.metaOnce.Do(func() {}) // Prepare would fetch; the metadata is given
	p.oauthMeta = meta
	for _, c := range []struct {
		need Need
		want string // "" for met, else a part of the reason
	}{
		{NeedMetadata, ""},
		{NeedOpenID, "no OpenID Connect Discovery document"},
		{NeedUser, ""},
		{NeedLogin, ""},
		{NeedCodeClient, ""},
		{NeedClient(RoleClientSecretBasic), ""},
		{NeedClient(RoleDevice), "no device client"},
		{NeedGrant("refresh_token"), ""},
		{NeedGrant("client_credentials"), "grant_types_supported lacks client_credentials"},
		{NeedEndpoint("userinfo_endpoint"), ""},
		{NeedEndpoint("revocation_endpoint"), "no revocation_endpoint"},
		{NeedMetadataTrue("claims_parameter_supported"), ""},
		{NeedMetadataTrue("request_parameter_supported"), "request_parameter_supported is not true"},
		{NeedScope("email"), ""},
		{NeedScope("phone"), "scopes_supported lacks phone"},
		{NeedAuthMethod("client_secret_basic"), ""},
		{NeedAuthMethod("private_key_jwt"), "lacks private_key_jwt"},
		{NeedAdminCapability(AdminEndSession), "no administration API"},
		{NeedAdmin, "Keycloak-only"},
	} {
		got := p.why(c.need)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("need %s: reason %q, expected %q", c.need, got, c.want)
		}
	}
	p.Administrator = &keycloakAdministrator{}
	if r := p.why(NeedAdminCapability(AdminRotateKeys)); r != "" {
		t.Errorf("rotate-keys with an administrator: %q", r)
	}
	tg.Clients = nil
	if r := p.why(NeedCodeClient); !strings.Contains(r, "redirect_uri") {
		t.Errorf("code client without clients: %q", r)
	}
}

// FuzzParseTarget: any input gives a target that validates, or an error
// wrapping ErrTarget; never a panic or a hang.
func FuzzParseTarget(f *testing.F) {
	f.Add([]byte(`{"version": 1, "issuer": "https://op.example"}`))
	f.Add([]byte(`{"version": 1, "issuer": "https://op.example", "clients": {"public": {"client_id": "e", "redirect_uri": "http://127.0.0.1:1/cb"}}, "users": [{"username": "a", "password": "b"}], "login": {"agent": "form", "form": {"username_field": "login"}}}`))
	f.Add([]byte(`{"version": 1, "issuer": "https://op.example", "clients": {"private_key_jwt": {"client_id": "d", "key_file": "/dev/zero"}}}`))
	f.Add([]byte(`{"version": 1, "issuer": "https://op.example", "clients": {"dpop": null}}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		tg, err := ParseTarget(data, dir)
		if err != nil {
			if !errors.Is(err, ErrTarget) {
				t.Fatalf("error %v does not wrap ErrTarget", err)
			}
			return
		}
		if tg.Version != TargetVersion {
			t.Fatalf("version %d accepted", tg.Version)
		}
		if err := tg.Validate(); err != nil {
			t.Fatalf("a parsed target does not validate: %v", err)
		}
	})
}

// TestExampleTargetFile loads testdata/target-example.json, the example a
// user copies: every role, secrets from the environment, a key file
// beside it.
func TestExampleTargetFile(t *testing.T) {
	for _, v := range []string{"EXAMPLE_BASIC_SECRET", "EXAMPLE_POST_SECRET", "EXAMPLE_JWT_SECRET", "EXAMPLE_DPOP_SECRET", "EXAMPLE_ALICE_PASSWORD"} {
		t.Setenv(v, "value-of-"+v)
	}
	tg, err := LoadTarget(filepath.Join("testdata", "target-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range Roles() {
		if tg.Client(role) == nil {
			t.Errorf("the example lacks the %s client", role)
		}
	}
	if tg.Client(RolePrivateKeyJWT).Key() == nil || tg.User().Password != "value-of-EXAMPLE_ALICE_PASSWORD" {
		t.Error("key file or password_env not read")
	}
}
