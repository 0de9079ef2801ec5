package jose

import (
	"encoding/binary"
	"math/bits"
)

// The fast paths of the strict JSON scanner (strictjson.go). Each reads
// eight bytes as one little-endian word and tests them together (SIMD within
// a register), and each gives exactly what the byte-at-a-time code it stands
// for gives: strictjson_fast_test.go checks them against it. Nothing here
// decides what is valid JSON; the reference parser does.

// Word constants: a byte of ones, and the high bit of every byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// skipPlainWords returns the position of the first byte at or after pos in
// d that is not plain printable ASCII (a control character, '"', '\\' or a
// byte >= 0x80), looking at whole words only: the tail of fewer than eight
// bytes is left to the caller.
//
// Simple equivalent: for pos < len(d) && plainStringBytes[d[pos]] != 0 { pos++ },
// stopped early at the last whole word.
func skipPlainWords(d []byte, pos int) int {
	for pos+8 <= len(d) {
		special := specialBytes(binary.LittleEndian.Uint64(d[pos:]))
		if special != 0 {
			return pos + bits.TrailingZeros64(special)/8
		}
		pos += 8
	}
	return pos
}

// specialBytes returns, for eight bytes of a string read little-endian, a
// mask whose lowest set bit lies in the first byte that is not plain
// printable ASCII: a control character, '"', '\\' or a byte >= 0x80. Bits
// above the first such byte may be spurious (borrows); zero means all eight
// bytes are plain.
func specialBytes(x uint64) uint64 {
	control := (x - ones*0x20) &^ x
	quote := ((x ^ (ones * '"')) - ones) &^ (x ^ (ones * '"'))
	backslash := ((x ^ (ones * '\\')) - ones) &^ (x ^ (ones * '\\'))
	return (control | quote | backslash | x) & highs
}

// foldHashASCII is foldHash for an ASCII name, eight bytes at a time:
// upper-case letters get 0x20. ok is false when name is not ASCII.
//
// Simple equivalent: foldHashBytes(name), for ASCII names.
func foldHashASCII(name []byte) (h uint32, folded, ok bool) {
	var fh foldHasher
	upper := uint64(0)
	i := 0
	for ; i+8 <= len(name); i += 8 {
		x := binary.LittleEndian.Uint64(name[i:])
		if x&highs != 0 {
			return 0, false, false
		}
		u := asciiUpper(x)
		upper |= u
		fh.mix(x | u>>2)
	}
	if i < len(name) {
		var x uint64
		for j := len(name) - 1; j >= i; j-- {
			x = x<<8 | uint64(name[j])
		}
		if x&highs != 0 {
			return 0, false, false
		}
		u := asciiUpper(x)
		upper |= u
		fh.mix(x | u>>2)
	}
	fh.total = uint64(len(name))
	return fh.sum(), upper == 0, true
}

// foldWord is foldHash for an ASCII name of n < 8 bytes held little-endian
// in x (upper bytes zero).
//
// Simple equivalent: foldHashBytes of those n bytes.
func foldWord(x uint64, n int) (h uint32, folded bool) {
	var fh foldHasher
	u := asciiUpper(x)
	if n > 0 {
		fh.mix(x | u>>2)
	}
	fh.total = uint64(n)
	return fh.sum(), u == 0
}

// asciiUpper marks with 0x80 each byte of x (all below 0x80) that is an
// upper-case ASCII letter.
func asciiUpper(x uint64) uint64 {
	return (x + ones*0x3f) &^ (x + ones*0x25) & highs
}

// shortPlainName reports whether the string content starting at data[start]
// is at most seven plain printable ASCII bytes followed by the closing
// quote, and returns its length and the fold hash of those bytes. It needs
// eight readable bytes.
//
// Simple equivalent: scanString over the name, then foldHash of its
// content, for names of that shape.
func shortPlainName(data []byte, start int) (n int, fold uint32, folded, ok bool) {
	if start+8 > len(data) {
		return 0, 0, false, false
	}
	x := binary.LittleEndian.Uint64(data[start:])
	special := specialBytes(x)
	if special == 0 {
		return 0, 0, false, false
	}
	n = bits.TrailingZeros64(special) / 8
	if data[start+n] != '"' {
		return 0, 0, false, false
	}
	fold, folded = foldWord(x&(1<<(8*n)-1), n)
	return n, fold, folded, true
}
