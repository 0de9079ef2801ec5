package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/internal/pause"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// The authorization code grant with PKCE, driven by a headless user agent
// on the provider's login form.
func authCodeScenarios() []Scenario {
	needs := []Need{NeedAdmin, NeedLogin}
	return []Scenario{
		{
			ID:    "ac-pkce-s256",
			Title: "authorization code with PKCE S256: state and iss checked, code redeemed with the verifier",
			Spec:  "RFC 6749 §4.1, RFC 7636 §4, RFC 9207 §2",
			Needs: needs,
			Run:   runAuthCodePKCE,
		},
		{
			ID:    "ac-wrong-state",
			Title: "a response with a forged state is refused before any token request",
			Spec:  "RFC 6749 §10.12, RFC 9700 §4.7",
			Needs: needs,
			Run:   runAuthCodeWrongState,
		},
		{
			ID:    "ac-pkce-wrong-verifier",
			Title: "the provider refuses a code redeemed with another verifier",
			Spec:  "RFC 7636 §4.6",
			Needs: needs,
			Run:   runAuthCodeWrongVerifier,
		},
		{
			ID:    "device-flow",
			Title: "device authorization: pending while the user has not approved, then a token",
			Spec:  "RFC 8628 §3.1-3.5",
			Needs: needs,
			Run:   runDeviceFlow,
		},
	}
}

// redirectURI is where the provider sends the user agent back. Nothing
// listens there: the user agent returns the redirect without following it.
const redirectURI = "http://127.0.0.1/oauthkit/callback"

// codeFlowSetup is a realm with a public client that must use PKCE S256,
// and a user.
type codeFlowSetup struct {
	cfg   *oauth2.Config
	x     *exchanges
	user  *keycloaktest.User
	realm *keycloaktest.Realm
}

// newCodeFlowSetup provisions a fresh realm with a public client of the
// given settings and a user.
func newCodeFlowSetup(ctx context.Context, e *Env, client keycloaktest.ClientOptions) (*codeFlowSetup, error) {
	realm, c, user, err := newPublicClientRealm(ctx, e, client)
	if err != nil {
		return nil, err
	}
	x := newExchanges(e, nil)
	cfg := &oauth2.Config{
		ClientID:    c.ClientID,
		Endpoint:    realm.Endpoint(),
		RedirectURL: redirectURI,
		Scopes:      []string{"profile"},
		HTTPClient:  e.HTTPClient(),
		Observer:    x.observe,
	}
	return &codeFlowSetup{cfg: cfg, x: x, user: user, realm: realm}, nil
}

// newPublicClientRealm provisions a fresh realm with a public client of
// the given settings and a user, whose password it registers as a secret.
func newPublicClientRealm(ctx context.Context, e *Env, client keycloaktest.ClientOptions) (*keycloaktest.Realm, *keycloaktest.Client, *keycloaktest.User, error) {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	admin := e.Admin()
	client.Auth = keycloaktest.PublicClient
	c, err := admin.CreateClient(ctx, realm.Name, client)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating the client: %w", err)
	}
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)
	return realm, c, user, nil
}

// login starts a flow and logs the user in; it returns the flow and the
// parameters of the redirect back to the client.
func (s *codeFlowSetup) login(ctx context.Context, e *Env) (*oauth2.Flow, url.Values, error) {
	flow, err := s.cfg.AuthorizationRequest(oauth2.AuthorizationOptions{RequireIssuer: true})
	if err != nil {
		return nil, nil, fmt.Errorf("authorization request: %w", err)
	}
	e.AddSecret(flow.CodeVerifier)
	params, err := headlessLogin(ctx, e, e.NewUserAgent(), flow.URL, s.user)
	if err != nil {
		return nil, nil, err
	}
	return flow, params, nil
}

// headlessLogin logs user in through ua at the authorization request
// authURL and returns the parameters of the redirect back to redirectURI,
// registering the code as a secret (RFC 6749, section 4.1.2).
func headlessLogin(ctx context.Context, e *Env, ua *keycloaktest.UserAgent, authURL string, user *keycloaktest.User) (url.Values, error) {
	loc, err := ua.Login(ctx, authURL, redirectURI, user.Username, user.Password)
	if err != nil {
		return nil, fmt.Errorf("headless login: %w", err)
	}
	params, err := oauth2.ParseCallbackQuery(loc.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("parsing the redirect: %w", err)
	}
	e.AddSecret(params.Get("code"))
	return params, nil
}

// newPKCELogin provisions a public client that must use PKCE S256 and
// logs its user in once.
func newPKCELogin(ctx context.Context, e *Env) (*codeFlowSetup, *oauth2.Flow, url.Values, error) {
	s, err := newCodeFlowSetup(ctx, e, keycloaktest.ClientOptions{StandardFlow: true, PKCE: true, RedirectURIs: []string{redirectURI}})
	if err != nil {
		return nil, nil, nil, err
	}
	flow, params, err := s.login(ctx, e)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, flow, params, nil
}

// RFC 6749, section 4.1 with RFC 7636 and RFC 9207.
func runAuthCodePKCE(ctx context.Context, e *Env) error {
	s, flow, params, err := newPKCELogin(ctx, e)
	if err != nil {
		return err
	}
	if got, want := flow.Params.Get("code_challenge_method"), "S256"; got != want {
		return fmt.Errorf("code_challenge_method %q, expected %q", got, want)
	}
	if got := flow.Params.Get("code_challenge"); got != oauth2.S256Challenge(flow.CodeVerifier) {
		return errors.New("code_challenge is not the S256 challenge of the flow's verifier")
	}
	if n := len(flow.CodeVerifier); n < 43 || n > 128 {
		return fmt.Errorf("code verifier of %d characters, expected 43 to 128", n)
	}
	if got := params.Get("iss"); got != s.realm.Issuer {
		return fmt.Errorf("expected the redirect to carry iss %q (RFC 9207), got %q", s.realm.Issuer, got)
	}
	if got := params.Get("state"); got != flow.State {
		return errors.New("the redirect's state is not the flow's")
	}
	tok, err := flow.Complete(ctx, s.cfg, params)
	if err != nil {
		return fmt.Errorf("redeeming the code: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	if tok.AccessToken == "" || tok.TokenType != oauth2.TokenTypeBearer {
		return fmt.Errorf("expected a Bearer access token, got type %q", tok.TokenType)
	}
	reqs := s.x.grants("authorization_code")
	if len(reqs) != 1 {
		return fmt.Errorf("expected 1 token request, observed %d", len(reqs))
	}
	form := reqs[0].Form
	if !form.Has("code_verifier") || form.Get("redirect_uri") != redirectURI || form.Get("client_id") != s.cfg.ClientID {
		return fmt.Errorf("token request lacks code_verifier, redirect_uri or client_id: has %v", keys(form))
	}
	e.Notef("code redeemed with its verifier; iss and state matched")
	return nil
}

// RFC 6749, section 10.12: a response whose state is not the flow's is
// refused, nothing is sent to the token endpoint, and the flow stays
// usable for the genuine response, which then works once.
func runAuthCodeWrongState(ctx context.Context, e *Env) error {
	s, flow, params, err := newPKCELogin(ctx, e)
	if err != nil {
		return err
	}
	forged := url.Values{}
	for k, v := range params {
		forged[k] = append([]string(nil), v...)
	}
	forged.Set("state", "forged-"+flow.State[:8])
	_, err = flow.Complete(ctx, s.cfg, forged)
	if !errors.Is(err, oauth2.ErrStateMismatch) {
		return fmt.Errorf("forged state: expected oauth2.ErrStateMismatch, got %v", err)
	}
	if n := len(s.x.grants("")); n != 0 {
		return fmt.Errorf("forged state: expected no token request, observed %d", n)
	}
	e.Notef("forged state refused before any token request: %v", err)

	tok, err := flow.Complete(ctx, s.cfg, params)
	if err != nil {
		return fmt.Errorf("genuine response after the forged one: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	_, err = flow.Complete(ctx, s.cfg, params)
	if !errors.Is(err, oauth2.ErrFlowUsed) {
		return fmt.Errorf("replayed response: expected oauth2.ErrFlowUsed, got %v", err)
	}
	if n := len(s.x.grants("")); n != 1 {
		return fmt.Errorf("expected exactly 1 token request in all, observed %d", n)
	}
	return nil
}

// RFC 7636, section 4.6: the provider checks the verifier against the
// challenge and refuses a mismatch with invalid_grant.
func runAuthCodeWrongVerifier(ctx context.Context, e *Env) error {
	s, flow, params, err := newPKCELogin(ctx, e)
	if err != nil {
		return err
	}
	code, err := flow.Callback(params)
	if err != nil {
		return fmt.Errorf("callback: %w", err)
	}
	other := oauth2.NewCodeVerifier()
	e.AddSecret(other)
	_, err = s.cfg.Token(ctx, oauth2.AuthorizationCodeGrant{Code: code, CodeVerifier: other, RedirectURL: flow.RedirectURL})
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", http.StatusBadRequest); err != nil {
		return err
	}
	e.Notef("error: %v", err)
	return nil
}

// RFC 8628, sections 3.1 to 3.5: the first poll, before the user has
// approved, gets authorization_pending; after the headless approval the
// next poll, an interval later, gets the token.
func runDeviceFlow(ctx context.Context, e *Env) error {
	s, err := newCodeFlowSetup(ctx, e, keycloaktest.ClientOptions{DeviceGrant: true})
	if err != nil {
		return err
	}
	da, err := s.cfg.DeviceAuthorization(ctx, nil, nil)
	if err != nil {
		return fmt.Errorf("device authorization request: %w", err)
	}
	e.AddSecret(da.DeviceCode)
	if da.UserCode == "" || da.VerificationURI == "" {
		return errors.New("device authorization response without user_code or verification_uri")
	}
	// The first poll goes at once, before the user has approved. Before
	// the second, the user approves; then the interval is waited as usual.
	polls := 0
	da.Wait = func(ctx context.Context, d time.Duration) error {
		polls++
		switch polls {
		case 1:
			return nil
		case 2:
			if err := e.NewUserAgent().ApproveDevice(ctx, da.VerificationURIComplete, da.UserCode, s.user.Username, s.user.Password); err != nil {
				return fmt.Errorf("headless approval: %w", err)
			}
		}
		return pause.Wait(ctx, d)
	}
	tok, err := s.cfg.PollDeviceToken(ctx, da)
	if err != nil {
		return fmt.Errorf("polling: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	seen := s.x.grants(oauth2.GrantTypeDeviceCode)
	if len(seen) < 2 {
		return fmt.Errorf("expected at least 2 polls (pending, then the token), observed %d", len(seen))
	}
	if code := errorCode(seen[0].ResponseBody); seen[0].StatusCode != http.StatusBadRequest || code != oauth2.ErrorAuthorizationPending {
		return fmt.Errorf("expected the first poll to get HTTP 400 authorization_pending, got HTTP %d %q", seen[0].StatusCode, code)
	}
	e.Notef("%d polls; interval %v", len(seen), da.Interval)
	return nil
}
