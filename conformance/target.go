package conformance

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// TargetVersion is the version of the target configuration format that
// [LoadTarget] reads.
const TargetVersion = 1

// maxTargetFile bounds a target configuration file and a key file.
const maxTargetFile = 1 << 20

// ErrTarget is wrapped by every error of [LoadTarget] and
// [Target.Validate]: the file is missing, not JSON of the documented
// format, of another version, or names a secret or key that cannot be read.
var ErrTarget = errors.New("conformance: invalid target configuration")

// The client roles of a [Target]: the keys of its "clients" object. A
// scenario names the role it needs ([NeedClient]); the client registered
// under that role must be able to do what the role says.
const (
	// RoleClientSecretBasic is a confidential client that authenticates
	// with HTTP Basic (RFC 6749, section 2.3.1). With a redirect URI it
	// is the client of the OpenID Connect code flow scenarios.
	RoleClientSecretBasic = "client_secret_basic"
	// RoleClientSecretPost sends its secret in the request body (RFC 6749,
	// section 2.3.1).
	RoleClientSecretPost = "client_secret_post"
	// RoleClientSecretJWT signs an HMAC assertion with its secret (RFC
	// 7523, section 2.2; OpenID Connect Core 1.0, section 9).
	RoleClientSecretJWT = "client_secret_jwt"
	// RolePrivateKeyJWT signs an assertion with the private key of its
	// key file (RFC 7523, section 2.2; OpenID Connect Core 1.0, section 9).
	RolePrivateKeyJWT = "private_key_jwt"
	// RolePublic is a public client that must use PKCE (RFC 7636; RFC
	// 9700, section 2.1.1).
	RolePublic = "public"
	// RoleDevice may use the device authorization grant (RFC 8628).
	RoleDevice = "device"
	// RoleDPoP gets DPoP-bound tokens (RFC 9449), authenticating with its
	// secret when it has one.
	RoleDPoP = "dpop"
)

// roles lists every client role, in the order reports show them.
var roles = []string{RoleClientSecretBasic, RoleClientSecretPost, RoleClientSecretJWT, RolePrivateKeyJWT, RolePublic, RoleDevice, RoleDPoP}

// Roles returns the client roles a target configuration may name.
func Roles() []string { return slices.Clone(roles) }

// Target is a provider under test as a configuration file describes it:
// its issuer, the clients registered there for each role, test users,
// and how users log in. Scenarios decide from the issuer's metadata and
// from what the target holds whether they can run ([Need]).
//
// The file is JSON, version 1:
//
//	{
//	  "version": 1,
//	  "name": "My provider",
//	  "issuer": "https://op.example",
//	  "clients": {
//	    "client_secret_basic": {"client_id": "a", "client_secret": "s",
//	      "redirect_uri": "http://127.0.0.1:8765/cb", "scopes": ["openid", "profile"]},
//	    "client_secret_post": {"client_id": "b", "client_secret_env": "B_SECRET"},
//	    "client_secret_jwt": {"client_id": "c", "client_secret": "..."},
//	    "private_key_jwt": {"client_id": "d", "key_file": "d.pem", "alg": "ES256", "key_id": "k1"},
//	    "public": {"client_id": "e", "redirect_uri": "http://127.0.0.1:8765/cb"},
//	    "device": {"client_id": "f"},
//	    "dpop": {"client_id": "g", "client_secret": "..."}
//	  },
//	  "users": [{"username": "alice", "password_env": "ALICE_PW"}],
//	  "login": {"agent": "form", "form": {"username_field": "login", "password_field": "password"}},
//	  "admin": "keycloak"
//	}
//
// Every member but "version" and "issuer" may be absent; unknown members
// are an error, so that a misspelt one is not silently ignored. The roles
// are the keys of "clients" (see [RoleClientSecretBasic] and the others).
// A member ending in "_env" names an environment variable holding the
// secret instead of the file; when both are given the variable must be
// set. "key_file" is a PEM file (PKCS #8, PKCS #1 or SEC 1 private key) or
// a JWK holding a private key; relative paths are relative to the
// configuration file. "login.agent" is "form" (a headless HTML form
// agent), "keycloak" (Keycloak's login pages) or "interactive" (a
// person); "admin" names an administration API ("keycloak"). The file
// conformance/testdata/target-example.json is a complete example.
type Target struct {
	// Version is the format version, TargetVersion.
	Version int `json:"version"`
	// Name names the provider in reports; empty means the issuer.
	Name string `json:"name,omitempty"`
	// Issuer is the issuer identifier (RFC 8414, section 2; OpenID Connect
	// Discovery 1.0, section 3). Its metadata is fetched from it.
	Issuer string `json:"issuer"`
	// Clients holds the pre-registered clients by role.
	Clients map[string]*TargetClient `json:"clients,omitempty"`
	// Users are test users who can log in.
	Users []TargetUser `json:"users,omitempty"`
	// Login says how users log in.
	Login TargetLogin `json:"login"`
	// Admin names the administration API of the provider, "" for none.
	Admin string `json:"admin,omitempty"`
}

// TargetClient is one pre-registered client.
type TargetClient struct {
	// ClientID is the client identifier (RFC 6749, section 2.2).
	ClientID string `json:"client_id"`
	// ClientSecret, or the environment variable ClientSecretEnv, is the
	// client secret; empty for public and private_key_jwt clients.
	ClientSecret    string `json:"client_secret,omitempty"`
	ClientSecretEnv string `json:"client_secret_env,omitempty"`
	// RedirectURI is a registered redirection URI (RFC 6749, section
	// 3.1.2). A login agent receives the redirect without following it.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Scopes are requested besides the ones a scenario asks for.
	Scopes []string `json:"scopes,omitempty"`
	// KeyFile is the private key of a private_key_jwt client.
	KeyFile string `json:"key_file,omitempty"`
	// Alg is the signing algorithm of its assertions (RS256, ES256, ...);
	// empty means the key's usual one.
	Alg string `json:"alg,omitempty"`
	// KeyID is the "kid" the provider registered for the key, sent in the
	// assertion's header; empty means the key file's own kid (a JWK's),
	// else none, and the provider picks the registered key by type.
	KeyID string `json:"key_id,omitempty"`

	// key is the private key, read from KeyFile or set by a harness.
	key *jose.JWK
}

// Key returns the client's private key, or nil when it has none.
func (c *TargetClient) Key() *jose.JWK { return c.key }

// SetKey sets the client's private key, for a harness that registers the
// client with a key it generated instead of a key file.
func (c *TargetClient) SetKey(k jose.JWK) { c.key = &k }

// TargetUser is a test user.
type TargetUser struct {
	// Username logs the user in.
	Username string `json:"username"`
	// Password, or the environment variable PasswordEnv, is the user's
	// password.
	Password    string `json:"password,omitempty"`
	PasswordEnv string `json:"password_env,omitempty"`
}

// TargetLogin says how a user logs in.
type TargetLogin struct {
	// Agent is "form", "keycloak" or "interactive"; empty means none, and
	// scenarios that need a login skip.
	Agent string `json:"agent,omitempty"`
	// Form names the fields of the provider's login form.
	Form *FormFields `json:"form,omitempty"`
}

// FormFields are the names of a login form's inputs, for the form agent.
type FormFields struct {
	// UsernameField and PasswordField are the inputs' names; empty means
	// "username" and "password".
	UsernameField string `json:"username_field,omitempty"`
	PasswordField string `json:"password_field,omitempty"`
}

// The login agents a target may name.
const (
	AgentForm        = "form"
	AgentKeycloak    = "keycloak"
	AgentInteractive = "interactive"
)

// LoadTarget reads a target configuration file (see [Target] for the
// format), reads the secrets named by "_env" members from the environment
// and the key files, and checks the result with [Target.Validate]. Every
// error wraps [ErrTarget].
func LoadTarget(path string) (*Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTarget, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTargetFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrTarget, path, err)
	}
	if len(data) > maxTargetFile {
		return nil, fmt.Errorf("%w: %s is larger than 1 MiB", ErrTarget, path)
	}
	t, err := ParseTarget(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseTarget parses a target configuration (see [Target]). Relative key
// file paths are relative to dir. Secrets named by "_env" members are read
// from the environment. Every error wraps [ErrTarget].
func ParseTarget(data []byte, dir string) (*Target, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Target
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTarget, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrTarget)
	}
	if t.Version != TargetVersion {
		return nil, fmt.Errorf("%w: version %d, this program reads version %d", ErrTarget, t.Version, TargetVersion)
	}
	for _, role := range slices.Sorted(maps.Keys(t.Clients)) {
		c := t.Clients[role]
		if c == nil {
			return nil, fmt.Errorf("%w: client %q is null", ErrTarget, role)
		}
		if err := fromEnv(&c.ClientSecret, c.ClientSecretEnv); err != nil {
			return nil, fmt.Errorf("%w: client %q: %w", ErrTarget, role, err)
		}
		if c.KeyFile != "" {
			p := c.KeyFile
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			k, err := readPrivateKey(p, c.Alg, c.KeyID)
			if err != nil {
				return nil, fmt.Errorf("%w: client %q: %w", ErrTarget, role, err)
			}
			c.key = &k
		}
	}
	for i := range t.Users {
		if err := fromEnv(&t.Users[i].Password, t.Users[i].PasswordEnv); err != nil {
			return nil, fmt.Errorf("%w: user %q: %w", ErrTarget, t.Users[i].Username, err)
		}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate checks what a target must hold: an absolute issuer URL, known
// roles with a client_id each, absolute redirect URIs, a key for a
// private_key_jwt client, users with a name and a password, and a known
// login agent. Every error wraps [ErrTarget].
func (t *Target) Validate() error {
	u, err := url.Parse(t.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: issuer %q is not an http or https URL without query or fragment", ErrTarget, t.Issuer)
	}
	for role, c := range t.Clients {
		if !slices.Contains(roles, role) {
			return fmt.Errorf("%w: unknown client role %q (roles: %s)", ErrTarget, role, strings.Join(roles, ", "))
		}
		if c == nil || c.ClientID == "" {
			return fmt.Errorf("%w: client %q has no client_id", ErrTarget, role)
		}
		if c.RedirectURI != "" {
			if r, err := url.Parse(c.RedirectURI); err != nil || r.Scheme == "" || r.Host == "" || r.Fragment != "" {
				return fmt.Errorf("%w: client %q: redirect_uri %q is not an absolute URL without fragment", ErrTarget, role, c.RedirectURI)
			}
		}
		switch role {
		case RoleClientSecretBasic, RoleClientSecretPost, RoleClientSecretJWT:
			if c.ClientSecret == "" {
				return fmt.Errorf("%w: client %q has no client_secret", ErrTarget, role)
			}
		case RolePrivateKeyJWT:
			if c.key == nil {
				return fmt.Errorf("%w: client %q has no key_file", ErrTarget, role)
			}
		}
	}
	for _, u := range t.Users {
		if u.Username == "" || u.Password == "" {
			return fmt.Errorf("%w: a user lacks a username or a password", ErrTarget)
		}
	}
	switch t.Login.Agent {
	case "", AgentForm, AgentKeycloak, AgentInteractive:
	default:
		return fmt.Errorf("%w: unknown login agent %q (form, keycloak, interactive)", ErrTarget, t.Login.Agent)
	}
	switch t.Admin {
	case "", "keycloak":
	default:
		return fmt.Errorf("%w: unknown administration API %q", ErrTarget, t.Admin)
	}
	return nil
}

// DisplayName returns the target's name, or its issuer.
func (t *Target) DisplayName() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Issuer
}

// Client returns the client of role, or nil.
func (t *Target) Client(role string) *TargetClient {
	if t == nil {
		return nil
	}
	return t.Clients[role]
}

// User returns the first test user, or nil.
func (t *Target) User() *TargetUser {
	if t == nil || len(t.Users) == 0 {
		return nil
	}
	return &t.Users[0]
}

// Secrets returns every secret the target holds (client secrets,
// passwords), which must never appear in a report.
func (t *Target) Secrets() []string {
	var out []string
	for _, c := range t.Clients {
		if c != nil && c.ClientSecret != "" {
			out = append(out, c.ClientSecret)
		}
	}
	for _, u := range t.Users {
		out = append(out, u.Password)
	}
	return out
}

// AuthMethod returns the client authentication of role: RFC 6749,
// section 2.3.1 (basic, post), RFC 7523, section 2.2 (the JWT methods), or
// none for a public or device client without a secret.
func (c *TargetClient) AuthMethod(role string) oauth2.ClientAuthenticator {
	switch role {
	case RoleClientSecretBasic:
		return oauth2.ClientSecretBasic{}
	case RoleClientSecretPost:
		return oauth2.ClientSecretPost{}
	case RoleClientSecretJWT:
		return oauth2.ClientSecretJWT{Algorithm: jose.Algorithm(c.Alg)}
	case RolePrivateKeyJWT:
		if c.key != nil {
			return oauth2.PrivateKeyJWT{Key: *c.key, Algorithm: jose.Algorithm(c.Alg)}
		}
	}
	if c.ClientSecret != "" {
		return oauth2.ClientSecretBasic{}
	}
	return oauth2.None{}
}

// fromEnv sets *v from the environment variable name when name is set.
func fromEnv(v *string, name string) error {
	if name == "" {
		return nil
	}
	s, ok := os.LookupEnv(name)
	if !ok || s == "" {
		return fmt.Errorf("environment variable %s is not set", name)
	}
	*v = s
	return nil
}

// readPrivateKey reads a private key from a PEM file or a JWK. Only a
// regular file is read: a device or a named pipe could block or never end.
func readPrivateKey(path, alg, kid string) (jose.JWK, error) {
	f, err := os.Open(path)
	if err != nil {
		return jose.JWK{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return jose.JWK{}, fmt.Errorf("key file %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTargetFile+1))
	if err != nil {
		return jose.JWK{}, err
	}
	if len(data) > maxTargetFile {
		return jose.JWK{}, fmt.Errorf("key file %s is larger than 1 MiB", path)
	}
	var k jose.JWK
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		if k, err = jose.ParseJWK(trimmed); err != nil {
			return jose.JWK{}, fmt.Errorf("key file %s: %w", path, err)
		}
	} else {
		block, _ := pem.Decode(data)
		if block == nil {
			return jose.JWK{}, fmt.Errorf("key file %s holds neither PEM nor a JWK", path)
		}
		var key any
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			err = fmt.Errorf("PEM block %q is not a private key", block.Type)
		}
		if err != nil {
			return jose.JWK{}, fmt.Errorf("key file %s: %w", path, err)
		}
		switch key := key.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey:
			k = jose.JWK{Key: key, Use: "sig"}
		case ed25519.PrivateKey:
			k = jose.JWK{Key: key, Use: "sig"}
		default:
			return jose.JWK{}, fmt.Errorf("key file %s: unsupported key type %T", path, key)
		}
	}
	if !k.IsPrivate() {
		return jose.JWK{}, fmt.Errorf("key file %s holds no private key", path)
	}
	if alg != "" {
		k.Algorithm = jose.Algorithm(alg)
	}
	if kid != "" {
		k.KeyID = kid
	}
	return k, nil
}
