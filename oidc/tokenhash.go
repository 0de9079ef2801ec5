package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"

	"github.com/oauthkit/oauthkit/jose"
)

// tokenDigest returns the hash that at_hash and c_hash use with the ID
// token's "alg", applied to value: the hash of the signature algorithm
// (OpenID Connect Core, section 3.1.3.6), and SHA-512 for EdDSA with
// Ed25519, the only EdDSA curve jose verifies. Any other algorithm has no
// defined hash: ok is false and the check fails.
func tokenDigest(alg jose.Algorithm, value string, buf *[sha512.Size]byte) (sum []byte, ok bool) {
	// Access tokens are often JWTs of one or two kilobytes: hash a copy on
	// the stack rather than allocate one.
	// A smaller copy serves the common sizes, so that little stack is
	// cleared per call.
	switch {
	case len(value) <= 1536:
		var in [1536]byte
		return digestOf(alg, in[:copy(in[:], value)], buf)
	case len(value) <= maxStackTokenValue:
		var in [maxStackTokenValue]byte
		return digestOf(alg, in[:copy(in[:], value)], buf)
	}
	return digestOf(alg, []byte(value), buf)
}

// maxStackTokenValue is the longest value tokenDigest hashes from a stack
// copy.
const maxStackTokenValue = 4 << 10

// digestOf hashes value with the hash alg implies (see tokenDigest).
func digestOf(alg jose.Algorithm, value []byte, buf *[sha512.Size]byte) (sum []byte, ok bool) {
	switch alg {
	case jose.RS256, jose.ES256, jose.PS256, jose.HS256:
		s := sha256.Sum256(value)
		return buf[:copy(buf[:], s[:])], true
	case jose.RS384, jose.ES384, jose.PS384, jose.HS384:
		s := sha512.Sum384(value)
		return buf[:copy(buf[:], s[:])], true
	case jose.RS512, jose.ES512, jose.PS512, jose.HS512, jose.EdDSA:
		s := sha512.Sum512(value)
		return buf[:copy(buf[:], s[:])], true
	}
	return nil, false
}

// TokenHash computes an at_hash or c_hash value: the base64url encoding of
// the left-most half of the hash of the ASCII value, with the hash that alg
// implies (OpenID Connect Core, sections 3.1.3.6 and 3.3.2.11). It reports
// false for an algorithm without a defined hash.
func TokenHash(alg jose.Algorithm, value string) (string, bool) {
	var buf [sha512.Size]byte
	sum, ok := tokenDigest(alg, value, &buf)
	if !ok {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), true
}

// checkTokenHash compares a claimed at_hash or c_hash with the value's hash.
// kind is ErrAccessTokenHash or ErrCodeHash.
func checkTokenHash(kind error, alg jose.Algorithm, claimed, value string) error {
	var buf [sha512.Size]byte
	sum, ok := tokenDigest(alg, value, &buf)
	if !ok {
		return fail(kind, "no hash is defined for algorithm "+cut(string(alg)))
	}
	half := sum[:len(sum)/2]
	// Decode the claim rather than encode the hash: no allocation, and a
	// claim that is not canonical base64url cannot match.
	var got [sha512.Size / 2]byte
	enc := base64.RawURLEncoding.Strict()
	if len(claimed) != enc.EncodedLen(len(half)) {
		return fail(kind, "the hash does not match")
	}
	n, err := enc.Decode(got[:], []byte(claimed))
	if err != nil || subtle.ConstantTimeCompare(got[:n], half) != 1 {
		return fail(kind, "the hash does not match")
	}
	return nil
}
