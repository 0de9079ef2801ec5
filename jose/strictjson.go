package jose

import (
	"bytes"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
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

// member is one member of a scanned top-level object.
type member struct {
	name      []byte // decoded name; a sub-slice of the input unless escaped
	nameStart int    // offset of the raw name (without quotes) in the input
	nameEnd   int
	escaped   bool   // the raw name held escape sequences
	value     []byte // raw value bytes, a sub-slice of the input
	valStart  int    // offset of value in the input
	kind      byte
	fold      uint32 // hash of the case-folded name, for duplicate detection
	folded    bool   // the name is its own case fold (no upper-case or non-ASCII bytes)
}

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
			start := s.pos + 1
			escaped, err := s.scanString()
			if err != nil {
				return dst, err
			}
			m := member{nameStart: start, nameEnd: s.pos - 1, escaped: escaped}
			if escaped {
				m.name = unescape(data[start : s.pos-1])
			} else {
				m.name = data[start : s.pos-1 : s.pos-1]
			}
			m.fold, m.folded = foldHash(m.name)
			s.skipSpace()
			if s.pos >= len(data) || data[s.pos] != ':' {
				return dst, errJSON(s.pos, "expected ':'")
			}
			s.pos++
			s.skipSpace()
			m.valStart = s.pos
			kind, err := s.scanValue(1)
			if err != nil {
				return dst, err
			}
			m.kind = kind
			m.value = data[m.valStart:s.pos:s.pos]
			dst = append(dst, m)
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
	if err := checkDuplicates(dst); err != nil {
		return dst, err
	}
	return dst, nil
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
	s.pos++
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if plainStringBytes[c] != 0 {
			s.pos++
			continue
		}
		switch {
		case c == '"':
			s.pos++
			return escaped, nil
		case c == '\\':
			escaped = true
			if err := s.scanEscape(); err != nil {
				return escaped, err
			}
		case c < 0x20:
			return escaped, errJSON(s.pos, "control character in string")
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				return escaped, errJSON(s.pos, "invalid UTF-8")
			}
			s.pos += size
		}
	}
	return escaped, errJSON(s.pos, "unterminated string")
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
// under bytes.EqualFold always hash equally (FNV-1a over canonical runes: the
// smallest rune of each case-folding orbit). folded reports whether name held
// only bytes that fold to themselves (no upper-case ASCII, no non-ASCII).
func foldHash(name []byte) (h uint32, folded bool) {
	h, folded = 2166136261, true
	for i := 0; i < len(name); {
		c := name[i]
		var r rune
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
				folded = false
			}
			r = rune(c)
			i++
		} else {
			folded = false
			var size int
			r, size = utf8.DecodeRune(name[i:])
			i += size
			r = canonicalFold(r)
		}
		h = (h ^ uint32(r)) * 16777619
	}
	return h, folded
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
func checkDuplicates(ms []member) error {
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
				if ms[j].fold == ms[i].fold && bytes.EqualFold(ms[i].name, ms[j].name) {
					return dupError(ms[j].name, ms[i].name)
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
				if bytes.EqualFold(ms[idx[a]].name, ms[idx[b]].name) {
					return dupError(ms[idx[a]].name, ms[idx[b]].name)
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

// truncate shortens s for an error message.
func truncate(s string) string {
	const maxLen = 64
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// caseVariantOf reports whether name equals one of names under case folding
// without being identical to it. encoding/json would match such a member to
// the registered one; this package rejects it so that every reader of a
// verified document sees the same registered values.
func caseVariantOf(m *member, names ...string) (string, bool) {
	if m.folded {
		// Lower-case ASCII only: equal to a lower-case name or unrelated.
		return "", false
	}
	name := m.name
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
