// Package safetext makes text that a server chose harmless in an error
// message or a log line.
package safetext

import (
	"strings"
	"unicode/utf8"
)

// Clip returns s made safe to print: valid UTF-8 (invalid bytes become
// U+FFFD), every control character, C1 control and line or paragraph
// separator replaced by a space (no forged log lines), surrounding spaces
// trimmed, and at most max bytes, cut on a rune boundary with "…" appended
// when cut. max <= 0 means no length limit.
func Clip(s string, max int) string {
	cut := false
	if max > 0 && len(s) > max {
		s = s[:max]
		cut = true
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
	if max > 0 && len(s) > max { // U+FFFD is wider than the byte it replaces
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
		cut = true
	}
	s = strings.TrimSpace(s)
	if cut {
		s += "…"
	}
	return s
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029'
}
