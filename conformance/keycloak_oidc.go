package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// oidcScenarios returns the OpenID Connect scenarios against the provider
// (discovery, ID token verification, userinfo, refresh, key rotation,
// logout). Each provisions its own realm, public client and user, and
// logs the user in with the headless user agent. The logout scenarios are
// in oidc_logout.go.
func oidcScenarios() []Scenario {
	needs := []Need{NeedAdmin, NeedLogin}
	return []Scenario{
		{
			ID:    "oidc-discovery",
			Title: "discovery of the realm: exact issuer, endpoints, a key set that verifies",
			Spec:  "OpenID Connect Discovery 1.0 §3, §4",
			Needs: []Need{NeedAdmin},
			Run:   runOIDCDiscovery,
		},
		{
			ID:    "oidc-code-flow",
			Title: "code flow with openid, PKCE, state and nonce: ID token verified with nonce and at_hash",
			Spec:  "OpenID Connect Core 1.0 §3.1.2.1, §3.1.3.7, §3.1.3.8",
			Needs: needs,
			Run:   runOIDCCodeFlow,
		},
		{
			ID:    "oidc-userinfo",
			Title: "userinfo with the access token: sub equals the ID token's",
			Spec:  "OpenID Connect Core 1.0 §5.3",
			Needs: needs,
			Run:   runOIDCUserinfo,
		},
		{
			ID:    "oidc-refresh-id-token",
			Title: "the ID token of a refresh response passes the section 12.2 checks",
			Spec:  "OpenID Connect Core 1.0 §12.2",
			Needs: needs,
			Run:   runOIDCRefreshIDToken,
		},
		{
			ID:    "oidc-key-rotation",
			Title: "realm keys rotated: the next ID token (new kid) verifies after exactly one key set refetch",
			Spec:  "OpenID Connect Core 1.0 §10.1.1",
			Needs: needs,
			Run:   runOIDCKeyRotation,
		},
		{
			ID:    "oidc-rp-logout",
			Title: "RP-initiated logout with id_token_hint ends the session: the next refresh fails with invalid_grant",
			Spec:  "OpenID Connect RP-Initiated Logout 1.0 §2, §3",
			Needs: needs,
			Run:   runOIDCRPLogout,
		},
		{
			ID:    "oidc-backchannel-logout",
			Title: "admin logout: the provider's logout token reaches the client's endpoint and verifies",
			Spec:  "OpenID Connect Back-Channel Logout 1.0 §2.4-2.8",
			Needs: needs,
			Run:   runOIDCBackchannelLogout,
		},
	}
}

// oidcSetup is a realm with a public client allowed the code flow with
// PKCE, a user, the discovered provider and a relying party.
type oidcSetup struct {
	realm    *keycloaktest.Realm
	client   *keycloaktest.Client
	user     *keycloaktest.User
	provider *oidc.Provider
	rp       *oidc.RelyingParty
	x        *exchanges
	// jwks counts the key set requests and keeps their Cache-Control.
	jwks *requestCounter
}

// newOIDCSetup provisions the realm, client and user, and discovers the
// realm. client's grants and redirect URIs are completed.
func newOIDCSetup(ctx context.Context, e *Env, client keycloaktest.ClientOptions) (*oidcSetup, error) {
	client.StandardFlow = true
	client.PKCE = true
	client.RedirectURIs = append(client.RedirectURIs, redirectURI)
	realm, c, user, err := newPublicClientRealm(ctx, e, client)
	if err != nil {
		return nil, err
	}
	hc := e.RecordingClient()
	counter := &requestCounter{base: hc.Transport, path: strings.TrimPrefix(realm.JWKSURL, e.Provider.BaseURL)}
	hc.Transport = counter
	p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("discovering %s: %w", realm.Issuer, err)
	}
	x := newExchanges(e, nil)
	rp, err := oidc.NewRelyingParty(p, oauth2.Config{
		ClientID:    c.ClientID,
		RedirectURL: redirectURI,
		Scopes:      []string{"profile", "email"},
		HTTPClient:  e.HTTPClient(),
		Observer:    x.observe,
	}, oidc.IDTokenVerifier{})
	if err != nil {
		return nil, err
	}
	return &oidcSetup{realm: realm, client: c, user: user, provider: p, rp: rp, x: x, jwks: counter}, nil
}

// newOIDCLogin provisions a default oidcSetup and logs its user in once.
func newOIDCLogin(ctx context.Context, e *Env) (*oidcSetup, *oidc.Login, *oidc.LoginResult, error) {
	s, err := newOIDCSetup(ctx, e, keycloaktest.ClientOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	l, res, err := s.login(ctx, e, nil, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, l, res, nil
}

// login runs the code flow for user through ua (a fresh agent when nil)
// and returns the verified result.
func (s *oidcSetup) login(ctx context.Context, e *Env, ua *keycloaktest.UserAgent, user *keycloaktest.User) (*oidc.Login, *oidc.LoginResult, error) {
	if ua == nil {
		ua = e.NewUserAgent()
	}
	if user == nil {
		user = s.user
	}
	l, err := s.rp.StartLogin(oidc.LoginOptions{})
	if err != nil {
		return nil, nil, err
	}
	e.AddSecret(l.Flow.CodeVerifier)
	params, err := headlessLogin(ctx, e, ua, l.URL(), user)
	if err != nil {
		return nil, nil, err
	}
	res, err := l.Finish(ctx, s.rp, params)
	if err != nil {
		return nil, nil, fmt.Errorf("completing the login: %w", err)
	}
	e.AddSecret(res.Token.AccessToken, res.Token.RefreshToken, res.Token.IDToken)
	return l, res, nil
}

// refresh runs the refresh grant and verifies the new ID token against
// the original (OpenID Connect Core, section 12.2).
func (s *oidcSetup) refresh(ctx context.Context, e *Env, tok *oauth2.Token, original *oidc.IDToken) (*oauth2.Token, *oidc.IDToken, error) {
	next, err := s.rp.Config.Refresh(ctx, tok)
	if err != nil {
		return nil, nil, fmt.Errorf("refresh: %w", err)
	}
	e.AddSecret(next.AccessToken, next.RefreshToken, next.IDToken)
	if next.IDToken == "" {
		return nil, nil, errors.New("the refresh response holds no id_token although the scope has openid")
	}
	idt, err := s.rp.Verifier.VerifyRefreshed(ctx, original, next.IDToken, next.AccessToken)
	if err != nil {
		return nil, nil, fmt.Errorf("verifying the refreshed ID token: %w", err)
	}
	return next, idt, nil
}

// requestCounter is a RoundTripper that counts the requests for one path
// and keeps their Cache-Control header.
type requestCounter struct {
	base http.RoundTripper
	path string

	mu           sync.Mutex
	cacheControl []string
}

func (c *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == c.path {
		c.mu.Lock()
		c.cacheControl = append(c.cacheControl, req.Header.Get("Cache-Control"))
		c.mu.Unlock()
	}
	return c.base.RoundTrip(req)
}

// requests returns the Cache-Control header of each counted request.
func (c *requestCounter) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.cacheControl...)
}

// OpenID Connect Discovery 1.0, sections 3 and 4: the realm's document has
// the exact issuer, the endpoints the realm serves, and a key set with an
// RS256 signing key; a trailing slash on the issuer asked for is a
// mismatch.
func runOIDCDiscovery(ctx context.Context, e *Env) error {
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{HTTPClient: e.RecordingClient()})
	if err != nil {
		return fmt.Errorf("discovering %s: %w", realm.Issuer, err)
	}
	m := p.Metadata
	var problems []string
	for _, c := range []struct{ name, got, want string }{
		{"issuer", p.Issuer(), realm.Issuer},
		{"authorization_endpoint", m.AuthorizationEndpoint, realm.AuthorizationURL},
		{"token_endpoint", m.TokenEndpoint, realm.TokenURL},
		{"jwks_uri", m.JWKSURI, realm.JWKSURL},
		{"userinfo_endpoint", m.UserInfoEndpoint, realm.UserinfoURL},
		{"end_session_endpoint", m.EndSessionEndpoint, realm.EndSessionURL},
	} {
		if c.got != c.want {
			problems = append(problems, fmt.Sprintf("%s %q, expected %q", c.name, c.got, c.want))
		}
	}
	if !m.AuthorizationResponseIssParameterSupported {
		problems = append(problems, "authorization_response_iss_parameter_supported is not true")
	}
	if !slices.Contains(m.IDTokenSigningAlgValuesSupported, string(jose.RS256)) {
		problems = append(problems, "id_token_signing_alg_values_supported lacks RS256")
	}
	if !m.BackchannelLogoutSupported {
		problems = append(problems, "backchannel_logout_supported is not true")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	keys, err := p.KeySet.Keys(ctx, "")
	if err != nil {
		return fmt.Errorf("fetching the key set: %w", err)
	}
	signing := 0
	for _, k := range keys {
		if (k.Use == "" || k.Use == "sig") && (k.Algorithm == "" || k.Algorithm == jose.RS256) {
			signing++
		}
	}
	if signing == 0 {
		return fmt.Errorf("the key set holds %d usable keys, none for RS256 signatures", len(keys))
	}
	if n := p.KeySet.Fetches(); n != 1 {
		return fmt.Errorf("the key set made %d requests, expected 1", n)
	}
	e.Notef("issuer %s; %d usable keys, %d for RS256 signatures", p.Issuer(), len(keys), signing)

	// The same issuer with a trailing slash finds the same document, whose
	// issuer then differs: section 4.3 forbids normalizing.
	_, err = oidc.NewProvider(ctx, realm.Issuer+"/", oidc.ProviderConfig{HTTPClient: e.RecordingClient()})
	if err := wantErrorIs(err, oidc.ErrIssuerMismatch); err != nil {
		return fmt.Errorf("issuer with a trailing slash: %w", err)
	}
	e.Notef("issuer with a trailing slash: %v", err)
	return nil
}

// OpenID Connect Core 1.0, sections 3.1.2.1 and 3.1.3.7: the request
// carries scope openid, PKCE S256, state and nonce; the ID token verifies
// with the nonce and the at_hash of the access token, and names the user.
func runOIDCCodeFlow(ctx context.Context, e *Env) error {
	s, l, res, err := newOIDCLogin(ctx, e)
	if err != nil {
		return err
	}
	q := l.Flow.Params
	idt := res.IDToken
	var problems []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	check(strings.Contains(" "+q.Get("scope")+" ", " openid "), "scope %q lacks openid", q.Get("scope"))
	check(q.Get("code_challenge_method") == "S256", "code_challenge_method %q", q.Get("code_challenge_method"))
	check(q.Get("nonce") != "" && q.Get("state") != "", "nonce or state missing from the request")
	check(idt.Nonce == l.Flow.Nonce, "the ID token's nonce is not the request's")
	check(idt.AccessTokenHash != "", "the ID token has no at_hash")
	check(idt.VerifyAccessToken(res.Token.AccessToken) == nil, "at_hash does not match the access token")
	check(idt.Subject == s.user.ID, "sub %q, expected the user's id %q", idt.Subject, s.user.ID)
	check(idt.Issuer == s.realm.Issuer, "iss %q", idt.Issuer)
	check(idt.AuthorizedParty == "" || idt.AuthorizedParty == s.client.ClientID, "azp %q", idt.AuthorizedParty)
	check(idt.SessionID != "", "no sid")
	check(idt.Algorithm == jose.RS256, "alg %s", idt.Algorithm)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	// The same token is refused with another nonce or another access
	// token: the checks above were real.
	_, err = s.rp.Verifier.Verify(ctx, idt.Raw, oidc.VerifyOptions{Nonce: oauth2.NewNonce()})
	if err := wantErrorIs(err, oidc.ErrNonce); err != nil {
		return fmt.Errorf("another nonce: %w", err)
	}
	_, err = s.rp.Verifier.Verify(ctx, idt.Raw, oidc.VerifyOptions{Nonce: l.Flow.Nonce, AccessToken: "another-access-token"})
	if err := wantErrorIs(err, oidc.ErrAccessTokenHash); err != nil {
		return fmt.Errorf("another access token: %w", err)
	}
	e.Notef("ID token verified: nonce, at_hash, sub, sid; another nonce and another access token refused")
	return nil
}

// OpenID Connect Core 1.0, section 5.3: the userinfo response for the
// access token names the ID token's subject and the user's claims.
func runOIDCUserinfo(ctx context.Context, e *Env) error {
	s, _, res, err := newOIDCLogin(ctx, e)
	if err != nil {
		return err
	}
	at := res.Token.AccessToken
	u, err := s.provider.UserInfo(ctx, at, oidc.UserInfoOptions{Subject: res.IDToken.Subject, ClientID: s.client.ClientID})
	if err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	if u.Subject != res.IDToken.Subject || u.PreferredUsername != s.user.Username || u.Email != s.user.Email {
		return fmt.Errorf("userinfo sub %q, preferred_username %q, email %q; expected %q, %q, %q",
			u.Subject, u.PreferredUsername, u.Email, res.IDToken.Subject, s.user.Username, s.user.Email)
	}
	_, err = s.provider.UserInfo(ctx, at, oidc.UserInfoOptions{Subject: "someone-else", ClientID: s.client.ClientID})
	if err := wantErrorIs(err, oidc.ErrSubject); err != nil {
		return fmt.Errorf("userinfo for another subject: %w", err)
	}
	e.Notef("userinfo sub, preferred_username and email match; another expected subject is refused")
	return nil
}

// OpenID Connect Core 1.0, section 12.2: the refreshed ID token has the
// same iss, sub, aud, azp and auth_time, and verifies; another user's ID
// token would be refused as a change of identity.
func runOIDCRefreshIDToken(ctx context.Context, e *Env) error {
	s, _, res, err := newOIDCLogin(ctx, e)
	if err != nil {
		return err
	}
	next, idt, err := s.refresh(ctx, e, res.Token, res.IDToken)
	if err != nil {
		return err
	}
	if idt.Raw == res.IDToken.Raw {
		return errors.New("the refresh returned the same ID token")
	}
	if idt.AccessTokenHash != "" && idt.VerifyAccessToken(next.AccessToken) != nil {
		return errors.New("the refreshed ID token's at_hash does not match the new access token")
	}
	e.Notef("refreshed ID token verified: same iss, sub, aud, azp, auth_time; nonce %s", nonceStatus(idt.Nonce))

	// Another user's ID token in place of the refreshed one.
	other, err := e.Admin().CreateUser(ctx, s.realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return fmt.Errorf("creating a second user: %w", err)
	}
	e.AddSecret(other.Password)
	_, res2, err := s.login(ctx, e, nil, other)
	if err != nil {
		return fmt.Errorf("second user: %w", err)
	}
	if err := wantErrorIs(oidc.CheckRefreshedIDToken(res.IDToken, res2.IDToken), oidc.ErrIdentityChanged, oidc.ErrSubject); err != nil {
		return fmt.Errorf("another user's ID token as the refreshed one: %w", err)
	}
	e.Notef("another user's ID token is refused as a change of identity")
	return nil
}

func nonceStatus(s string) string {
	if s == "" {
		return "absent"
	}
	return "present (the original one)"
}

// OpenID Connect Core 1.0, section 10.1.1: after the realm's keys rotate,
// the next ID token carries the new kid and verifies after exactly one
// refetch of the key set, sent with "Cache-Control: no-cache".
func runOIDCKeyRotation(ctx context.Context, e *Env) error {
	s, _, res, err := newOIDCLogin(ctx, e)
	if err != nil {
		return err
	}
	before := s.provider.KeySet.Fetches()
	if before != 1 {
		return fmt.Errorf("the key set made %d requests for the first ID token, expected 1", before)
	}
	oldKID := headerKID(res.IDToken.Raw)
	newKID, err := e.Admin().RotateKeys(ctx, s.realm.Name, keycloaktest.RotateKeysOptions{})
	if err != nil {
		return fmt.Errorf("rotating the realm keys: %w", err)
	}
	e.Notef("keys rotated: kid %s replaces %s", newKID, oldKID)
	next, idt, err := s.refresh(ctx, e, res.Token, res.IDToken)
	if err != nil {
		return err
	}
	if got := headerKID(idt.Raw); got != newKID {
		return fmt.Errorf("the refreshed ID token has kid %q, expected the new %q", got, newKID)
	}
	if n := s.provider.KeySet.Fetches(); n != 2 {
		return fmt.Errorf("the key set made %d requests in all, expected exactly 2 (one refetch)", n)
	}
	reqs := s.jwks.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1], "no-cache") {
		return fmt.Errorf("key set requests' Cache-Control: %q, expected 2 requests, the second no-cache", reqs)
	}
	// Another token of the new key needs no request.
	if _, _, err := s.refresh(ctx, e, next, res.IDToken); err != nil {
		return fmt.Errorf("second refresh: %w", err)
	}
	if n := s.provider.KeySet.Fetches(); n != 2 {
		return fmt.Errorf("the key set made %d requests after a second token of the new key, expected 2", n)
	}
	e.Notef("new kid verified after one no-cache refetch; the next token needed none")
	return nil
}

// headerKID returns the "kid" of a verified compact JWS's header.
func headerKID(token string) string {
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	var h struct {
		KID string `json:"kid"`
	}
	_ = json.Unmarshal(b, &h)
	return h.KID
}
