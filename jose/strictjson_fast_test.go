package jose

import (
	"math/rand/v2"
	"testing"
)

// skipPlainSimple is skipPlainWords's simple equivalent.
func skipPlainSimple(d []byte, pos int) int {
	for pos < len(d) && plainStringBytes[d[pos]] != 0 {
		pos++
	}
	return pos
}

// checkFastPaths fails t when a fast path of the scanner differs from the
// byte-at-a-time code it stands for, on data.
func checkFastPaths(t *testing.T, data []byte) {
	t.Helper()
	for pos := 0; pos <= len(data); pos++ {
		fast, simple := skipPlainWords(data, pos), skipPlainSimple(data, pos)
		// The fast path looks at whole words only and may stop short of
		// the simple loop in the last seven bytes, never beyond it.
		if fast > simple || (fast < simple && fast+8 <= len(data)) {
			t.Fatalf("skipPlainWords(%q, %d) = %d, simple loop %d", data, pos, fast, simple)
		}
	}
	h1, f1 := foldHashBytes(data)
	if h2, f2, ok := foldHashASCII(data); ok && (h1 != h2 || f1 != f2) {
		t.Fatalf("foldHashASCII(%q) = %x, %v; foldHashBytes %x, %v", data, h2, f2, h1, f1)
	}
	// shortPlainName at a string's opening quote against scanString and
	// foldHash.
	quoted := append(append([]byte{'"'}, data...), `"........`...)
	if n, fold, folded, ok := shortPlainName(quoted, 1); ok {
		s := jsonScanner{data: quoted}
		escaped, err := s.scanString()
		content := quoted[1 : s.pos-1]
		h, f := foldHashBytes(content)
		if err != nil || escaped || n != len(content) || fold != h || folded != f {
			t.Fatalf("shortPlainName(%q) = %d, %x, %v; scanString %q, %v, %v, foldHashBytes %x, %v",
				quoted, n, fold, folded, content, escaped, err, h, f)
		}
	}
}

func TestStrictJSONFastPaths(t *testing.T) {
	for _, s := range []string{
		"", "a", "kid", "abcdefg", "ABCDEFGH", "preferred_username", "Session_State", "a\"b", "a\\b",
		"\x00", "\x1f1234567", "é", "ab\u212acdefgh", "1234567\x7f", "~~~~~~~~~", "\x7e\x7f\x80",
	} {
		checkFastPaths(t, []byte(s))
	}
	// Random bytes drawn mostly from the edges of the plain range.
	alphabet := []byte("aAzZ09_-~ \"\\\x00\x1f\x20\x7e\x7f\x80\xc3\xa9\xff")
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkFastPaths(t, b)
	}
}

// FuzzStrictJSONFastPaths: the fast paths agree with the reference code on
// any bytes.
func FuzzStrictJSONFastPaths(f *testing.F) {
	f.Add([]byte("preferred_username"))
	f.Add([]byte("a\"b\\c\x00é"))
	f.Fuzz(checkFastPaths)
}
