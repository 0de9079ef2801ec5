package jose

import (
	"context"
	"fmt"
)

// KeySet supplies the keys that verify signatures.
//
// Keys returns the keys whose KeyID equals kid, or every key when kid is "".
// When no key has that kid it returns an error wrapping ErrUnknownKey (after
// any refresh the implementation makes). Other failures, such as a key set
// that could never be fetched, return other errors.
//
// An implementation MUST return only keys the caller trusts for the purpose
// at hand: it MUST NOT take keys from the token being verified (its "jwk",
// "x5c", "jku" or "x5u" headers) nor from any URL the token names, and it
// MUST NOT return symmetric ([]byte) keys that came from the network.
// The returned slice belongs to the KeySet: callers MUST NOT modify it.
// Keys must be safe for concurrent use and must honour ctx for any I/O.
type KeySet interface {
	Keys(ctx context.Context, kid string) ([]JWK, error)
}

// StaticKeySet is a fixed, caller-supplied KeySet. Symmetric keys are allowed
// here: the caller supplied them (for example the client secret, for HS256 ID
// tokens of a confidential client).
type StaticKeySet []JWK

// Keys implements KeySet. It never performs I/O.
func (s StaticKeySet) Keys(_ context.Context, kid string) ([]JWK, error) {
	if kid == "" {
		if len(s) == 0 {
			return nil, fmt.Errorf("%w: the key set is empty", ErrUnknownKey)
		}
		return s[:len(s):len(s)], nil
	}
	if ks, ok := keysWithID(s, kid); ok {
		return ks, nil
	}
	return nil, fmt.Errorf("%w: no key with kid %q", ErrUnknownKey, truncate(kid))
}

// keysWithID returns the keys of ks whose KeyID is kid. A run of adjacent
// matches is returned as a capped sub-slice of ks, without allocating.
func keysWithID(ks []JWK, kid string) ([]JWK, bool) {
	first, last, count := -1, -1, 0
	for i := range ks {
		if ks[i].KeyID == kid {
			if first < 0 {
				first = i
			}
			last = i
			count++
		}
	}
	switch {
	case count == 0:
		return nil, false
	case last-first+1 == count:
		return ks[first : last+1 : last+1], true
	}
	out := make([]JWK, 0, count)
	for i := first; i <= last; i++ {
		if ks[i].KeyID == kid {
			out = append(out, ks[i])
		}
	}
	return out, true
}
