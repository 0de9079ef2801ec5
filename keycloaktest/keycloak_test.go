package keycloaktest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// The seed scenario: the master realm's administrator counts its users
// through an httpclient.Session.
func TestSeed_AdminCountsUsers(t *testing.T) {
	srv := kc.Server(t)
	ctx := testContext(t)
	cfg := &oauth2.Config{ClientID: "admin-cli", Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/realms/master/protocol/openid-connect/token"}}
	s := httpclient.New(cfg, httpclient.Options{Leeway: 10 * time.Second})
	if _, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: srv.AdminUser, Password: srv.AdminPassword}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/admin/realms/master/users/count", nil)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "1" {
		t.Fatalf("users/count = %d %q, want 200 \"1\"", resp.StatusCode, body)
	}
}

func TestAdmin_RealmSettings(t *testing.T) {
	srv := kc.Server(t)
	ctx := testContext(t)
	admin := srv.Admin()
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{
		AccessTokenLifespan:   90 * time.Second,
		SSOSessionIdleTimeout: 10 * time.Minute,
		SSOSessionMaxLifespan: time.Hour,
		RevokeRefreshToken:    true,
		RefreshTokenMaxReuse:  0,
		Attributes:            map[string]string{"oauthkit.test": "one"},
	})
	if err := admin.SetRealmAttributes(ctx, realm.Name, map[string]string{"oauthkit.other": "two"}); err != nil {
		t.Fatal(err)
	}
	rep, err := admin.RealmRepresentation(ctx, realm.Name)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"accessTokenLifespan":   90.0,
		"ssoSessionIdleTimeout": 600.0,
		"ssoSessionMaxLifespan": 3600.0,
		"revokeRefreshToken":    true,
		"refreshTokenMaxReuse":  0.0,
	} {
		if rep[name] != want {
			t.Errorf("%s = %v, want %v", name, rep[name], want)
		}
	}
	attrs, _ := rep["attributes"].(map[string]any)
	if attrs["oauthkit.test"] != "one" || attrs["oauthkit.other"] != "two" {
		t.Errorf("attributes = %v, want both oauthkit.* set", attrs)
	}

	// The discovery document agrees with the endpoints Realm computes.
	var meta map[string]any
	if _, err := admin.Do(ctx, http.MethodGet, "/realms/"+realm.Name+"/.well-known/openid-configuration", nil, &meta); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"issuer":                                realm.Issuer,
		"authorization_endpoint":                realm.AuthorizationURL,
		"token_endpoint":                        realm.TokenURL,
		"device_authorization_endpoint":         realm.DeviceAuthorizationURL,
		"pushed_authorization_request_endpoint": realm.PushedAuthorizationRequestURL,
		"introspection_endpoint":                realm.IntrospectionURL,
		"revocation_endpoint":                   realm.RevocationURL,
		"userinfo_endpoint":                     realm.UserinfoURL,
		"jwks_uri":                              realm.JWKSURL,
		"end_session_endpoint":                  realm.EndSessionURL,
	} {
		if meta[name] != want {
			t.Errorf("%s = %v, want %s", name, meta[name], want)
		}
	}
	if _, ok := meta["dpop_signing_alg_values_supported"]; !ok {
		t.Error("dpop_signing_alg_values_supported missing: DPoP not enabled")
	}
}

func TestAdmin_DeleteMissingRealmIsAPIError(t *testing.T) {
	srv := kc.Server(t)
	err := srv.Admin().DeleteRealm(testContext(t), "oauthkit-no-such-realm")
	var apiErr *keycloaktest.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("err = %v, want *APIError with status 404", err)
	}
}

func TestAdmin_ClientKinds(t *testing.T) {
	srv := kc.Server(t)
	ctx := testContext(t)
	admin := srv.Admin()
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
	jwks := `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",` +
		`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	cases := []struct {
		name  string
		opts  keycloaktest.ClientOptions
		attrs map[string]string
		rep   map[string]any
	}{
		{"basic", keycloaktest.ClientOptions{Auth: keycloaktest.ClientSecretBasic, ServiceAccount: true},
			nil, map[string]any{"clientAuthenticatorType": "client-secret", "serviceAccountsEnabled": true}},
		{"post", keycloaktest.ClientOptions{Auth: keycloaktest.ClientSecretPost, DirectAccessGrants: true, Secret: "fixed-secret-for-post"},
			nil, map[string]any{"clientAuthenticatorType": "client-secret", "directAccessGrantsEnabled": true}},
		{"public-pkce", keycloaktest.ClientOptions{Auth: keycloaktest.PublicClient, StandardFlow: true, PKCE: true, RedirectURIs: []string{"http://127.0.0.1/cb"}},
			map[string]string{"pkce.code.challenge.method": "S256"}, map[string]any{"publicClient": true, "standardFlowEnabled": true}},
		{"secret-jwt", keycloaktest.ClientOptions{Auth: keycloaktest.ClientSecretJWT, ServiceAccount: true, SigningAlgorithm: "HS256"},
			map[string]string{"token.endpoint.auth.signing.alg": "HS256"}, map[string]any{"clientAuthenticatorType": "client-secret-jwt"}},
		{"key-jwt-url", keycloaktest.ClientOptions{Auth: keycloaktest.PrivateKeyJWT, ServiceAccount: true, JWKSURL: "http://127.0.0.1:1/jwks"},
			map[string]string{"use.jwks.url": "true", "jwks.url": "http://127.0.0.1:1/jwks"}, map[string]any{"clientAuthenticatorType": "client-jwt"}},
		{"key-jwt-inline", keycloaktest.ClientOptions{Auth: keycloaktest.PrivateKeyJWT, ServiceAccount: true, JWKS: jwks},
			map[string]string{"use.jwks.string": "true", "jwks.string": jwks}, map[string]any{"clientAuthenticatorType": "client-jwt"}},
		{"device", keycloaktest.ClientOptions{Auth: keycloaktest.PublicClient, DeviceGrant: true},
			map[string]string{"oauth2.device.authorization.grant.enabled": "true"}, nil},
		{"exchange", keycloaktest.ClientOptions{TokenExchange: true, Audiences: []string{"account"}},
			map[string]string{"standard.token.exchange.enabled": "true"}, nil},
		{"dpop", keycloaktest.ClientOptions{DPoPBound: true, ServiceAccount: true},
			map[string]string{"dpop.bound.access.tokens": "true"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := admin.CreateClient(ctx, realm.Name, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			wantSecret := tc.opts.Auth != keycloaktest.PublicClient && tc.opts.Auth != keycloaktest.PrivateKeyJWT
			if (c.Secret != "") != wantSecret {
				t.Errorf("secret present = %v, want %v", c.Secret != "", wantSecret)
			}
			if tc.opts.Secret != "" && c.Secret != tc.opts.Secret {
				t.Errorf("secret not the one given")
			}
			var got map[string]any
			if _, err := admin.Do(ctx, http.MethodGet, "/admin/realms/"+realm.Name+"/clients/"+c.ID, nil, &got); err != nil {
				t.Fatal(err)
			}
			if got["clientId"] != c.ClientID {
				t.Errorf("clientId = %v, want %s", got["clientId"], c.ClientID)
			}
			for k, v := range tc.rep {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			attrs, _ := got["attributes"].(map[string]any)
			for k, v := range tc.attrs {
				if attrs[k] != v {
					t.Errorf("attribute %s = %v, want %v", k, attrs[k], v)
				}
			}
		})
	}
}

// realmFixture is a fresh realm of the shared server with one client and,
// when asked for, one user.
type realmFixture struct {
	admin  *keycloaktest.Admin
	realm  *keycloaktest.Realm
	client *keycloaktest.Client
	user   *keycloaktest.User // nil unless asked for
}

// newRealmFixture creates a realm with a client of opts and, when user is
// not nil, a user of *user.
func newRealmFixture(ctx context.Context, tb testing.TB, opts keycloaktest.ClientOptions, user *keycloaktest.UserOptions) *realmFixture {
	tb.Helper()
	srv := kc.Server(tb)
	f := &realmFixture{admin: srv.Admin(), realm: srv.NewRealm(tb, keycloaktest.RealmOptions{})}
	var err error
	if f.client, err = f.admin.CreateClient(ctx, f.realm.Name, opts); err != nil {
		tb.Fatal(err)
	}
	if user != nil {
		if f.user, err = f.admin.CreateUser(ctx, f.realm.Name, *user); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// authorizationRequest starts an authorization code flow with scope openid
// for the fixture's client, redirecting to redirect (RFC 6749, section
// 4.1.1; RFC 7636, section 4.3).
func (f *realmFixture) authorizationRequest(tb testing.TB, redirect string) (*oauth2.Config, *oauth2.Flow) {
	tb.Helper()
	cfg := &oauth2.Config{ClientID: f.client.ClientID, Endpoint: f.realm.Endpoint(), RedirectURL: redirect, Scopes: []string{"openid"}}
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return cfg, flow
}

// A user logs in with the password grant; deleting the session at Keycloak
// makes the refresh fail with invalid_grant "Session not active".
func TestAdmin_DeleteSessionEndsRefresh(t *testing.T) {
	ctx := testContext(t)
	f := newRealmFixture(ctx, t, keycloaktest.ClientOptions{DirectAccessGrants: true}, &keycloaktest.UserOptions{Username: "alice"})
	admin, realm, client, user := f.admin, f.realm, f.client, f.user
	cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint()}
	tok, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := admin.UserSessions(ctx, realm.Name, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || sessions[0].Username != "alice" || sessions[0].UserID != user.ID {
		t.Fatalf("sessions = %+v, want one of alice", sessions)
	}
	if err := admin.DeleteSession(ctx, realm.Name, sessions[0].ID); err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Token(ctx, oauth2.RefreshTokenGrant{RefreshToken: tok.RefreshToken})
	if !errors.Is(err, &oauth2.Error{Code: "invalid_grant"}) {
		t.Fatalf("refresh after session deletion: err = %v, want invalid_grant", err)
	}
	if !strings.Contains(err.Error(), "Session not active") {
		t.Errorf("error %q does not say the session ended", err)
	}

	// LogoutUser ends every session of the user.
	if _, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password}); err != nil {
		t.Fatal(err)
	}
	if err := admin.LogoutUser(ctx, realm.Name, user.ID); err != nil {
		t.Fatal(err)
	}
	if sessions, err := admin.UserSessions(ctx, realm.Name, user.ID); err != nil || len(sessions) != 0 {
		t.Fatalf("after logout: sessions = %v, err = %v; want none", sessions, err)
	}
}

func TestUserAgent_LoginAuthorizationCode(t *testing.T) {
	ctx := testContext(t)
	const redirect = "http://127.0.0.1:9/callback"
	f := newRealmFixture(ctx, t, keycloaktest.ClientOptions{
		Auth: keycloaktest.PublicClient, StandardFlow: true, PKCE: true, RedirectURIs: []string{redirect}, ConsentRequired: true,
	}, &keycloaktest.UserOptions{})
	realm, user := f.realm, f.user
	cfg, flow := f.authorizationRequest(t, redirect)
	ua := keycloaktest.NewUserAgent(nil)
	got, err := ua.Login(ctx, flow.URL, redirect, user.Username, user.Password)
	if err != nil {
		t.Fatal(err)
	}
	if got.Query().Get("state") != flow.State || got.Query().Get("iss") != realm.Issuer || got.Query().Get("code") == "" {
		t.Fatalf("redirect %s: want state, iss and code", got.Redacted())
	}
	tok, err := cfg.Token(ctx, oauth2.AuthorizationCodeGrant{Code: got.Query().Get("code"), CodeVerifier: flow.CodeVerifier})
	if err != nil {
		t.Fatal(err)
	}
	if tok.IDToken == "" || tok.RefreshToken == "" {
		t.Error("code exchange returned no ID token or refresh token")
	}

	// A second login in the same agent is single sign-on: no form.
	again, err := ua.Login(ctx, flow.URL, redirect, "", "")
	if err != nil || again.Query().Get("code") == "" {
		t.Fatalf("SSO login: %v", err)
	}
}

func TestUserAgent_WrongPassword(t *testing.T) {
	ctx := testContext(t)
	const redirect = "http://127.0.0.1:9/callback"
	f := newRealmFixture(ctx, t, keycloaktest.ClientOptions{
		Auth: keycloaktest.PublicClient, StandardFlow: true, RedirectURIs: []string{redirect},
	}, &keycloaktest.UserOptions{})
	_, flow := f.authorizationRequest(t, redirect)
	_, err := keycloaktest.NewUserAgent(nil).Login(ctx, flow.URL, redirect, f.user.Username, "SENTINEL-wrong-password")
	var le *keycloaktest.LoginError
	if !errors.As(err, &le) || !errors.Is(err, keycloaktest.ErrLoginFailed) {
		t.Fatalf("err = %v, want *LoginError wrapping ErrLoginFailed", err)
	}
	if !strings.Contains(le.Message, "Invalid username or password") {
		t.Errorf("message = %q, want Keycloak's feedback", le.Message)
	}
	if strings.Contains(err.Error(), "SENTINEL") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestUserAgent_ApproveDevice(t *testing.T) {
	ctx := testContext(t)
	f := newRealmFixture(ctx, t, keycloaktest.ClientOptions{Auth: keycloaktest.PublicClient, DeviceGrant: true}, &keycloaktest.UserOptions{})
	user := f.user
	cfg := &oauth2.Config{ClientID: f.client.ClientID, Endpoint: f.realm.Endpoint()}
	da, err := cfg.DeviceAuthorization(ctx, []string{"openid"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := keycloaktest.NewUserAgent(nil).ApproveDevice(ctx, da.VerificationURIComplete, "", user.Username, user.Password); err != nil {
		t.Fatal(err)
	}
	da.Wait = func(ctx context.Context, d time.Duration) error { return nil } // approved already
	tok, err := cfg.PollDeviceToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" {
		t.Fatal("no access token")
	}
}

// jwtHeader decodes the protected header of a compact JWS.
func jwtHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAdmin_RotateKeys(t *testing.T) {
	ctx := testContext(t)
	f := newRealmFixture(ctx, t, keycloaktest.ClientOptions{ServiceAccount: true}, nil)
	admin, realm, client := f.admin, f.realm, f.client
	cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint()}
	before, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		t.Fatal(err)
	}
	oldKID, _ := jwtHeader(t, before.AccessToken)["kid"].(string)
	kid, err := admin.RotateKeys(ctx, realm.Name, keycloaktest.RotateKeysOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if kid == "" || kid == oldKID {
		t.Fatalf("new kid %q, old %q", kid, oldKID)
	}
	after, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		t.Fatal(err)
	}
	if got := jwtHeader(t, after.AccessToken)["kid"]; got != kid {
		t.Errorf("token signed with kid %v, want the new %s", got, kid)
	}
	var jwks struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if _, err := admin.Do(ctx, http.MethodGet, "/realms/"+realm.Name+"/protocol/openid-connect/certs", nil, &jwks); err != nil {
		t.Fatal(err)
	}
	published := map[string]bool{}
	for _, k := range jwks.Keys {
		published[k.KID] = true
	}
	if !published[kid] || !published[oldKID] {
		t.Errorf("JWKS kids %v: want the new %s and the passive old %s", published, kid, oldKID)
	}
}

// A start that does not become ready in time says so and shows the log.
func TestStart_TimeoutReportsCauseAndLog(t *testing.T) {
	srv := kc.Server(t)
	if srv.Source != keycloaktest.SourceCache && srv.Source != keycloaktest.SourceHome {
		t.Skipf("needs a local distribution; the shared server comes from %s", srv.Source)
	}
	_, err := keycloaktest.Start(testContext(t), keycloaktest.Options{Source: srv.Source, StartTimeout: 2 * time.Second})
	var se *keycloaktest.StartError
	if !errors.Is(err, keycloaktest.ErrStartTimeout) || !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StartError wrapping ErrStartTimeout", err)
	}
	if se.LogTail == "" || !strings.Contains(err.Error(), se.LogTail) {
		t.Errorf("error %q carries no server log", err)
	}
}
