package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"hash"

	"github.com/oauthkit/oauthkit/jose"
)

// hashFor returns the hash that at_hash and c_hash use with the ID token's
// "alg": the hash of the signature algorithm (OpenID Connect Core, section
// 3.1.3.6), and SHA-512 for EdDSA with Ed25519, the only EdDSA curve jose
// verifies. Any other algorithm has no defined hash and fails the check.
func hashFor(alg jose.Algorithm) (func() hash.Hash, bool) {
	switch alg {
	case jose.RS256, jose.ES256, jose.PS256, jose.HS256:
		return sha256.New, true
	case jose.RS384, jose.ES384, jose.PS384, jose.HS384:
		return sha512.New384, true
	case jose.RS512, jose.ES512, jose.PS512, jose.HS512, jose.EdDSA:
		return sha512.New, true
	}
	return nil, false
}

// TokenHash computes an at_hash or c_hash value: the base64url encoding of
// the left-most half of the hash of the ASCII value, with the hash that alg
// implies (OpenID Connect Core, sections 3.1.3.6 and 3.3.2.11). It reports
// false for an algorithm without a defined hash.
func TokenHash(alg jose.Algorithm, value string) (string, bool) {
	newHash, ok := hashFor(alg)
	if !ok {
		return "", false
	}
	h := newHash()
	h.Write([]byte(value))
	var buf [sha512.Size]byte
	sum := h.Sum(buf[:0])
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), true
}

// checkTokenHash compares a claimed at_hash or c_hash with the value's hash.
// kind is ErrAccessTokenHash or ErrCodeHash.
func checkTokenHash(kind error, alg jose.Algorithm, claimed, value string) error {
	want, ok := TokenHash(alg, value)
	if !ok {
		return fail(kind, "no hash is defined for algorithm "+string(alg))
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(claimed)) != 1 {
		return fail(kind, "the hash does not match")
	}
	return nil
}
