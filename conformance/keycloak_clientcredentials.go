package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// The client credentials grant with each client authentication method,
// each in a realm of its own.
func clientCredentialsScenarios() []Scenario {
	needs := []Need{NeedAdmin}
	return []Scenario{
		{
			ID:    "cc-client-secret-basic",
			Title: "client credentials, secret in HTTP Basic authentication",
			Spec:  "RFC 6749 §4.4, §2.3.1",
			Needs: needs,
			Run:   runClientCredentials(clientSecretBasic),
		},
		{
			ID:    "cc-client-secret-post",
			Title: "client credentials, secret in the request body",
			Spec:  "RFC 6749 §4.4, §2.3.1",
			Needs: needs,
			Run:   runClientCredentials(clientSecretPost),
		},
		{
			ID:    "cc-client-secret-jwt",
			Title: "client credentials, HS256 assertion keyed with the secret",
			Spec:  "RFC 7523 §2.2, §3",
			Needs: needs,
			Run:   runClientCredentials(clientSecretJWT),
		},
		{
			ID:    "cc-private-key-jwt-rs256",
			Title: "client credentials, RS256 assertion, public key inline in the client",
			Spec:  "RFC 7523 §2.2, §3",
			Needs: needs,
			Run:   runClientCredentials(privateKeyJWTRS256),
		},
		{
			ID:    "cc-private-key-jwt-es256",
			Title: "client credentials, ES256 assertion, public key served as a JWKS URL",
			Spec:  "RFC 7523 §2.2, §3",
			Needs: needs,
			Run:   runClientCredentials(privateKeyJWTES256),
		},
		{
			ID:    "cc-refetch-keeps-parameters",
			Title: "the Session runs the grant again at expiry with the same scope and resource",
			Spec:  "RFC 6749 §4.4, RFC 8707 §2",
			Needs: needs,
			Run:   runClientCredentialsRefetch,
		},
	}
}

// clientAuthCase is one client authentication method: how the client is
// registered and how the Config authenticates.
type clientAuthCase int

const (
	clientSecretBasic clientAuthCase = iota
	clientSecretPost
	clientSecretJWT
	privateKeyJWTRS256
	privateKeyJWTES256
)

// confidentialClient creates a realm and a service-account client that
// authenticates as c says, and returns a Config for it.
func confidentialClient(ctx context.Context, e *Env, c clientAuthCase, realmOpts keycloaktest.RealmOptions) (*oauth2.Config, *exchanges, error) {
	realm, err := e.NewRealm(ctx, realmOpts)
	if err != nil {
		return nil, nil, err
	}
	opts := keycloaktest.ClientOptions{ServiceAccount: true}
	var auth oauth2.ClientAuthenticator
	switch c {
	case clientSecretBasic:
		opts.Auth, auth = keycloaktest.ClientSecretBasic, oauth2.ClientSecretBasic{}
	case clientSecretPost:
		opts.Auth, auth = keycloaktest.ClientSecretPost, oauth2.ClientSecretPost{}
	case clientSecretJWT:
		opts.Auth, opts.SigningAlgorithm = keycloaktest.ClientSecretJWT, "HS256"
		auth = oauth2.ClientSecretJWT{Algorithm: jose.HS256}
	case privateKeyJWTRS256, privateKeyJWTES256:
		key, err := newClientKey(c)
		if err != nil {
			return nil, nil, err
		}
		jwks, err := publicJWKS(key)
		if err != nil {
			return nil, nil, err
		}
		opts.Auth, opts.SigningAlgorithm = keycloaktest.PrivateKeyJWT, string(key.Algorithm)
		if c == privateKeyJWTRS256 {
			opts.JWKS = string(jwks)
		} else {
			srv, err := serveJWKS(jwks)
			if err != nil {
				return nil, nil, err
			}
			e.Cleanup(func(context.Context) error { srv.Close(); return nil })
			opts.JWKSURL = srv.URL + "/jwks"
		}
		auth = oauth2.PrivateKeyJWT{Key: key}
	}
	client, err := e.Admin().CreateClient(ctx, realm.Name, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the client: %w", err)
	}
	e.AddSecret(client.Secret)
	x := newExchanges(e, nil)
	cfg := &oauth2.Config{
		ClientID:     client.ClientID,
		ClientSecret: client.Secret,
		Endpoint:     realm.Endpoint(),
		AuthMethod:   auth,
		HTTPClient:   e.HTTPClient(),
		Observer:     x.observe,
	}
	e.Notef("client %s registered for %s", client.ClientID, auth.Method())
	return cfg, x, nil
}

// newClientKey generates the client's signing key for private_key_jwt.
func newClientKey(c clientAuthCase) (jose.JWK, error) {
	if c == privateKeyJWTRS256 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return jose.JWK{}, err
		}
		return jose.JWK{KeyID: uniqueName("rsa"), Algorithm: jose.RS256, Use: "sig", Key: k}, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return jose.JWK{}, err
	}
	return jose.JWK{KeyID: uniqueName("ec"), Algorithm: jose.ES256, Use: "sig", Key: k}, nil
}

// publicJWKS returns the JSON Web Key Set holding the public part of key.
func publicJWKS(key jose.JWK) ([]byte, error) {
	pub, err := key.Public()
	if err != nil {
		return nil, err
	}
	return json.Marshal(jose.JWKSet{Keys: []jose.JWK{pub}})
}

// serveJWKS serves jwks at /jwks on a loopback listener, for the provider
// to fetch.
func serveJWKS(jwks []byte) (*httptest.Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &httptest.Server{
		Listener: l,
		Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/jwks" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/jwk-set+json")
			w.Write(jwks)
		}), ReadHeaderTimeout: 10 * time.Second},
	}
	srv.Start()
	return srv, nil
}

// runClientCredentials checks RFC 6749, section 4.4 with one client
// authentication method: a Bearer token comes back, and the request
// carried the credentials where the method puts them and nowhere else.
func runClientCredentials(c clientAuthCase) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		cfg, x, err := confidentialClient(ctx, e, c, keycloaktest.RealmOptions{})
		if err != nil {
			return err
		}
		tok, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
		if err != nil {
			return fmt.Errorf("client credentials grant with %s: %w", cfg.AuthMethod.Method(), err)
		}
		e.AddSecret(tok.AccessToken, tok.RefreshToken)
		if tok.AccessToken == "" || tok.TokenType != oauth2.TokenTypeBearer || tok.Lifetime() <= 0 {
			return fmt.Errorf("expected a Bearer access token with an expiry, got type %q, lifetime %v", tok.TokenType, tok.Lifetime())
		}
		reqs := x.grants("client_credentials")
		if len(reqs) != 1 {
			return fmt.Errorf("expected 1 token request, observed %d", len(reqs))
		}
		return checkClientAuthentication(c, cfg, reqs[0])
	}
}

// checkClientAuthentication checks where an observed token request carried
// the client's credentials.
func checkClientAuthentication(c clientAuthCase, cfg *oauth2.Config, ex observedExchange) error {
	authz := ex.RequestHeader.Get("Authorization")
	form := ex.Form
	var problems []string
	switch c {
	case clientSecretBasic:
		if !strings.HasPrefix(authz, "Basic ") {
			problems = append(problems, "no Authorization: Basic header")
		}
		if form.Has("client_secret") {
			problems = append(problems, "client_secret also in the body")
		}
	case clientSecretPost:
		if authz != "" {
			problems = append(problems, "an Authorization header was sent")
		}
		if form.Get("client_id") != cfg.ClientID || !form.Has("client_secret") {
			problems = append(problems, "client_id and client_secret not in the body")
		}
	default:
		if authz != "" {
			problems = append(problems, "an Authorization header was sent")
		}
		if form.Has("client_secret") {
			problems = append(problems, "client_secret sent")
		}
		if got := form.Get("client_assertion_type"); got != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			problems = append(problems, fmt.Sprintf("client_assertion_type %q", got))
		}
		if !form.Has("client_assertion") {
			problems = append(problems, "no client_assertion")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s request: %s", cfg.AuthMethod.Method(), strings.Join(problems, "; "))
	}
	return nil
}

// RFC 6749, section 4.4.3: no refresh token is issued for the client
// credentials grant, so a Session renews the token by running the grant
// again; the scope and the RFC 8707 resource parameter of the first
// request must come along.
func runClientCredentialsRefetch(ctx context.Context, e *Env) error {
	cfg, x, err := confidentialClient(ctx, e, clientSecretBasic, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	rig, err := newSessionRig(e, cfg, x)
	if err != nil {
		return err
	}
	clock, rs, tokens, s := rig.clock, rig.rs, rig.tokens, rig.session
	const resource = "https://api.example.org/"
	grant := oauth2.ClientCredentialsGrant{Scopes: []string{"profile"}, Extra: url.Values{"resource": {resource}}}
	first, err := s.FetchToken(ctx, grant)
	if err != nil {
		return fmt.Errorf("client credentials grant: %w", err)
	}
	e.AddSecret(first.AccessToken)
	if first.RefreshToken != "" {
		e.Notef("the provider issued a refresh token for client credentials; the Session will use it")
	}
	life := first.Lifetime()
	if life <= 0 {
		return errors.New("the token has no expires_in")
	}
	clock.Advance(life + time.Second)
	status, _, err := get(ctx, s.Client(), rs.URL+"/resource")
	if err != nil {
		return fmt.Errorf("request after expiry: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("request after expiry: resource server answered %d", status)
	}
	toks := tokens.all()
	if len(toks) != 2 {
		return fmt.Errorf("expected a second token after expiry, OnToken saw %d tokens", len(toks))
	}
	second := toks[1]
	e.AddSecret(second.AccessToken)
	if h := rs.headers(); len(h) != 1 || h[0] != bearer(second) {
		return errors.New("the request after expiry did not carry the renewed access token")
	}
	reqs := x.grants("")
	if len(reqs) != 2 {
		return fmt.Errorf("expected 2 token requests, observed %d", len(reqs))
	}
	if first.RefreshToken != "" {
		// Keycloak can be set to issue refresh tokens for this grant;
		// then a refresh is the right renewal.
		if reqs[1].Form.Get("grant_type") != "refresh_token" {
			return fmt.Errorf("expected a refresh with the issued refresh token, saw grant_type %q", reqs[1].Form.Get("grant_type"))
		}
		return nil
	}
	again := reqs[1].Form
	var problems []string
	if got := again.Get("grant_type"); got != "client_credentials" {
		problems = append(problems, fmt.Sprintf("grant_type %q", got))
	}
	if got := again.Get("scope"); got != "profile" {
		problems = append(problems, fmt.Sprintf("scope %q, expected %q", got, "profile"))
	}
	if got := again["resource"]; len(got) != 1 || got[0] != resource {
		problems = append(problems, fmt.Sprintf("resource %q, expected %q", got, resource))
	}
	if len(problems) > 0 {
		return errors.New("second token request: " + strings.Join(problems, "; "))
	}
	e.Notef("the second request repeated grant_type, scope and resource")
	return nil
}
