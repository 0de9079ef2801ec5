package oidc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/safetext"
	"github.com/oauthkit/oauthkit/jose"
)

// DefaultLeeway is the clock skew allowed for exp, iat, nbf and auth_time
// when [IDTokenVerifier.Leeway] is zero.
const DefaultLeeway = time.Minute

// MaxAgeZero, as a MaxAge, stands for max_age=0: the client forced a fresh
// authentication (OpenID Connect Core, section 3.1.2.1), so auth_time must lie
// within the leeway of now. A zero MaxAge means no max_age was sent.
const MaxAgeZero time.Duration = -1

// maxSubjectLength is the longest "sub": 255 ASCII characters (OpenID
// Connect Core, section 2).
const maxSubjectLength = 255

// IDTokenVerifier verifies ID tokens for one client of one provider. Set the
// fields, then call Verify; a verifier is safe for concurrent use once no
// longer modified. [Provider.Verifier] fills Issuer, KeySet and the
// algorithms from discovery.
//
// What it does not check: encrypted ID tokens (JWE) fail as malformed
// unless Decrypter is set; "jti" replay is not tracked; "acr" is checked only by
// the ACR hook; claims other than those named here are not interpreted.
type IDTokenVerifier struct {
	// ClientID is the client's client_id: "aud" must contain it. Required.
	ClientID string
	// Issuer is the provider's issuer identifier: "iss" must equal it
	// exactly. Required.
	Issuer string
	// KeySet supplies the provider's signing keys, usually the Provider's
	// jose.RemoteKeySet on jwks_uri. Required unless only HS* algorithms are
	// allowed.
	KeySet jose.KeySet
	// Algorithms is the allow-list of "alg" values. Empty means RS256, the
	// default of OpenID Connect Core, section 3.1.3.7, step 7; set it to the
	// registered id_token_signed_response_alg otherwise. "none" is never
	// accepted. HS256, HS384 and HS512 are accepted only when ClientSecret
	// is set.
	Algorithms []jose.Algorithm
	// ClientSecret keys HS256/HS384/HS512 ID tokens (OpenID Connect Core,
	// section 10.1): set it only for a confidential client that registered
	// an HS* id_token_signed_response_alg. Empty for public clients, which
	// then never accept an HMAC-signed token.
	ClientSecret string
	// TrustedAudiences are audiences besides ClientID that "aud" may list.
	// Any other audience rejects the token (step 3).
	TrustedAudiences []string
	// Leeway is the clock skew allowed for exp, iat, nbf and auth_time.
	// Zero means DefaultLeeway; negative means none.
	Leeway time.Duration
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// ACR, when set, is called with the "acr" claim ("" when absent) and
	// refuses the token by returning an error (step 12). Use it when acr
	// values were requested.
	ACR func(acr string) error
	// MaxAge is the max_age the client sends in every authentication request
	// (its default_max_age), used when VerifyOptions.MaxAge is zero. Zero
	// means none; MaxAgeZero means max_age=0.
	MaxAge time.Duration
	// Decrypter, when set, decrypts encrypted ID tokens first (step 1;
	// see [Decrypter]).
	Decrypter *Decrypter
}

// VerifyOptions are the values of one authentication request and its
// response that the ID token must match.
type VerifyOptions struct {
	// Nonce is the nonce sent in the authentication request. When set, the
	// token's "nonce" must be present and equal (step 11). Empty means no
	// nonce was sent, and "nonce" is not checked.
	Nonce string
	// AccessToken is the access token issued with the ID token. When set
	// and the token has "at_hash", they must match (section 3.1.3.8).
	AccessToken string
	// RequireAccessTokenHash makes "at_hash" mandatory: the implicit and
	// hybrid flows with response_type containing "id_token token" (sections
	// 3.2.2.9 and 3.3.2.11).
	RequireAccessTokenHash bool
	// Code is the authorization code returned with the ID token in the
	// hybrid flow. When set and the token has "c_hash", they must match.
	Code string
	// RequireCodeHash makes "c_hash" mandatory: the hybrid flow with
	// response_type "code id_token" (section 3.3.2.11).
	RequireCodeHash bool
	// MaxAge is the max_age sent in the authentication request (section
	// 3.1.2.1). Zero means the verifier's MaxAge; MaxAgeZero means
	// max_age=0.
	MaxAge time.Duration

	// refresh is set for the ID token of a refresh response, where max_age
	// no longer applies: auth_time stays that of the original login.
	refresh bool
}

// Verify checks a compact ID token and returns its claims (OpenID Connect
// Core, section 3.1.3.7). The steps run in the specification's order, except
// that the signature (steps 6 to 8) is verified first: no claim is read from
// a token whose signature has not been verified. Each failure has its own
// error (see the package's sentinel errors).
//
// Before the numbered steps, the token must be an ID token at all (RFC 8725,
// section 3.11): a "typ" header other than "JWT", an
// "events" claim (a logout token) or a Keycloak "typ" claim other than "ID"
// (an access or refresh token) rejects it. "sub" must be present and at most
// 255 ASCII characters (section 2).
//
// Policy for "azp" (steps 4 and 5; errata set 1 of Core 1.0 reworded these
// steps): when present it must equal ClientID; when "aud" lists several
// audiences it is required.
func (v *IDTokenVerifier) Verify(ctx context.Context, rawIDToken string, opts VerifyOptions) (*IDToken, error) {
	// Steps 6, 7 and 8: the signature, with the algorithm on the allow-list
	// (RS256 by default) and an HMAC keyed by the client secret only when
	// the client registered HS*. Step 1 (decryption) comes first, with
	// Decrypter; without one, JWE tokens are rejected as malformed.
	rawIDToken, err := v.Decrypter.openIDToken(rawIDToken)
	if err != nil {
		return nil, err
	}
	hdr, payload, claims, err := v.verifyToken(ctx, rawIDToken, "ID token")
	if err != nil {
		return nil, err
	}

	// The token must be an ID token, not an access token (typ at+jwt, or
	// Keycloak's "Bearer"), a refresh token ("Refresh"), a logout token
	// (typ logout+jwt, "events") or a DPoP proof (typ dpop+jwt). RFC 8725,
	// section 3.11; OpenID Connect Back-Channel Logout 1.0, section 2.4.
	if !isJWTType(hdr.Type) {
		return nil, fail(ErrTokenType, "header \"typ\" "+strconv.Quote(cut(hdr.Type))+" is not an ID token's")
	}
	if claims.Has("events") {
		return nil, fail(ErrTokenType, "a token with an \"events\" claim is a logout or security event token")
	}
	// Keycloak marks its tokens with a "typ" claim: "ID", "Bearer",
	// "Refresh", "Logout".
	typ, hasTyp, err := claimString(claims, "typ")
	if err != nil {
		return nil, err
	}
	if hasTyp && typ != "ID" {
		return nil, fail(ErrTokenType, "claim \"typ\" is "+strconv.Quote(cut(typ))+", not \"ID\"")
	}

	// "sub" is REQUIRED and at most 255 ASCII characters (section 2).
	if err := checkSubject(claims.Subject); err != nil {
		return nil, err
	}

	// Step 2: "iss" exactly equals the issuer, no normalization.
	if err := v.checkIssuer(claims); err != nil {
		return nil, err
	}

	// Step 3: "aud" contains the client_id, and every other audience is
	// trusted.
	if err := v.checkAudience(claims); err != nil {
		return nil, err
	}

	// Steps 4 and 5: "azp" (policy in the doc comment).
	azp, hasAZP, err := claimString(claims, "azp")
	if err != nil {
		return nil, err
	}
	switch {
	case hasAZP && azp != v.ClientID:
		return nil, fail(ErrAuthorizedParty, fmt.Sprintf("azp %q is not the client_id", cut(azp)))
	case !hasAZP && len(claims.Audience) > 1:
		return nil, missing(ErrAuthorizedParty, "azp")
	}

	t, leeway := v.now(), v.leeway()

	// Step 9: "exp" (REQUIRED) has not passed.
	exp, err := checkExpiry(claims, t, leeway, true)
	if err != nil {
		return nil, err
	}

	// Step 10: "iat" (REQUIRED) is not in the future.
	iat, err := checkIssuedAt(claims, t, leeway)
	if err != nil {
		return nil, err
	}
	// "nbf" (RFC 7519, section 4.1.5), when present.
	nbf := numericTime(claims.NotBefore)
	if claims.NotBefore != nil && nbf.After(t.Add(leeway)) {
		return nil, fail(ErrNotYetValid, "not before "+nbf.Format(time.RFC3339))
	}

	// Step 11: "nonce" equals the nonce sent, when one was sent.
	nonce, hasNonce, err := claimString(claims, "nonce")
	if err != nil {
		return nil, err
	}
	if opts.Nonce != "" {
		if !hasNonce {
			return nil, missing(ErrNonce, "nonce")
		}
		if nonce != opts.Nonce {
			return nil, fail(ErrNonce, "the nonce differs from the one sent")
		}
	}

	// Step 12: "acr", through the caller's hook.
	acr, _, err := claimString(claims, "acr")
	if err != nil {
		return nil, err
	}
	if v.ACR != nil {
		if err := v.ACR(acr); err != nil {
			return nil, &checkError{errs: []error{ErrACR, err}, detail: err.Error()}
		}
	}

	// Step 13: "auth_time" is present and recent enough when max_age was
	// sent.
	authTime, hasAuthTime, err := claimTime(claims, "auth_time")
	if err != nil {
		return nil, err
	}
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = v.MaxAge
	}
	if opts.refresh {
		maxAge = 0
	}
	if maxAge != 0 {
		if !hasAuthTime {
			return nil, missing(ErrAuthTime, "auth_time")
		}
		if maxAge < 0 {
			maxAge = 0
		}
		if t.After(authTime.Add(maxAge + leeway)) {
			return nil, fail(ErrAuthTime, "authenticated at "+authTime.Format(time.RFC3339)+", longer ago than max_age")
		}
	}

	// Sections 3.1.3.8, 3.2.2.9 and 3.3.2.11: at_hash and c_hash.
	atHash, hasATHash, err := claimString(claims, "at_hash")
	if err != nil {
		return nil, err
	}
	cHash, hasCHash, err := claimString(claims, "c_hash")
	if err != nil {
		return nil, err
	}
	switch {
	case hasATHash && opts.AccessToken != "":
		if err := checkTokenHash(ErrAccessTokenHash, hdr.Algorithm, atHash, opts.AccessToken); err != nil {
			return nil, err
		}
	case !hasATHash && opts.RequireAccessTokenHash:
		return nil, missing(ErrAccessTokenHash, "at_hash")
	}
	switch {
	case hasCHash && opts.Code != "":
		if err := checkTokenHash(ErrCodeHash, hdr.Algorithm, cHash, opts.Code); err != nil {
			return nil, err
		}
	case !hasCHash && opts.RequireCodeHash:
		return nil, missing(ErrCodeHash, "c_hash")
	}

	// Claims returned, not checked: "amr" and the session ID "sid"
	// (OpenID Connect Front-Channel and Back-Channel Logout).
	amr, _, err := claimStrings(claims, "amr")
	if err != nil {
		return nil, err
	}
	sid, _, err := claimString(claims, "sid")
	if err != nil {
		return nil, err
	}
	return &IDToken{
		Issuer:          claims.Issuer,
		Subject:         claims.Subject,
		Audience:        claims.Audience,
		AuthorizedParty: azp,
		Expiry:          exp,
		IssuedAt:        iat,
		NotBefore:       nbf,
		AuthTime:        authTime,
		Nonce:           nonce,
		ACR:             acr,
		AMR:             amr,
		SessionID:       sid,
		AccessTokenHash: atHash,
		CodeHash:        cHash,
		Algorithm:       hdr.Algorithm,
		Raw:             rawIDToken,
		payload:         payload,
	}, nil
}

// verifyToken is what verifying an ID token and a logout token begin
// with: the verifier's configuration, the signature (OpenID Connect Core,
// section 3.1.3.7, steps 6 to 8; see verifySignature), then the claim set,
// parsed only once the signature holds. kind names the token in errors.
func (v *IDTokenVerifier) verifyToken(ctx context.Context, raw, kind string) (jose.Header, []byte, *jose.Claims, error) {
	if v.ClientID == "" || v.Issuer == "" {
		return jose.Header{}, nil, nil, fmt.Errorf("%w: IDTokenVerifier needs ClientID and Issuer", ErrInvalidConfig)
	}
	hdr, payload, err := v.verifySignature(ctx, raw)
	if err != nil {
		return jose.Header{}, nil, nil, fmt.Errorf("oidc: %s: %w", kind, err)
	}
	claims, err := jose.ParseClaims(payload)
	if err != nil {
		return jose.Header{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformedClaim, err)
	}
	return hdr, payload, claims, nil
}

// now returns the current time by v.Now, else time.Now.
func (v *IDTokenVerifier) now() time.Time {
	if v.Clock != nil {
		return v.Clock()
	}
	return time.Now()
}

// leeway returns the clock skew allowed: Leeway, DefaultLeeway when it is
// zero, none when it is negative.
func (v *IDTokenVerifier) leeway() time.Duration {
	switch {
	case v.Leeway == 0:
		return DefaultLeeway
	case v.Leeway < 0:
		return 0
	}
	return v.Leeway
}

// checkIssuer is step 2 of OpenID Connect Core, section 3.1.3.7: "iss"
// exactly equals the issuer, no normalization.
func (v *IDTokenVerifier) checkIssuer(claims *jose.Claims) error {
	if claims.Issuer == v.Issuer {
		return nil
	}
	if !claims.Has("iss") {
		return missing(ErrIssuerMismatch, "iss")
	}
	return fail(ErrIssuerMismatch, fmt.Sprintf("got %q, want %q", cut(claims.Issuer), v.Issuer))
}

// checkExpiry is step 9 of OpenID Connect Core, section 3.1.3.7: "exp" has
// not passed at now, within leeway. A token without "exp" fails when
// required, and passes with a zero expiry otherwise.
func checkExpiry(claims *jose.Claims, now time.Time, leeway time.Duration, required bool) (time.Time, error) {
	if claims.Expiry == nil {
		if required {
			return time.Time{}, missing(ErrExpired, "exp")
		}
		return time.Time{}, nil
	}
	exp := claims.Expiry.Time()
	if !now.Before(exp.Add(leeway)) {
		return time.Time{}, fail(ErrExpired, "expired at "+exp.Format(time.RFC3339))
	}
	return exp, nil
}

// checkIssuedAt is step 10 of OpenID Connect Core, section 3.1.3.7: "iat"
// (REQUIRED) is not in the future, within leeway. How old a token may be is
// left to "exp".
func checkIssuedAt(claims *jose.Claims, now time.Time, leeway time.Duration) (time.Time, error) {
	if claims.IssuedAt == nil {
		return time.Time{}, missing(ErrMissingClaim, "iat")
	}
	iat := claims.IssuedAt.Time()
	if iat.After(now.Add(leeway)) {
		return time.Time{}, fail(ErrIssuedInFuture, "issued at "+iat.Format(time.RFC3339))
	}
	return iat, nil
}

// checkAudience is step 3: aud contains the client_id and no untrusted
// audience.
func (v *IDTokenVerifier) checkAudience(claims *jose.Claims) error {
	if !claims.Has("aud") {
		return missing(ErrAudience, "aud")
	}
	found := false
	for _, a := range claims.Audience {
		if a == v.ClientID {
			found = true
			continue
		}
		trusted := false
		for _, t := range v.TrustedAudiences {
			if a == t {
				trusted = true
				break
			}
		}
		if !trusted {
			return fail(ErrAudience, fmt.Sprintf("audience %q is not trusted", cut(a)))
		}
	}
	if !found {
		return fail(ErrAudience, "aud does not contain the client_id "+strconv.Quote(v.ClientID))
	}
	return nil
}

// checkSubject enforces section 2: "sub" is REQUIRED, a printable ASCII
// string of at most 255 characters.
func checkSubject(sub string) error {
	if sub == "" {
		return missing(ErrSubject, "sub")
	}
	if len(sub) > maxSubjectLength {
		return fail(ErrSubject, fmt.Sprintf("sub is %d characters long, more than %d", len(sub), maxSubjectLength))
	}
	for i := 0; i < len(sub); i++ {
		if c := sub[i]; c < 0x20 || c > 0x7e {
			return fail(ErrSubject, "sub holds a character that is not printable ASCII")
		}
	}
	return nil
}

// isJWTType reports whether a "typ" header fits an ID token: absent, or
// "JWT" (RFC 7519, section 5.1), compared case-insensitively, with or
// without the "application/" prefix (RFC 7515, section 4.1.9).
func isJWTType(typ string) bool {
	return typ == "" || strings.EqualFold(typ, "JWT") || strings.EqualFold(typ, "application/jwt")
}

// verifySignature runs jose.Verify with the key set that fits the token's
// algorithm: the provider's keys for asymmetric algorithms, the client
// secret for HS*.
func (v *IDTokenVerifier) verifySignature(ctx context.Context, raw string) (jose.Header, []byte, error) {
	asym, sym := v.algorithms()
	useSecret := false
	switch {
	case len(sym) == 0:
	case len(asym) == 0:
		useSecret = true
	default:
		// Both kinds are allowed: choose the key set by the header's alg.
		// jose.Verify checks the header again strictly, so a lie here only
		// makes verification fail.
		useSecret = strings.HasPrefix(peekAlgorithm(raw), "HS")
	}
	if useSecret {
		keys := secretKeySet{jose.NewSymmetricKey([]byte(v.ClientSecret))}
		return jose.Verify(ctx, raw, keys, jose.VerifyOptions{Algorithms: sym})
	}
	if len(asym) == 0 {
		return jose.Header{}, nil, fmt.Errorf("%w: no signature algorithm is allowed", jose.ErrAlgorithmNotAllowed)
	}
	if v.KeySet == nil {
		return jose.Header{}, nil, fmt.Errorf("%w: IDTokenVerifier has no KeySet", ErrInvalidConfig)
	}
	return jose.Verify(ctx, raw, v.KeySet, jose.VerifyOptions{Algorithms: asym})
}

// algorithms splits the allow-list into asymmetric and HMAC algorithms:
// RS256 alone when Algorithms is empty (step 7's default), HMAC ones only
// with a client secret, "none" never.
func (v *IDTokenVerifier) algorithms() (asym, sym []jose.Algorithm) {
	if len(v.Algorithms) == 0 {
		return []jose.Algorithm{jose.RS256}, nil
	}
	if !slices.ContainsFunc(v.Algorithms, func(a jose.Algorithm) bool { return isHMAC(a) || isNone(a) }) {
		return v.Algorithms, nil // the usual list, used as it is
	}
	for _, a := range v.Algorithms {
		switch {
		case isNone(a):
		case isHMAC(a):
			if v.ClientSecret != "" {
				sym = append(sym, a)
			}
		default:
			asym = append(asym, a)
		}
	}
	return asym, sym
}

// isNone reports whether a is "none" in any letter case (RFC 7518, section
// 3.6), which is never accepted.
func isNone(a jose.Algorithm) bool {
	return strings.EqualFold(string(a), "none")
}

func isHMAC(a jose.Algorithm) bool {
	return a == jose.HS256 || a == jose.HS384 || a == jose.HS512
}

// peekAlgorithm returns the "alg" of a compact JWS header without any
// verification, or "" when it cannot tell. Only used to pick a key set.
func peekAlgorithm(raw string) string {
	dot := strings.IndexByte(raw, '.')
	if dot <= 0 || dot > 4096 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(raw[:dot])
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.Alg
}

// secretKeySet serves the client secret as the one HMAC key, whatever the
// "kid": OpenID Connect Core, section 10.1 keys HS* ID tokens with the
// client secret alone. It never leaves this package.
type secretKeySet struct{ key jose.JWK }

func (s secretKeySet) Keys(context.Context, string) ([]jose.JWK, error) {
	return []jose.JWK{s.key}, nil
}

// cut shortens a value taken from a token for an error message and
// replaces control characters (safetext.Clip at 64 bytes).
func cut(s string) string { return safetext.Clip(s, 64) }
