package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/oauth2"
)

// clientAuthScenarios run the client credentials grant with each
// pre-registered confidential client, one client authentication method
// each, and the password grant where the provider has it.
func clientAuthScenarios() []Scenario {
	cc := func(role, spec string) Scenario {
		return Scenario{
			ID:    "any-cc-" + strings.ReplaceAll(role, "_", "-"),
			Title: "client credentials with " + role + ": a Bearer token, credentials only where the method puts them",
			Spec:  spec,
			Needs: []Need{NeedGrant("client_credentials"), NeedClient(role), NeedAuthMethod(role)},
			Run:   runAnyClientCredentials(role),
		}
	}
	return []Scenario{
		cc(RoleClientSecretBasic, "RFC 6749 §4.4, §2.3.1"),
		cc(RoleClientSecretPost, "RFC 6749 §4.4, §2.3.1"),
		cc(RoleClientSecretJWT, "RFC 7523 §2.2, §3; OpenID Connect Core 1.0 §9"),
		cc(RolePrivateKeyJWT, "RFC 7523 §2.2, §3; OpenID Connect Core 1.0 §9"),
		{
			ID:    "any-wrong-client-secret",
			Title: "a wrong secret in HTTP Basic gets invalid_client with HTTP 401",
			Spec:  "RFC 6749 §5.2",
			Needs: []Need{NeedGrant("client_credentials"), NeedClient(RoleClientSecretBasic)},
			Run:   runAnyWrongSecret,
		},
		{
			ID:    "any-password-grant",
			Title: "resource owner password credentials: a token for the test user",
			Spec:  "RFC 6749 §4.3",
			Needs: []Need{NeedGrant("password"), NeedClient(RoleClientSecretBasic), NeedUser},
			Run:   runAnyPassword,
		},
	}
}

// RFC 6749, section 4.4 with the client authentication of role: the
// token is a Bearer token (or DPoP), and the request carried the
// credentials as the method says (section 2.3.1; RFC 7523, section 2.2).
func runAnyClientCredentials(role string) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		c, err := newAnyClient(e, role)
		if err != nil {
			return err
		}
		tok, err := c.token(ctx, e, oauth2.ClientCredentialsGrant{Scopes: c.client.Scopes})
		if err != nil {
			return fmt.Errorf("client credentials: %w", err)
		}
		if tok.TokenType != oauth2.TokenTypeBearer {
			return fmt.Errorf("token_type %q, expected Bearer", tok.TokenType)
		}
		reqs := c.x.grants("client_credentials")
		if len(reqs) != 1 {
			return fmt.Errorf("expected 1 token request, observed %d", len(reqs))
		}
		form, auth := reqs[0].Form, reqs[0].RequestHeader.Get("Authorization")
		var p problems
		switch role {
		case RoleClientSecretBasic:
			p.check(strings.HasPrefix(auth, "Basic "), "no Basic authorization")
			p.check(!form.Has("client_secret"), "client_secret in the body too")
		case RoleClientSecretPost:
			p.check(auth == "", "an Authorization header besides the body")
			p.check(form.Has("client_secret") && form.Get("client_id") == c.client.ClientID, "client_id or client_secret missing from the body")
		default:
			p.check(auth == "" && !form.Has("client_secret"), "the secret was sent besides the assertion")
			p.check(form.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" && form.Has("client_assertion"), "no client assertion")
		}
		if tok.RefreshToken != "" {
			e.Notef("a refresh token came back, which RFC 6749 §4.4.3 says SHOULD NOT")
		}
		return p.err()
	}
}

// RFC 6749, section 5.2: a client that authenticated with the
// Authorization header and failed gets 401 and invalid_client.
func runAnyWrongSecret(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, RoleClientSecretBasic)
	if err != nil {
		return err
	}
	c.cfg.ClientSecret = "wrong-" + c.cfg.ClientSecret[:min(4, len(c.cfg.ClientSecret))] + "-oauthkit"
	_, err = c.token(ctx, e, oauth2.ClientCredentialsGrant{})
	if err := wantOAuthError(err, oauth2.ErrorInvalidClient, "", 0); err != nil {
		return err
	}
	var oe *oauth2.Error
	if errors.As(err, &oe) && oe.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("HTTP %d, expected 401 for a client that authenticated with the Authorization header", oe.StatusCode)
	}
	return nil
}

// RFC 6749, section 4.3: the test user's credentials give a token.
func runAnyPassword(ctx context.Context, e *Env) error {
	c, err := newAnyClient(e, RoleClientSecretBasic)
	if err != nil {
		return err
	}
	u := e.Target().User()
	e.AddSecret(u.Password)
	tok, err := c.token(ctx, e, oauth2.PasswordGrant{Username: u.Username, Password: u.Password})
	if err != nil {
		return fmt.Errorf("password grant: %w", err)
	}
	if tok.AccessToken == "" {
		return errors.New("no access token")
	}
	return nil
}
