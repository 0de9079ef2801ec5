package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/pause"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// basicOPScenarios are the client-observable checks of the OpenID
// Foundation's Basic OP certification plan, one scenario per test module,
// each carrying the module's name. They run against any OpenID Provider
// through the target's code flow client, test user and login agent.
func basicOPScenarios() []Scenario {
	n := anyLoginNeeds
	with := func(more ...Need) []Need { return append(slices.Clone(n), more...) }
	const core = "OpenID Connect Core 1.0 "
	op := func(module, title, spec string, needs []Need, run func(context.Context, *Env) error) Scenario {
		return Scenario{ID: module, Module: module, Title: title, Spec: spec, Needs: needs, Run: run}
	}
	return []Scenario{
		op("oidcc-server", "code flow with openid: the ID token passes every check of section 3.1.3.7", core+"§3.1.3.7, §3.1.3.8", n, runOIDCCServer),
		op("oidcc-response-type-missing", "an authorization request without response_type is refused, never answered with a code", core+"§3.1.2.1, RFC 6749 §4.1.2.1", []Need{NeedOpenID, NeedCodeClient}, runResponseTypeMissing),
		op("oidcc-userinfo-get", "userinfo with GET and a Bearer header: sub equals the ID token's", core+"§5.3.1, RFC 6750 §2.1", with(NeedEndpoint("userinfo_endpoint")), runUserinfoMethod("get-header")),
		op("oidcc-userinfo-post-header", "userinfo with POST and a Bearer header", core+"§5.3.1, RFC 6750 §2.1", with(NeedEndpoint("userinfo_endpoint")), runUserinfoMethod("post-header")),
		op("oidcc-userinfo-post-body", "userinfo with POST and the token in the form body", core+"§5.3.1, RFC 6750 §2.2", with(NeedEndpoint("userinfo_endpoint")), runUserinfoMethod("post-body")),
		op("oidcc-ensure-request-without-nonce-succeeds-for-code-flow", "a code flow request without nonce succeeds, and the ID token carries no nonce", core+"§3.1.2.1", n, runWithoutNonce),
		op("oidcc-scope-profile", "scope profile: the profile claims are returned", core+"§5.4", with(NeedScope("profile")), runScope("profile")),
		op("oidcc-scope-email", "scope email: email and email_verified are returned", core+"§5.4", with(NeedScope("email")), runScope("email")),
		op("oidcc-scope-address", "scope address: the address claim is returned", core+"§5.4", with(NeedScope("address")), runScope("address")),
		op("oidcc-scope-phone", "scope phone: phone_number and phone_number_verified are returned", core+"§5.4", with(NeedScope("phone")), runScope("phone")),
		op("oidcc-scope-all", "scopes profile, email, address and phone at once", core+"§5.4", with(NeedScope("profile"), NeedScope("email")), runScope("profile", "email", "address", "phone")),
		op("oidcc-ensure-other-scope-order-succeeds", "scope values in another order (email openid) succeed", core+"§3.1.2.1, RFC 6749 §3.3", with(NeedScope("email")), runOtherScopeOrder),
		op("oidcc-prompt-login", "prompt=login re-authenticates the logged-in user: auth_time moves on", core+"§3.1.2.1", n, runPromptLogin),
		op("oidcc-prompt-none-not-logged-in", "prompt=none without a session returns login_required (or another interaction error)", core+"§3.1.2.1, §3.1.2.6", []Need{NeedOpenID, NeedCodeClient, NeedLogin}, runPromptNoneNotLoggedIn),
		op("oidcc-prompt-none-logged-in", "prompt=none with a session returns a code for the same user", core+"§3.1.2.1", n, runPromptNoneLoggedIn),
		op("oidcc-max-age-1", "max_age=1 after a second: the user re-authenticates and auth_time is recent", core+"§3.1.2.1, §3.1.3.7 step 13", n, runMaxAge(1)),
		op("oidcc-max-age-10000", "max_age=10000: single sign-on, auth_time present and unchanged", core+"§3.1.2.1, §2", n, runMaxAge(10000)),
		op("oidcc-ensure-request-with-unknown-parameter-succeeds", "an unknown request parameter is ignored", core+"§3.1.2.1, RFC 6749 §3.1", n, runUnknownParameter),
		op("oidcc-id-token-hint", "prompt=none with id_token_hint of the session's ID token returns the same user", core+"§3.1.2.1", n, runIDTokenHint),
		op("oidcc-login-hint", "login_hint with the user's name: the login succeeds", core+"§3.1.2.1", n, runLoginHint),
		op("oidcc-ensure-request-with-acr-values-succeeds", "acr_values in the request: the login succeeds", core+"§3.1.2.1, §2", n, runACRValues),
		op("oidcc-codereuse", "a code redeemed twice: the second redemption fails", core+"§3.1.3.2, RFC 6749 §4.1.2", n, runCodeReuse(0)),
		op("oidcc-codereuse-30seconds", "a code redeemed again 30 seconds later fails; its tokens SHOULD be revoked", core+"§3.1.3.2, RFC 6749 §4.1.2", n, runCodeReuse(30*time.Second)),
		op("oidcc-ensure-registered-redirect-uri", "an unregistered redirect_uri is refused without redirecting to it", core+"§3.1.2.1, RFC 6749 §3.1.2.4, §4.1.2.1", []Need{NeedOpenID, NeedCodeClient}, runUnregisteredRedirect),
		op("oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported", "an unsigned request object is honoured, or refused as unsupported", core+"§6.1, §6.3", n, runUnsignedRequestObject(false)),
		op("oidcc-claims-essential", "an essential claim requested with the claims parameter is returned", core+"§5.5", with(NeedMetadataTrue("claims_parameter_supported"), NeedEndpoint("userinfo_endpoint")), runClaimsEssential),
		op("oidcc-ensure-request-object-with-redirect-uri", "a request object holding redirect_uri is honoured", core+"§6.1, §6.3.1", with(NeedMetadataTrue("request_parameter_supported")), runUnsignedRequestObject(true)),
		op("oidcc-refresh-token", "refresh: new tokens, and a refreshed ID token that passes section 12.2", core+"§12, RFC 6749 §6", with(NeedGrant("refresh_token")), runOIDCCRefresh),
		op("oidcc-ensure-request-with-valid-pkce-succeeds", "a request with an S256 code challenge succeeds with the verifier", "RFC 7636 §4.3-4.6", n, runValidPKCE),
		op("oidcc-display-page", "display=page: the login succeeds; how it looked needs a person", core+"§3.1.2.1", n, runDisplay("page")),
		op("oidcc-display-popup", "display=popup: the login succeeds; how it looked needs a person", core+"§3.1.2.1", n, runDisplay("popup")),
		op("oidcc-ui-locales", "ui_locales: the login succeeds; the page's language needs a person", core+"§3.1.2.1", n, runUILocales),
		op("oidcc-claims-locales", "claims_locales: the login succeeds; the claims' language needs a person", core+"§5.2", n, runClaimsLocales),
	}
}

// OpenID Connect Core 1.0, sections 3.1.3.7 and 3.1.3.8: what the
// verifier checked (signature, iss, aud, azp, exp, iat, nonce, at_hash) is
// restated against the request, and the same token is refused with another
// nonce.
func runOIDCCServer(ctx context.Context, e *Env) error {
	r, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	var p problems
	id := l.id
	p.check(id.Issuer == r.provider.Issuer(), "iss %q, expected %q", id.Issuer, r.provider.Issuer())
	p.check(slices.Contains(id.Audience, r.client.ClientID), "aud %q lacks the client_id", id.Audience)
	p.check(len(id.Audience) == 1 || id.AuthorizedParty == r.client.ClientID, "several audiences and azp %q", id.AuthorizedParty)
	p.check(id.Nonce == l.flow.Nonce, "nonce is not the request's")
	p.check(!id.IssuedAt.IsZero() && id.Expiry.After(id.IssuedAt), "iat %v, exp %v", id.IssuedAt, id.Expiry)
	if err := p.err(); err != nil {
		return err
	}
	_, err = r.verifier.Verify(ctx, id.Raw, oidc.VerifyOptions{Nonce: oauth2.NewNonce()})
	if err := wantErrorIs(err, oidc.ErrNonce); err != nil {
		return fmt.Errorf("the same ID token with another nonce: %w", err)
	}
	e.Notef("ID token %s verified: iss, aud, azp, exp, iat, nonce; at_hash %s", id.Algorithm, presence(id.AccessTokenHash))
	return nil
}

func presence(s string) string {
	if s == "" {
		return "absent"
	}
	return "present and matching"
}

// OpenID Connect Core 1.0, section 3.1.2.1 (response_type REQUIRED) and
// RFC 6749, section 4.1.2.1: the provider shows an error page, or
// redirects with error=invalid_request (or unsupported_response_type);
// it never issues a code.
func runResponseTypeMissing(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, codeRole(e.Target()))
	if err != nil {
		return err
	}
	flow, err := c.cfg.AuthorizationRequest(oauth2.AuthorizationOptions{Scopes: []string{"openid"}, Nonce: oauth2.NewNonce()})
	if err != nil {
		return err
	}
	u, _ := url.Parse(flow.URL)
	q := u.Query()
	q.Del("response_type")
	u.RawQuery = q.Encode()
	return checkRefusedRequest(ctx, e, u.String(), c.client.RedirectURI, "invalid_request", "unsupported_response_type")
}

// checkRefusedRequest opens an authorization request that must be
// refused: an error page (4xx) or a redirect to the client with one of the
// error codes passes; a code fails; a page of 200 needs a person (it may be
// an error page or a login form).
func checkRefusedRequest(ctx context.Context, e *Env, authURL, redirect string, codes ...string) error {
	status, loc, body, err := rawAuthorization(ctx, e, authURL)
	if err != nil {
		return fmt.Errorf("authorization request: %w", err)
	}
	switch {
	case loc != nil && sameRedirect(loc, redirect):
		q := loc.Query()
		if q.Get("code") != "" {
			e.AddSecret(q.Get("code"))
			return errors.New("the provider answered the invalid request with a code")
		}
		if !oneOf(q.Get("error"), codes...) {
			return fmt.Errorf("redirected with error %q, expected one of %q", q.Get("error"), codes)
		}
		e.Notef("redirected with error=%s", q.Get("error"))
		return nil
	case status >= 400 && status < 500:
		e.Notef("error page, HTTP %d", status)
		return nil
	case status == http.StatusOK && strings.Contains(strings.ToLower(string(body)), "type=\"password\""):
		return Review("the provider showed a login form (HTTP 200) instead of refusing the request; whether it refuses it after the login needs a person")
	case status == http.StatusOK:
		return Review("HTTP 200 page: whether it is an error page needs a person")
	case loc != nil:
		return Review("redirected to %s: whether that page shows the error needs a person", redactURL(loc.String()))
	}
	return fmt.Errorf("HTTP %d, expected an error page or an error redirect", status)
}

// OpenID Connect Core 1.0, section 5.3.1: the userinfo endpoint MUST
// accept GET and POST, the token in the Authorization header (RFC 6750,
// section 2.1) or, with POST, in the form body (section 2.2).
func runUserinfoMethod(how string) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		r, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{})
		if err != nil {
			return err
		}
		endpoint := r.provider.Metadata.UserInfoEndpoint
		var req *http.Request
		switch how {
		case "get-header":
			claims, err := r.userinfoClaims(ctx, l)
			if err != nil {
				return err
			}
			e.Notef("userinfo sub matches; claims %q", slices.Sorted(maps.Keys(claims)))
			return nil
		case "post-header":
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+l.token.AccessToken)
			}
		case "post-body":
			form := url.Values{"access_token": {l.token.AccessToken}}
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		}
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		res, err := e.RecordingClient().Do(req)
		if err != nil {
			return fmt.Errorf("userinfo: %w", err)
		}
		defer res.Body.Close()
		body, err := bounded.Read(res.Body, maxBody)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			if how == "post-body" {
				// RFC 6750, section 2.2: servers MAY support the form body.
				return Warn("userinfo with the token in the POST body: HTTP %d", res.StatusCode)
			}
			return fmt.Errorf("userinfo with POST: HTTP %d, expected 200", res.StatusCode)
		}
		var claims struct {
			Sub string `json:"sub"`
		}
		if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/jwt") {
			return Review("signed userinfo response: sub not compared here")
		}
		if err := json.Unmarshal(body, &claims); err != nil {
			return fmt.Errorf("userinfo body is not a JSON object: %w", err)
		}
		if claims.Sub != l.id.Subject {
			return fmt.Errorf("userinfo sub %q, expected the ID token's %q (§5.3.2)", claims.Sub, l.id.Subject)
		}
		e.Notef("userinfo %s: sub matches", how)
		return nil
	}
}

// OpenID Connect Core 1.0, section 3.1.2.1: nonce is OPTIONAL in the code
// flow. The ID token then carries none (section 2: it is present only
// when sent).
func runWithoutNonce(ctx context.Context, e *Env) error {
	r, agent, err := newAnyRPAgent(e)
	if err != nil {
		return err
	}
	flow, err := r.request(e, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	if flow.Params.Has("nonce") {
		return errors.New("the request carries a nonce")
	}
	params, err := agentAuthorize(ctx, e, agent, flow.URL, flow.RedirectURL, r.user)
	if err != nil {
		return err
	}
	l, err := r.complete(ctx, e, flow, params, 0)
	if err != nil {
		return err
	}
	if l.id.Nonce != "" {
		return fmt.Errorf("the ID token carries a nonce although none was sent")
	}
	return nil
}

// scopeClaims are the claims of each scope value (OpenID Connect Core 1.0,
// section 5.4).
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// OpenID Connect Core 1.0, section 5.4: each scope asks for its claims,
// returned from the userinfo endpoint (or in the ID token when there is
// none). A provider MAY leave out claims it does not have for the user, so
// a scope with none of its claims is a warning.
func runScope(scopes ...string) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		requested := []string{"openid"}
		for _, s := range scopes {
			if m := e.Provider.OAuthMetadata(); len(m.ScopesSupported) == 0 || slices.Contains(m.ScopesSupported, s) {
				requested = append(requested, s)
			}
		}
		r, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Scopes: requested})
		if err != nil {
			return err
		}
		claims := idClaims(l.id)
		if r.provider.Metadata.UserInfoEndpoint != "" {
			ui, err := r.userinfoClaims(ctx, l)
			if err != nil {
				return err
			}
			for k, v := range ui {
				claims[k] = v
			}
		}
		var missing []string
		for _, s := range requested[1:] {
			found := 0
			for _, c := range scopeClaims[s] {
				if _, ok := claims[c]; ok {
					found++
				}
			}
			if found == 0 {
				missing = append(missing, s)
			}
		}
		e.Notef("scope %q; claims returned %q", strings.Join(requested, " "), slices.Sorted(maps.Keys(claims)))
		if len(requested) < len(scopes)+1 {
			e.Notef("not requested (not in scopes_supported): %q", slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return slices.Contains(requested, s) }))
		}
		if len(missing) > 0 {
			return Warn("none of the claims of scope %s came back (the provider may lack them for this user)", strings.Join(missing, ", "))
		}
		return nil
	}
}

// RFC 6749, section 3.3: the scope is a space-delimited, unordered list;
// "email openid" is as good as "openid email".
func runOtherScopeOrder(ctx context.Context, e *Env) error {
	_, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Scopes: []string{"email", "openid"}})
	if err != nil {
		return err
	}
	if got := l.flow.Params.Get("scope"); got != "email openid" {
		return fmt.Errorf("the request's scope is %q, expected \"email openid\"", got)
	}
	return nil
}

// OpenID Connect Core 1.0, section 3.1.2.1: prompt=login makes the
// provider re-authenticate the user even with a session; the second ID
// token's auth_time is later than the first's.
func runPromptLogin(ctx context.Context, e *Env) error {
	r, agent, first, err := newAnyLogin(ctx, e, withAuthTime(oauth2.AuthorizationOptions{}))
	if err != nil {
		return err
	}
	if err := pause.Wait(ctx, 1100*time.Millisecond); err != nil {
		return err
	}
	second, err := r.login(ctx, e, agent, withAuthTime(oauth2.AuthorizationOptions{Extra: extra("prompt", "login")}), 0)
	if err != nil {
		return fmt.Errorf("login with prompt=login: %w", err)
	}
	return checkReauthenticated(e, first, second)
}

// withAuthTime adds max_age of a day to opts: with max_age the ID token
// MUST carry auth_time (OpenID Connect Core 1.0, section 2), which a
// provider may leave out otherwise, and a day does not force a new login.
func withAuthTime(opts oauth2.AuthorizationOptions) oauth2.AuthorizationOptions {
	if opts.Extra == nil {
		opts.Extra = url.Values{}
	}
	if !opts.Extra.Has("max_age") {
		opts.Extra.Set("max_age", "86400")
	}
	return opts
}

// checkReauthenticated checks that the second login authenticated the user
// again: same subject, a later auth_time.
func checkReauthenticated(e *Env, first, second *anyLogin) error {
	if second.id.Subject != first.id.Subject {
		return fmt.Errorf("sub changed from %q to %q", first.id.Subject, second.id.Subject)
	}
	if first.id.AuthTime.IsZero() || second.id.AuthTime.IsZero() {
		return Warn("auth_time is absent, so re-authentication cannot be seen (it SHOULD be present when re-authentication is asked for)")
	}
	if !second.id.AuthTime.After(first.id.AuthTime) {
		return fmt.Errorf("auth_time %v did not move on from %v: the user was not re-authenticated", second.id.AuthTime, first.id.AuthTime)
	}
	e.Notef("auth_time moved from %v to %v", first.id.AuthTime.UTC(), second.id.AuthTime.UTC())
	return nil
}

// OpenID Connect Core 1.0, sections 3.1.2.1 and 3.1.2.6: prompt=none
// without a session is answered with login_required, or another error of
// section 3.1.2.6, in a redirect to the client.
func runPromptNoneNotLoggedIn(ctx context.Context, e *Env) error {
	r, err := newAnyRPNoUser(e)
	if err != nil {
		return err
	}
	agent, err := newAgent(e)
	if err != nil {
		return err
	}
	_, params, err := r.authorize(ctx, e, agent, oauth2.AuthorizationOptions{Extra: extra("prompt", "none")})
	if err != nil {
		return err
	}
	if params.Get("code") != "" {
		return errors.New("prompt=none without a session returned a code")
	}
	if code := params.Get("error"); !oneOf(code, "login_required", "interaction_required", "consent_required", "account_selection_required") {
		return fmt.Errorf("error %q, expected login_required or another error of §3.1.2.6", code)
	}
	e.Notef("error=%s", params.Get("error"))
	return nil
}

// newAnyRPNoUser is newAnyRP for a scenario that never logs in: a target
// without a user is fine.
func newAnyRPNoUser(e *Env) (*anyRP, error) {
	return newRP(e, codeRole(e.Target()), false)
}

// OpenID Connect Core 1.0, section 3.1.2.1: prompt=none with a session
// returns a code without showing anything; the ID token names the same
// user, authenticated at the same time.
func runPromptNoneLoggedIn(ctx context.Context, e *Env) error {
	r, agent, first, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	second, err := r.login(ctx, e, agent, oauth2.AuthorizationOptions{Extra: extra("prompt", "none")}, 0)
	if err != nil {
		return fmt.Errorf("login with prompt=none: %w", err)
	}
	if second.id.Subject != first.id.Subject {
		return fmt.Errorf("sub %q, expected %q", second.id.Subject, first.id.Subject)
	}
	if !first.id.AuthTime.IsZero() && !second.id.AuthTime.Equal(first.id.AuthTime) {
		return Warn("auth_time changed from %v to %v without a new authentication", first.id.AuthTime, second.id.AuthTime)
	}
	return nil
}

// OpenID Connect Core 1.0, section 3.1.2.1: with max_age the ID token MUST
// carry auth_time (section 2), and a session older than max_age MUST lead
// to a new authentication. The verifier enforces auth_time against
// max_age (section 3.1.3.7, step 13).
func runMaxAge(seconds int) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		r, agent, first, err := newAnyLogin(ctx, e, withAuthTime(oauth2.AuthorizationOptions{}))
		if err != nil {
			return err
		}
		maxAge := time.Duration(seconds) * time.Second
		if seconds == 1 {
			// Providers count whole seconds: wait until the session is
			// more than one second old in any rounding.
			if err := pause.Wait(ctx, 2500*time.Millisecond); err != nil {
				return err
			}
		}
		second, err := r.login(ctx, e, agent, oauth2.AuthorizationOptions{Extra: extra("max_age", fmt.Sprint(seconds))}, maxAge)
		if err != nil {
			return fmt.Errorf("login with max_age=%d: %w", seconds, err)
		}
		if second.id.AuthTime.IsZero() {
			return errors.New("the ID token has no auth_time although max_age was sent (§2)")
		}
		if seconds == 1 {
			return checkReauthenticated(e, first, second)
		}
		if !first.id.AuthTime.IsZero() && !second.id.AuthTime.Equal(first.id.AuthTime) {
			return Warn("auth_time changed from %v to %v within max_age", first.id.AuthTime, second.id.AuthTime)
		}
		return nil
	}
}

// RFC 6749, section 3.1: the authorization server MUST ignore
// unrecognized request parameters.
func runUnknownParameter(ctx context.Context, e *Env) error {
	_, _, _, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("oauthkit_unknown_parameter", "ignored")})
	return err
}

// OpenID Connect Core 1.0, section 3.1.2.1: id_token_hint with
// prompt=none names the user of the session; the answer is a code for the
// same subject.
func runIDTokenHint(ctx context.Context, e *Env) error {
	r, agent, first, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	second, err := r.login(ctx, e, agent, oauth2.AuthorizationOptions{Extra: extra("prompt", "none", "id_token_hint", first.id.Raw)}, 0)
	if err != nil {
		return fmt.Errorf("prompt=none with id_token_hint: %w", err)
	}
	if second.id.Subject != first.id.Subject {
		return fmt.Errorf("sub %q, expected %q", second.id.Subject, first.id.Subject)
	}
	return nil
}

// OpenID Connect Core 1.0, section 3.1.2.1: login_hint is a hint only; the
// login succeeds. Whether the form was prefilled is not checked.
func runLoginHint(ctx context.Context, e *Env) error {
	u := e.Target().User()
	if u == nil {
		return Skip("the target names no test user")
	}
	_, _, _, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("login_hint", u.Username)})
	return err
}

// OpenID Connect Core 1.0, section 3.1.2.1: acr_values is a voluntary
// request; the login succeeds and the ID token's acr, when present, is
// reported.
func runACRValues(ctx context.Context, e *Env) error {
	values := "1 2"
	if m := e.Provider.Metadata(); m != nil && len(m.ACRValuesSupported) > 0 {
		values = strings.Join(m.ACRValuesSupported, " ")
	}
	_, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("acr_values", values)})
	if err != nil {
		return err
	}
	e.Notef("acr_values %q; the ID token's acr %q", values, l.id.ACR)
	return nil
}

// OpenID Connect Core 1.0, section 3.1.3.2 and RFC 6749, section 4.1.2: a
// code is used once; a second redemption MUST fail, and the tokens
// issued for it SHOULD be revoked (checked with introspection, or the
// userinfo endpoint, when the provider has one).
func runCodeReuse(wait time.Duration) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		r, agent, err := newAnyRPAgent(e)
		if err != nil {
			return err
		}
		l, err := r.login(ctx, e, agent, oauth2.AuthorizationOptions{}, 0)
		if err != nil {
			return err
		}
		flow, params := l.flow, l.params
		if wait > 0 {
			if err := pause.Wait(ctx, wait); err != nil {
				return err
			}
		}
		_, err = r.token(ctx, e, oauth2.AuthorizationCodeGrant{Code: params.Get("code"), CodeVerifier: flow.CodeVerifier, RedirectURL: flow.RedirectURL})
		if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", 0); err != nil {
			return fmt.Errorf("second redemption: %w", err)
		}
		// The tokens of the first redemption SHOULD be revoked.
		if ui := r.provider.Metadata.UserInfoEndpoint; ui != "" {
			_, err := r.provider.UserInfo(ctx, l.token.AccessToken, oidc.UserInfoOptions{Subject: l.id.Subject, ClientID: r.client.ClientID})
			if err == nil {
				return Warn("the second redemption was refused, but the first access token still works at the userinfo endpoint (RFC 6749 §4.1.2: SHOULD revoke)")
			}
			e.Notef("the first access token no longer works: %v", err)
		}
		return nil
	}
}

// RFC 6749, sections 3.1.2.4 and 4.1.2.1: with a redirect_uri that is not
// registered, the provider MUST NOT redirect to it and SHOULD tell the
// user.
func runUnregisteredRedirect(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, codeRole(e.Target()))
	if err != nil {
		return err
	}
	bad := "https://unregistered.invalid/oauthkit/callback"
	flow, err := c.cfg.AuthorizationRequest(oauth2.AuthorizationOptions{Scopes: []string{"openid"}, RedirectURL: bad, Nonce: oauth2.NewNonce()})
	if err != nil {
		return err
	}
	status, loc, _, err := rawAuthorization(ctx, e, flow.URL)
	if err != nil {
		return fmt.Errorf("authorization request: %w", err)
	}
	if loc != nil && sameRedirect(loc, bad) {
		return errors.New("the provider redirected to the unregistered redirect_uri")
	}
	if status >= 400 {
		e.Notef("error page, HTTP %d", status)
		return nil
	}
	return Review("HTTP %d without a redirect to the unregistered URI: whether it is an error page needs a person", status)
}

// OpenID Connect Core 1.0, sections 6.1 and 6.3: a request object signed
// with "none" carries the request's parameters. A provider that supports
// it answers as for the plain request; one that does not refuses it with
// request_not_supported (or invalid_request_object). With redirectInside,
// the object also holds redirect_uri (section 6.3.1).
func runUnsignedRequestObject(redirectInside bool) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		r, agent, err := newAnyRPAgent(e)
		if err != nil {
			return err
		}
		flow, err := r.request(e, oauth2.AuthorizationOptions{Nonce: oauth2.NewNonce()})
		if err != nil {
			return err
		}
		claims := map[string]any{"iss": r.client.ClientID, "aud": r.provider.Issuer()}
		for k := range flow.Params {
			if k == "redirect_uri" && !redirectInside {
				continue
			}
			claims[k] = flow.Params.Get(k)
		}
		obj, err := unsignedJWT(claims)
		if err != nil {
			return err
		}
		u, _ := url.Parse(r.provider.Metadata.AuthorizationEndpoint)
		q := u.Query()
		// Section 6.1: the OAuth 2.0 parameters response_type, client_id
		// and scope must also be sent outside the object.
		for _, k := range []string{"response_type", "client_id", "scope", "redirect_uri"} {
			q.Set(k, flow.Params.Get(k))
		}
		q.Set("request", obj)
		u.RawQuery = q.Encode()
		params, err := agentAuthorize(ctx, e, agent, u.String(), flow.RedirectURL, r.user)
		if err != nil {
			if redirectInside {
				return err
			}
			return Review("the provider did not redirect back (%v): whether it showed a request_not_supported error needs a person", err)
		}
		if code := params.Get("error"); code != "" {
			supported := slices.Contains(r.provider.Metadata.RequestObjectSigningAlgValuesSupported, "none")
			if !redirectInside && oneOf(code, "request_not_supported", "invalid_request_object") && !supported {
				e.Notef("refused as unsupported: error=%s", code)
				return nil
			}
			return fmt.Errorf("the request object was refused with error %q", code)
		}
		if _, err := r.complete(ctx, e, flow, params, 0); err != nil {
			return err
		}
		e.Notef("the unsigned request object was honoured")
		return nil
	}
}

// unsignedJWT returns claims as a JWT with alg "none" (RFC 7519, section
// 6): a request object that is not signed (OpenID Connect Core 1.0,
// section 6.1).
func unsignedJWT(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
}

// OpenID Connect Core 1.0, section 5.5: a claim requested as essential
// for the userinfo response is returned; a provider MAY still lack it, so
// its absence is a warning.
func runClaimsEssential(ctx context.Context, e *Env) error {
	req := `{"userinfo":{"name":{"essential":true}}}`
	r, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("claims", req)})
	if err != nil {
		return err
	}
	claims, err := r.userinfoClaims(ctx, l)
	if err != nil {
		return err
	}
	if _, ok := claims["name"]; !ok {
		return Warn("the essential claim name is not in the userinfo response")
	}
	return nil
}

// OpenID Connect Core 1.0, section 12 and RFC 6749, section 6: the refresh
// grant issues a new access token; the new ID token, when there is one,
// passes the checks of section 12.2 against the original.
func runOIDCCRefresh(ctx context.Context, e *Env) error {
	r, l, err := loginWithRefresh(ctx, e)
	if err != nil {
		return err
	}
	if l.token.RefreshToken == "" {
		return Skip("no refresh token was issued for scope %q", l.flow.Params.Get("scope"))
	}
	next, err := r.cfg.Refresh(ctx, l.token)
	if next != nil {
		e.AddSecret(next.AccessToken, next.RefreshToken, next.IDToken)
	}
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if next.AccessToken == l.token.AccessToken {
		return errors.New("the refresh returned the same access token")
	}
	if next.IDToken != "" {
		if _, err := r.verifier.VerifyRefreshed(ctx, l.id, next.IDToken, next.AccessToken); err != nil {
			return fmt.Errorf("the refreshed ID token: %w", err)
		}
		e.Notef("refreshed ID token passes §12.2")
	}
	return nil
}

// refreshLogin logs in through agent for a refresh token: first as usual,
// and, when no refresh token comes back and the provider lists
// offline_access, again with offline_access and prompt=consent (OpenID
// Connect Core 1.0, section 11), as some providers issue refresh tokens
// only then. The plain login comes first because an offline session may be
// shared by every login of the user.
func (r *anyRP) refreshLogin(ctx context.Context, e *Env, agent LoginAgent) (*anyLogin, error) {
	l, err := r.login(ctx, e, agent, oauth2.AuthorizationOptions{}, 0)
	if err != nil || l.token.RefreshToken != "" {
		return l, err
	}
	m := e.Provider.OAuthMetadata()
	if !slices.Contains(m.ScopesSupported, "offline_access") {
		return l, nil
	}
	e.Notef("no refresh token: logging in again with offline_access and prompt=consent")
	scopes := append(slices.Clone(r.cfg.Scopes), "offline_access")
	return r.login(ctx, e, agent, oauth2.AuthorizationOptions{Scopes: scopes, Extra: extra("prompt", "consent")}, 0)
}

// RFC 7636, sections 4.3 to 4.6: the S256 challenge goes with the
// request and the verifier with the code.
func runValidPKCE(ctx context.Context, e *Env) error {
	_, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	if l.flow.Params.Get("code_challenge_method") != "S256" || l.flow.Params.Get("code_challenge") != oauth2.S256Challenge(l.flow.CodeVerifier) {
		return errors.New("the request's code challenge is not the S256 challenge of the verifier")
	}
	return nil
}

// OpenID Connect Core 1.0, section 3.1.2.1: display says how the login
// page should look; only a person can judge that.
func runDisplay(value string) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		if m := e.Provider.Metadata(); m != nil && len(m.DisplayValuesSupported) > 0 && !slices.Contains(m.DisplayValuesSupported, value) {
			return Skip("the metadata's display_values_supported lacks %s", value)
		}
		if _, _, _, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("display", value)}); err != nil {
			return err
		}
		return Review("the login with display=%s succeeded; whether the page fit a %s needs a person", value, value)
	}
}

// OpenID Connect Core 1.0, section 3.1.2.1: ui_locales asks for the
// language of the pages.
func runUILocales(ctx context.Context, e *Env) error {
	loc := localeToTry(e, func(m *oidc.Metadata) []string { return m.UILocalesSupported })
	if _, _, _, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("ui_locales", loc)}); err != nil {
		return err
	}
	return Review("the login with ui_locales=%s succeeded; the pages' language needs a person", loc)
}

// OpenID Connect Core 1.0, section 5.2: claims_locales asks for the
// language of the claims.
func runClaimsLocales(ctx context.Context, e *Env) error {
	loc := localeToTry(e, func(m *oidc.Metadata) []string { return m.ClaimsLocalesSupported })
	r, _, l, err := newAnyLogin(ctx, e, oauth2.AuthorizationOptions{Extra: extra("claims_locales", loc)})
	if err != nil {
		return err
	}
	if r.provider.Metadata.UserInfoEndpoint != "" {
		if _, err := r.userinfoClaims(ctx, l); err != nil {
			return err
		}
	}
	return Review("the login with claims_locales=%s succeeded; the claims' language needs a person", loc)
}

// localeToTry returns a locale the metadata lists other than English, or
// "de".
func localeToTry(e *Env, list func(*oidc.Metadata) []string) string {
	if m := e.Provider.Metadata(); m != nil {
		for _, l := range list(m) {
			if !strings.HasPrefix(l, "en") {
				return l
			}
		}
	}
	return "de"
}
