package oidc

import (
	"errors"
	"strings"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Sentinel errors, matched with errors.Is. Errors returned by this package
// wrap one of them with detail. Where a lower package has the same failure,
// the sentinel here is that package's value under this package's name
// (ErrIssuerMismatch is jose.ErrIssuer and oauth2.ErrIssuerMismatch,
// ErrExpired is jose.ErrExpired, ErrInvalidConfig is
// oauth2.ErrInvalidConfig, ...), so there is one sentinel per failure
// across the module. Signature
// failures are the jose errors themselves: jose.ErrSignature,
// jose.ErrAlgorithmNotAllowed, jose.ErrUnknownKey, jose.ErrKeyMismatch,
// jose.ErrMalformed, jose.ErrTooLarge, jose.ErrCritical.
//
// No error text holds a token, a code, a secret or a nonce value.
var (
	// ErrIssuerMismatch: an "iss" claim or a discovery document's "issuer"
	// differs from the expected issuer. Comparison is exact: no case
	// folding, no trailing-slash normalization (OpenID Connect Core, section
	// 3.1.3.7, step 2; OpenID Connect Discovery, section 4.3).
	ErrIssuerMismatch = jose.ErrIssuer

	// ErrAudience: "aud" lacks the client_id or names an audience the client
	// does not trust (OpenID Connect Core, section 3.1.3.7, step 3).
	ErrAudience = jose.ErrAudience

	// ErrAuthorizedParty: "azp" is not the client_id, or is absent from a
	// token with several audiences (OpenID Connect Core, section 3.1.3.7,
	// steps 4 and 5).
	ErrAuthorizedParty = errors.New("oidc: authorized party (azp) not accepted")

	// ErrExpired: "exp" has passed, beyond the leeway (step 9).
	ErrExpired = jose.ErrExpired

	// ErrIssuedInFuture: "iat" lies in the future, beyond the leeway (step 10).
	ErrIssuedInFuture = jose.ErrIssuedInFuture

	// ErrNotYetValid: "nbf" lies in the future, beyond the leeway.
	ErrNotYetValid = jose.ErrNotYetValid

	// ErrMissingClaim: a claim the check needs is absent.
	ErrMissingClaim = jose.ErrMissingClaim

	// ErrMalformedClaim: a claim has the wrong JSON type or an impossible
	// value; it is jose.ErrMalformed, as every malformed input.
	ErrMalformedClaim = jose.ErrMalformed

	// ErrNonce: "nonce" is missing or differs from the nonce sent (step 11),
	// or is present where it is forbidden (logout tokens).
	ErrNonce = errors.New("oidc: nonce mismatch")

	// ErrACR: the [IDTokenVerifier.ACR] hook refused the "acr" value (step 12).
	ErrACR = errors.New("oidc: authentication context (acr) not accepted")

	// ErrAuthTime: "auth_time" is missing although max_age was sent, or the
	// authentication is older than max_age allows (step 13).
	ErrAuthTime = errors.New("oidc: authentication too old (auth_time, max_age)")

	// ErrAccessTokenHash: "at_hash" does not match the access token, is
	// missing where required, or the algorithm has no defined hash
	// (OpenID Connect Core, sections 3.1.3.8 and 3.2.2.9).
	ErrAccessTokenHash = errors.New("oidc: access token hash (at_hash) mismatch")

	// ErrCodeHash: "c_hash" does not match the authorization code, is missing
	// where required, or the algorithm has no defined hash (OpenID Connect
	// Core, section 3.3.2.11).
	ErrCodeHash = errors.New("oidc: code hash (c_hash) mismatch")

	// ErrTokenType: the token is not of the expected kind: an access token,
	// refresh token, logout token or DPoP proof where an ID token is
	// expected, or the reverse (RFC 8725, section 3.11).
	ErrTokenType = jose.ErrType

	// ErrSubject: "sub" is missing, longer than 255 ASCII characters, not
	// ASCII (OpenID Connect Core, section 2), or differs from the subject it
	// must equal (userinfo, section 5.3.4; refresh, section 12.2).
	ErrSubject = jose.ErrSubject

	// ErrIdentityChanged: an ID token from a refresh names another issuer,
	// subject, audience, authorized party or authentication than the
	// original one (OpenID Connect Core, section 12.2). Keep the old identity.
	ErrIdentityChanged = errors.New("oidc: refreshed ID token changes the identity")

	// ErrMissingIDToken: a token response for scope "openid" holds no
	// id_token (OpenID Connect Core, section 3.1.3.3).
	ErrMissingIDToken = errors.New("oidc: token response holds no id_token")

	// ErrInvalidMetadata: a discovery document is not valid: a member of the
	// wrong type, a required member missing, an unusable URL (OpenID Connect
	// Discovery, section 3).
	ErrInvalidMetadata = oauth2.ErrInvalidMetadata

	// ErrInsecureURL: a URL is not https and not on a loopback host while
	// insecure HTTP was not allowed, or carries user information.
	ErrInsecureURL = oauth2.ErrInsecureURL

	// ErrInvalidConfig: the configuration cannot work (no client_id, no
	// issuer, no key set, a URL that is not one).
	ErrInvalidConfig = oauth2.ErrInvalidConfig

	// ErrUserInfo: the userinfo response is neither a JSON object nor a
	// signed JWT that verifies (OpenID Connect Core, section 5.3.2).
	ErrUserInfo = errors.New("oidc: invalid userinfo response")

	// ErrLogoutToken: a back-channel logout token lacks the logout event or
	// is otherwise not a logout token (OpenID Connect Back-Channel Logout
	// 1.0, section 2.6).
	ErrLogoutToken = errors.New("oidc: invalid logout token")
)

// checkError is a failed check: the sentinels it matches (its kind, and
// ErrMissingClaim for an absent claim) and a detail for people.
type checkError struct {
	errs   []error
	detail string
}

func (e *checkError) Error() string {
	msg := "oidc: " + strings.TrimPrefix(e.errs[0].Error(), "oidc: ")
	if e.detail == "" {
		return msg
	}
	return msg + ": " + e.detail
}

// Unwrap lets errors.Is and errors.As see every sentinel.
func (e *checkError) Unwrap() []error { return e.errs }

// fail returns a failed check of kind err.
func fail(err error, detail string) error {
	return &checkError{errs: []error{err}, detail: detail}
}

// missing returns a failed check of kind err caused by an absent claim: it
// matches err and ErrMissingClaim.
func missing(err error, claim string) error {
	errs := []error{err}
	if err != ErrMissingClaim {
		errs = append(errs, ErrMissingClaim)
	}
	return &checkError{errs: errs, detail: "claim \"" + claim + "\" is missing"}
}
