package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"strings"
)

// Algorithm is a JWS "alg" value. RFC 7518, section 3.1; RFC 8037, section 3.1.
type Algorithm string

// Signature algorithms supported for signing and verification.
// "none" is deliberately absent: it is never accepted (RFC 8725, section 3.1).
const (
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 section 3.3
	RS384 Algorithm = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384
	RS512 Algorithm = "RS512" // RSASSA-PKCS1-v1_5 with SHA-512
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256, RFC 7518 section 3.5
	PS384 Algorithm = "PS384" // RSASSA-PSS with SHA-384
	PS512 Algorithm = "PS512" // RSASSA-PSS with SHA-512
	ES256 Algorithm = "ES256" // ECDSA P-256 with SHA-256, RFC 7518 section 3.4
	ES384 Algorithm = "ES384" // ECDSA P-384 with SHA-384
	ES512 Algorithm = "ES512" // ECDSA P-521 with SHA-512
	EdDSA Algorithm = "EdDSA" // Ed25519, RFC 8037 section 3.1
	HS256 Algorithm = "HS256" // HMAC with SHA-256, RFC 7518 section 3.2
	HS384 Algorithm = "HS384" // HMAC with SHA-384
	HS512 Algorithm = "HS512" // HMAC with SHA-512
)

// RSA modulus bounds, in bits. RFC 7518, section 3.3 requires at least 2048;
// the upper bound keeps verification CPU bounded (RFC 8725, section 3.4).
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// algFamily groups algorithms by the key type they need.
type algFamily uint8

const (
	familyNone algFamily = iota
	familyRSA
	familyPSS
	familyEC
	familyEdDSA
	familyHMAC
)

// algInfo describes one algorithm: its family, hash, and for ECDSA the curve
// and the byte length of each of r and s.
type algInfo struct {
	family algFamily
	hash   crypto.Hash
	curve  elliptic.Curve
	size   int
}

// info returns the description of a; ok is false for unknown algorithms
// (including every spelling of "none").
func (a Algorithm) info() (algInfo, bool) {
	switch a {
	case RS256:
		return algInfo{family: familyRSA, hash: crypto.SHA256}, true
	case RS384:
		return algInfo{family: familyRSA, hash: crypto.SHA384}, true
	case RS512:
		return algInfo{family: familyRSA, hash: crypto.SHA512}, true
	case PS256:
		return algInfo{family: familyPSS, hash: crypto.SHA256}, true
	case PS384:
		return algInfo{family: familyPSS, hash: crypto.SHA384}, true
	case PS512:
		return algInfo{family: familyPSS, hash: crypto.SHA512}, true
	case ES256:
		return algInfo{family: familyEC, hash: crypto.SHA256, curve: elliptic.P256(), size: 32}, true
	case ES384:
		return algInfo{family: familyEC, hash: crypto.SHA384, curve: elliptic.P384(), size: 48}, true
	case ES512:
		return algInfo{family: familyEC, hash: crypto.SHA512, curve: elliptic.P521(), size: 66}, true
	case EdDSA:
		return algInfo{family: familyEdDSA}, true
	case HS256:
		return algInfo{family: familyHMAC, hash: crypto.SHA256}, true
	case HS384:
		return algInfo{family: familyHMAC, hash: crypto.SHA384}, true
	case HS512:
		return algInfo{family: familyHMAC, hash: crypto.SHA512}, true
	}
	return algInfo{}, false
}

// isNone reports whether a is any case variant of "none" (RFC 7518, section 3.6).
func isNone(a string) bool { return strings.EqualFold(a, "none") }

// fits reports whether key k may be used with algorithm a for verification
// (private keys are reduced to their public part). RFC 8725, section 3.1: each
// key is used with one algorithm family only; "use":"enc" keys never sign.
// It returns the usable verification key.
func (k *JWK) fits(a Algorithm, ai algInfo) (any, bool) {
	if k.Use != "" && k.Use != "sig" {
		return nil, false
	}
	if k.Algorithm != "" && k.Algorithm != a {
		return nil, false
	}
	switch ai.family {
	case familyRSA, familyPSS:
		var pub *rsa.PublicKey
		switch key := k.Key.(type) {
		case *rsa.PublicKey:
			pub = key
		case *rsa.PrivateKey:
			pub = &key.PublicKey
		default:
			return nil, false
		}
		if pub == nil || pub.N == nil || pub.N.BitLen() < minRSABits || pub.N.BitLen() > maxRSABits {
			return nil, false
		}
		return pub, true
	case familyEC:
		var pub *ecdsa.PublicKey
		switch key := k.Key.(type) {
		case *ecdsa.PublicKey:
			pub = key
		case *ecdsa.PrivateKey:
			pub = &key.PublicKey
		default:
			return nil, false
		}
		if pub == nil || pub.Curve != ai.curve {
			return nil, false
		}
		return pub, true
	case familyEdDSA:
		switch key := k.Key.(type) {
		case ed25519.PublicKey:
			if len(key) == ed25519.PublicKeySize {
				return key, true
			}
		case ed25519.PrivateKey:
			if len(key) == ed25519.PrivateKeySize {
				return key.Public().(ed25519.PublicKey), true
			}
		}
		return nil, false
	case familyHMAC:
		if key, ok := k.Key.([]byte); ok && len(key) > 0 {
			return key, true
		}
		return nil, false
	}
	return nil, false
}
