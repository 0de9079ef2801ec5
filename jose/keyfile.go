package jose

import (
	"bytes"
	"crypto/rsa"
	"fmt"
	"io"
	"os"
)

// ErrWeakKey: an RSA key has fewer than 2048 bits, the least RFC 7518,
// section 3.3 allows. It wraps ErrUnusableKey, so errors.Is(err,
// ErrUnusableKey) holds for it too.
var ErrWeakKey = fmt.Errorf("%w: key too weak", ErrUnusableKey)

// maxKeyFileSize caps a key or key set file: 1 MiB holds a hundred 8192-bit
// private keys.
const maxKeyFileSize = 1 << 20

// checkRSAPublicKey holds an RSA public key, from a JWK or a file, to RFC
// 7518 section 3.3 (at least 2048 bits) and to the bounds that keep
// verification cheap: at most 8192 bits, an odd modulus, an odd exponent
// between 3 and 2^31-1.
func checkRSAPublicKey(pub *rsa.PublicKey) error {
	switch bits := pub.N.BitLen(); {
	case bits < minRSABits:
		return fmt.Errorf("%w: RSA key of %d bits (at least %d required)", ErrWeakKey, bits, minRSABits)
	case bits > maxRSABits:
		return fmt.Errorf("%w: RSA modulus of %d bits (at most %d allowed)", ErrUnusableKey, bits, maxRSABits)
	case pub.N.Bit(0) == 0:
		return fmt.Errorf("%w: RSA modulus is even", ErrUnusableKey)
	case pub.E < 3 || pub.E > 1<<31-1 || pub.E%2 == 0:
		return fmt.Errorf("%w: RSA exponent %d not allowed", ErrUnusableKey, pub.E)
	}
	return nil
}

// ParseKeyFile reads one key from the content of a key file, in any of the
// forms keys are kept in:
//
//   - PEM text, as ParsePEM reads it;
//   - one JWK (RFC 7517, section 4), as ParseJWK reads it: public, private
//     or symmetric;
//   - a JWK Set (RFC 7517, section 5) that holds exactly one key.
//
// Errors wrap ErrMalformed, ErrTooLarge, ErrUnusableKey or ErrWeakKey.
func ParseKeyFile(data []byte) (JWK, error) {
	if len(data) > maxKeyFileSize {
		return JWK{}, fmt.Errorf("%w: key file of %d bytes (at most %d)", ErrTooLarge, len(data), maxKeyFileSize)
	}
	if !isJSON(data) {
		return ParsePEM(data)
	}
	set, err := parseKeySetFile(data)
	if err != nil {
		return JWK{}, err
	}
	if len(set.Keys) != 1 {
		return JWK{}, fmt.Errorf("%w: the key set holds %d keys, not one", ErrMalformed, len(set.Keys))
	}
	return set.Keys[0], nil
}

// ReadKeyFile reads the file name and parses it with ParseKeyFile: the way
// to load a private key for private_key_jwt (RFC 7523, section 2.2) or DPoP
// (RFC 9449) from a PEM or JWK file. A file larger than 1 MiB is
// ErrTooLarge.
func ReadKeyFile(name string) (JWK, error) {
	data, err := readKeyFile(name)
	if err != nil {
		return JWK{}, err
	}
	return ParseKeyFile(data)
}

// ReadKeySetFile reads the file name as a key set: a JWK Set (RFC 7517,
// section 5), or one key in any form ParseKeyFile reads, as a set of one.
// The file is the caller's own, so unlike ParseJWKSet, which skips what it
// cannot use in a fetched set, every key must parse, and private and
// symmetric keys are kept. A file larger than 1 MiB, or a set of more than
// DefaultMaxKeys keys, is ErrTooLarge.
func ReadKeySetFile(name string) (JWKSet, error) {
	data, err := readKeyFile(name)
	if err != nil {
		return JWKSet{}, err
	}
	if !isJSON(data) {
		k, err := ParsePEM(data)
		if err != nil {
			return JWKSet{}, err
		}
		return JWKSet{Keys: []JWK{k}}, nil
	}
	return parseKeySetFile(data)
}

// readKeyFile reads at most maxKeyFileSize bytes of the file name.
func readKeyFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%w: key file %s is larger than %d bytes", ErrTooLarge, name, maxKeyFileSize)
	}
	return data, nil
}

// isJSON reports whether data looks like a JSON object rather than PEM text.
func isJSON(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
}

// parseKeySetFile reads a JWK Set, or a single JWK as a set of one, from a
// caller's file: every key must parse, private and symmetric keys allowed.
func parseKeySetFile(data []byte) (JWKSet, error) {
	keys, _, isSet, err := setKeys(data, DefaultMaxKeys)
	if err != nil {
		return JWKSet{}, err
	}
	if !isSet {
		k, err := parseJWK(data, fromCaller)
		if err != nil {
			return JWKSet{}, err
		}
		return JWKSet{Keys: []JWK{k}}, nil
	}
	set := JWKSet{Keys: make([]JWK, 0, len(keys))}
	for i, e := range keys {
		k, err := parseJWK(e, fromCaller)
		if err != nil {
			return JWKSet{}, fmt.Errorf("key %d of the set: %w", i, err)
		}
		set.Keys = append(set.Keys, k)
	}
	if len(set.Keys) == 0 {
		return JWKSet{}, fmt.Errorf("%w: the set is empty", ErrNoUsableKeys)
	}
	return set, nil
}
