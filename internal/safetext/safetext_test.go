package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"line\r\nforged", 20, "line  forged"},
		{"ääää", 5, "ää…"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"\u2028x\u0085", 10, "x"},
		{"abcdef", 3, "abc…"},
	}
	for _, c := range cases {
		if got := Clip(c.in, c.max); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("ä\x00\xff\u2029", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 1<<16 || max < 1 {
			return
		}
		got := Clip(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if len(strings.TrimSuffix(got, "…")) > max {
			t.Fatalf("%d bytes, max %d", len(got), max)
		}
		for _, r := range got {
			if isControl(r) {
				t.Fatalf("control character in %q", got)
			}
		}
	})
}
