package htmlform

import (
	"bytes"
	"html"
	"strings"
)

// tag is one start tag, or an end tag whose name starts with "/".
type tag struct {
	name  string
	attrs map[string]string
}

// scanTags returns the start and end tags of page, skipping comments and
// the content of script and style elements.
func scanTags(page []byte) []tag {
	var tags []tag
	s := page
	for {
		i := bytes.IndexByte(s, '<')
		if i < 0 || i+1 >= len(s) {
			return tags
		}
		s = s[i+1:]
		if bytes.HasPrefix(s, []byte("!--")) {
			end := bytes.Index(s, []byte("-->"))
			if end < 0 {
				return tags
			}
			s = s[end+3:]
			continue
		}
		n := 0
		for n < len(s) && (isAlnum(s[n]) || (n == 0 && s[n] == '/')) {
			n++
		}
		if n == 0 || (n == 1 && s[0] == '/') {
			continue
		}
		t := tag{name: strings.ToLower(string(s[:n])), attrs: map[string]string{}}
		s = s[n:]
		s = parseAttrs(s, t.attrs)
		tags = append(tags, t)
		if t.name == "script" || t.name == "style" {
			end := IndexFold(s, "</"+t.name)
			if end < 0 {
				return tags
			}
			s = s[end:]
		}
	}
}

// parseAttrs reads attributes up to the end of a tag into attrs, entities
// decoded, the first of duplicates kept, and returns the rest of the input.
func parseAttrs(s []byte, attrs map[string]string) []byte {
	for len(s) > 0 {
		for len(s) > 0 && (isSpace(s[0]) || s[0] == '/') {
			s = s[1:]
		}
		if len(s) == 0 {
			return s
		}
		if s[0] == '>' {
			return s[1:]
		}
		n := 0
		for n < len(s) && !isSpace(s[n]) && s[n] != '=' && s[n] != '>' && s[n] != '/' {
			n++
		}
		if n == 0 {
			s = s[1:]
			continue
		}
		name := strings.ToLower(string(s[:n]))
		s = s[n:]
		for len(s) > 0 && isSpace(s[0]) {
			s = s[1:]
		}
		value := ""
		if len(s) > 0 && s[0] == '=' {
			s = s[1:]
			for len(s) > 0 && isSpace(s[0]) {
				s = s[1:]
			}
			if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
				q := s[0]
				end := bytes.IndexByte(s[1:], q)
				if end < 0 {
					return nil
				}
				value = string(s[1 : 1+end])
				s = s[end+2:]
			} else {
				m := 0
				for m < len(s) && !isSpace(s[m]) && s[m] != '>' {
					m++
				}
				value = string(s[:m])
				s = s[m:]
			}
		}
		if _, dup := attrs[name]; !dup {
			attrs[name] = html.UnescapeString(value)
		}
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// IndexFold returns the index of the first instance of the ASCII string
// sub in s, ignoring ASCII case, or -1. Unlike bytes.ToLower, it keeps
// indexes valid on input that is not UTF-8.
func IndexFold(s []byte, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		match := true
		for j := 0; j < len(sub); j++ {
			if lowerASCII(s[i+j]) != lowerASCII(sub[j]) {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
