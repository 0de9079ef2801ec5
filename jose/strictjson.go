package jose

import (
	"bytes"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/internal/safetext"
)

// This file holds a small strict JSON scanner (RFC 8259) for JOSE headers,
// JWT claim sets and JWKs. It exists for two reasons:
//
//   - encoding/json matches member names case-insensitively and lets the last
//     duplicate win, so {"iss":"good","ISS":"evil"} decodes to "evil". JOSE
//     requires unique member names (RFC 7515, section 4; RFC 7519, section 4),
//     and a claim set that means one thing to this package and another to a
//     later json.Unmarshal is an attack. The scanner rejects duplicates and any
//     two names equal under Unicode case folding.
//   - It runs on the verification hot path without per-token reflection.
//
// The scanner validates the whole document (nested values included, to a
// bounded depth) but only indexes the members of the top-level object.
//
// This file is the reference parser, one byte at a time. Three steps have a
// fast path that handles eight bytes at a time, kept apart in
// strictjson_fast.go: each is called at one place here, behind a comment
// naming the lines it stands for, and each is tested to give the same result
// as those lines.

// JSON value kinds, as reported by the scanner.
const (
	kindString byte = 's'
	kindNumber byte = 'n'
	kindObject byte = 'o'
	kindArray  byte = 'a'
	kindBool   byte = 'b'
	kindNull   byte = 'z'
)

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 64

// member is one member of a scanned top-level object, located by offsets
// into the scanned document. It holds no pointers: scanning appends it by
// plain copy, and an index of members costs the garbage collector nothing.
type member struct {
	nameStart, nameEnd int32  // the raw name (without quotes) is data[nameStart:nameEnd]
	valStart, valEnd   int32  // the raw value is data[valStart:valEnd]
	fold               uint32 // hash of the case-folded name, for duplicate detection
	kind               byte
	escaped            bool // the raw name holds escape sequences
	folded             bool // the name is its own case fold (no upper-case or non-ASCII bytes)
}

// maxScanSize bounds a scanned document so that offsets fit in int32.
const maxScanSize = 1<<31 - 1

// name returns m's decoded name: a sub-slice of data unless it held escapes.
func (m *member) name(data []byte) []byte {
	raw := data[m.nameStart:m.nameEnd:m.nameEnd]
	if m.escaped {
		return unescape(raw)
	}
	return raw
}

// value returns m's raw value, a sub-slice of data.
func (m *member) value(data []byte) []byte { return data[m.valStart:m.valEnd:m.valEnd] }

// jsonScanner walks one JSON document.
type jsonScanner struct {
	data []byte
	pos  int
}

func errJSON(pos int, what string) error {
	return fmt.Errorf("%w: invalid JSON at offset %d: %s", ErrMalformed, pos, what)
}

// scanObject parses data, which must be exactly one JSON object (surrounded by
// optional whitespace), appends its members to dst and returns them. Duplicate
// or case-variant member names are an error.
func scanObject(data []byte, dst []member) ([]member, error) {
	if len(data) > maxScanSize {
		return dst, fmt.Errorf("%w: JSON document of %d bytes", ErrTooLarge, len(data))
	}
	s := jsonScanner{data: data}
	s.skipSpace()
	if s.pos >= len(data) || data[s.pos] != '{' {
		return dst, errJSON(s.pos, "expected an object")
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(data) && data[s.pos] == '}' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			if s.pos >= len(data) || data[s.pos] != '"' {
				return dst, errJSON(s.pos, "expected a member name")
			}
			// The member is filled in place: building it aside and
			// appending the copy costs more.
			dst = append(dst, member{})
			m := &dst[len(dst)-1]
			if err := s.scanName(m); err != nil {
				return dst[:len(dst)-1], err
			}
			s.skipSpace()
			if s.pos >= len(data) || data[s.pos] != ':' {
				return dst[:len(dst)-1], errJSON(s.pos, "expected ':'")
			}
			s.pos++
			s.skipSpace()
			valStart := s.pos
			// Most values are strings: scan them without the dispatch.
			// Simple equivalent: kind, err := s.scanValue(1).
			kind := kindString
			var err error
			if s.pos < len(data) && data[s.pos] == '"' {
				_, err = s.scanString()
			} else {
				kind, err = s.scanValue(1)
			}
			if err != nil {
				return dst[:len(dst)-1], err
			}
			m.kind = kind
			m.valStart, m.valEnd = int32(valStart), int32(s.pos)
			s.skipSpace()
			if s.pos >= len(data) {
				return dst, errJSON(s.pos, "unterminated object")
			}
			if data[s.pos] == ',' {
				s.pos++
				continue
			}
			if data[s.pos] == '}' {
				s.pos++
				break
			}
			return dst, errJSON(s.pos, "expected ',' or '}'")
		}
	}
	s.skipSpace()
	if s.pos != len(data) {
		return dst, errJSON(s.pos, "trailing data after the object")
	}
	if err := checkDuplicates(data, dst); err != nil {
		return dst, err
	}
	return dst, nil
}

// scanName consumes a member name (opening quote at s.pos) into m: where
// the name lies, whether it held escapes, and the hash of its case fold.
func (s *jsonScanner) scanName(m *member) error {
	start := s.pos + 1
	// Fast path (shortPlainName, strictjson_fast.go): a name of at most
	// seven plain ASCII bytes, checked and hashed from one eight-byte load.
	// It gives what the scanString and foldHash calls below give.
	if n, fold, folded, ok := shortPlainName(s.data, start); ok {
		m.nameStart, m.nameEnd, m.fold, m.folded = int32(start), int32(start+n), fold, folded
		s.pos = start + n + 1
		return nil
	}
	escaped, err := s.scanString()
	if err != nil {
		return err
	}
	m.nameStart, m.nameEnd, m.escaped = int32(start), int32(s.pos-1), escaped
	m.fold, m.folded = foldHash(m.name(s.data))
	return nil
}

// scanArray parses data, which must be exactly one JSON array, and returns
// its elements' raw bytes and kinds.
func scanArray(data []byte) (elems [][]byte, kinds []byte, err error) {
	s := jsonScanner{data: data}
	s.skipSpace()
	if s.pos >= len(data) || data[s.pos] != '[' {
		return nil, nil, errJSON(s.pos, "expected an array")
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(data) && data[s.pos] == ']' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			start := s.pos
			kind, err := s.scanValue(1)
			if err != nil {
				return nil, nil, err
			}
			elems = append(elems, data[start:s.pos:s.pos])
			kinds = append(kinds, kind)
			s.skipSpace()
			if s.pos >= len(data) {
				return nil, nil, errJSON(s.pos, "unterminated array")
			}
			if data[s.pos] == ',' {
				s.pos++
				continue
			}
			if data[s.pos] == ']' {
				s.pos++
				break
			}
			return nil, nil, errJSON(s.pos, "expected ',' or ']'")
		}
	}
	s.skipSpace()
	if s.pos != len(data) {
		return nil, nil, errJSON(s.pos, "trailing data after the array")
	}
	return elems, kinds, nil
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// scanValue consumes one value starting at s.pos and returns its kind.
func (s *jsonScanner) scanValue(depth int) (byte, error) {
	if s.pos >= len(s.data) {
		return 0, errJSON(s.pos, "expected a value")
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		_, err := s.scanString()
		return kindString, err
	case c == '{':
		return kindObject, s.scanNested(depth, '}')
	case c == '[':
		return kindArray, s.scanNested(depth, ']')
	case c == 't':
		return kindBool, s.literal("true")
	case c == 'f':
		return kindBool, s.literal("false")
	case c == 'n':
		return kindNull, s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber, s.scanNumber()
	}
	return 0, errJSON(s.pos, "unexpected character")
}

func (s *jsonScanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return errJSON(s.pos, "invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// scanNested consumes a nested object or array (opening byte at s.pos).
func (s *jsonScanner) scanNested(depth int, closer byte) error {
	if depth >= maxJSONDepth {
		return errJSON(s.pos, "nesting too deep")
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == closer {
		s.pos++
		return nil
	}
	for {
		s.skipSpace()
		if closer == '}' {
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return errJSON(s.pos, "expected a member name")
			}
			if _, err := s.scanString(); err != nil {
				return err
			}
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return errJSON(s.pos, "expected ':'")
			}
			s.pos++
			s.skipSpace()
		}
		if _, err := s.scanValue(depth + 1); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return errJSON(s.pos, "unterminated value")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case closer:
			s.pos++
			return nil
		default:
			return errJSON(s.pos, "expected ',' or a closing bracket")
		}
	}
}

// plainStringBytes marks the bytes a JSON string may hold without further
// checks: printable ASCII other than '"' and '\\'.
const plainStringBytes = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// scanString consumes a string (opening quote at s.pos) and reports whether
// it held escape sequences. Control characters, invalid UTF-8, bad escapes
// and unpaired UTF-16 surrogates are rejected.
func (s *jsonScanner) scanString() (escaped bool, err error) {
	// The position lives in a local variable and is stored back on return.
	d := s.data
	pos := s.pos + 1
	for pos < len(d) {
		// Fast path (skipPlainWords, strictjson_fast.go): skip plain bytes
		// eight at a time. It stops where the plainStringBytes test below,
		// repeated, would stop.
		pos = skipPlainWords(d, pos)
		if pos >= len(d) {
			break
		}
		c := d[pos]
		if plainStringBytes[c] != 0 {
			pos++
			continue
		}
		switch {
		case c == '"':
			s.pos = pos + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			s.pos = pos
			if err := s.scanEscape(); err != nil {
				return escaped, err
			}
			pos = s.pos
		case c < 0x20:
			s.pos = pos
			return escaped, errJSON(pos, "control character in string")
		case c < utf8.RuneSelf:
			pos++
		default:
			r, size := utf8.DecodeRune(d[pos:])
			if r == utf8.RuneError && size <= 1 {
				s.pos = pos
				return escaped, errJSON(pos, "invalid UTF-8")
			}
			pos += size
		}
	}
	s.pos = pos
	return escaped, errJSON(pos, "unterminated string")
}

// scanEscape consumes one escape sequence (backslash at s.pos).
func (s *jsonScanner) scanEscape() error {
	if s.pos+1 >= len(s.data) {
		return errJSON(s.pos, "unterminated escape")
	}
	switch s.data[s.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos += 2
		return nil
	case 'u':
	default:
		return errJSON(s.pos, "invalid escape")
	}
	r, ok := hex4(s.data, s.pos+2)
	if !ok {
		return errJSON(s.pos, "invalid \\u escape")
	}
	s.pos += 6
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return errJSON(s.pos, "unpaired UTF-16 surrogate")
	case r >= 0xD800 && r <= 0xDBFF:
		if s.pos+1 >= len(s.data) || s.data[s.pos] != '\\' || s.data[s.pos+1] != 'u' {
			return errJSON(s.pos, "unpaired UTF-16 surrogate")
		}
		r2, ok := hex4(s.data, s.pos+2)
		if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
			return errJSON(s.pos, "unpaired UTF-16 surrogate")
		}
		s.pos += 6
	}
	return nil
}

// scanNumber consumes a number in RFC 8259, section 6 syntax.
func (s *jsonScanner) scanNumber() error {
	d := s.data
	if d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	default:
		return errJSON(s.pos, "invalid number")
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			return errJSON(s.pos, "invalid number fraction")
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return errJSON(s.pos, "invalid number exponent")
		}
	}
	return nil
}

func (s *jsonScanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}

func hex4(d []byte, at int) (rune, bool) {
	if at+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// unescape decodes the content of a string already validated by scanString.
func unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(raw, i+2)
			if r >= 0xD800 && r <= 0xDBFF {
				r2, _ := hex4(raw, i+8)
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	return out
}

// stringContent returns the decoded content of a string value's raw bytes.
func stringContent(raw []byte) []byte {
	inner := raw[1 : len(raw)-1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	return unescape(inner)
}

// foldHash hashes name after Unicode simple case folding, so that names equal
// under bytes.EqualFold always hash equally: the hash covers the UTF-8 form
// of each rune's canonical fold (the smallest rune of its case-folding orbit,
// lower-cased when ASCII). folded reports whether name held only bytes that
// fold to themselves (no upper-case ASCII, no non-ASCII).
func foldHash(name []byte) (h uint32, folded bool) {
	// Fast path (foldHashASCII, strictjson_fast.go): an ASCII name eight
	// bytes at a time, with the hash foldHashBytes gives.
	if h, folded, ok := foldHashASCII(name); ok {
		return h, folded
	}
	return foldHashBytes(name)
}

// foldHashBytes is foldHash one byte, or one rune, at a time.
func foldHashBytes(name []byte) (h uint32, folded bool) {
	var fh foldHasher
	folded = true
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
				folded = false
			}
			fh.byte(c)
			i++
			continue
		}
		folded = false
		r, size := utf8.DecodeRune(name[i:])
		i += size
		var enc [utf8.UTFMax]byte
		for _, b := range utf8.AppendRune(enc[:0], canonicalFold(r)) {
			fh.byte(b)
		}
	}
	return fh.sum(), folded
}

// foldHasher hashes a byte stream in little-endian eight-byte words (the
// last one zero-padded), then its length.
type foldHasher struct {
	h, acc uint64
	n      uint   // bytes in acc
	total  uint64 // bytes hashed
}

func (f *foldHasher) mix(x uint64) { f.h = (f.h ^ x) * 0x9e3779b97f4a7c15 }

func (f *foldHasher) byte(b byte) {
	f.acc |= uint64(b) << (8 * f.n)
	f.total++
	if f.n++; f.n == 8 {
		f.mix(f.acc)
		f.acc, f.n = 0, 0
	}
}

func (f *foldHasher) sum() uint32 {
	if f.n > 0 {
		f.mix(f.acc)
	}
	f.mix(f.total)
	h := f.h
	h ^= h >> 32
	return uint32(h)
}

// canonicalFold returns the smallest rune of r's case-folding orbit.
func canonicalFold(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if least < utf8.RuneSelf && least >= 'A' && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}

// maxPairwiseMembers: objects up to this size are checked pairwise on the
// fold hashes; larger ones are sorted first.
const maxPairwiseMembers = 64

// checkDuplicates rejects two member names that are equal or differ only in
// case (Unicode simple folding, as encoding/json matches them).
func checkDuplicates(data []byte, ms []member) error {
	if len(ms) <= maxPairwiseMembers {
		// Open addressing on the fold hash; the table is at most half full.
		var table [2 * maxPairwiseMembers]uint8 // member index + 1; 0 = empty
		const mask = 2*maxPairwiseMembers - 1
		for i := range ms {
			for slot := ms[i].fold & mask; ; slot = (slot + 1) & mask {
				j := int(table[slot]) - 1
				if j < 0 {
					table[slot] = uint8(i + 1)
					break
				}
				if ms[j].fold == ms[i].fold {
					if a, b := ms[j].name(data), ms[i].name(data); bytes.EqualFold(a, b) {
						return dupError(a, b)
					}
				}
			}
		}
		return nil
	}
	idx := make([]int, len(ms))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case ms[a].fold < ms[b].fold:
			return -1
		case ms[a].fold > ms[b].fold:
			return 1
		}
		return 0
	})
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && ms[idx[j]].fold == ms[idx[i]].fold {
			j++
		}
		for a := i; a < j; a++ {
			for b := a + 1; b < j; b++ {
				if na, nb := ms[idx[a]].name(data), ms[idx[b]].name(data); bytes.EqualFold(na, nb) {
					return dupError(na, nb)
				}
			}
		}
		i = j
	}
	return nil
}

func dupError(a, b []byte) error {
	if bytes.Equal(a, b) {
		return fmt.Errorf("%w: duplicate member %q", ErrMalformed, truncate(string(a)))
	}
	return fmt.Errorf("%w: members %q and %q differ only in case", ErrMalformed, truncate(string(a)), truncate(string(b)))
}

// truncate shortens s for an error message (safetext.Clip at 64 bytes).
func truncate(s string) string { return safetext.Clip(s, 64) }

// caseVariantOf reports whether name equals one of names under case folding
// without being identical to it. encoding/json would match such a member to
// the registered one; this package rejects it so that every reader of a
// verified document sees the same registered values.
func caseVariantOf(data []byte, m *member, names ...string) (string, bool) {
	if m.folded {
		// Lower-case ASCII only: equal to a lower-case name or unrelated.
		return "", false
	}
	name := m.name(data)
	for _, n := range names {
		// A folded variant is at most three bytes per ASCII letter (for
		// example U+212A KELVIN SIGN for 'k').
		if len(name) > 3*len(n) || string(name) == n {
			continue
		}
		if bytes.EqualFold(name, []byte(n)) {
			return n, true
		}
	}
	return "", false
}
