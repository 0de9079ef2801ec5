package oidc

import (
	"fmt"
	"net/url"
	"strings"
)

// LogoutOptions are the parameters of an RP-initiated logout request:
// OpenID Connect RP-Initiated Logout 1.0, section 2. Every field is
// optional; empty ones are not sent.
type LogoutOptions struct {
	// IDTokenHint is the ID token last issued to the client for the
	// end-user (IDToken.Raw); RECOMMENDED.
	IDTokenHint string
	// ClientID identifies the client, needed with PostLogoutRedirectURI
	// when IDTokenHint is absent.
	ClientID string
	// PostLogoutRedirectURI is where the provider sends the user agent after
	// logout; it must be registered for the client.
	PostLogoutRedirectURI string
	// State is returned to PostLogoutRedirectURI unchanged.
	State string
	// LogoutHint hints at the end-user to log out (logout_hint).
	LogoutHint string
	// UILocales are the preferred languages of the logout page, as BCP47
	// tags, most preferred first.
	UILocales []string
	// Extra parameters, sent as they are; they must not name one of the
	// parameters above.
	Extra url.Values
}

// LogoutURL returns the end-session request of RP-Initiated Logout 1.0,
// section 2, on endSessionEndpoint (the provider's end_session_endpoint;
// its own query parameters are kept). The user agent is sent there; nothing
// is fetched. PostLogoutRedirectURI needs IDTokenHint or ClientID so that
// the provider can check it is registered; State needs
// PostLogoutRedirectURI, the only place it comes back to.
func LogoutURL(endSessionEndpoint string, opts LogoutOptions) (string, error) {
	u, err := url.Parse(endSessionEndpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: end_session_endpoint %q is not an http(s) URL without fragment", ErrInvalidConfig, cut(endSessionEndpoint))
	}
	if opts.PostLogoutRedirectURI != "" && opts.IDTokenHint == "" && opts.ClientID == "" {
		return "", fmt.Errorf("%w: post_logout_redirect_uri needs id_token_hint or client_id", ErrInvalidConfig)
	}
	if opts.State != "" && opts.PostLogoutRedirectURI == "" {
		return "", fmt.Errorf("%w: state needs post_logout_redirect_uri", ErrInvalidConfig)
	}
	q := u.Query()
	for k, vs := range opts.Extra {
		switch k {
		case "id_token_hint", "client_id", "post_logout_redirect_uri", "state", "logout_hint", "ui_locales":
			return "", fmt.Errorf("%w: Extra must not set %q", ErrInvalidConfig, k)
		}
		q[k] = append([]string(nil), vs...)
	}
	set := func(name, value string) {
		if value != "" {
			q.Set(name, value)
		}
	}
	set("id_token_hint", opts.IDTokenHint)
	set("client_id", opts.ClientID)
	set("post_logout_redirect_uri", opts.PostLogoutRedirectURI)
	set("state", opts.State)
	set("logout_hint", opts.LogoutHint)
	set("ui_locales", strings.Join(opts.UILocales, " "))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// LogoutURL returns an RP-initiated logout request (RP-Initiated Logout
// 1.0, section 2) on the provider's end_session_endpoint; see the package
// function [LogoutURL].
func (p *Provider) LogoutURL(opts LogoutOptions) (string, error) {
	if p.Metadata.EndSessionEndpoint == "" {
		return "", fmt.Errorf("%w: the provider has no end_session_endpoint", ErrInvalidConfig)
	}
	return LogoutURL(p.Metadata.EndSessionEndpoint, opts)
}
