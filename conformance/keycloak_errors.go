package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Error responses as the provider sends them (RFC 6749, section 5.2): each
// must come back as a typed *oauth2.Error with the provider's code,
// description and HTTP status, and with no secret of the request in it.
func errorScenarios() []Scenario {
	needs := []Need{NeedAdmin}
	return []Scenario{
		{
			ID:    "err-wrong-password",
			Title: "wrong password: invalid_grant \"Invalid user credentials\", HTTP 400",
			Spec:  "RFC 6749 §5.2",
			Needs: needs,
			Run:   runWrongPassword,
		},
		{
			ID:    "err-wrong-client-secret",
			Title: "wrong client secret: HTTP 401, invalid_client (Keycloak: unauthorized_client)",
			Spec:  "RFC 6749 §5.2, §2.3.1",
			Needs: needs,
			Run:   runWrongClientSecret,
		},
		{
			ID:    "err-disabled-user",
			Title: "disabled user: invalid_grant \"Account disabled\", HTTP 400",
			Spec:  "RFC 6749 §5.2",
			Needs: needs,
			Run:   runDisabledUser,
		},
		{
			ID:    "err-expired-refresh-token",
			Title: "refresh after the session idle timeout: invalid_grant, HTTP 400",
			Spec:  "RFC 6749 §5.2, §6",
			Needs: needs,
			Run:   runExpiredRefreshToken,
		},
	}
}

// passwordClient creates a realm, a public client allowed the password
// grant and a user, and returns a Config for the client.
func passwordClient(ctx context.Context, e *Env, realmOpts keycloaktest.RealmOptions, userOpts keycloaktest.UserOptions) (*oauth2.Config, *keycloaktest.User, *exchanges, error) {
	realm, err := e.NewRealm(ctx, realmOpts)
	if err != nil {
		return nil, nil, nil, err
	}
	admin := e.Admin()
	client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{Auth: keycloaktest.PublicClient, DirectAccessGrants: true})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating the client: %w", err)
	}
	user, err := admin.CreateUser(ctx, realm.Name, userOpts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)
	x := newExchanges(e, nil)
	cfg := &oauth2.Config{
		ClientID:   client.ClientID,
		Endpoint:   realm.Endpoint(),
		HTTPClient: e.HTTPClient(),
		Observer:   x.observe,
	}
	return cfg, user, x, nil
}

// RFC 6749, section 5.2: Keycloak (26) answers a wrong password with 400
// and invalid_grant "Invalid user credentials"; older versions sent 401.
func runWrongPassword(ctx context.Context, e *Env) error {
	cfg, user, _, err := passwordClient(ctx, e, keycloaktest.RealmOptions{}, keycloaktest.UserOptions{})
	if err != nil {
		return err
	}
	const wrong = "wrong-password-sentinel"
	e.AddSecret(wrong)
	_, err = cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: wrong})
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "Invalid user credentials", http.StatusBadRequest); err != nil {
		return err
	}
	e.Notef("error: %v", err)
	return nil
}

// RFC 6749, sections 2.3.1 and 5.2: a wrong client secret is
// invalid_client with 401. Keycloak (26) sends unauthorized_client,
// "Invalid client or Invalid client credentials", with 401; the scenario
// accepts both codes and notes the deviation.
func runWrongClientSecret(ctx context.Context, e *Env) error {
	cfg, _, err := confidentialClient(ctx, e, clientSecretBasic, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	cfg.ClientSecret = "wrong-client-secret-sentinel"
	e.AddSecret(cfg.ClientSecret)
	_, err = cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if wantOAuthError(err, oauth2.ErrorUnauthorizedClient, "", http.StatusUnauthorized) == nil {
		e.Notef("error: %v (RFC 6749, section 5.2 names invalid_client for a failed client authentication)", err)
		return nil
	}
	if err := wantOAuthError(err, oauth2.ErrorInvalidClient, "", http.StatusUnauthorized); err != nil {
		return err
	}
	e.Notef("error: %v", err)
	return nil
}

// RFC 6749, section 5.2: a disabled account cannot obtain a token.
func runDisabledUser(ctx context.Context, e *Env) error {
	cfg, user, _, err := passwordClient(ctx, e, keycloaktest.RealmOptions{},
		keycloaktest.UserOptions{Representation: map[string]any{"enabled": false}})
	if err != nil {
		return err
	}
	_, err = cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "Account disabled", http.StatusBadRequest); err != nil {
		return err
	}
	e.Notef("error: %v", err)
	return nil
}

// RFC 6749, sections 5.2 and 6: a refresh token past the realm's session
// idle timeout is refused with invalid_grant. The provider keeps time, so
// this scenario waits the two seconds out.
func runExpiredRefreshToken(ctx context.Context, e *Env) error {
	const idle = 2 * time.Second
	cfg, user, _, err := passwordClient(ctx, e, keycloaktest.RealmOptions{SSOSessionIdleTimeout: idle}, keycloaktest.UserOptions{})
	if err != nil {
		return err
	}
	tok, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		return fmt.Errorf("password grant: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken)
	if tok.RefreshToken == "" {
		return errors.New("no refresh token issued")
	}
	e.Notef("refresh_expires_in %s", tok.Extra["refresh_expires_in"])
	select {
	case <-time.After(idle + 1500*time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	_, err = cfg.Refresh(ctx, tok)
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", http.StatusBadRequest); err != nil {
		return err
	}
	e.Notef("error: %v", err)
	return nil
}
