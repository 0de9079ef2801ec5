package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// restScenarios are the scenarios of dynamic client registration, the
// resource-server side and encrypted tokens, on Keycloak and against
// hostile servers.
func restScenarios() []Scenario {
	var all []Scenario
	for _, group := range [][]Scenario{
		registrationScenarios(),
		resourceScenarios(),
		jweScenarios(),
		cibaScenarios(),
		frontChannelScenarios(),
		hostileResourceScenarios(),
		hostileJWEScenarios(),
	} {
		all = append(all, group...)
	}
	return all
}

// Dynamic client registration on Keycloak's OpenID Connect registration
// endpoint, authorized by an initial access token made through the admin
// API.
func registrationScenarios() []Scenario {
	needs := []Need{NeedAdmin, NeedLogin}
	return []Scenario{
		{
			ID:    "kc-registration-lifecycle",
			Title: "register a client with an initial access token, use it for client credentials and a code flow, read, update and delete it",
			Spec:  "RFC 7591 §3, RFC 7592 §2",
			Needs: needs,
			Run:   runRegistrationLifecycle,
		},
		{
			ID:    "kc-registration-invalid-redirect-uri",
			Title: "a redirect URI with an illegal scheme is refused with invalid_redirect_uri",
			Spec:  "RFC 7591 §3.2.2",
			Needs: []Need{NeedAdmin},
			Run:   runRegistrationInvalidRedirect,
		},
	}
}

// registrationEndpoint is Keycloak's OpenID Connect Dynamic Client
// Registration endpoint of realm.
func registrationEndpoint(realm *keycloaktest.Realm) string {
	return realm.Issuer + "/clients-registrations/openid-connect"
}

// newInitialAccessToken asks the admin API for an initial access token of
// realm good for count registrations.
func newInitialAccessToken(ctx context.Context, e *Env, realm *keycloaktest.Realm, count int) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	path := "/admin/realms/" + url.PathEscape(realm.Name) + "/clients-initial-access"
	if _, err := e.Admin().Do(ctx, http.MethodPost, path, map[string]any{"count": count, "expiration": 600}, &out); err != nil {
		return "", fmt.Errorf("creating an initial access token: %w", err)
	}
	if out.Token == "" {
		return "", errors.New("the admin API returned no initial access token")
	}
	e.AddSecret(out.Token)
	return out.Token, nil
}

func runRegistrationLifecycle(ctx context.Context, e *Env) error {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	iat, err := newInitialAccessToken(ctx, e, realm, 1)
	if err != nil {
		return err
	}
	user, err := e.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)

	reg := &oauth2.Config{HTTPClient: e.HTTPClient(), Observer: e.Record}
	asked := oauth2.ClientMetadata{
		ClientName:              "oauthkit registered client",
		RedirectURIs:            []string{redirectURI},
		GrantTypes:              []string{"authorization_code", "client_credentials"},
		TokenEndpointAuthMethod: oauth2.MethodClientSecretBasic,
	}
	rc, err := reg.RegisterClient(ctx, oauth2.RegistrationRequest{
		Endpoint:           registrationEndpoint(realm),
		InitialAccessToken: iat,
		Metadata:           asked,
	})
	if err != nil {
		return fmt.Errorf("registering: %w", err)
	}
	e.AddSecret(rc.ClientSecret, rc.RegistrationAccessToken)
	if rc.ClientSecret == "" || rc.RegistrationAccessToken == "" || rc.RegistrationClientURI == "" {
		return errors.New("the registration response lacks client_secret, registration_access_token or registration_client_uri")
	}
	e.Notef("registered %s; secret expires at %v (zero: never)", rc.ClientID, rc.ClientSecretExpiresAt)

	// The registered client at work: client credentials (RFC 6749, section 4.4).
	cfg := &oauth2.Config{Endpoint: realm.Endpoint(), RedirectURL: redirectURI, HTTPClient: e.HTTPClient(), Observer: e.Record}
	if err := rc.Apply(cfg); err != nil {
		return err
	}
	tok, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials with the registered client: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken)
	if jwtClaim(tok.AccessToken, "azp") != rc.ClientID {
		return fmt.Errorf("the access token's azp is %q, expected %q", jwtClaim(tok.AccessToken, "azp"), rc.ClientID)
	}

	// ... and the authorization code flow (section 4.1).
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{RequireIssuer: true})
	if err != nil {
		return err
	}
	e.AddSecret(flow.CodeVerifier)
	params, err := headlessLogin(ctx, e, e.NewUserAgent(), flow.URL, user)
	if err != nil {
		return err
	}
	tok, err = flow.Complete(ctx, cfg, params)
	if err != nil {
		return fmt.Errorf("redeeming the code with the registered client: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	if jwtClaim(tok.AccessToken, "sub") != user.ID {
		return errors.New("the code flow's access token is not the user's")
	}

	// RFC 7592, section 2.1: read.
	got, err := reg.ReadClient(ctx, rc)
	if err != nil {
		return fmt.Errorf("reading the client: %w", err)
	}
	e.AddSecret(got.RegistrationAccessToken)
	if got.Metadata.ClientName != asked.ClientName {
		return fmt.Errorf("read back client_name %q", got.Metadata.ClientName)
	}
	if got.RegistrationAccessToken != rc.RegistrationAccessToken {
		e.Notef("the registration access token was rotated on read")
	}
	// Section 2.2: update.
	md := got.Metadata
	md.ClientName = "oauthkit renamed client"
	got, err = reg.UpdateClient(ctx, got, md)
	if err != nil {
		return fmt.Errorf("updating the client: %w", err)
	}
	e.AddSecret(got.RegistrationAccessToken, got.ClientSecret)
	if got.Metadata.ClientName != md.ClientName {
		return fmt.Errorf("updated client_name reads %q", got.Metadata.ClientName)
	}
	// Section 2.3: delete; the client then no longer authenticates.
	if err := reg.DeleteClient(ctx, got); err != nil {
		return fmt.Errorf("deleting the client: %w", err)
	}
	if err := got.Apply(cfg); err != nil {
		return err
	}
	_, err = cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidClient}) && !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorUnauthorizedClient}) {
		return fmt.Errorf("the deleted client still got a token, or an unexpected error: %v", err)
	}
	e.Notef("registered, used for client credentials and a code flow, read, updated and deleted")
	return nil
}

func runRegistrationInvalidRedirect(ctx context.Context, e *Env) error {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	iat, err := newInitialAccessToken(ctx, e, realm, 1)
	if err != nil {
		return err
	}
	reg := &oauth2.Config{HTTPClient: e.HTTPClient(), Observer: e.Record}
	_, err = reg.RegisterClient(ctx, oauth2.RegistrationRequest{
		Endpoint:           registrationEndpoint(realm),
		InitialAccessToken: iat,
		Metadata:           oauth2.ClientMetadata{RedirectURIs: []string{"javascript:alert(1)"}},
	})
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.Code != oauth2.ErrorInvalidRedirectURI || oe.StatusCode != http.StatusBadRequest {
		return fmt.Errorf("expected invalid_redirect_uri with HTTP 400, got %v", err)
	}
	e.Notef("refused: %v", err)
	return nil
}
