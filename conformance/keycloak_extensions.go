package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Extensions of OAuth 2.0 against the provider: token exchange,
// introspection and revocation, DPoP.
func extensionScenarios() []Scenario {
	needs := []Need{NeedAdmin}
	return []Scenario{
		{
			ID:    "token-exchange",
			Title: "standard token exchange of an access token for one of the requesting client",
			Spec:  "RFC 8693 §2",
			Needs: needs,
			Run:   runTokenExchange,
		},
		{
			ID:    "introspect-revoke",
			Title: "introspection says active, revocation of the refresh token ends it",
			Spec:  "RFC 7662 §2, RFC 7009 §2",
			Needs: needs,
			Run:   runIntrospectRevoke,
		},
		{
			ID:    "dpop-bound-token",
			Title: "DPoP-bound token: bound to the key, accepted with a proof, refused as Bearer",
			Spec:  "RFC 9449 §5, §7",
			Needs: needs,
			Run:   runDPoPBoundToken,
		},
	}
}

// RFC 8693, section 2: a client exchanges a user's access token, issued
// to another client with the requester in its audience, for a token of
// its own (Keycloak's standard token exchange).
func runTokenExchange(ctx context.Context, e *Env) error {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	admin := e.Admin()
	requester, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{TokenExchange: true})
	if err != nil {
		return fmt.Errorf("creating the requesting client: %w", err)
	}
	e.AddSecret(requester.Secret)
	initial, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		Auth: keycloaktest.PublicClient, DirectAccessGrants: true, Audiences: []string{requester.ClientID},
	})
	if err != nil {
		return fmt.Errorf("creating the initial client: %w", err)
	}
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)
	x := newExchanges(e, nil)
	initialCfg := &oauth2.Config{ClientID: initial.ClientID, Endpoint: realm.Endpoint(), HTTPClient: e.HTTPClient(), Observer: x.observe}
	subject, err := initialCfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		return fmt.Errorf("password grant for the subject token: %w", err)
	}
	e.AddSecret(subject.AccessToken, subject.RefreshToken)

	cfg := &oauth2.Config{
		ClientID: requester.ClientID, ClientSecret: requester.Secret, Endpoint: realm.Endpoint(),
		HTTPClient: e.HTTPClient(), Observer: x.observe,
	}
	tok, err := cfg.TokenExchange(ctx, oauth2.TokenExchangeGrant{
		SubjectToken:       subject.AccessToken,
		SubjectTokenType:   oauth2.TokenTypeAccessToken,
		RequestedTokenType: oauth2.TokenTypeAccessToken,
	})

	if err != nil {
		return fmt.Errorf("token exchange: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken)
	if tok.IssuedTokenType != oauth2.TokenTypeAccessToken {
		return fmt.Errorf("issued_token_type %q, expected %q", tok.IssuedTokenType, oauth2.TokenTypeAccessToken)
	}
	if tok.AccessToken == subject.AccessToken {
		return errors.New("the exchanged token is the subject token")
	}
	if azp := jwtClaim(tok.AccessToken, "azp"); azp != requester.ClientID {
		return fmt.Errorf("expected the new token to be issued to %q (azp), got %q", requester.ClientID, azp)
	}
	if sub, want := jwtClaim(tok.AccessToken, "sub"), jwtClaim(subject.AccessToken, "sub"); sub == "" || sub != want {
		return errors.New("the exchanged token is not for the subject token's user")
	}
	e.Notef("exchanged: issued_token_type %s, azp %s", tok.IssuedTokenType, requester.ClientID)
	return nil
}

// RFC 7662, section 2 and RFC 7009, section 2: the client learns that its
// access token is active, revokes the refresh token, after which the
// refresh token is refused and the session's access token is inactive.
func runIntrospectRevoke(ctx context.Context, e *Env) error {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	admin := e.Admin()
	// Keycloak answers active only to a client in the token's audience.
	clientID := uniqueName("client")
	client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		ClientID: clientID, DirectAccessGrants: true, Audiences: []string{clientID},
	})
	if err != nil {
		return fmt.Errorf("creating the client: %w", err)
	}
	e.AddSecret(client.Secret)
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)
	x := newExchanges(e, nil)
	cfg := &oauth2.Config{
		ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint(),
		HTTPClient: e.HTTPClient(), Observer: x.observe,
	}
	tok, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		return fmt.Errorf("password grant: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken)

	in, err := cfg.Introspect(ctx, tok.AccessToken, oauth2.HintAccessToken)
	if err != nil {
		return fmt.Errorf("introspection: %w", err)
	}
	if !in.Active {
		return errors.New("introspection of a fresh access token: expected active true, got false")
	}
	if in.ClientID != client.ClientID || in.Username != user.Username || in.Iss != realm.Issuer {
		return fmt.Errorf("introspection: client_id %q, username %q, iss %q; expected %q, %q, %q",
			in.ClientID, in.Username, in.Iss, client.ClientID, user.Username, realm.Issuer)
	}

	if err := cfg.Revoke(ctx, tok.RefreshToken, oauth2.HintRefreshToken); err != nil {
		return fmt.Errorf("revocation: %w", err)
	}
	_, err = cfg.Refresh(ctx, tok)
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", http.StatusBadRequest); err != nil {
		return fmt.Errorf("refresh after revocation: %w", err)
	}
	e.Notef("refresh after revocation: %v", err)
	in, err = cfg.Introspect(ctx, tok.AccessToken, oauth2.HintAccessToken)
	if err != nil {
		return fmt.Errorf("introspection after revocation: %w", err)
	}
	if in.Active {
		return errors.New("introspection after revoking the session's refresh token: expected active false, got true")
	}
	return nil
}

// RFC 9449: with a DPoP-bound client, the token is of type DPoP, bound to
// the key's thumbprint (cnf.jkt), usable at the provider's userinfo
// endpoint with a proof, and refused when sent as a Bearer token.
func runDPoPBoundToken(ctx context.Context, e *Env) error {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	client, err := e.Admin().CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{ServiceAccount: true, DPoPBound: true})
	if err != nil {
		return fmt.Errorf("creating the client: %w", err)
	}
	e.AddSecret(client.Secret)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: k}, jose.ES256)
	if err != nil {
		return fmt.Errorf("DPoP prover: %w", err)
	}
	x := newExchanges(e, nil)
	cfg := &oauth2.Config{
		ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: realm.Endpoint(),
		Scopes: []string{"openid"}, DPoP: prover, HTTPClient: e.HTTPClient(), Observer: x.observe,
	}
	capture, ac := capturingClient(e)
	s := httpclient.New(cfg, httpclient.Options{Base: capture})
	tok, err := s.FetchToken(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials grant with DPoP: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	if tok.TokenType != oauth2.TokenTypeDPoP {
		return fmt.Errorf("token_type %q, expected %q", tok.TokenType, oauth2.TokenTypeDPoP)
	}
	if jkt := cnfJKT(tok.AccessToken); jkt != prover.JWKThumbprint() {
		return fmt.Errorf("access token cnf.jkt %q, expected the key's thumbprint %q", jkt, prover.JWKThumbprint())
	}
	reqs := x.grants("client_credentials")
	if len(reqs) == 0 || reqs[0].RequestHeader.Get("DPoP") == "" {
		return errors.New("the token request carried no DPoP proof")
	}

	userinfo := realm.UserinfoURL
	status, _, err := get(ctx, s.Client(), userinfo)
	if err != nil {
		return fmt.Errorf("userinfo with the DPoP token: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("userinfo with the DPoP token and a proof: expected HTTP 200, got %d", status)
	}
	if h := ac.headers(); len(h) == 0 || h[len(h)-1] != "DPoP "+tok.AccessToken {
		return errors.New("the userinfo request did not carry \"Authorization: DPoP <token>\"")
	}

	// The same token as a Bearer token, without a proof, must be refused.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, userinfo, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", bearer(tok))
	res, err := e.RecordingClient().Do(req)
	if err != nil {
		return fmt.Errorf("userinfo with the token as Bearer: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("userinfo with the DPoP-bound token sent as Bearer: expected HTTP 401, got %d", res.StatusCode)
	}
	e.Notef("bound to the key (cnf.jkt), accepted with a proof, refused as Bearer (401)")
	return nil
}

// cnfJKT returns the cnf.jkt claim of a JWT access token, unverified.
func cnfJKT(token string) string {
	var claims struct {
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	jwtPayload(token, &claims)
	return claims.Cnf.JKT
}
