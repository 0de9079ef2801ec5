package oauth2

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
)

// AuthorizationOptions tune one authorization request. The zero value asks
// for Config.Scopes at Config.RedirectURL.
type AuthorizationOptions struct {
	// Scopes requested; empty means Config.Scopes.
	Scopes []string
	// RedirectURL is the redirect_uri; empty means Config.RedirectURL.
	RedirectURL string
	// Nonce, when set, is sent as the OpenID Connect "nonce" parameter
	// (OpenID Connect Core 1.0, section 3.1.2.1) and kept in the flow for
	// the ID token check. [NewNonce] makes one.
	Nonce string
	// CodeVerifier is the PKCE verifier to use; empty means a fresh one from
	// [NewCodeVerifier], which is what a client should want. A verifier
	// given here must pass [CheckCodeVerifier].
	CodeVerifier string
	// RequireIssuer makes the callback reject a response without the "iss"
	// parameter. Set it when the server's metadata has
	// authorization_response_iss_parameter_supported (RFC 9207, section 2.4).
	// It needs Config.Endpoint.Issuer.
	RequireIssuer bool
	// Extra parameters (prompt, login_hint, max_age, resource, ...), sent
	// as they are; repeated values are sent repeated. They must not name a
	// parameter the request sets itself (state, code_challenge, ...).
	Extra url.Values
}

// Flow is one authorization code flow in progress: the authorization
// request to send the user agent to, and the record the callback is checked
// against (RFC 6749, section 4.1; RFC 7636; RFC 9207). A Flow is used for
// one callback only; keep it server-side (never in a cookie the user agent
// could replay) and look it up by its State. The once-only rule is kept in
// memory: a Flow restored from storage starts unused, so remove it from the
// store when its callback arrives.
type Flow struct {
	// URL is the authorization request: the authorization endpoint with
	// the request parameters in its query (RFC 6749, section 4.1.1).
	URL string
	// Params are the request parameters of URL, to push to a PAR endpoint
	// instead (RFC 9126, section 2.1); see PushedAuthorizationURL.
	Params url.Values
	// State is the fresh "state" value that binds the callback to this
	// flow (RFC 6749, section 10.12).
	State string
	// CodeVerifier is the PKCE verifier; only its S256 challenge was sent
	// (RFC 7636, section 4.2). It goes to the token endpoint with the code.
	CodeVerifier string
	// Nonce is the OpenID Connect nonce sent, or "".
	Nonce string
	// Issuer is the issuer identifier of the server the request went to;
	// the callback's "iss" must equal it (RFC 9207, section 2.4).
	Issuer string
	// TokenURL is the token endpoint the code must be redeemed at.
	TokenURL string
	// RedirectURL is the redirect_uri sent, repeated in the token request
	// (RFC 6749, section 4.1.3).
	RedirectURL string
	// RequireIssuer rejects a callback without "iss".
	RequireIssuer bool

	authorizationURL string
	clientID         string
	used             atomic.Bool
}

// reservedAuthorizationParams are the parameters AuthorizationRequest sets
// itself; Extra may not name them.
var reservedAuthorizationParams = [...]string{
	"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "nonce", "request_uri",
}

// NewNonce returns a fresh OpenID Connect nonce: 32 random bytes,
// base64url-encoded.
func NewNonce() string { return randomToken(32) }

// AuthorizationRequest starts an authorization code flow: RFC 6749, section
// 4.1.1, with PKCE (RFC 7636, section 4.3). The request carries
// response_type=code, client_id, redirect_uri, scope, a fresh state, the
// S256 challenge of a fresh code verifier, the nonce when one is given, and
// the extra parameters. Nothing is sent; the caller sends the user agent to
// the returned Flow's URL and keeps the Flow for the callback.
func (c *Config) AuthorizationRequest(opts AuthorizationOptions) (*Flow, error) {
	if c.Endpoint.AuthorizationURL == "" {
		return nil, fmt.Errorf("%w: no authorization endpoint", ErrMissingEndpoint)
	}
	if c.ClientID == "" {
		return nil, fmt.Errorf("%w: no client id", ErrInvalidConfig)
	}
	endpoint, err := url.Parse(c.Endpoint.AuthorizationURL)
	if err != nil || (endpoint.Scheme != "https" && endpoint.Scheme != "http") || endpoint.Host == "" || endpoint.Fragment != "" {
		return nil, fmt.Errorf("%w: authorization endpoint %q is not an http(s) URL without fragment",
			ErrInvalidConfig, sanitize(c.Endpoint.AuthorizationURL, 256))
	}
	if opts.RequireIssuer && c.Endpoint.Issuer == "" {
		return nil, fmt.Errorf("%w: RequireIssuer needs Endpoint.Issuer", ErrInvalidConfig)
	}
	for _, name := range reservedAuthorizationParams {
		if _, ok := opts.Extra[name]; ok {
			return nil, fmt.Errorf("%w: Extra must not set %q", ErrInvalidConfig, name)
		}
	}
	verifier := opts.CodeVerifier
	if verifier == "" {
		verifier = NewCodeVerifier()
	} else if err := CheckCodeVerifier(verifier); err != nil {
		return nil, err
	}
	redirect := opts.RedirectURL
	if redirect == "" {
		redirect = c.RedirectURL
	}
	scopes := opts.Scopes
	if len(scopes) == 0 {
		scopes = c.Scopes
	}
	f := &Flow{
		State:            randomToken(32),
		CodeVerifier:     verifier,
		Nonce:            opts.Nonce,
		Issuer:           c.Endpoint.Issuer,
		TokenURL:         c.Endpoint.TokenURL,
		RedirectURL:      redirect,
		RequireIssuer:    opts.RequireIssuer,
		authorizationURL: c.Endpoint.AuthorizationURL,
		clientID:         c.ClientID,
	}
	p := cloneValues(opts.Extra)
	p.Set("response_type", "code")
	p.Set("client_id", c.ClientID)
	if redirect != "" {
		p.Set("redirect_uri", redirect)
	}
	if len(scopes) > 0 {
		p.Set("scope", strings.Join(scopes, " "))
	}
	p.Set("state", f.State)
	p.Set("code_challenge", S256Challenge(verifier))
	p.Set("code_challenge_method", CodeChallengeMethodS256)
	if opts.Nonce != "" {
		p.Set("nonce", opts.Nonce)
	}
	f.Params = p
	f.URL = withQuery(endpoint, p)
	return f, nil
}

// PushedAuthorizationURL returns the authorization request that refers to
// parameters pushed to the PAR endpoint: the authorization endpoint with
// client_id and request_uri only (RFC 9126, section 4). Push f.Params
// first and pass the request_uri the PAR endpoint returned.
func (f *Flow) PushedAuthorizationURL(requestURI string) (string, error) {
	if requestURI == "" {
		return "", fmt.Errorf("%w: empty request_uri", ErrInvalidConfig)
	}
	endpoint, err := url.Parse(f.authorizationURL)
	if err != nil || endpoint.Host == "" {
		return "", fmt.Errorf("%w: flow has no authorization endpoint", ErrInvalidConfig)
	}
	return withQuery(endpoint, url.Values{"client_id": {f.clientID}, "request_uri": {requestURI}}), nil
}

// withQuery adds p to the query of endpoint, keeping the parameters the
// endpoint URL already has (RFC 6749, section 3.1) except those p sets.
func withQuery(endpoint *url.URL, p url.Values) string {
	u := *endpoint
	q := u.Query()
	for k, vs := range p {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
