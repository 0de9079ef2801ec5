package jose

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// JOSE uses one base64 variant: the URL-safe alphabet without padding
// (RFC 7515, section 2). The standard decoder silently skips '\r' and '\n' and
// accepts non-zero trailing bits, so strictB64 checks the text first: only
// alphabet characters, a valid length, and zero unused bits in the last
// character. Only then is base64.RawURLEncoding used.

// b64Values maps each byte to its base64url value, 0xff for bytes outside
// the alphabet. A constant string keeps the table immutable.
const b64Values = "" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x3e\xff\xff\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\xff\xff\xff\xff\xff\xff" +
	"\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\xff\xff\xff\xff\x3f" +
	"\xff\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30\x31\x32\x33\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"

// b64Value returns the 6-bit value of a base64url character, or -1.
func b64Value(c byte) int {
	if v := b64Values[c]; v != 0xff {
		return int(v)
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

// decodeSegment decodes src, which must be canonical unpadded base64url (as
// strictB64 defines it), into dst, which must hold at least
// base64.RawURLEncoding.DecodedLen(len(src)) bytes, and returns the decoded
// length. ok is false for any byte outside the alphabet (line breaks and
// padding included), a length of 1 modulo 4, or non-zero unused bits. It is
// the verification hot path's decoder: eight characters per step, straight
// from the token string.
func decodeSegment(dst []byte, src string) (n int, ok bool) {
	i := 0
	for ; i+8 <= len(src) && n+8 <= len(dst); i += 8 {
		s := src[i : i+8]
		a, b, c, d := b64Values[s[0]], b64Values[s[1]], b64Values[s[2]], b64Values[s[3]]
		e, f, g, h := b64Values[s[4]], b64Values[s[5]], b64Values[s[6]], b64Values[s[7]]
		if (a|b|c|d|e|f|g|h)&0xc0 != 0 {
			return 0, false
		}
		binary.BigEndian.PutUint64(dst[n:], uint64(a)<<58|uint64(b)<<52|uint64(c)<<46|uint64(d)<<40|
			uint64(e)<<34|uint64(f)<<28|uint64(g)<<22|uint64(h)<<16)
		n += 6
	}
	for ; i+4 <= len(src); i += 4 {
		a, b, c, d := b64Values[src[i]], b64Values[src[i+1]], b64Values[src[i+2]], b64Values[src[i+3]]
		if (a|b|c|d)&0xc0 != 0 || n+3 > len(dst) {
			return 0, false
		}
		dst[n], dst[n+1], dst[n+2] = a<<2|b>>4, b<<4|c>>2, c<<6|d
		n += 3
	}
	switch len(src) - i {
	case 0:
		return n, true
	case 2:
		a, b := b64Values[src[i]], b64Values[src[i+1]]
		if (a|b)&0xc0 != 0 || b&0x0f != 0 || n+1 > len(dst) {
			return 0, false
		}
		dst[n] = a<<2 | b>>4
		return n + 1, true
	case 3:
		a, b, c := b64Values[src[i]], b64Values[src[i+1]], b64Values[src[i+2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 || n+2 > len(dst) {
			return 0, false
		}
		dst[n], dst[n+1] = a<<2|b>>4, b<<4|c>>2
		return n + 2, true
	}
	return 0, false
}

// encodeB64 encodes b as unpadded base64url.
func encodeB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
