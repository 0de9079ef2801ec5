package oidc

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// IDToken is a verified ID token (OpenID Connect Core, section 2). Only
// [IDTokenVerifier.Verify] makes one; every field comes from a token whose
// signature and claims passed the checks.
type IDToken struct {
	// Issuer is "iss", the provider's issuer identifier.
	Issuer string
	// Subject is "sub", the provider's identifier for the end-user: unique
	// and never reassigned within the issuer. Identify a user by Issuer and
	// Subject together, never by email.
	Subject string
	// Audience is "aud": the client_id and any trusted audiences.
	Audience []string
	// AuthorizedParty is "azp", the party the token was issued to; empty
	// when absent.
	AuthorizedParty string
	// Expiry is "exp".
	Expiry time.Time
	// IssuedAt is "iat".
	IssuedAt time.Time
	// NotBefore is "nbf"; zero when absent.
	NotBefore time.Time
	// AuthTime is "auth_time", when the end-user authenticated; zero when
	// absent.
	AuthTime time.Time
	// Nonce is "nonce", the value the client sent in the authentication
	// request; empty when absent.
	Nonce string
	// ACR is "acr", the authentication context class reference.
	ACR string
	// AMR is "amr", the authentication methods references.
	AMR []string
	// SessionID is "sid", the provider's session identifier, used by
	// back-channel and front-channel logout.
	SessionID string
	// AccessTokenHash is "at_hash"; empty when absent.
	AccessTokenHash string
	// CodeHash is "c_hash"; empty when absent.
	CodeHash string
	// Algorithm is the "alg" the token was signed with, which also decides
	// the hash of at_hash and c_hash.
	Algorithm jose.Algorithm
	// Raw is the compact token as received, to send back later as
	// id_token_hint (RP-initiated logout).
	Raw string

	payload []byte // the verified claim set, for Claims
}

// Claims decodes every claim of the token into v, with encoding/json rules.
// Use it for claims that IDToken does not name (email, name,
// preferred_username, realm_access, ...). The claim set was parsed strictly
// during verification, so it holds no duplicate or case-variant names.
func (t *IDToken) Claims(v any) error {
	if t == nil || t.payload == nil {
		return fmt.Errorf("%w: no verified claims", ErrMalformedClaim)
	}
	if err := json.Unmarshal(t.payload, v); err != nil {
		return fmt.Errorf("oidc: decoding ID token claims: %w", err)
	}
	return nil
}

// VerifyAccessToken checks an access token against the token's at_hash:
// OpenID Connect Core, section 3.1.3.8 (code flow, at_hash optional) and
// 3.2.2.9 (implicit flow). It fails with ErrAccessTokenHash when at_hash is
// absent, does not match, or the algorithm defines no hash.
func (t *IDToken) VerifyAccessToken(accessToken string) error {
	if t.AccessTokenHash == "" {
		return missing(ErrAccessTokenHash, "at_hash")
	}
	return checkTokenHash(ErrAccessTokenHash, t.Algorithm, t.AccessTokenHash, accessToken)
}

// VerifyCode checks an authorization code against the token's c_hash:
// OpenID Connect Core, section 3.3.2.11 (hybrid flow). It fails with
// ErrCodeHash when c_hash is absent, does not match, or the algorithm
// defines no hash.
func (t *IDToken) VerifyCode(code string) error {
	if t.CodeHash == "" {
		return missing(ErrCodeHash, "c_hash")
	}
	return checkTokenHash(ErrCodeHash, t.Algorithm, t.CodeHash, code)
}
