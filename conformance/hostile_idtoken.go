package conformance

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Section C of the hostile-server catalogue: ID token claims and the code
// flow, checked by the relying party against a hostile provider.

// fixedClock returns a verifier clock stopped at now, so that time checks
// near the leeway cannot flake.
func fixedClock(now time.Time) func() time.Time { return func() time.Time { return now } }

// signed returns the provider's correctly signed token of claims changed
// by changes.
func (op *hostileOP) signed(changes map[string]any) string {
	return op.sign(claimsWith(op.claims(), changes))
}

// OI-01: "iss" must equal the issuer exactly: another host, a trailing
// slash, another case, Keycloak's old /auth prefix and a missing iss are
// refused with oidc.ErrIssuerMismatch (OpenID Connect Core, section
// 3.1.3.7, step 2), also at the end of a code flow.
func runOI01IssuerMismatch(ctx context.Context, e *Env) error {
	op, _, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return err
	}
	v := rp.Verifier
	host := strings.TrimPrefix(op.Issuer, "http://")
	vs := tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control", op.signed(nil), nil},
		{"another host", op.signed(map[string]any{"iss": "http://evil.test"}), []error{oidc.ErrIssuerMismatch, jose.ErrIssuer}},
		{"trailing slash", op.signed(map[string]any{"iss": op.Issuer + "/"}), []error{oidc.ErrIssuerMismatch}},
		{"upper case", op.signed(map[string]any{"iss": "HTTP://" + host}), []error{oidc.ErrIssuerMismatch}},
		{"Keycloak /auth prefix", op.signed(map[string]any{"iss": op.Issuer + "/auth"}), []error{oidc.ErrIssuerMismatch}},
		{"iss missing", op.signed(map[string]any{"iss": nil}), []error{oidc.ErrIssuerMismatch, oidc.ErrMissingClaim}},
	})
	vs = append(vs,
		hostileVariant{"code flow: ID token of another issuer", func() error {
			op.setIDToken(func(c map[string]any) string { return op.sign(claimsWith(c, map[string]any{"iss": op.Issuer + "/"})) })
			_, _, err := hostileLogin(ctx, e, rp)
			return wantErrorIs(err, oidc.ErrIssuerMismatch)
		}},
	)
	return runHostileVariants(e, vs)
}

// OI-02: "aud" must contain the client_id and nothing the client does not
// trust (OpenID Connect Core, section 3.1.3.7, step 3).
func runOI02AudienceMismatch(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control", op.signed(nil), nil},
		{"another client's id", op.signed(map[string]any{"aud": "other-client"}), []error{oidc.ErrAudience, jose.ErrAudience}},
		{"aud missing", op.signed(map[string]any{"aud": nil}), []error{oidc.ErrAudience, oidc.ErrMissingClaim}},
		{"aud []", op.signed(map[string]any{"aud": []string{}}), []error{oidc.ErrAudience}},
		{"aud a number", op.signed(map[string]any{"aud": 42}), []error{oidc.ErrMalformedClaim}},
		{"client_id in another case", op.signed(map[string]any{"aud": strings.ToUpper(opClientID)}), []error{oidc.ErrAudience}},
	}))
}

// OI-02 (extra audience): [client_id, "untrusted-api"] is refused unless
// the client trusts "untrusted-api".
func runOI02UntrustedAudience(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	trusting, err := p.Verifier(oidc.IDTokenVerifier{ClientID: opClientID, TrustedAudiences: []string{"trusted-api"}})
	if err != nil {
		return err
	}
	extra := op.signed(map[string]any{"aud": []string{opClientID, "untrusted-api"}, "azp": opClientID})
	trusted := op.signed(map[string]any{"aud": []string{opClientID, "trusted-api"}, "azp": opClientID})
	return runHostileVariants(e, []hostileVariant{
		{"extra untrusted audience", expectVerify(ctx, e, v, extra, oidc.VerifyOptions{}, oidc.ErrAudience)},
		{"extra audience not in the trusted list", expectVerify(ctx, e, trusting, extra, oidc.VerifyOptions{}, oidc.ErrAudience)},
		{"control: extra audience the client trusts", expectAccept(ctx, trusting, trusted, oidc.VerifyOptions{})},
	})
}

// OI-03: "azp", when present, must be the client_id; with several
// audiences it is required (OpenID Connect Core, section 3.1.3.7, steps 4
// and 5, the policy documented by oidc.IDTokenVerifier.Verify).
func runOI03AuthorizedParty(ctx context.Context, e *Env) error {
	op, p, _, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	v, err := p.Verifier(oidc.IDTokenVerifier{ClientID: opClientID, TrustedAudiences: []string{"trusted-api"}})
	if err != nil {
		return err
	}
	both := []string{opClientID, "trusted-api"}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: several audiences, azp is the client", op.signed(map[string]any{"aud": both, "azp": opClientID}), nil},
		{"control: one audience, azp is the client", op.signed(map[string]any{"azp": opClientID}), nil},
		{"several audiences, no azp", op.signed(map[string]any{"aud": both}), []error{oidc.ErrAuthorizedParty}},
		{"several audiences, azp another party", op.signed(map[string]any{"aud": both, "azp": "trusted-api"}), []error{oidc.ErrAuthorizedParty}},
		{"one audience, foreign azp", op.signed(map[string]any{"azp": "other-client"}), []error{oidc.ErrAuthorizedParty}},
		{"azp not a string", op.signed(map[string]any{"azp": []string{opClientID}}), []error{oidc.ErrMalformedClaim}},
	}))
}

// timeClaimLeeway is the clock skew the time-claim scenarios allow.
const timeClaimLeeway = 30 * time.Second

// newClockedVerifier starts a hostile provider and returns it with a
// verifier that allows timeClaimLeeway and whose clock is stopped at the
// present, and at, which returns the NumericDate d from that present.
func newClockedVerifier(ctx context.Context, e *Env) (*hostileOP, *oidc.IDTokenVerifier, func(d time.Duration) int64, error) {
	op, err := newHostileOP(e)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{Leeway: timeClaimLeeway, Clock: fixedClock(now)})
	if err != nil {
		return nil, nil, nil, err
	}
	return op, v, func(d time.Duration) int64 { return now.Add(d).Unix() }, nil
}

// OI-04 (expiry): "exp" beyond the leeway is refused, within it accepted,
// and a missing "exp" is refused (OpenID Connect Core, section 2 and
// section 3.1.3.7, step 9).
func runOI04Expired(ctx context.Context, e *Env) error {
	op, v, at, err := newClockedVerifier(ctx, e)
	if err != nil {
		return err
	}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: expired, but within the leeway", op.signed(map[string]any{"exp": at(-timeClaimLeeway + 5*time.Second), "iat": at(-time.Hour)}), nil},
		{"expired beyond the leeway", op.signed(map[string]any{"exp": at(-timeClaimLeeway - time.Second), "iat": at(-time.Hour)}), []error{oidc.ErrExpired, jose.ErrExpired}},
		{"expired long ago", op.signed(map[string]any{"exp": 1, "iat": 0}), []error{oidc.ErrExpired}},
		{"exp missing", op.signed(map[string]any{"exp": nil}), []error{oidc.ErrExpired, oidc.ErrMissingClaim}},
	}))
}

// OI-04 (issued in the future): "iat" or "nbf" beyond the leeway in the
// future is refused, and a missing "iat" too (OpenID Connect Core, section
// 3.1.3.7, step 10; RFC 7519, section 4.1.5).
func runOI04IssuedInFuture(ctx context.Context, e *Env) error {
	op, v, at, err := newClockedVerifier(ctx, e)
	if err != nil {
		return err
	}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: iat in the future within the leeway", op.signed(map[string]any{"iat": at(timeClaimLeeway - 5*time.Second)}), nil},
		{"iat beyond the leeway", op.signed(map[string]any{"iat": at(timeClaimLeeway + time.Second)}), []error{oidc.ErrIssuedInFuture, jose.ErrIssuedInFuture}},
		{"nbf beyond the leeway", op.signed(map[string]any{"nbf": at(timeClaimLeeway + time.Second)}), []error{oidc.ErrNotYetValid, jose.ErrNotYetValid}},
		{"iat missing", op.signed(map[string]any{"iat": nil}), []error{oidc.ErrMissingClaim}},
	}))
}

// OI-04 (malformed dates): NumericDates of the wrong type or out of range
// are malformed claims, never converted (RFC 7519, section 2).
func runOI04MalformedTime(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	// Numbers that json.Marshal cannot write go in as raw JSON text.
	raw := func(claim, text string) string {
		c := op.claims()
		delete(c, claim)
		body := string(mustMarshal(c))
		body = body[:len(body)-1] + `,"` + claim + `":` + text + `}`
		return forgeJWS(rs256Header(opKeyID), json.RawMessage(body), sign)
	}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"exp a string", op.signed(map[string]any{"exp": "9999999999"}), []error{oidc.ErrMalformedClaim}},
		{"exp 1e999", raw("exp", "1e999"), []error{oidc.ErrMalformedClaim}},
		{"exp 1e300", raw("exp", "1e300"), []error{oidc.ErrMalformedClaim}},
		{"exp negative", op.signed(map[string]any{"exp": -5}), []error{oidc.ErrMalformedClaim}},
		{"iat null", raw("iat", "null"), []error{oidc.ErrMalformedClaim}},
	}))
}

// OI-05 (nonce missing): a nonce was sent, the ID token has none.
func runOI05NonceMissing(ctx context.Context, e *Env) error {
	return nonceScenario(ctx, e, func(c map[string]any) map[string]any { return claimsWith(c, map[string]any{"nonce": nil}) })
}

// OI-05 (nonce wrong): the ID token carries another nonce
// (rp-nonce-invalid).
func runOI05NonceWrong(ctx context.Context, e *Env) error {
	return nonceScenario(ctx, e, func(c map[string]any) map[string]any {
		return claimsWith(c, map[string]any{"nonce": oauth2.NewNonce()})
	})
}

// nonceScenario runs a code flow whose ID token edit changes, and checks
// that Finish fails with oidc.ErrNonce and nothing leaks.
func nonceScenario(ctx context.Context, e *Env, edit func(map[string]any) map[string]any) error {
	op, _, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return err
	}
	op.setIDToken(func(c map[string]any) string { return op.sign(edit(c)) })
	l, _, err := hostileLogin(ctx, e, rp)
	if err := wantErrorIs(err, oidc.ErrNonce); err != nil {
		return err
	}
	if err := noLeak(err.Error(), l.Flow.Nonce, l.Flow.CodeVerifier); err != nil {
		return err
	}
	e.Notef("rejected: %v", err)
	return nil
}

// OI-05 (replay): a valid ID token, its own nonce included, replayed into
// a second login is refused, and a completed login cannot complete again
// (OpenID Connect Core, section 15.5.2).
func runOI05NonceReplay(ctx context.Context, e *Env) error {
	op, _, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return err
	}
	first, res, err := hostileLogin(ctx, e, rp)
	if err != nil {
		return fmt.Errorf("first login: %w", err)
	}
	captured := res.Token.IDToken
	e.AddSecret(captured)
	op.setIDToken(func(map[string]any) string { return captured })
	return runHostileVariants(e, []hostileVariant{
		{"the first ID token replayed into a second login", func() error {
			_, _, err := hostileLogin(ctx, e, rp)
			return wantErrorIs(err, oidc.ErrNonce)
		}},
		{"the first login's callback again", func() error {
			params, err := hostileAuthorize(ctx, e, first.URL())
			if err != nil {
				return err
			}
			_, err = first.Finish(ctx, rp, params)
			return wantErrorIs(err, oauth2.ErrFlowUsed)
		}},
	})
}

// OI-06: the callback is checked before any token request: no state, a
// wrong state, repeated parameters and code with error are refused, the
// genuine response works once, and its replay is refused (RFC 6749,
// sections 3.1, 4.1.2 and 10.12).
func runOI06State(ctx context.Context, e *Env) error {
	op, _, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return err
	}
	l, err := rp.StartLogin(oidc.LoginOptions{})
	if err != nil {
		return err
	}
	e.AddSecret(l.Flow.CodeVerifier)
	params, err := hostileAuthorize(ctx, e, l.URL())
	if err != nil {
		return err
	}
	e.AddSecret(params.Get("code"))
	with := func(edit func(url.Values)) url.Values {
		q := url.Values{}
		for k, vs := range params {
			q[k] = append([]string(nil), vs...)
		}
		edit(q)
		return q
	}
	finish := func(q url.Values, target error) func() error {
		return func() error {
			_, err := l.Finish(ctx, rp, q)
			if err := wantErrorIs(err, target); err != nil {
				return err
			}
			return noLeak(err.Error(), params.Get("code"), l.Flow.CodeVerifier)
		}
	}
	return runHostileVariants(e, []hostileVariant{
		{"no state", finish(with(func(q url.Values) { q.Del("state") }), oauth2.ErrStateMismatch)},
		{"wrong state", finish(with(func(q url.Values) { q.Set("state", "forged-"+hostileRandomHex(8)) }), oauth2.ErrStateMismatch)},
		{"state repeated", finish(with(func(q url.Values) { q.Add("state", q.Get("state")) }), oauth2.ErrInvalidCallback)},
		{"code repeated", finish(with(func(q url.Values) { q.Add("code", "code-2") }), oauth2.ErrInvalidCallback)},
		{"no token request for a refused callback", func() error {
			if n := op.count(opPathToken); n != 0 {
				return fmt.Errorf("the token endpoint received %d requests", n)
			}
			return nil
		}},
		{"code and error together", func() error {
			// Consumes the flow: a fresh login for it.
			l2, err := rp.StartLogin(oidc.LoginOptions{})
			if err != nil {
				return err
			}
			p2, err := hostileAuthorize(ctx, e, l2.URL())
			if err != nil {
				return err
			}
			p2.Set("error", "access_denied")
			_, err = l2.Finish(ctx, rp, p2)
			return wantErrorIs(err, oauth2.ErrInvalidCallback)
		}},
		{"control: the genuine response", func() error {
			_, err := l.Finish(ctx, rp, params)
			return err
		}},
		{"the genuine response replayed", finish(params, oauth2.ErrFlowUsed)},
		{"exactly one token request in all", func() error {
			if n := op.count(opPathToken); n != 1 {
				return fmt.Errorf("the token endpoint received %d requests, expected 1", n)
			}
			return nil
		}},
	})
}

// OI-07: mix-up. The client knows an honest and an attacker's provider; a
// response to a request sent to the honest one that names the attacker's
// issuer, or names none although the honest provider promised iss, is
// refused, and the attacker never receives the code or the verifier (RFC
// 9207, section 2.4; RFC 9700, section 4.4).
func runOI07MixUp(ctx context.Context, e *Env) error {
	honest, err := newHostileOP(e)
	if err != nil {
		return err
	}
	evil, err := newHostileOP(e)
	if err != nil {
		return err
	}
	_, rp, err := honest.relyingParty(ctx, e, nil)
	if err != nil {
		return err
	}
	_, evilRP, err := evil.relyingParty(ctx, e, nil)
	if err != nil {
		return err
	}
	// start returns a login at the honest provider and its redirect back.
	start := func() (*oidc.Login, url.Values, error) {
		l, err := rp.StartLogin(oidc.LoginOptions{})
		if err != nil {
			return nil, nil, err
		}
		e.AddSecret(l.Flow.CodeVerifier)
		params, err := hostileAuthorize(ctx, e, l.URL())
		if err == nil {
			e.AddSecret(params.Get("code"))
		}
		return l, params, err
	}
	vs := []hostileVariant{
		{"iss names the attacker", func() error {
			l, params, err := start()
			if err != nil {
				return err
			}
			params.Set("iss", evil.Issuer)
			_, err = l.Finish(ctx, rp, params)
			return wantErrorIs(err, oauth2.ErrIssuerMismatch)
		}},
		{"iss absent although promised", func() error {
			l, params, err := start()
			if err != nil {
				return err
			}
			params.Del("iss")
			_, err = l.Finish(ctx, rp, params)
			return wantErrorIs(err, oauth2.ErrMissingIssuer)
		}},
		{"the honest code redeemed through the attacker's configuration", func() error {
			l, params, err := start()
			if err != nil {
				return err
			}
			_, err = l.Flow.Complete(ctx, evilRP.Config, params)
			return wantErrorIs(err, oauth2.ErrIssuerMismatch)
		}},
		{"the attacker's token endpoint received nothing", func() error {
			if n := evil.count(opPathToken); n != 0 {
				return fmt.Errorf("the attacker's token endpoint received %d requests", n)
			}
			if n := honest.count(opPathToken); n != 0 {
				return fmt.Errorf("the honest token endpoint received %d requests for refused responses", n)
			}
			return nil
		}},
		{"control: the genuine response", func() error {
			l, params, err := start()
			if err != nil {
				return err
			}
			_, err = l.Finish(ctx, rp, params)
			return err
		}},
	}
	return runHostileVariants(e, vs)
}

// OI-08: whatever the metadata says of PKCE, every flow sends S256 with a
// fresh verifier of 43 to 128 characters, and the verifier goes only to
// the provider that issued the code (RFC 7636, sections 4.1 and 4.2; RFC
// 9700, section 2.1.1).
func runOI08PKCEDowngrade(ctx context.Context, e *Env) error {
	var vs []hostileVariant
	for _, meta := range []struct {
		name string
		edit func(map[string]any)
	}{
		{"metadata advertises plain only", func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }},
		{"metadata omits code_challenge_methods_supported", func(d map[string]any) { delete(d, "code_challenge_methods_supported") }},
	} {
		vs = append(vs, hostileVariant{meta.name, func() error {
			op, err := newHostileOP(e)
			if err != nil {
				return err
			}
			op.setDiscovery(meta.edit)
			_, rp, err := op.relyingParty(ctx, e, nil)
			if err != nil {
				return err
			}
			const flows = 5
			seen := map[string]bool{}
			for range flows {
				l, res, err := hostileLogin(ctx, e, rp)
				if err != nil {
					return err
				}
				q := l.Flow.Params
				if m := q.Get("code_challenge_method"); m != "S256" {
					return fmt.Errorf("code_challenge_method %q, expected S256", m)
				}
				if n := len(l.Flow.CodeVerifier); n < 43 || n > 128 {
					return fmt.Errorf("verifier of %d characters", n)
				}
				if q.Get("code_challenge") != s256(l.Flow.CodeVerifier) {
					return errors.New("the challenge is not the S256 of the verifier")
				}
				if seen[q.Get("code_challenge")] {
					return errors.New("a code challenge repeated across flows")
				}
				seen[q.Get("code_challenge")] = true
				if res.IDToken == nil {
					return errors.New("no verified ID token")
				}
			}
			forms := op.forms()
			if len(forms) != flows {
				return fmt.Errorf("the token endpoint received %d requests, expected %d", len(forms), flows)
			}
			for _, f := range forms {
				if err := oauth2.CheckCodeVerifier(f.Get("code_verifier")); err != nil {
					return fmt.Errorf("token request verifier: %w", err)
				}
			}
			return nil
		}})
	}
	return runHostileVariants(e, vs)
}

// OI-09 (at_hash): a wrong at_hash fails the code flow; one missing where
// the response type requires it is refused (OpenID Connect Core, sections
// 3.1.3.8 and 3.2.2.9).
func runOI09AccessTokenHash(ctx context.Context, e *Env) error {
	op, _, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return err
	}
	at := "access-token-" + hostileRandomHex(16)
	e.AddSecret(at)
	v := rp.Verifier
	return runHostileVariants(e, []hostileVariant{
		{"code flow, at_hash of another access token", func() error {
			op.setIDToken(func(c map[string]any) string {
				return op.sign(claimsWith(c, map[string]any{"at_hash": tokenHash("another access token")}))
			})
			_, _, err := hostileLogin(ctx, e, rp)
			return wantErrorIs(err, oidc.ErrAccessTokenHash)
		}},
		{"control: at_hash of the access token", expectAccept(ctx, v, op.signed(map[string]any{"at_hash": tokenHash(at)}), oidc.VerifyOptions{AccessToken: at, RequireAccessTokenHash: true})},
		{"at_hash required, missing", expectVerify(ctx, e, v, op.signed(nil), oidc.VerifyOptions{AccessToken: at, RequireAccessTokenHash: true}, oidc.ErrAccessTokenHash)},
		{"at_hash truncated", expectVerify(ctx, e, v, op.signed(map[string]any{"at_hash": tokenHash(at)[:10]}), oidc.VerifyOptions{AccessToken: at}, oidc.ErrAccessTokenHash)},
	})
}

// OI-09 (c_hash): a wrong or, in the hybrid flow, missing c_hash is
// refused (OpenID Connect Core, section 3.3.2.11).
func runOI09CodeHash(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	code := "code-" + hostileRandomHex(16)
	e.AddSecret(code)
	return runHostileVariants(e, []hostileVariant{
		{"control: c_hash of the code", expectAccept(ctx, v, op.signed(map[string]any{"c_hash": tokenHash(code)}), oidc.VerifyOptions{Code: code, RequireCodeHash: true})},
		{"c_hash of another code", expectVerify(ctx, e, v, op.signed(map[string]any{"c_hash": tokenHash("another code")}), oidc.VerifyOptions{Code: code}, oidc.ErrCodeHash)},
		{"c_hash required, missing", expectVerify(ctx, e, v, op.signed(nil), oidc.VerifyOptions{Code: code, RequireCodeHash: true}, oidc.ErrCodeHash)},
	})
}

// userinfoAfterLogin logs in at a fresh hostile provider and returns it,
// the login's access token, and a function that asks the userinfo endpoint
// for the logged-in end-user (OpenID Connect Core, section 5.3), after
// installing h as the endpoint's handler when h is not nil.
func userinfoAfterLogin(ctx context.Context, e *Env) (*hostileOP, string, func(h http.HandlerFunc) (*oidc.UserInfo, error), error) {
	op, p, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return nil, "", nil, err
	}
	_, res, err := hostileLogin(ctx, e, rp)
	if err != nil {
		return nil, "", nil, err
	}
	at := res.Token.AccessToken
	opts := oidc.UserInfoOptions{Subject: res.IDToken.Subject, ClientID: opClientID}
	userinfo := func(h http.HandlerFunc) (*oidc.UserInfo, error) {
		if h != nil {
			op.setUserinfo(h)
		}
		return p.UserInfo(ctx, at, opts)
	}
	return op, at, userinfo, nil
}

// OI-11 (sub): the userinfo response of another end-user, or without sub,
// is refused with oidc.ErrSubject (OpenID Connect Core, section 5.3.4).
func runOI11UserinfoSubMismatch(ctx context.Context, e *Env) error {
	_, at, userinfo, err := userinfoAfterLogin(ctx, e)
	if err != nil {
		return err
	}
	answer := func(body map[string]any) func() error {
		return func() error {
			_, err := userinfo(func(w http.ResponseWriter, r *http.Request) { writeJSONResponse(w, http.StatusOK, body) })
			if err := wantErrorIs(err, oidc.ErrSubject); err != nil {
				return err
			}
			return noLeak(err.Error(), at)
		}
	}
	return runHostileVariants(e, []hostileVariant{
		{"control: the same sub", func() error {
			u, err := userinfo(nil)
			if err != nil {
				return err
			}
			if u.Subject != opSubject {
				return fmt.Errorf("sub %q", u.Subject)
			}
			return nil
		}},
		{"another end-user's sub", answer(map[string]any{"sub": "someone-else", "name": "Mallory"})},
		{"sub missing", answer(map[string]any{"name": "Mallory"})},
		{"sub in another case", answer(map[string]any{"sub": strings.ToUpper(opSubject + "a")})},
	})
}

// OI-11 (signed): a signed userinfo response with a bad signature, another
// issuer or another audience is refused (OpenID Connect Core, section
// 5.3.2).
func runOI11UserinfoSigned(ctx context.Context, e *Env) error {
	op, at, userinfo, err := userinfoAfterLogin(ctx, e)
	if err != nil {
		return err
	}
	base := map[string]any{"iss": op.Issuer, "sub": opSubject, "aud": opClientID}
	attacker := make([]byte, 32)
	_, _ = rand.Read(attacker)
	serve := func(tok string, targets ...error) func() error {
		return func() error {
			u, err := userinfo(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/jwt")
				w.Write([]byte(tok))
			})
			if len(targets) == 0 {
				if err != nil {
					return err
				}
				if !u.Signed {
					return errors.New("expected the response to count as signed")
				}
				return nil
			}
			if err := wantErrorIs(err, targets...); err != nil {
				return err
			}
			return noLeak(err.Error(), at)
		}
	}
	corrupt := op.sign(base)
	corrupt = corrupt[:len(corrupt)-4] + "AAAA"
	return runHostileVariants(e, []hostileVariant{
		{"control: correctly signed", serve(op.sign(base))},
		{"bad signature", serve(corrupt, oidc.ErrUserInfo, jose.ErrSignature)},
		{"HS256 keyed with a guess", serve(forgeJWS(map[string]any{"alg": "HS256"}, base, hmacSigner(attacker, crypto.SHA256)), oidc.ErrUserInfo, jose.ErrAlgorithmNotAllowed)},
		{"another issuer", serve(op.sign(claimsWith(base, map[string]any{"iss": "http://evil.test"})), oidc.ErrUserInfo, oidc.ErrIssuerMismatch)},
		{"another audience", serve(op.sign(claimsWith(base, map[string]any{"aud": "other-client"})), oidc.ErrUserInfo, oidc.ErrAudience)},
	})
}

// OI-12: other kinds of token presented as the ID token are refused by
// their explicit type: access tokens (typ at+jwt, Keycloak's "Bearer"), a
// Keycloak refresh token, a logout token and a DPoP proof (RFC 8725,
// section 3.11; RFC 9068, section 2.1).
func runOI12TokenTypeConfusion(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	claims := op.claims()
	with := func(typ string, changes map[string]any) string {
		h := rs256Header(opKeyID)
		if typ != "" {
			h["typ"] = typ
		}
		return forgeJWS(h, claimsWith(claims, changes), sign)
	}
	refreshSecret := make([]byte, 64)
	_, _ = rand.Read(refreshSecret)
	refresh := forgeJWS(map[string]any{"alg": "HS512", "typ": "JWT", "kid": "refresh-key"},
		claimsWith(claims, map[string]any{"typ": "Refresh"}), hmacSigner(refreshSecret, crypto.SHA512))
	events := map[string]any{oidc.BackChannelLogoutEvent: map[string]any{}}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"access token, typ at+jwt", with("at+jwt", nil), []error{oidc.ErrTokenType, jose.ErrType}},
		{"access token, typ application/at+jwt", with("application/at+jwt", nil), []error{oidc.ErrTokenType}},
		{"Keycloak access token, claim typ Bearer", with("JWT", map[string]any{"typ": "Bearer"}), []error{oidc.ErrTokenType}},
		{"Keycloak refresh token, claim typ Refresh, RS256", with("JWT", map[string]any{"typ": "Refresh"}), []error{oidc.ErrTokenType}},
		{"Keycloak refresh token, HS512", refresh, []error{jose.ErrAlgorithmNotAllowed}},
		{"logout token, typ logout+jwt", with("logout+jwt", map[string]any{"events": events, "jti": "j1"}), []error{oidc.ErrTokenType}},
		{"logout token, typ JWT with events", with("JWT", map[string]any{"events": events, "jti": "j1"}), []error{oidc.ErrTokenType}},
		{"DPoP proof, typ dpop+jwt", with("dpop+jwt", map[string]any{"htm": "POST", "htu": op.Issuer + opPathToken, "jti": "j2"}), []error{oidc.ErrTokenType}},
		{"control: Keycloak ID token, claim typ ID", with("JWT", map[string]any{"typ": "ID"}), nil},
	}))
}

// OI-13 (sub): "sub" must be present, printable ASCII and at most 255
// characters (OpenID Connect Core, section 2).
func runOI13Subject(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: 255 characters", op.signed(map[string]any{"sub": strings.Repeat("s", 255)}), nil},
		{"sub missing", op.signed(map[string]any{"sub": nil}), []error{oidc.ErrSubject, oidc.ErrMissingClaim}},
		{"sub empty", op.signed(map[string]any{"sub": ""}), []error{oidc.ErrSubject}},
		{"sub of 256 characters", op.signed(map[string]any{"sub": strings.Repeat("s", 256)}), []error{oidc.ErrSubject}},
		{"sub not ASCII", op.signed(map[string]any{"sub": "usér"}), []error{oidc.ErrSubject}},
		{"sub not a string", op.signed(map[string]any{"sub": 12345}), []error{oidc.ErrMalformedClaim}},
	}))
}

// OI-13 (alg): only the registered algorithm (RS256 by default) is
// accepted, even when the provider's key could verify another; a public
// client accepts no HS256 (OpenID Connect Core, section 3.1.3.7, step 7).
func runOI13Algorithm(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	// The provider's key published without "alg", so that it could verify
	// RS512 and PS256 too if the client allowed them.
	op.setKeys(mustMarshal(map[string]any{"kty": "RSA", "kid": opKeyID, "use": "sig", "n": bigB64(op.Key.N), "e": "AQAB"}))
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
	if err != nil {
		return err
	}
	claims := op.claims()
	h := func(alg string) map[string]any { return map[string]any{"alg": alg, "kid": opKeyID} }
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: RS256", forgeJWS(h("RS256"), claims, rsaSigner(op.Key, crypto.SHA256, false)), nil},
		{"RS512 by the provider's key", forgeJWS(h("RS512"), claims, rsaSigner(op.Key, crypto.SHA512, false)), []error{jose.ErrAlgorithmNotAllowed}},
		{"PS256 by the provider's key", forgeJWS(h("PS256"), claims, rsaSigner(op.Key, crypto.SHA256, true)), []error{jose.ErrAlgorithmNotAllowed}},
		{"HS256 for a public client", forgeJWS(h("HS256"), claims, hmacSigner([]byte("guessed-secret"), crypto.SHA256)), []error{jose.ErrAlgorithmNotAllowed}},
	}))
}

// DM-01: a configuration document whose issuer is not the one asked for
// (another host, a trailing slash, another case, another path, the
// provider's other host name) is refused with oidc.ErrIssuerMismatch and
// none of its endpoints is used; only an explicitly configured discovery
// location with the exact issuer is accepted (OpenID Connect Discovery,
// section 4.3; RFC 8414, section 3.3).
func runDM01DiscoveryIssuerMismatch(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	host := strings.TrimPrefix(op.Issuer, "http://")
	_, port, _ := strings.Cut(host, ":")
	localhost := "http://localhost:" + port
	var vs []hostileVariant
	for _, c := range []struct{ name, issuer string }{
		{"another host", "http://evil.test"},
		{"trailing slash", op.Issuer + "/"},
		{"upper case", "HTTP://" + host},
		{"another realm path", op.Issuer + "/realms/other"},
		{"the provider's other host name", localhost},
	} {
		vs = append(vs, hostileVariant{c.name, func() error {
			op.setDiscovery(func(d map[string]any) { d["issuer"] = c.issuer })
			_, err := oidc.NewProvider(ctx, op.Issuer, oidc.ProviderConfig{HTTPClient: e.RecordingClient()})
			return wantErrorIs(err, oidc.ErrIssuerMismatch)
		}})
	}
	vs = append(vs, hostileVariant{"no endpoint of a refused document was used", func() error {
		for _, path := range []string{opPathJWKS, opPathToken, opPathUserinfo, opPathAuthorize} {
			if n := op.count(path); n != 0 {
				return fmt.Errorf("%s received %d requests", path, n)
			}
		}
		return nil
	}})
	vs = append(vs, hostileVariant{"control: explicit discovery location, exact issuer", func() error {
		op.setDiscovery(func(d map[string]any) { d["issuer"] = localhost })
		p, err := oidc.NewProvider(ctx, localhost, oidc.ProviderConfig{HTTPClient: e.RecordingClient(), DiscoveryURL: op.Issuer + opPathDiscovery})
		if err != nil {
			return err
		}
		if p.Issuer() != localhost {
			return fmt.Errorf("issuer %q", p.Issuer())
		}
		return nil
	}})
	vs = append(vs, hostileVariant{"explicit discovery location, document of another issuer", func() error {
		op.setDiscovery(func(d map[string]any) { d["issuer"] = "http://evil.test" })
		_, err := oidc.NewProvider(ctx, localhost, oidc.ProviderConfig{HTTPClient: e.RecordingClient(), DiscoveryURL: op.Issuer + opPathDiscovery})
		return wantErrorIs(err, oidc.ErrIssuerMismatch)
	}})
	return runHostileVariants(e, vs)
}
