package oidc

import (
	"context"
	"fmt"
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
