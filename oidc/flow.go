package oidc

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// ScopeOpenID is the scope that makes an authorization request an OpenID
// Connect authentication request (OpenID Connect Core, section 3.1.2.1).
const ScopeOpenID = "openid"

// RelyingParty is an OpenID Connect client: its OAuth 2.0 configuration and
// the verifier of its ID tokens. [NewRelyingParty] builds one from a
// discovered [Provider].
type RelyingParty struct {
	// Config is the OAuth 2.0 client: client_id, credentials, endpoints,
	// redirect URI, default scopes and HTTP client.
	Config *oauth2.Config
	// Verifier verifies the ID tokens of the logins.
	Verifier *IDTokenVerifier
	// RequireIssuer rejects an authorization response without the RFC 9207
	// "iss" parameter; set it when the provider's metadata has
	// authorization_response_iss_parameter_supported.
	RequireIssuer bool
}

// NewRelyingParty returns a RelyingParty for provider p: cfg's Endpoint is
// the provider's, cfg's HTTPClient and Observer the provider's when cfg has
// none, the
// verifier is p.Verifier(v) with v.ClientID defaulting to cfg.ClientID, and
// RequireIssuer follows the metadata.
func NewRelyingParty(p *Provider, cfg oauth2.Config, v IDTokenVerifier) (*RelyingParty, error) {
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("%w: no client_id", ErrInvalidConfig)
	}
	cfg.Endpoint = p.Endpoint()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = p.httpClient
	}
	if cfg.Observer == nil {
		cfg.Observer, cfg.RevealSecrets = p.observer, p.revealSecrets
	}
	if v.ClientID == "" {
		v.ClientID = cfg.ClientID
	}
	verifier, err := p.Verifier(v)
	if err != nil {
		return nil, err
	}
	return &RelyingParty{
		Config:        &cfg,
		Verifier:      verifier,
		RequireIssuer: p.Metadata.AuthorizationResponseIssParameterSupported,
	}, nil
}

// LoginOptions tune one login. The zero value asks for Config.Scopes (plus
// "openid") at Config.RedirectURL.
type LoginOptions struct {
	// Scopes requested; empty means Config.Scopes. "openid" is added when
	// missing.
	Scopes []string
	// RedirectURL is the redirect_uri; empty means Config.RedirectURL.
	RedirectURL string
	// MaxAge, when non-zero, is sent as max_age (OpenID Connect Core,
	// section 3.1.2.1) in whole seconds and enforced on auth_time;
	// MaxAgeZero sends max_age=0.
	MaxAge time.Duration
	// Extra parameters (prompt, login_hint, acr_values, ui_locales, ...),
	// sent as they are.
	Extra url.Values
}

// Login is one login in progress: the oauth2 flow record (state, PKCE code
// verifier, nonce, expected issuer) and what the ID token must match. Keep
// it server-side and look it up by Flow.State when the callback comes; it
// completes once.
type Login struct {
	// Flow is the authorization code flow record; Flow.URL is where to send
	// the user agent.
	Flow *oauth2.Flow
	// Scopes are the scopes requested.
	Scopes []string
	// MaxAge is the max_age sent, 0 when none.
	MaxAge time.Duration
}

// URL returns the authentication request to send the user agent to
// (OpenID Connect Core, section 3.1.2.1).
func (l *Login) URL() string { return l.Flow.URL }

// State returns the login's state, to find it again at the callback.
func (l *Login) State() string { return l.Flow.State }

// LoginResult is a completed login.
type LoginResult struct {
	// Token is the token response; Token.IDToken is the verified ID token's
	// compact form.
	Token *oauth2.Token
	// IDToken is the verified ID token.
	IDToken *IDToken
}

// StartLogin begins an authorization code flow with PKCE (S256), a fresh
// state and a fresh nonce: OpenID Connect Core, section 3.1.2.1, on top of
// RFC 6749, section 4.1.1 and RFC 7636.
func (rp *RelyingParty) StartLogin(opts LoginOptions) (*Login, error) {
	if rp.Config == nil || rp.Verifier == nil {
		return nil, fmt.Errorf("%w: RelyingParty needs Config and Verifier", ErrInvalidConfig)
	}
	scopes := opts.Scopes
	if len(scopes) == 0 {
		scopes = rp.Config.Scopes
	}
	if !slices.Contains(scopes, ScopeOpenID) {
		scopes = append([]string{ScopeOpenID}, scopes...)
	}
	extra := url.Values{}
	for k, vs := range opts.Extra {
		extra[k] = slices.Clone(vs)
	}
	if opts.MaxAge != 0 {
		if _, ok := extra["max_age"]; ok {
			return nil, fmt.Errorf("%w: set max_age with LoginOptions.MaxAge only", ErrInvalidConfig)
		}
		extra.Set("max_age", strconv.FormatInt(int64(max(opts.MaxAge, 0)/time.Second), 10))
	} else if _, ok := extra["max_age"]; ok {
		return nil, fmt.Errorf("%w: set max_age with LoginOptions.MaxAge, so that auth_time is checked", ErrInvalidConfig)
	}
	flow, err := rp.Config.AuthorizationRequest(oauth2.AuthorizationOptions{
		Scopes:        scopes,
		RedirectURL:   opts.RedirectURL,
		Nonce:         oauth2.NewNonce(),
		RequireIssuer: rp.RequireIssuer,
		Extra:         extra,
	})
	if err != nil {
		return nil, err
	}
	maxAge := opts.MaxAge
	if maxAge > 0 {
		maxAge = maxAge.Truncate(time.Second)
		if maxAge == 0 {
			maxAge = MaxAgeZero
		}
	}
	return &Login{Flow: flow, Scopes: scopes, MaxAge: maxAge}, nil
}

// Finish completes the login with the authorization response (the query of
// the redirect to the client):
//
//  1. the callback is checked and the flow consumed (oauth2.Flow.Complete:
//     repeated parameters, state, RFC 9207 iss, error responses), and the
//     code is redeemed with the PKCE verifier;
//  2. the token response must hold an id_token when "openid" was requested
//     (OpenID Connect Core, section 3.1.3.3), else
//     ErrMissingIDToken;
//  3. the ID token is verified (section 3.1.3.7) with the login's nonce and
//     max_age, and its at_hash, when present, against the access token
//     (section 3.1.3.8).
//
// A second call fails with oauth2.ErrFlowUsed.
func (l *Login) Finish(ctx context.Context, rp *RelyingParty, params url.Values) (*LoginResult, error) {
	if rp == nil || rp.Config == nil || rp.Verifier == nil {
		return nil, fmt.Errorf("%w: RelyingParty needs Config and Verifier", ErrInvalidConfig)
	}
	tok, err := l.Flow.Complete(ctx, rp.Config, params)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(l.Scopes, ScopeOpenID) {
		return &LoginResult{Token: tok}, nil
	}
	if tok.IDToken == "" {
		return nil, ErrMissingIDToken
	}
	idt, err := rp.Verifier.Verify(ctx, tok.IDToken, VerifyOptions{
		Nonce:       l.Flow.Nonce,
		AccessToken: tok.AccessToken,
		MaxAge:      l.MaxAge,
	})
	if err != nil {
		return nil, err
	}
	return &LoginResult{Token: tok, IDToken: idt}, nil
}
