package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Client-initiated backchannel authentication on Keycloak, poll mode: the
// client asks for the user's authentication, keycloaktest's authentication
// channel receives Keycloak's request and approves or denies it through
// the realm's callback, and the client's polling sees the outcome.
func cibaScenarios() []Scenario {
	needs := []Need{NeedAdmin}
	return []Scenario{
		{
			ID:    "kc-ciba-poll-approved",
			Title: "CIBA poll mode: authorization_pending while the user decides, then tokens once approved",
			Spec:  "OpenID Connect CIBA Core 1.0 §7.1, §7.3, §10.1, §11",
			Needs: needs,
			Run:   runCIBA(true),
		},
		{
			ID:    "kc-ciba-poll-denied",
			Title: "CIBA poll mode: a denied request ends polling with access_denied",
			Spec:  "OpenID Connect CIBA Core 1.0 §11",
			Needs: needs,
			Run:   runCIBA(false),
		},
	}
}

// cibaEndpoint is Keycloak's backchannel authentication endpoint of realm.
func cibaEndpoint(realm *keycloaktest.Realm) string {
	return realm.Issuer + "/protocol/openid-connect/ext/ciba/auth"
}

func runCIBA(approve bool) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		srv := e.Provider.Server
		if srv == nil {
			return Skip("the provider is not a Keycloak started by keycloaktest")
		}
		if _, err := srv.CIBAChannelPort(); err != nil {
			return Skip("Keycloak has no CIBA authentication channel: %v", err)
		}
		realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{Attributes: map[string]string{
			"cibaBackchannelTokenDeliveryMode": "poll",
			"cibaExpiresIn":                    "120",
			"cibaInterval":                     "1",
			"cibaAuthRequestedUserHint":        "login_hint",
		}})
		if err != nil {
			return err
		}
		admin := e.Admin()
		client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{Attributes: map[string]string{"oidc.ciba.grant.enabled": "true"}})
		if err != nil {
			return fmt.Errorf("creating the client: %w", err)
		}
		e.AddSecret(client.Secret)
		user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
		if err != nil {
			return fmt.Errorf("creating the user: %w", err)
		}
		e.AddSecret(user.Password)
		ch, err := srv.OpenAuthenticationChannel(ctx)
		if err != nil {
			return err
		}
		defer ch.Close()

		cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint(), HTTPClient: e.HTTPClient(), Observer: e.Record}
		binding := "oauthkit-" + uniqueName("bm")[3:]
		ba, err := oidc.BackchannelAuthenticate(ctx, cfg, cibaEndpoint(realm), oidc.BackchannelAuthenticationRequest{
			LoginHint:      user.Username,
			BindingMessage: binding,
			Scopes:         []string{"profile"},
		})
		if err != nil {
			return fmt.Errorf("backchannel authentication request: %w", err)
		}
		e.AddSecret(ba.AuthReqID)
		req, err := ch.Next(ctx)
		if err != nil {
			return fmt.Errorf("waiting for Keycloak's authentication channel request: %w", err)
		}
		if req.LoginHint != user.Username || req.BindingMessage != binding {
			return fmt.Errorf("the channel got login_hint %q and binding_message %q, expected %q and %q", req.LoginHint, req.BindingMessage, user.Username, binding)
		}
		// Before the user decides: authorization_pending (section 11).
		_, err = cfg.Token(ctx, oauth2.CustomGrant{Type: oidc.GrantTypeCIBA, Params: url.Values{"auth_req_id": {ba.AuthReqID}}})
		if !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorAuthorizationPending}) && !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorSlowDown}) {
			return fmt.Errorf("a poll before the decision: expected authorization_pending, got %v", err)
		}
		if approve {
			err = ch.Approve(ctx, req)
		} else {
			err = ch.Deny(ctx, req)
		}
		if err != nil {
			return err
		}
		tok, err := oidc.PollBackchannelToken(ctx, cfg, ba)
		if !approve {
			if !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorAccessDenied}) {
				return fmt.Errorf("after a denial: expected access_denied, got %v", err)
			}
			e.Notef("denied: %v", err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("polling after approval: %w", err)
		}
		e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
		p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{HTTPClient: e.HTTPClient()})
		if err != nil {
			return err
		}
		v, err := p.Verifier(oidc.IDTokenVerifier{ClientID: client.ClientID})
		if err != nil {
			return err
		}
		id, err := v.Verify(ctx, tok.IDToken, oidc.VerifyOptions{AccessToken: tok.AccessToken})
		if err != nil {
			return fmt.Errorf("the CIBA ID token: %w", err)
		}
		if id.Subject != user.ID {
			return fmt.Errorf("the ID token's sub is %q, expected the user %q", id.Subject, user.ID)
		}
		e.Notef("approved through the channel; tokens for %s", user.Username)
		return nil
	}
}
