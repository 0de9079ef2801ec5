package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// What the generic scenarios (any_*.go) share: a pre-registered client of
// the target as an oauth2.Config, and an OpenID Connect relying party that
// logs the target's user in through the target's login agent. Nothing here
// knows which provider it talks to.

// anyClient is a pre-registered client of the target with a Config whose
// exchanges are recorded as evidence.
type anyClient struct {
	role   string
	client *TargetClient
	cfg    *oauth2.Config
	x      *exchanges
}

// newAnyClient returns the target's client of role.
func newAnyClient(e *Env, role string) (*anyClient, error) {
	c := e.Target().Client(role)
	if c == nil {
		return nil, Skip("the target has no %s client", role)
	}
	m := e.Provider.OAuthMetadata()
	if m == nil {
		return nil, Skip("the issuer's metadata is unavailable")
	}
	e.AddSecret(c.ClientSecret)
	x := newExchanges(e, nil)
	cfg := &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     m.Endpoint(),
		RedirectURL:  c.RedirectURI,
		AuthMethod:   c.AuthMethod(role),
		HTTPClient:   e.HTTPClient(),
		Observer:     x.observe,
	}
	return &anyClient{role: role, client: c, cfg: cfg, x: x}, nil
}

// token runs g and registers the token's secrets.
func (c *anyClient) token(ctx context.Context, e *Env, g oauth2.Grant) (*oauth2.Token, error) {
	tok, err := c.cfg.Token(ctx, g)
	if tok != nil {
		e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	}
	return tok, err
}

// idTokenAlgorithms are the asymmetric algorithms a generic relying party
// accepts for ID tokens, narrowed to the provider's
// id_token_signing_alg_values_supported.
var idTokenAlgorithms = []jose.Algorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// anyRP is an OpenID Connect relying party of the target: its code flow
// client, the discovered provider, an ID token verifier and the test user.
type anyRP struct {
	*anyClient
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	user     *TargetUser
}

// anyNeeds are the needs of a scenario that logs the user in with the
// authorization code flow.
var anyLoginNeeds = []Need{NeedOpenID, NeedCodeClient, NeedUser, NeedLogin, NeedGrant("authorization_code")}

// newAnyRP returns the relying party of the target's code flow client
// (see [NeedCodeClient]), whose default scope is openid plus the
// client's configured scopes.
func newAnyRP(e *Env) (*anyRP, error) {
	return newAnyRPRole(e, codeRole(e.Target()))
}

// newAnyRPRole is newAnyRP for the client of role.
func newAnyRPRole(e *Env, role string) (*anyRP, error) { return newRP(e, role, true) }

// newRP is newAnyRPRole; without needUser, a target without users gives a
// relying party whose user is a placeholder that never logs in.
func newRP(e *Env, role string, needUser bool) (*anyRP, error) {
	m := e.Provider.Metadata()
	if m == nil {
		return nil, Skip("the issuer is not an OpenID Provider")
	}
	c, err := newAnyClient(e, role)
	if err != nil {
		return nil, err
	}
	if c.client.RedirectURI == "" {
		return nil, Skip("the %s client has no redirect_uri", role)
	}
	c.cfg.Scopes = withScope(c.client.Scopes, "openid")
	p, err := oidc.NewProviderFromMetadata(m, oidc.ProviderConfig{HTTPClient: e.RecordingClient(), AllowInsecureHTTP: e.Provider.MetadataOptions.AllowInsecureHTTP})
	if err != nil {
		return nil, fmt.Errorf("provider from the metadata: %w", err)
	}
	v, err := p.Verifier(oidc.IDTokenVerifier{ClientID: c.client.ClientID, Algorithms: idTokenAlgorithms})
	if err != nil {
		return nil, fmt.Errorf("ID token verifier: %w", err)
	}
	u := e.Target().User()
	if u == nil && needUser {
		return nil, Skip("the target names no test user")
	}
	if u == nil {
		u = &TargetUser{Username: "nobody"}
	}
	e.AddSecret(u.Password)
	return &anyRP{anyClient: c, provider: p, verifier: v, user: u}, nil
}

// withScope returns scopes with s first, without repeating it.
func withScope(scopes []string, s string) []string {
	out := []string{s}
	for _, v := range scopes {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// agent returns a fresh login agent of the target, or a skip.
func newAgent(e *Env) (LoginAgent, error) {
	a := e.NewLoginAgent()
	if a == nil {
		return nil, Skip("the target has no login agent")
	}
	return a, nil
}

// authorize starts a flow with opts (a fresh nonce unless opts has one),
// has agent log the user in, and returns the flow and the parameters of
// the authorization response (OpenID Connect Core 1.0, section 3.1.2).
func (r *anyRP) authorize(ctx context.Context, e *Env, agent LoginAgent, opts oauth2.AuthorizationOptions) (*oauth2.Flow, url.Values, error) {
	if opts.Nonce == "" {
		opts.Nonce = oauth2.NewNonce()
	}
	flow, err := r.request(e, opts)
	if err != nil {
		return nil, nil, err
	}
	params, err := agentAuthorize(ctx, e, agent, flow.URL, flow.RedirectURL, r.user)
	return flow, params, err
}

// request starts a flow with opts as they are (no nonce unless opts has
// one), requiring iss in the response when the provider advertises it
// (RFC 9207, section 3), and registers the code verifier as a secret.
func (r *anyRP) request(e *Env, opts oauth2.AuthorizationOptions) (*oauth2.Flow, error) {
	opts.RequireIssuer = e.Provider.OAuthMetadata().AuthorizationResponseIssParameterSupported
	flow, err := r.cfg.AuthorizationRequest(opts)
	if err != nil {
		return nil, fmt.Errorf("authorization request: %w", err)
	}
	e.AddSecret(flow.CodeVerifier)
	return flow, nil
}

// agentAuthorize has agent open authURL as user and returns the
// parameters of the redirect to redirect, registering the code as a
// secret.
func agentAuthorize(ctx context.Context, e *Env, agent LoginAgent, authURL, redirect string, user *TargetUser) (url.Values, error) {
	loc, err := agent.Authorize(ctx, authURL, redirect, user.Username, user.Password)
	if err != nil {
		return nil, fmt.Errorf("login agent: %w", err)
	}
	params, err := oauth2.ParseCallbackQuery(loc.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("parsing the authorization response: %w", err)
	}
	e.AddSecret(params.Get("code"))
	return params, nil
}

// anyLogin is a completed login of the generic relying party.
type anyLogin struct {
	flow   *oauth2.Flow
	params url.Values
	token  *oauth2.Token
	id     *oidc.IDToken
}

// login runs the code flow through agent and verifies the ID token with
// the flow's nonce and the access token's at_hash (OpenID Connect Core
// 1.0, sections 3.1.3.5 to 3.1.3.8). maxAge is the max_age sent, 0 when
// none.
func (r *anyRP) login(ctx context.Context, e *Env, agent LoginAgent, opts oauth2.AuthorizationOptions, maxAge time.Duration) (*anyLogin, error) {
	flow, params, err := r.authorize(ctx, e, agent, opts)
	if err != nil {
		return nil, err
	}
	return r.complete(ctx, e, flow, params, maxAge)
}

// complete redeems the authorization response of flow and verifies the ID
// token.
func (r *anyRP) complete(ctx context.Context, e *Env, flow *oauth2.Flow, params url.Values, maxAge time.Duration) (*anyLogin, error) {
	tok, err := flow.Complete(ctx, r.cfg, params)
	if err != nil {
		return nil, fmt.Errorf("authorization response and code redemption: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	if tok.IDToken == "" {
		return nil, errors.New("the token response has no id_token although scope has openid (OpenID Connect Core 1.0 §3.1.3.3)")
	}
	id, err := r.verifier.Verify(ctx, tok.IDToken, oidc.VerifyOptions{Nonce: flow.Nonce, AccessToken: tok.AccessToken, MaxAge: maxAge})
	if err != nil {
		return nil, fmt.Errorf("verifying the ID token: %w", err)
	}
	return &anyLogin{flow: flow, params: params, token: tok, id: id}, nil
}

// newAnyRPAgent returns the relying party of newAnyRP and a fresh login
// agent, or a skip when the target lacks either.
func newAnyRPAgent(e *Env) (*anyRP, LoginAgent, error) {
	r, err := newAnyRP(e)
	if err != nil {
		return nil, nil, err
	}
	agent, err := newAgent(e)
	if err != nil {
		return nil, nil, err
	}
	return r, agent, nil
}

// newAnyLogin logs the target's user in once with a fresh agent, and
// returns the relying party, the agent (which keeps the session) and the
// login.
func newAnyLogin(ctx context.Context, e *Env, opts oauth2.AuthorizationOptions) (*anyRP, LoginAgent, *anyLogin, error) {
	r, agent, err := newAnyRPAgent(e)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := r.login(ctx, e, agent, opts, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return r, agent, l, nil
}

// extra builds url.Values from name, value pairs.
func extra(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// rawAuthorization sends an authorization request URL as a browser would
// open it, without following a redirect, and returns the status, the
// redirect's Location (nil when none) and the start of the page.
func rawAuthorization(ctx context.Context, e *Env, authURL string) (int, *url.URL, []byte, error) {
	c := e.RecordingClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	body, err := bounded.Read(res.Body, maxBody)
	if err != nil {
		return 0, nil, nil, err
	}
	loc, _ := res.Location()
	return res.StatusCode, loc, body, nil
}

// sameRedirect reports whether loc is the redirection endpoint redirect
// (scheme, host and path).
func sameRedirect(loc *url.URL, redirect string) bool {
	r, err := url.Parse(redirect)
	return err == nil && loc != nil && loc.Scheme == r.Scheme && loc.Host == r.Host && loc.Path == r.Path
}

// userinfoClaims fetches the userinfo claims with the access token of l
// (OpenID Connect Core 1.0, section 5.3) into a map.
func (r *anyRP) userinfoClaims(ctx context.Context, l *anyLogin) (map[string]any, error) {
	u, err := r.provider.UserInfo(ctx, l.token.AccessToken, oidc.UserInfoOptions{Subject: l.id.Subject, ClientID: r.client.ClientID})
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	var claims map[string]any
	if err := u.Claims(&claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// idClaims returns every claim of a verified ID token.
func idClaims(id *oidc.IDToken) map[string]any {
	var claims map[string]any
	_ = id.Claims(&claims)
	return claims
}

// oneOf reports whether s is one of the values.
func oneOf(s string, values ...string) bool { return slices.Contains(values, s) }

// problems collects the failed checks of a scenario.
type problems []string

func (p *problems) check(ok bool, format string, args ...any) {
	if !ok {
		*p = append(*p, fmt.Sprintf(format, args...))
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "; "))
}
