package jose

import (
	"encoding/base64"
	"fmt"
)

// JOSE uses one base64 variant: the URL-safe alphabet without padding
// (RFC 7515, section 2). The standard decoder silently skips '\r' and '\n' and
// accepts non-zero trailing bits, so strictB64 checks the text first: only
// alphabet characters, a valid length, and zero unused bits in the last
// character. Only then is base64.RawURLEncoding used.

// b64Value returns the 6-bit value of a base64url character, or -1.
func b64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// strictB64 reports whether s is canonical unpadded base64url.
func strictB64[T ~string | ~[]byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if b64Value(s[i]) < 0 {
			return false
		}
	}
	switch len(s) % 4 {
	case 1:
		return false
	case 2:
		return b64Value(s[len(s)-1])&0x0f == 0
	case 3:
		return b64Value(s[len(s)-1])&0x03 == 0
	}
	return true
}

// decodeB64 strictly decodes a base64url JWK or JOSE member value.
func decodeB64(name string, s []byte) ([]byte, error) {
	if !strictB64(s) {
		return nil, fmt.Errorf("%w: %q is not canonical unpadded base64url", ErrMalformed, name)
	}
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(s)))
	n, err := base64.RawURLEncoding.Decode(out, s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not valid base64url", ErrMalformed, name)
	}
	return out[:n], nil
}

// encodeB64 encodes b as unpadded base64url.
func encodeB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
