package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/oauthkit/oauthkit/oauth2"
)

// codeFlowScenarios run the authorization code grant with PKCE against
// any provider: the public client's flow, the provider's PKCE checks, the
// client's own state and iss checks, and pushed authorization requests.
func codeFlowScenarios() []Scenario {
	public := []Need{NeedClient(RolePublic), NeedUser, NeedLogin, NeedGrant("authorization_code")}
	return []Scenario{
		{
			ID:    "any-code-pkce-public",
			Title: "public client: code flow with PKCE S256, state and iss checked, code redeemed with the verifier",
			Spec:  "RFC 6749 §4.1, RFC 7636 §4, RFC 9207 §2",
			Needs: public,
			Run:   runAnyPublicCode,
		},
		{
			ID:    "any-pkce-wrong-verifier",
			Title: "a code redeemed with another verifier is refused with invalid_grant",
			Spec:  "RFC 7636 §4.6",
			Needs: public,
			Run:   runAnyWrongVerifier(false),
		},
		{
			ID:    "any-pkce-downgrade",
			Title: "a code requested with a challenge and redeemed without a verifier is refused",
			Spec:  "RFC 9700 §2.1.1, §4.8.2; RFC 7636 §4.6",
			Needs: public,
			Run:   runAnyWrongVerifier(true),
		},
		{
			ID:    "any-wrong-state",
			Title: "oauthkit refuses a response with a forged state before any token request",
			Spec:  "RFC 6749 §10.12, RFC 9700 §4.7",
			Needs: anyLoginNeeds,
			Run:   runAnyWrongState,
		},
		{
			ID:    "any-iss-parameter",
			Title: "the authorization response's iss is the issuer",
			Spec:  "RFC 9207 §2, §2.4",
			Needs: append(slices.Clone(anyLoginNeeds), NeedMetadataTrue("authorization_response_iss_parameter_supported")),
			Run:   runAnyIssParameter,
		},
		{
			ID:    "any-par",
			Title: "pushed authorization request: request_uri returned, the login completes through it",
			Spec:  "RFC 9126 §2, §4",
			Needs: append(slices.Clone(anyLoginNeeds), NeedEndpoint("pushed_authorization_request_endpoint")),
			Run:   runAnyPAR,
		},
	}
}

// publicLogin logs the user in with the public client and returns the
// client, the flow and the authorization response.
func publicLogin(ctx context.Context, e *Env) (*anyRP, *oauth2.Flow, url.Values, error) {
	r, err := newAnyRPRole(e, RolePublic)
	if err != nil {
		return nil, nil, nil, err
	}
	if e.Provider.Metadata() == nil {
		r.cfg.Scopes = r.client.Scopes
	}
	agent, err := newAgent(e)
	if err != nil {
		return nil, nil, nil, err
	}
	flow, params, err := r.authorize(ctx, e, agent, oauth2.AuthorizationOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	return r, flow, params, nil
}

// RFC 6749, section 4.1 with RFC 7636: the public client's code is
// redeemed with the verifier and no secret.
func runAnyPublicCode(ctx context.Context, e *Env) error {
	r, flow, params, err := publicLogin(ctx, e)
	if err != nil {
		return err
	}
	tok, err := flow.Complete(ctx, r.cfg, params)
	if err != nil {
		return fmt.Errorf("redeeming the code: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	reqs := r.x.grants("authorization_code")
	if len(reqs) != 1 || !reqs[0].Form.Has("code_verifier") || reqs[0].Form.Get("client_id") != r.client.ClientID {
		return errors.New("the token request lacks code_verifier or client_id")
	}
	return nil
}

// RFC 7636, section 4.6: the provider compares the verifier with the
// challenge; another verifier, or none (RFC 9700, section 2.1.1: a
// downgrade), gets invalid_grant.
func runAnyWrongVerifier(omit bool) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		r, flow, params, err := publicLogin(ctx, e)
		if err != nil {
			return err
		}
		code, err := flow.Callback(params)
		if err != nil {
			return fmt.Errorf("callback: %w", err)
		}
		g := oauth2.AuthorizationCodeGrant{Code: code, RedirectURL: flow.RedirectURL}
		if !omit {
			g.CodeVerifier = oauth2.NewCodeVerifier()
			e.AddSecret(g.CodeVerifier)
		}
		_, err = r.token(ctx, e, g)
		return wantOAuthError(err, oauth2.ErrorInvalidGrant, "", 0)
	}
}

// RFC 6749, section 10.12: oauthkit refuses a forged state before any
// token request, and the genuine response still completes once.
func runAnyWrongState(ctx context.Context, e *Env) error {
	r, agent, err := newAnyRPAgent(e)
	if err != nil {
		return err
	}
	flow, params, err := r.authorize(ctx, e, agent, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	forged := url.Values{}
	for k, v := range params {
		forged[k] = slices.Clone(v)
	}
	forged.Set("state", "forged-state")
	if _, err := flow.Complete(ctx, r.cfg, forged); !errors.Is(err, oauth2.ErrStateMismatch) {
		return fmt.Errorf("forged state: expected oauth2.ErrStateMismatch, got %v", err)
	}
	if n := len(r.x.grants("")); n != 0 {
		return fmt.Errorf("forged state: %d token requests, expected none", n)
	}
	_, err = r.complete(ctx, e, flow, params, 0)
	return err
}

// RFC 9207, section 2: a provider that advertises the parameter sends
// iss, equal to its issuer identifier, in every authorization response.
func runAnyIssParameter(ctx context.Context, e *Env) error {
	r, agent, err := newAnyRPAgent(e)
	if err != nil {
		return err
	}
	_, params, err := r.authorize(ctx, e, agent, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	if got := params.Get("iss"); got != r.provider.Issuer() {
		return fmt.Errorf("iss %q, expected %q", got, r.provider.Issuer())
	}
	return nil
}

// RFC 9126, sections 2 and 4: the parameters pushed with client
// authentication come back as a request_uri; the authorization request
// that names it completes as usual.
func runAnyPAR(ctx context.Context, e *Env) error {
	r, agent, err := newAnyRPAgent(e)
	if err != nil {
		return err
	}
	flow, err := r.request(e, oauth2.AuthorizationOptions{Nonce: oauth2.NewNonce()})
	if err != nil {
		return err
	}
	pa, err := r.cfg.PushAuthorizationRequest(ctx, flow.Params)
	if err != nil {
		return fmt.Errorf("pushing the request: %w", err)
	}
	authURL, err := flow.PushedAuthorizationURL(pa.RequestURI)
	if err != nil {
		return err
	}
	params, err := agentAuthorize(ctx, e, agent, authURL, flow.RedirectURL, r.user)
	if err != nil {
		return err
	}
	_, err = r.complete(ctx, e, flow, params, 0)
	return err
}
