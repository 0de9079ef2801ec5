package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/jose"

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
			ID:    "kc-ciba-ping",
			Title: "CIBA ping mode: Keycloak notifies the client's endpoint with its client notification token, then one token request redeems",
			Spec:  "OpenID Connect CIBA Core 1.0 §7.1, §10.2",
			Needs: needs,
			Run:   runCIBAPing,
		},
		{
			ID:    "kc-ciba-signed-request",
			Title: "CIBA with a signed authentication request (ES256), the client's key registered with Keycloak",
			Spec:  "OpenID Connect CIBA Core 1.0 §7.1.1",
			Needs: needs,
			Run:   runCIBASigned,
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

// newCIBARealm makes a realm with a CIBA client of the given attributes
// and a user, and opens the authentication channel.
func newCIBARealm(ctx context.Context, e *Env, attrs map[string]string) (*keycloaktest.Realm, *keycloaktest.Client, *keycloaktest.User, *keycloaktest.AuthenticationChannel, error) {
	srv := e.Provider.Keycloak
	if srv == nil {
		return nil, nil, nil, nil, Skip("the provider is not a Keycloak started by keycloaktest")
	}
	if _, err := srv.CIBAChannelPort(); err != nil {
		return nil, nil, nil, nil, Skip("Keycloak has no CIBA authentication channel: %v", err)
	}
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{Attributes: map[string]string{
		"cibaBackchannelTokenDeliveryMode": "poll",
		"cibaExpiresIn":                    "120",
		"cibaInterval":                     "1",
		"cibaAuthRequestedUserHint":        "login_hint",
	}})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	admin := e.Admin()
	attrs["oidc.ciba.grant.enabled"] = "true"
	client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{Attributes: attrs})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("creating the client: %w", err)
	}
	e.AddSecret(client.Secret)
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)
	ch, err := srv.OpenAuthenticationChannel(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return realm, client, user, ch, nil
}

func runCIBAPing(ctx context.Context, e *Env) error {
	notified := make(chan string, 1)
	notifyToken := uniqueName("cnt") + uniqueName("x")
	e.AddSecret(notifyToken)
	var refused error
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := oidc.ParsePingNotification(r, notifyToken)
		if err != nil {
			refused = err
			http.Error(w, "refused", http.StatusUnauthorized)
			return
		}
		select {
		case notified <- id:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer notify.Close()
	realm, client, user, ch, err := newCIBARealm(ctx, e, map[string]string{
		"ciba.backchannel.token.delivery.mode":          "ping",
		"ciba.backchannel.client.notification.endpoint": notify.URL + "/ciba/notify",
	})
	if err != nil {
		return err
	}
	defer ch.Close()
	cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint(), HTTPClient: e.HTTPClient(), Observer: e.Record}
	ba, err := oidc.BackchannelAuthenticate(ctx, cfg, cibaEndpoint(realm), oidc.BackchannelAuthenticationRequest{
		LoginHint: user.Username, ClientNotificationToken: notifyToken,
	})
	if err != nil {
		return fmt.Errorf("backchannel authentication request: %w", err)
	}
	e.AddSecret(ba.AuthReqID)
	req, err := ch.Next(ctx)
	if err != nil {
		return fmt.Errorf("waiting for Keycloak's authentication channel request: %w", err)
	}
	if err := ch.Approve(ctx, req); err != nil {
		return err
	}
	var id string
	select {
	case id = <-notified:
	case <-ctx.Done():
		return fmt.Errorf("no ping notification arrived (last refusal: %v)", refused)
	}
	if id != ba.AuthReqID {
		return errors.New("the ping notification names another auth_req_id")
	}
	tok, err := oidc.RedeemBackchannelToken(ctx, cfg, ba)
	if err != nil {
		return fmt.Errorf("redeeming after the ping: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	if jwtClaim(tok.AccessToken, "sub") != user.ID {
		return errors.New("the access token is not the user's")
	}
	e.Notef("pinged with the client notification token; one token request redeemed")
	return nil
}

func runCIBASigned(ctx context.Context, e *Env) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	key := jose.JWK{KeyID: uniqueName("req"), Use: "sig", Algorithm: jose.ES256, Key: priv}
	pub, err := key.Public()
	if err != nil {
		return err
	}
	jwks, err := json.Marshal(jose.JWKSet{Keys: []jose.JWK{pub}})
	if err != nil {
		return err
	}
	realm, client, user, ch, err := newCIBARealm(ctx, e, map[string]string{
		"ciba.backchannel.auth.request.signing.alg": "ES256",
		"use.jwks.string": "true",
		"jwks.string":     string(jwks),
	})
	if err != nil {
		return err
	}
	defer ch.Close()
	cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint(), HTTPClient: e.HTTPClient(), Observer: e.Record}
	signed, err := oidc.SignBackchannelRequest(oidc.BackchannelAuthenticationRequest{LoginHint: user.Username, BindingMessage: "signed-request"},
		key, jose.ES256, client.ClientID, realm.Issuer, time.Now())
	if err != nil {
		return err
	}
	ba, err := oidc.BackchannelAuthenticate(ctx, cfg, cibaEndpoint(realm), signed)
	if err != nil {
		return fmt.Errorf("signed backchannel authentication request: %w", err)
	}
	e.AddSecret(ba.AuthReqID)
	req, err := ch.Next(ctx)
	if err != nil {
		return fmt.Errorf("waiting for Keycloak's authentication channel request: %w", err)
	}
	if req.LoginHint != user.Username || req.BindingMessage != "signed-request" {
		return fmt.Errorf("the channel got login_hint %q and binding_message %q from the signed request", req.LoginHint, req.BindingMessage)
	}
	if err := ch.Approve(ctx, req); err != nil {
		return err
	}
	tok, err := oidc.PollBackchannelToken(ctx, cfg, ba)
	if err != nil {
		return fmt.Errorf("polling after approval: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	e.Notef("the signed request was accepted and its parameters reached the authentication channel")
	return nil
}

func runCIBA(approve bool) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		realm, client, user, ch, err := newCIBARealm(ctx, e, map[string]string{})
		if err != nil {
			return err
		}
		defer ch.Close()

		cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint(), HTTPClient: e.HTTPClient(), Observer: e.Record}
		p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{HTTPClient: e.HTTPClient()})
		if err != nil {
			return err
		}
		meta, err := p.CIBA()
		if err != nil {
			return fmt.Errorf("CIBA metadata: %w", err)
		}
		if !slices.Contains(meta.BackchannelTokenDeliveryModesSupported, "poll") {
			return fmt.Errorf("Keycloak does not advertise poll mode: %q", meta.BackchannelTokenDeliveryModesSupported)
		}
		binding := "oauthkit-" + uniqueName("bm")[3:]
		ba, err := oidc.BackchannelAuthenticate(ctx, cfg, meta.BackchannelAuthenticationEndpoint, oidc.BackchannelAuthenticationRequest{
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
