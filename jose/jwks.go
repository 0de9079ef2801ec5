package jose

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// DefaultMaxKeys caps the number of keys in a key set (RemoteKeySetConfig.MaxKeys
// and ParseJWKSet).
const DefaultMaxKeys = 100

// JWKSet is a JSON Web Key Set. RFC 7517, section 5.
type JWKSet struct {
	Keys []JWK
}

// ParseJWKSet parses a key set as fetched from a jwks_uri (RFC 7517,
// section 5). Only public asymmetric keys are kept: a key this package cannot
// use (unknown "kty", "alg" or "crv", bad base64url, a weak RSA modulus, a
// point off its curve, a symmetric or private key) is skipped, as RFC 7517,
// section 5 asks. The set fails with ErrNoUsableKeys only when no usable key
// remains, and with ErrTooLarge when it lists more than DefaultMaxKeys keys.
func ParseJWKSet(data []byte) (JWKSet, error) {
	return parseJWKSet(data, DefaultMaxKeys)
}

func parseJWKSet(data []byte, maxKeys int) (JWKSet, error) {
	elems, kinds, isSet, err := setKeys(data, maxKeys)
	if err != nil {
		return JWKSet{}, err
	}
	if !isSet {
		return JWKSet{}, fmt.Errorf("%w: key set has no \"keys\" member", ErrMalformed)
	}
	set := JWKSet{Keys: make([]JWK, 0, len(elems))}
	var skipped []string
	for i, e := range elems {
		if kinds[i] != kindObject {
			skipped = append(skipped, fmt.Sprintf("key %d: not an object", i))
			continue
		}
		k, err := parseJWK(e, fromNetwork)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d: %v", i, err))
			continue
		}
		set.Keys = append(set.Keys, k)
	}
	if len(set.Keys) == 0 {
		if len(skipped) == 0 {
			return JWKSet{}, fmt.Errorf("%w: the set is empty", ErrNoUsableKeys)
		}
		if len(skipped) > 5 {
			skipped = append(skipped[:5], fmt.Sprintf("and %d more", len(skipped)-5))
		}
		return JWKSet{}, fmt.Errorf("%w: %s", ErrNoUsableKeys, strings.Join(skipped, "; "))
	}
	return set, nil
}

// setKeys splits the "keys" array of a key set (RFC 7517, section 5) into
// its elements and their kinds. isSet is false when data is an object with
// no "keys" member. More than maxKeys elements is ErrTooLarge.
func setKeys(data []byte, maxKeys int) (elems [][]byte, kinds []byte, isSet bool, err error) {
	var buf [4]member
	ms, err := scanObject(data, buf[:0])
	if err != nil {
		return nil, nil, false, err
	}
	var keys []byte
	for _, m := range ms {
		if string(m.name(data)) == "keys" {
			if m.kind != kindArray {
				return nil, nil, false, fmt.Errorf("%w: key set member \"keys\" must be an array", ErrMalformed)
			}
			keys = m.value(data)
		}
	}
	if keys == nil {
		return nil, nil, false, nil
	}
	if elems, kinds, err = scanArray(keys); err != nil {
		return nil, nil, false, err
	}
	if len(elems) > maxKeys {
		return nil, nil, false, fmt.Errorf("%w: key set lists %d keys (at most %d allowed)", ErrTooLarge, len(elems), maxKeys)
	}
	return elems, kinds, true, nil
}

// MarshalJSON encodes s as {"keys":[...]} (RFC 7517, section 5). Each key is
// encoded as it is: call Public on private keys before publishing a set.
func (s JWKSet) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"keys":[`)
	for i, k := range s.Keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := k.MarshalJSON()
		if err != nil {
			return nil, errors.Join(fmt.Errorf("jose: key %d of the set", i), err)
		}
		b.Write(kb)
	}
	b.WriteString(`]}`)
	return b.Bytes(), nil
}
