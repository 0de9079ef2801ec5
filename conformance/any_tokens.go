package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/internal/pause"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// tokenScenarios check what becomes of issued tokens at any provider:
// refresh token rotation, introspection, revocation, DPoP binding, the
// device grant, and, with an administration API, the end of a session
// and a key rotation.
func tokenScenarios() []Scenario {
	login := func(more ...Need) []Need { return append(slices.Clone(anyLoginNeeds), more...) }
	cc := []Need{NeedGrant("client_credentials"), NeedClient(RoleClientSecretBasic)}
	return []Scenario{
		{
			ID:    "any-refresh-rotation",
			Title: "a public client's refresh token is rotated, and the old one refused when used again",
			Spec:  "RFC 9700 §4.14.2; RFC 6749 §6",
			Needs: []Need{NeedOpenID, NeedClient(RolePublic), NeedUser, NeedLogin, NeedGrant("authorization_code"), NeedGrant("refresh_token")},
			Run:   runAnyRefreshRotation,
		},
		{
			ID:    "any-introspection",
			Title: "introspection: an issued token is active with its client_id, a made-up one inactive",
			Spec:  "RFC 7662 §2.1, §2.2",
			Needs: append(slices.Clone(cc), NeedEndpoint("introspection_endpoint")),
			Run:   runAnyIntrospection,
		},
		{
			ID:    "any-revocation",
			Title: "revocation: 200 for a token and for a made-up one; a revoked token SHOULD be inactive",
			Spec:  "RFC 7009 §2.1, §2.2",
			Needs: append(slices.Clone(cc), NeedEndpoint("revocation_endpoint")),
			Run:   runAnyRevocation,
		},
		{
			ID:    "any-dpop",
			Title: "DPoP: a token of type DPoP bound to the proof key's thumbprint",
			Spec:  "RFC 9449 §4, §5, §6",
			Needs: []Need{NeedGrant("client_credentials"), NeedClient(RoleDPoP)},
			Run:   runAnyDPoP,
		},
		{
			ID:    "any-device-flow",
			Title: "device authorization: pending before approval, then a token",
			Spec:  "RFC 8628 §3.1-3.5",
			Needs: []Need{NeedEndpoint("device_authorization_endpoint"), NeedGrant(oauth2.GrantTypeDeviceCode), NeedClient(RoleDevice), NeedUser, NeedLogin},
			Run:   runAnyDeviceFlow,
		},
		{
			ID:    "any-session-end",
			Title: "after the user's session ends, the refresh token is refused with invalid_grant",
			Spec:  "RFC 6749 §6, §5.2; OpenID Connect Core 1.0 §12",
			Needs: login(NeedGrant("refresh_token"), NeedAdminCapability(AdminEndSession), NeedAdminCapability(AdminCreateUser)),
			Run:   runAnySessionEnd,
		},
		{
			ID:    "any-key-rotation",
			Title: "after a signing key rotation, the next ID token verifies after one key set refetch",
			Spec:  "OpenID Connect Core 1.0 §10.1.1",
			Needs: login(NeedGrant("refresh_token"), NeedAdminCapability(AdminRotateKeys)),
			Run:   runAnyKeyRotation,
		},
	}
}

// loginWithRefresh logs in with the code flow client asking for a refresh
// token, or skips.
func loginWithRefresh(ctx context.Context, e *Env) (*anyRP, *anyLogin, error) {
	return loginWithRefreshAs(ctx, e, codeRole(e.Target()))
}

// loginWithRefreshAs is loginWithRefresh with the client of role.
func loginWithRefreshAs(ctx context.Context, e *Env, role string) (*anyRP, *anyLogin, error) {
	r, err := newAnyRPRole(e, role)
	if err != nil {
		return nil, nil, err
	}
	agent, err := newAgent(e)
	if err != nil {
		return nil, nil, err
	}
	l, err := r.refreshLogin(ctx, e, agent)
	if err != nil {
		return nil, nil, err
	}
	if l.token.RefreshToken == "" {
		return nil, nil, Skip("no refresh token was issued for scope %q", l.flow.Params.Get("scope"))
	}
	return r, l, nil
}

// RFC 9700, section 4.14.2: the authorization server MUST detect the
// replay of a public client's refresh tokens, by binding them to the
// client (sender-constrained) or by rotating them and refusing a used one.
// A DPoP-bound refresh token would be the other way; this client has none.
func runAnyRefreshRotation(ctx context.Context, e *Env) error {
	r, l, err := loginWithRefreshAs(ctx, e, RolePublic)
	if err != nil {
		return err
	}
	next, err := r.cfg.Refresh(ctx, l.token)
	if next != nil {
		e.AddSecret(next.AccessToken, next.RefreshToken, next.IDToken)
	}
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if next.RefreshToken == l.token.RefreshToken {
		return errors.New("the public client's refresh token was not rotated and is not sender-constrained (RFC 9700 §4.14.2)")
	}
	again, err := r.cfg.Refresh(ctx, l.token)
	if err == nil {
		e.AddSecret(again.AccessToken, again.RefreshToken, again.IDToken)
		return errors.New("the public client's refresh token was rotated, but the old one still works: its replay goes undetected (RFC 9700 §4.14.2)")
	}
	return wantOAuthError(err, oauth2.ErrorInvalidGrant, "", 0)
}

// RFC 7662, sections 2.1 and 2.2: the client's own token is active and
// names the client; a token the server never issued is inactive.
func runAnyIntrospection(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, RoleClientSecretBasic)
	if err != nil {
		return err
	}
	tok, err := c.token(ctx, e, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials: %w", err)
	}
	in, err := c.cfg.Introspect(ctx, tok.AccessToken, oauth2.HintAccessToken)
	if err != nil {
		return fmt.Errorf("introspection: %w", err)
	}
	var p problems
	p.check(in.Active, "the token just issued is not active")
	p.check(in.ClientID == "" || in.ClientID == c.client.ClientID, "client_id %q, expected %q", in.ClientID, c.client.ClientID)
	p.check(in.Exp.IsZero() || in.Exp.After(time.Now().Add(-time.Minute)), "exp %v is in the past", in.Exp)
	made, err := c.cfg.Introspect(ctx, "oauthkit-made-up-token-"+oauth2.NewNonce(), "")
	if err != nil {
		return fmt.Errorf("introspecting a made-up token: %w", err)
	}
	p.check(!made.Active, "a made-up token is active")
	return p.err()
}

// RFC 7009, sections 2.1 and 2.2: revocation answers 200, also for a token
// that is invalid; the server SHOULD support revoking access tokens,
// seen through introspection when the provider has it.
func runAnyRevocation(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, RoleClientSecretBasic)
	if err != nil {
		return err
	}
	tok, err := c.token(ctx, e, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials: %w", err)
	}
	if err := c.cfg.Revoke(ctx, tok.AccessToken, oauth2.HintAccessToken); err != nil {
		return fmt.Errorf("revoking the access token: %w", err)
	}
	if err := c.cfg.Revoke(ctx, "oauthkit-made-up-token-"+oauth2.NewNonce(), ""); err != nil {
		return fmt.Errorf("revoking a made-up token (§2.2: 200 for an invalid token): %w", err)
	}
	if c.cfg.Endpoint.IntrospectionURL == "" {
		return nil
	}
	in, err := c.cfg.Introspect(ctx, tok.AccessToken, oauth2.HintAccessToken)
	if err != nil {
		return fmt.Errorf("introspecting the revoked token: %w", err)
	}
	if in.Active {
		return Warn("the revoked access token is still active (RFC 7009 §2.1: SHOULD support access token revocation)")
	}
	return nil
}

// RFC 9449, sections 4 to 6: with a proof, the token is of type DPoP and,
// when the provider can introspect it, bound to the key's thumbprint
// (cnf.jkt).
func runAnyDPoP(ctx context.Context, e *Env) error {
	m := e.Provider.OAuthMetadata()
	if len(m.DPoPSigningAlgValuesSupported) == 0 {
		return Skip("the metadata has no dpop_signing_alg_values_supported")
	}
	c, err := newAnyClient(e, RoleDPoP)
	if err != nil {
		return err
	}
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: pk}, jose.ES256)
	if err != nil {
		return err
	}
	c.cfg.DPoP = prover
	tok, err := c.token(ctx, e, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials with a DPoP proof: %w", err)
	}
	if tok.TokenType != oauth2.TokenTypeDPoP {
		return fmt.Errorf("token_type %q, expected DPoP", tok.TokenType)
	}
	reqs := c.x.grants("client_credentials")
	if len(reqs) == 0 || reqs[len(reqs)-1].RequestHeader.Get("DPoP") == "" {
		return errors.New("the token request carried no DPoP header")
	}
	var claims struct {
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if jwtPayload(tok.AccessToken, &claims) && claims.Cnf.JKT != "" && claims.Cnf.JKT != prover.JWKThumbprint() {
		return fmt.Errorf("the access token's cnf.jkt is not the proof key's thumbprint")
	}
	return nil
}

// RFC 8628, sections 3.1 to 3.5: the first poll, before approval, gets
// authorization_pending; after the agent approves, a poll gets the token.
func runAnyDeviceFlow(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, RoleDevice)
	if err != nil {
		return err
	}
	agent, err := newAgent(e)
	if err != nil {
		return err
	}
	u := e.Target().User()
	e.AddSecret(u.Password)
	da, err := c.cfg.DeviceAuthorization(ctx, c.client.Scopes, nil)
	if err != nil {
		return fmt.Errorf("device authorization request: %w", err)
	}
	e.AddSecret(da.DeviceCode)
	polls := 0
	da.Wait = func(ctx context.Context, d time.Duration) error {
		polls++
		switch polls {
		case 1:
			return nil
		case 2:
			uri := da.VerificationURIComplete
			if uri == "" {
				uri = da.VerificationURI
			}
			if err := agent.ApproveDevice(ctx, uri, da.UserCode, u.Username, u.Password); err != nil {
				return fmt.Errorf("approving the device: %w", err)
			}
		}
		return pause.Wait(ctx, d)
	}
	tok, err := c.cfg.PollDeviceToken(ctx, da)
	if tok != nil {
		e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	}
	if err != nil {
		return fmt.Errorf("polling: %w", err)
	}
	seen := c.x.grants(oauth2.GrantTypeDeviceCode)
	if len(seen) < 2 || errorCode(seen[0].ResponseBody) != oauth2.ErrorAuthorizationPending {
		return fmt.Errorf("expected authorization_pending on the first of at least 2 polls, saw %d polls", len(seen))
	}
	return nil
}

// RFC 6749, section 6: once the administration API has ended the user's
// session, the session's refresh token is refused with invalid_grant. The
// user is created for the scenario, since ending the sessions of the
// target's user would end those of the scenarios running beside it.
func runAnySessionEnd(ctx context.Context, e *Env) error {
	u, err := e.Administrator().CreateUser(ctx)
	if err != nil {
		return fmt.Errorf("creating a user: %w", err)
	}
	e.AddSecret(u.Password)
	r, err := newAnyRP(e)
	if err != nil {
		return err
	}
	r.user = u
	agent, err := newAgent(e)
	if err != nil {
		return err
	}
	l, err := r.refreshLogin(ctx, e, agent)
	if err != nil {
		return err
	}
	if l.token.RefreshToken == "" {
		return Skip("no refresh token was issued")
	}
	if err := e.Administrator().EndSession(ctx, l.id.Subject); err != nil {
		return fmt.Errorf("ending the session: %w", err)
	}
	_, err = r.cfg.Refresh(ctx, l.token)
	return wantOAuthError(err, oauth2.ErrorInvalidGrant, "", 0)
}

// OpenID Connect Core 1.0, section 10.1.1: after a rotation the next ID
// token is signed with the new key, which the client finds with one
// refetch of the key set.
func runAnyKeyRotation(ctx context.Context, e *Env) error {
	r, l, err := loginWithRefresh(ctx, e)
	if err != nil {
		return err
	}
	before := r.provider.KeySet.Fetches()
	if err := e.Administrator().RotateKeys(ctx); err != nil {
		return fmt.Errorf("rotating the keys: %w", err)
	}
	next, err := r.cfg.Refresh(ctx, l.token)
	if next != nil {
		e.AddSecret(next.AccessToken, next.RefreshToken, next.IDToken)
	}
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if next.IDToken == "" {
		return Skip("the refresh response holds no ID token")
	}
	if _, err := r.verifier.VerifyRefreshed(ctx, l.id, next.IDToken, next.AccessToken); err != nil {
		return fmt.Errorf("the ID token of the new key: %w", err)
	}
	if n := r.provider.KeySet.Fetches() - before; n > 1 {
		return fmt.Errorf("%d key set fetches after the rotation, expected at most 1", n)
	}
	return nil
}
