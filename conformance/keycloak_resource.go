package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oauth2/resource"
)

// The resource-server side against Keycloak's tokens: a Go API behind
// resource.Guard accepts what Keycloak issues for it and refuses the rest.
func resourceScenarios() []Scenario {
	needs := []Need{NeedAdmin}
	return []Scenario{
		{
			ID:    "kc-resource-jwt-bearer",
			Title: "Keycloak's RFC 9068 access tokens pass the middleware as Bearer tokens; another audience and a missing scope are refused with their challenges",
			Spec:  "RFC 9068 §4, RFC 6750 §3.1, RFC 9728 §3",
			Needs: needs,
			Run:   runResourceJWTBearer,
		},
		{
			ID:    "kc-resource-introspection",
			Title: "an introspected Keycloak token passes; once revoked it is refused",
			Spec:  "RFC 7662 §2, §4, RFC 7009 §2",
			Needs: needs,
			Run:   runResourceIntrospection,
		},
		{
			ID:    "kc-resource-dpop",
			Title: "a DPoP-bound Keycloak token passes with its proof, and is refused as Bearer, with another key's proof and with a replayed proof",
			Spec:  "RFC 9449 §4.3, §7.1, §7.2",
			Needs: needs,
			Run:   runResourceDPoP,
		},
	}
}

// resourceRealm is a realm with an API client ("the resource", whose
// credentials introspect) and a client whose tokens name it in "aud".
type resourceRealm struct {
	realm *keycloaktest.Realm
	api   *keycloaktest.Client
	app   *oauth2.Config
	// other is a client whose tokens are not for the API.
	other *oauth2.Config
}

func newResourceRealm(ctx context.Context, e *Env, dpop bool) (*resourceRealm, error) {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return nil, err
	}
	admin := e.Admin()
	api, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{ClientID: uniqueName("api"), ServiceAccount: true})
	if err != nil {
		return nil, fmt.Errorf("creating the API client: %w", err)
	}
	e.AddSecret(api.Secret)
	rfc9068 := map[string]string{"access.token.header.type.rfc9068": "true"}
	app, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		ServiceAccount: true, Audiences: []string{api.ClientID}, DPoPBound: dpop, Attributes: rfc9068,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the client: %w", err)
	}
	e.AddSecret(app.Secret)
	other, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{ServiceAccount: true, Attributes: rfc9068})
	if err != nil {
		return nil, fmt.Errorf("creating the other client: %w", err)
	}
	e.AddSecret(other.Secret)
	cfg := func(c *keycloaktest.Client) *oauth2.Config {
		return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.Secret, Endpoint: realm.Endpoint(), HTTPClient: e.HTTPClient(), Observer: e.Record}
	}
	return &resourceRealm{realm: realm, api: api, app: cfg(app), other: cfg(other)}, nil
}

// jwtValidator validates the realm's access tokens for the API.
func (rr *resourceRealm) jwtValidator(e *Env) *resource.JWTValidator {
	return &resource.JWTValidator{
		Issuer:             rr.realm.Issuer,
		Resource:           rr.api.ClientID,
		Keys:               jose.NewRemoteKeySet(rr.realm.JWKSURL, jose.RemoteKeySetConfig{HTTPClient: e.HTTPClient()}),
		AllowAzpAsClientID: true, // Keycloak names the client in "azp" and, for service accounts, "client_id"
	}
}

// protectedAPI serves "/items" (any valid token) and "/admin" (scope
// "admin") behind g, and its RFC 9728 metadata naming issuer.
func protectedAPI(g *resource.Guard, issuer string) *httptest.Server {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	md := &resource.ProtectedResourceMetadata{Resource: srv.URL, AuthorizationServers: []string{issuer}}
	g.ResourceMetadataURL, _ = resource.MetadataURL(srv.URL)
	mux.Handle("/.well-known/oauth-protected-resource", md.Handler())
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := resource.TokenFromContext(r.Context())
		io.WriteString(w, at.ClientID)
	})
	mux.Handle("/items", g.Wrap(ok))
	mux.Handle("/admin", g.Wrap(g.RequireScopes(ok, "admin")))
	return srv
}

// callAPI sends one request with the given Authorization and DPoP headers.
func callAPI(ctx context.Context, url, authorization, proof string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Authorization", authorization)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return res, string(b), nil
}

// wantChallenge checks a refusal: status and the error code of scheme's
// challenge.
func wantChallenge(res *http.Response, status int, scheme, code string) error {
	c, ok := oauth2.FindChallenge(res.Header, scheme)
	if res.StatusCode != status || !ok || c.ErrorCode() != code {
		return fmt.Errorf("expected HTTP %d with a %s challenge error=%q, got %d %q", status, scheme, code, res.StatusCode, res.Header.Values("WWW-Authenticate"))
	}
	return nil
}

func runResourceJWTBearer(ctx context.Context, e *Env) error {
	rr, err := newResourceRealm(ctx, e, false)
	if err != nil {
		return err
	}
	api := protectedAPI(&resource.Guard{Validator: rr.jwtValidator(e)}, rr.realm.Issuer)
	defer api.Close()

	// RFC 9728: the client finds the authorization server from the API.
	md, err := resource.DiscoverResource(ctx, e.HTTPClient(), api.URL, nil, resource.DiscoverOptions{})
	if err != nil {
		return fmt.Errorf("discovering the API's metadata: %w", err)
	}
	as, err := md.AuthorizationServer(ctx, e.HTTPClient(), oauth2.MetadataOptions{})
	if err != nil {
		return fmt.Errorf("discovering the authorization server: %w", err)
	}
	if as.Issuer != rr.realm.Issuer || as.TokenEndpoint != rr.realm.TokenURL {
		return fmt.Errorf("discovered issuer %q and token endpoint %q", as.Issuer, as.TokenEndpoint)
	}
	rr.app.Endpoint = as.Endpoint()

	tok, err := rr.app.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials: %w", err)
	}
	e.AddSecret(tok.AccessToken)
	if typ := jwtHeaderType(tok.AccessToken); typ != "at+jwt" {
		return fmt.Errorf("Keycloak's access token has typ %q, expected at+jwt (access.token.header.type.rfc9068)", typ)
	}
	res, body, err := callAPI(ctx, api.URL+"/items", bearer(tok), "")
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || body != rr.app.ClientID {
		return fmt.Errorf("the API refused Keycloak's token: %d %q", res.StatusCode, res.Header.Values("WWW-Authenticate"))
	}
	// RFC 6750, section 3.1: insufficient_scope names the scope.
	res, _, err = callAPI(ctx, api.URL+"/admin", bearer(tok), "")
	if err != nil {
		return err
	}
	if err := wantChallenge(res, http.StatusForbidden, oauth2.TokenTypeBearer, oauth2.ErrorInsufficientScope); err != nil {
		return err
	}
	if c, _ := oauth2.BearerChallenge(res.Header); c.Scope() != "admin" || c.ResourceMetadata() == "" {
		return fmt.Errorf("the insufficient_scope challenge lacks scope or resource_metadata: %q", res.Header.Values("WWW-Authenticate"))
	}
	// A token of the same issuer for another audience (RFC 9068, section 4).
	otherTok, err := rr.other.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials for the other client: %w", err)
	}
	e.AddSecret(otherTok.AccessToken)
	res, _, err = callAPI(ctx, api.URL+"/items", bearer(otherTok), "")
	if err != nil {
		return err
	}
	if err := wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeBearer, oauth2.ErrorInvalidToken); err != nil {
		return fmt.Errorf("a token for another audience: %w", err)
	}
	if _, err := rr.jwtValidator(e).ValidateAccessToken(ctx, otherTok.AccessToken); !errors.Is(err, jose.ErrAudience) {
		return fmt.Errorf("expected jose.ErrAudience for the other client's token, got %v", err)
	}
	e.Notef("Keycloak's at+jwt token accepted; another audience and a missing scope refused")
	return nil
}

func runResourceIntrospection(ctx context.Context, e *Env) error {
	rr, err := newResourceRealm(ctx, e, false)
	if err != nil {
		return err
	}
	var introspections int
	client := &oauth2.Config{ClientID: rr.api.ClientID, ClientSecret: rr.api.Secret, Endpoint: rr.realm.Endpoint(), HTTPClient: e.HTTPClient(),
		Observer: func(ex *oauth2.HTTPExchange) { introspections++; e.Record(ex) }}
	v := &resource.IntrospectionValidator{Client: client, Resource: rr.api.ClientID, Issuer: rr.realm.Issuer, CacheTTL: time.Minute}
	api := protectedAPI(&resource.Guard{Validator: v}, rr.realm.Issuer)
	defer api.Close()
	tok, err := rr.app.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials: %w", err)
	}
	e.AddSecret(tok.AccessToken)
	for range 2 {
		res, _, err := callAPI(ctx, api.URL+"/items", bearer(tok), "")
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("the introspected token was refused: %d %q", res.StatusCode, res.Header.Values("WWW-Authenticate"))
		}
	}
	if introspections != 1 {
		return fmt.Errorf("%d introspection requests for two API requests, expected 1 (cached)", introspections)
	}
	if err := rr.app.Revoke(ctx, tok.AccessToken, oauth2.HintAccessToken); err != nil {
		return fmt.Errorf("revoking: %w", err)
	}
	// The cached answer stands until CacheTTL; a validator without a cache
	// sees the revocation at once.
	fresh := &resource.IntrospectionValidator{Client: client, Resource: rr.api.ClientID, CacheSize: -1}
	if _, err := fresh.ValidateAccessToken(ctx, tok.AccessToken); !errors.Is(err, resource.ErrInactive) {
		return fmt.Errorf("the revoked token: expected resource.ErrInactive, got %v", err)
	}
	otherTok, err := rr.other.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return err
	}
	e.AddSecret(otherTok.AccessToken)
	// Keycloak itself answers inactive when the introspecting client is
	// not in the token's audience; the validator's own aud check is the
	// second line.
	if _, err := fresh.ValidateAccessToken(ctx, otherTok.AccessToken); !errors.Is(err, jose.ErrAudience) && !errors.Is(err, resource.ErrInactive) {
		return fmt.Errorf("a token for another audience: expected jose.ErrAudience or resource.ErrInactive, got %v", err)
	}
	e.Notef("introspected token accepted (one introspection for two requests); revoked and foreign tokens refused")
	return nil
}

func runResourceDPoP(ctx context.Context, e *Env) error {
	rr, err := newResourceRealm(ctx, e, true)
	if err != nil {
		return err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: priv}, jose.ES256)
	if err != nil {
		return err
	}
	rr.app.DPoP = prover
	api := protectedAPI(&resource.Guard{Validator: rr.jwtValidator(e), DPoP: &resource.DPoPVerifier{}}, rr.realm.Issuer)
	defer api.Close()
	tok, err := rr.app.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		return fmt.Errorf("client credentials with DPoP: %w", err)
	}
	e.AddSecret(tok.AccessToken)
	if tok.TokenType != oauth2.TokenTypeDPoP {
		return fmt.Errorf("token_type %q, expected DPoP", tok.TokenType)
	}
	proof, err := prover.Proof(http.MethodGet, api.URL+"/items", tok.AccessToken)
	if err != nil {
		return err
	}
	res, _, err := callAPI(ctx, api.URL+"/items", "DPoP "+tok.AccessToken, proof)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the DPoP-bound token was refused: %d %q", res.StatusCode, res.Header.Values("WWW-Authenticate"))
	}
	// The same proof again (RFC 9449, section 11.1).
	res, _, err = callAPI(ctx, api.URL+"/items", "DPoP "+tok.AccessToken, proof)
	if err != nil {
		return err
	}
	if err := wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeDPoP, "invalid_dpop_proof"); err != nil {
		return fmt.Errorf("a replayed proof: %w", err)
	}
	// The bound token as a Bearer token (section 7.2).
	res, _, err = callAPI(ctx, api.URL+"/items", "Bearer "+tok.AccessToken, "")
	if err != nil {
		return err
	}
	if err := wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeBearer, oauth2.ErrorInvalidToken); err != nil {
		return fmt.Errorf("the bound token as Bearer: %w", err)
	}
	// A proof by another key (section 7.1).
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, err := oauth2.NewDPoPProver(jose.JWK{Key: otherKey}, jose.ES256)
	if err != nil {
		return err
	}
	proof, _ = other.Proof(http.MethodGet, api.URL+"/items", tok.AccessToken)
	res, _, err = callAPI(ctx, api.URL+"/items", "DPoP "+tok.AccessToken, proof)
	if err != nil {
		return err
	}
	if err := wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeDPoP, oauth2.ErrorInvalidToken); err != nil {
		return fmt.Errorf("another key's proof: %w", err)
	}
	e.Notef("DPoP-bound token accepted with its proof; replay, Bearer use and another key refused")
	return nil
}

// jwtHeaderType returns the "typ" header of a compact JWS, unverified.
func jwtHeaderType(token string) string {
	var hdr struct {
		Typ string `json:"typ"`
	}
	h, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil || json.Unmarshal(b, &hdr) != nil {
		return ""
	}
	return hdr.Typ
}
