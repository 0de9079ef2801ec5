package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
)

// KeycloakTarget provisions a realm of its own on the Keycloak that admin
// administers, with one client per role ([Roles]) and a test user, and
// returns it as a [Target], with the [Administrator] of that realm and a
// function that deletes the realm. The generic scenarios then run against
// Keycloak exactly as against any other provider: through the issuer's
// metadata and these pre-registered clients.
func KeycloakTarget(ctx context.Context, admin *keycloaktest.Admin) (*Target, Administrator, func(context.Context) error, error) {
	// Refresh token rotation with reuse detection is off by default in
	// Keycloak; it is turned on as RFC 9700, section 4.14.2 asks of a
	// deployment with public clients.
	realm, err := admin.CreateRealm(ctx, keycloaktest.RealmOptions{Name: uniqueName("ok-target"), RevokeRefreshToken: true})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating the target realm: %w", err)
	}
	remove := func(ctx context.Context) error { return admin.DeleteRealm(ctx, realm.Name) }
	ka := &keycloakAdministrator{admin: admin, realm: realm.Name, fullProfile: true}
	if err := allowUnmanagedAttributes(ctx, admin, realm.Name); err != nil {
		_ = remove(context.WithoutCancel(ctx))
		return nil, nil, nil, err
	}
	t := &Target{
		Version: TargetVersion,
		Name:    "Keycloak realm " + realm.Name,
		Issuer:  realm.Issuer,
		Clients: map[string]*TargetClient{},
		Login:   TargetLogin{Agent: AgentKeycloak},
		Admin:   "keycloak",
	}
	for _, role := range roles {
		c, err := ka.CreateClient(ctx, role, redirectURI)
		if err != nil {
			_ = remove(context.WithoutCancel(ctx))
			return nil, nil, nil, err
		}
		t.Clients[role] = c
	}
	u, err := ka.CreateUser(ctx)
	if err != nil {
		_ = remove(context.WithoutCancel(ctx))
		return nil, nil, nil, err
	}
	t.Users = []TargetUser{*u}
	if err := t.Validate(); err != nil {
		_ = remove(context.WithoutCancel(ctx))
		return nil, nil, nil, err
	}
	return t, ka, remove, nil
}

// NewKeycloakAdministrator returns the [Administrator] of the Keycloak
// realm named realm, administered through admin.
func NewKeycloakAdministrator(admin *keycloaktest.Admin, realm string) Administrator {
	return &keycloakAdministrator{admin: admin, realm: realm}
}

// keycloakAdministrator is the [Administrator] of one Keycloak realm.
type keycloakAdministrator struct {
	admin *keycloaktest.Admin
	realm string
	// fullProfile gives created users a phone number and an address, for
	// the scopes phone and address (OpenID Connect Core 1.0, section 5.4).
	fullProfile bool
	// mu serializes the realm updates, which Keycloak applies as
	// read-modify-write of the whole representation.
	mu sync.Mutex
}

// allowUnmanagedAttributes lets users of the realm hold attributes that
// its user profile does not declare (phoneNumber, street, ...), which
// Keycloak's phone and address claim mappers read.
func allowUnmanagedAttributes(ctx context.Context, admin *keycloaktest.Admin, realm string) error {
	path := "/admin/realms/" + url.PathEscape(realm) + "/users/profile"
	var profile map[string]any
	if _, err := admin.Do(ctx, "GET", path, nil, &profile); err != nil {
		return fmt.Errorf("reading the user profile: %w", err)
	}
	profile["unmanagedAttributePolicy"] = "ENABLED"
	if _, err := admin.Do(ctx, "PUT", path, profile, nil); err != nil {
		return fmt.Errorf("allowing unmanaged user attributes: %w", err)
	}
	return nil
}

func (k *keycloakAdministrator) Capabilities() []string {
	return []string{AdminCreateClient, AdminCreateUser, AdminEndSession, AdminRotateKeys, AdminSetLifetimes}
}

// CreateClient registers a client that can do what role says, and every
// grant the generic scenarios use with it.
func (k *keycloakAdministrator) CreateClient(ctx context.Context, role, redirect string) (*TargetClient, error) {
	opts := keycloaktest.ClientOptions{ClientID: uniqueName(role)}
	if redirect != "" {
		opts.RedirectURIs = []string{redirect}
	}
	confidential := func(auth keycloaktest.ClientAuth) {
		opts.Auth = auth
		opts.StandardFlow = redirect != ""
		opts.ServiceAccount = true
		opts.DirectAccessGrants = true
		// Keycloak answers introspection with active false unless the
		// introspecting client is in the token's audience.
		opts.Audiences = []string{opts.ClientID}
	}
	var key *jose.JWK
	switch role {
	case RoleClientSecretBasic:
		confidential(keycloaktest.ClientSecretBasic)
		opts.PostLogoutRedirectURIs = opts.RedirectURIs
	case RoleClientSecretPost:
		confidential(keycloaktest.ClientSecretPost)
	case RoleClientSecretJWT:
		confidential(keycloaktest.ClientSecretJWT)
		opts.SigningAlgorithm = "HS256"
	case RolePrivateKeyJWT:
		confidential(keycloaktest.PrivateKeyJWT)
		pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		key = &jose.JWK{KeyID: uniqueName("ec"), Algorithm: jose.ES256, Use: "sig", Key: pk}
		jwks, err := publicJWKS(*key)
		if err != nil {
			return nil, err
		}
		opts.JWKS = string(jwks)
		opts.SigningAlgorithm = string(jose.ES256)
	case RolePublic:
		opts.Auth, opts.StandardFlow, opts.PKCE = keycloaktest.PublicClient, redirect != "", true
	case RoleDevice:
		opts.Auth, opts.DeviceGrant, opts.RedirectURIs = keycloaktest.PublicClient, true, nil
	case RoleDPoP:
		confidential(keycloaktest.ClientSecretBasic)
		opts.DPoPBound = true
	default:
		return nil, fmt.Errorf("%w: unknown client role %q", ErrTarget, role)
	}
	c, err := k.admin.CreateClient(ctx, k.realm, opts)
	if err != nil {
		return nil, fmt.Errorf("creating the %s client: %w", role, err)
	}
	tc := &TargetClient{ClientID: c.ClientID, ClientSecret: c.Secret, key: key}
	if len(opts.RedirectURIs) > 0 {
		tc.RedirectURI = opts.RedirectURIs[0]
	}
	if key != nil {
		tc.Alg = string(key.Algorithm)
	}
	return tc, nil
}

func (k *keycloakAdministrator) CreateUser(ctx context.Context) (*TargetUser, error) {
	var opts keycloaktest.UserOptions
	if k.fullProfile {
		opts.Attributes = map[string][]string{
			"phoneNumber": {"+1 555 0100"}, "phoneNumberVerified": {"true"},
			"street": {"1 Example Street"}, "locality": {"Springfield"}, "region": {"EX"},
			"postal_code": {"00000"}, "country": {"Exampleland"},
		}
	}
	u, err := k.admin.CreateUser(ctx, k.realm, opts)
	if err != nil {
		return nil, fmt.Errorf("creating a user: %w", err)
	}
	return &TargetUser{Username: u.Username, Password: u.Password}, nil
}

// EndSession logs the user out through the admin API: Keycloak's "sub"
// is the user's id.
func (k *keycloakAdministrator) EndSession(ctx context.Context, sub string) error {
	return k.admin.LogoutUser(ctx, k.realm, url.PathEscape(sub))
}

func (k *keycloakAdministrator) RotateKeys(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, err := k.admin.RotateKeys(ctx, k.realm, keycloaktest.RotateKeysOptions{})
	return err
}

func (k *keycloakAdministrator) SetLifetimes(ctx context.Context, l Lifetimes) error {
	rep := map[string]any{}
	if l.AccessToken > 0 {
		rep["accessTokenLifespan"] = int(l.AccessToken / time.Second)
	}
	if l.SessionIdle > 0 {
		rep["ssoSessionIdleTimeout"] = int(l.SessionIdle / time.Second)
	}
	if l.SessionMax > 0 {
		rep["ssoSessionMaxLifespan"] = int(l.SessionMax / time.Second)
	}
	if len(rep) == 0 {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.admin.UpdateRealm(ctx, k.realm, rep)
}
