package keycloaktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// RealmOptions describe a realm to create. Zero values keep Keycloak's
// defaults.
type RealmOptions struct {
	// Name of the realm; empty means a unique "oauthkit-<random>".
	Name string
	// AccessTokenLifespan is the lifetime of access tokens
	// (accessTokenLifespan; Keycloak's default is 5 minutes).
	AccessTokenLifespan time.Duration
	// SSOSessionIdleTimeout ends a session, and its refresh tokens, after
	// this long without use (ssoSessionIdleTimeout).
	SSOSessionIdleTimeout time.Duration
	// SSOSessionMaxLifespan ends a session this long after login
	// (ssoSessionMaxLifespan).
	SSOSessionMaxLifespan time.Duration
	// RevokeRefreshToken turns on refresh token rotation with reuse
	// detection (revokeRefreshToken): a refresh token may be used
	// RefreshTokenMaxReuse+1 times (refreshTokenMaxReuse).
	RevokeRefreshToken   bool
	RefreshTokenMaxReuse int
	// Attributes are realm attributes.
	Attributes map[string]string
	// Representation holds further members of the realm representation;
	// they are applied last and win over the fields above.
	Representation map[string]any
}

// Realm names a realm and its endpoints, as Keycloak serves them.
type Realm struct {
	// Name of the realm.
	Name string
	// Issuer is the issuer identifier (OpenID Connect Discovery 1.0,
	// section 3; RFC 8414, section 2).
	Issuer string
	// DiscoveryURL is the OpenID Provider configuration document.
	DiscoveryURL string
	// AuthorizationURL is the authorization endpoint (RFC 6749, section 3.1).
	AuthorizationURL string
	// TokenURL is the token endpoint (RFC 6749, section 3.2).
	TokenURL string
	// DeviceAuthorizationURL is the device authorization endpoint (RFC 8628, section 3.1).
	DeviceAuthorizationURL string
	// PushedAuthorizationRequestURL is the PAR endpoint (RFC 9126, section 2).
	PushedAuthorizationRequestURL string
	// IntrospectionURL is the introspection endpoint (RFC 7662, section 2).
	IntrospectionURL string
	// RevocationURL is the revocation endpoint (RFC 7009, section 2).
	RevocationURL string
	// UserinfoURL is the UserInfo endpoint (OpenID Connect Core 1.0, section 5.3).
	UserinfoURL string
	// JWKSURL is the realm's JSON Web Key Set (RFC 7517, section 5).
	JWKSURL string
	// EndSessionURL is the RP-initiated logout endpoint (OpenID Connect
	// RP-Initiated Logout 1.0, section 2).
	EndSessionURL string
}

// realmAt returns the endpoints of realm name at the server baseURL.
func realmAt(baseURL, name string) *Realm {
	issuer := baseURL + "/realms/" + url.PathEscape(name)
	oidc := issuer + "/protocol/openid-connect"
	return &Realm{
		Name:                          name,
		Issuer:                        issuer,
		DiscoveryURL:                  issuer + "/.well-known/openid-configuration",
		AuthorizationURL:              oidc + "/auth",
		TokenURL:                      oidc + "/token",
		DeviceAuthorizationURL:        oidc + "/auth/device",
		PushedAuthorizationRequestURL: oidc + "/ext/par/request",
		IntrospectionURL:              oidc + "/token/introspect",
		RevocationURL:                 oidc + "/revoke",
		UserinfoURL:                   oidc + "/userinfo",
		JWKSURL:                       oidc + "/certs",
		EndSessionURL:                 oidc + "/logout",
	}
}

// Endpoint returns the realm's endpoints for an oauth2.Config.
func (r *Realm) Endpoint() oauth2.Endpoint {
	return oauth2.Endpoint{
		Issuer:                        r.Issuer,
		AuthorizationURL:              r.AuthorizationURL,
		TokenURL:                      r.TokenURL,
		DeviceAuthorizationURL:        r.DeviceAuthorizationURL,
		PushedAuthorizationRequestURL: r.PushedAuthorizationRequestURL,
		IntrospectionURL:              r.IntrospectionURL,
		RevocationURL:                 r.RevocationURL,
	}
}

// Realm returns the endpoints of an existing realm without any request.
func (a *Admin) Realm(name string) *Realm { return realmAt(a.baseURL, name) }

// CreateRealm creates an enabled realm that accepts plain HTTP
// (sslRequired "none", for loopback tests).
func (a *Admin) CreateRealm(ctx context.Context, opts RealmOptions) (*Realm, error) {
	name := opts.Name
	if name == "" {
		name = uniqueName("oauthkit")
	}
	rep := map[string]any{
		"realm":       name,
		"enabled":     true,
		"sslRequired": "none",
	}
	if opts.AccessTokenLifespan > 0 {
		rep["accessTokenLifespan"] = seconds(opts.AccessTokenLifespan)
	}
	if opts.SSOSessionIdleTimeout > 0 {
		rep["ssoSessionIdleTimeout"] = seconds(opts.SSOSessionIdleTimeout)
	}
	if opts.SSOSessionMaxLifespan > 0 {
		rep["ssoSessionMaxLifespan"] = seconds(opts.SSOSessionMaxLifespan)
	}
	if opts.RevokeRefreshToken {
		rep["revokeRefreshToken"] = true
		rep["refreshTokenMaxReuse"] = opts.RefreshTokenMaxReuse
	}
	if len(opts.Attributes) > 0 {
		rep["attributes"] = opts.Attributes
	}
	for k, v := range opts.Representation {
		rep[k] = v
	}
	if _, err := a.Do(ctx, http.MethodPost, "/admin/realms", rep, nil); err != nil {
		return nil, err
	}
	return realmAt(a.baseURL, name), nil
}

// DeleteRealm deletes a realm and everything in it.
func (a *Admin) DeleteRealm(ctx context.Context, name string) error {
	_, err := a.Do(ctx, http.MethodDelete, "/admin/realms/"+url.PathEscape(name), nil, nil)
	return err
}

// RealmRepresentation returns the realm's representation as Keycloak
// serves it.
func (a *Admin) RealmRepresentation(ctx context.Context, name string) (map[string]any, error) {
	var rep map[string]any
	_, err := a.Do(ctx, http.MethodGet, "/admin/realms/"+url.PathEscape(name), nil, &rep)
	return rep, err
}

// UpdateRealm changes the members of the realm representation given in
// rep (for example "accessTokenLifespan": 60) and leaves the others.
func (a *Admin) UpdateRealm(ctx context.Context, name string, rep map[string]any) error {
	_, err := a.Do(ctx, http.MethodPut, "/admin/realms/"+url.PathEscape(name), rep, nil)
	return err
}

// SetRealmAttributes sets realm attributes, keeping the others (Keycloak
// replaces the whole attribute map on update, so it is read first).
func (a *Admin) SetRealmAttributes(ctx context.Context, name string, attrs map[string]string) error {
	rep, err := a.RealmRepresentation(ctx, name)
	if err != nil {
		return err
	}
	merged := map[string]any{}
	if cur, ok := rep["attributes"].(map[string]any); ok {
		for k, v := range cur {
			merged[k] = v
		}
	}
	for k, v := range attrs {
		merged[k] = v
	}
	return a.UpdateRealm(ctx, name, map[string]any{"attributes": merged})
}

// NewRealm creates a realm for one test and deletes it when the test
// ends. It fails the test if the realm cannot be created.
func (s *Server) NewRealm(t testing.TB, opts RealmOptions) *Realm {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := s.Admin()
	r, err := admin.CreateRealm(ctx, opts)
	if err != nil {
		t.Fatalf("keycloaktest: create realm: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := admin.DeleteRealm(ctx, r.Name); err != nil {
			t.Errorf("keycloaktest: delete realm %s: %v", r.Name, err)
		}
	})
	return r
}

// uniqueName returns prefix-<12 random hex digits>.
func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// seconds converts d to whole seconds for Keycloak, rounding up so that a
// positive duration never becomes 0 (which Keycloak reads as "default").
func seconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
