package oidc

import (
	"context"
	"fmt"
	"sync"

	"github.com/oauthkit/oauthkit/oauth2"
)

// CheckRefreshedIDToken compares an ID token received in a refresh response
// with the one of the original authentication: OpenID Connect Core, section
// 12.2. Both must already have been verified. The refreshed token must have
// the same "iss", "sub", "aud" and "azp" (no "azp" when the original had
// none), an "auth_time" equal to the original one when it has one, and an
// "iat" not earlier than the original's.
//
// "nonce" SHOULD NOT appear; some providers (Keycloak) copy the original
// nonce, so a nonce equal to the original one is accepted and any other
// rejects.
//
// A failure wraps ErrIdentityChanged; the caller keeps the original identity
// and should end the login session.
func CheckRefreshedIDToken(original, refreshed *IDToken) error {
	if original == nil || refreshed == nil {
		return fmt.Errorf("%w: an ID token is missing", ErrInvalidConfig)
	}
	changed := func(claim string) error {
		return fail(ErrIdentityChanged, "claim \""+claim+"\" differs from the original")
	}
	switch {
	case refreshed.Issuer != original.Issuer:
		return changed("iss")
	case refreshed.Subject != original.Subject:
		return &checkError{errs: []error{ErrIdentityChanged, ErrSubject}, detail: "claim \"sub\" differs from the original"}
	case !sameSet(refreshed.Audience, original.Audience):
		return changed("aud")
	case refreshed.AuthorizedParty != original.AuthorizedParty:
		return changed("azp")
	case !refreshed.AuthTime.IsZero() && !refreshed.AuthTime.Equal(original.AuthTime):
		return changed("auth_time")
	case refreshed.IssuedAt.Before(original.IssuedAt):
		return fail(ErrIdentityChanged, "claim \"iat\" is earlier than the original's")
	case refreshed.Nonce != "" && refreshed.Nonce != original.Nonce:
		return &checkError{errs: []error{ErrIdentityChanged, ErrNonce}, detail: "claim \"nonce\" differs from the original"}
	}
	return nil
}

// VerifyRefreshed verifies the ID token of a refresh response (OpenID
// Connect Core, section 12.2): every check of Verify (with accessToken for
// at_hash when the token has one, and no nonce expected), then
// [CheckRefreshedIDToken] against original. On error keep original.
func (v *IDTokenVerifier) VerifyRefreshed(ctx context.Context, original *IDToken, rawIDToken, accessToken string) (*IDToken, error) {
	t, err := v.Verify(ctx, rawIDToken, VerifyOptions{AccessToken: accessToken, refresh: true})
	if err != nil {
		return nil, err
	}
	if err := CheckRefreshedIDToken(original, t); err != nil {
		return nil, err
	}
	return t, nil
}

// RefreshCheck returns a check that keeps the identity of an OpenID Connect
// login verified while the token is refreshed, for httpclient's
// Options.VerifyRefresh: a Session that refreshes by itself then never
// installs a token whose ID token names another user, issuer or audience,
// or carries an injected nonce (OpenID Connect Core 1.0, section 12.2).
// original is the verified ID token of the login.
//
// A refreshed token without an id_token passes: section 12.2 lets the
// response omit it, and the identity stays the one last verified. One with
// an id_token passes only when [IDTokenVerifier.VerifyRefreshed] accepts it
// against the ID token last verified (the original at first), which it then
// becomes, so "iat" must not go back. The error wraps ErrIdentityChanged or
// the verification's sentinel. Pass its Check method as the option; it is
// safe for concurrent use, and Latest returns the identity it holds.
func (v *IDTokenVerifier) RefreshCheck(original *IDToken) *RefreshCheck {
	return &RefreshCheck{v: v, latest: original}
}

// RefreshCheck holds the verified identity of a login across refreshes;
// see [IDTokenVerifier.RefreshCheck].
type RefreshCheck struct {
	v      *IDTokenVerifier
	mu     sync.Mutex
	latest *IDToken
}

// Check verifies refreshed as described at [IDTokenVerifier.RefreshCheck].
// Its signature is that of httpclient's Options.VerifyRefresh; previous is
// not used, since the identity it carried is the one Check holds.
func (c *RefreshCheck) Check(ctx context.Context, previous, refreshed *oauth2.Token) error {
	if refreshed == nil || refreshed.IDToken == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.latest == nil {
		return fmt.Errorf("%w: RefreshCheck needs the verified ID token of the login", ErrInvalidConfig)
	}
	if refreshed.IDToken == c.latest.Raw {
		return nil // the same ID token again, verified already
	}
	t, err := c.v.VerifyRefreshed(ctx, c.latest, refreshed.IDToken, refreshed.AccessToken)
	if err != nil {
		return err
	}
	c.latest = t
	return nil
}

// Latest returns the ID token last verified: the original, or the newest
// accepted refreshed one.
func (c *RefreshCheck) Latest() *IDToken {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for _, y := range b {
		found := false
		for _, x := range a {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
