package htmlform

import (
	"bytes"
	"html"
	"strings"
)

// Title returns the text of the page's <title> element, at most 200 bytes.
func Title(page []byte) string {
	i := IndexFold(page, "<title")
	if i < 0 {
		return ""
	}
	rest := page[i:]
	j := bytes.IndexByte(rest, '>')
	if j < 0 {
		return ""
	}
	return Text(rest[j+1:], 200)
}

// TextAfter returns the text of the element whose start tag holds marker
// (for example `id="input-error"`), at most max bytes, or "".
func TextAfter(page []byte, marker string, max int) string {
	i := bytes.Index(page, []byte(marker))
	if i < 0 {
		return ""
	}
	rest := page[i:]
	j := bytes.IndexByte(rest, '>')
	if j < 0 {
		return ""
	}
	return Text(rest[j+1:], max)
}

// Text returns the text of b up to the end tag that closes the element
// b starts in, with tags removed, entities decoded and whitespace
// collapsed, cut at max bytes.
func Text(b []byte, max int) string {
	var out strings.Builder
	depth := 0
	for len(b) > 0 && out.Len() < 4*max {
		if b[0] == '<' {
			end := bytes.IndexByte(b, '>')
			if end < 0 {
				break
			}
			t := strings.ToLower(string(b[1:end]))
			if strings.HasPrefix(t, "/") {
				if depth == 0 {
					break
				}
				depth--
			} else if !strings.HasSuffix(t, "/") && !strings.HasPrefix(t, "br") && !strings.HasPrefix(t, "!") {
				depth++
			}
			out.WriteByte(' ')
			b = b[end+1:]
			continue
		}
		out.WriteByte(b[0])
		b = b[1:]
	}
	text := strings.Join(strings.Fields(html.UnescapeString(out.String())), " ")
	if len(text) > max {
		text = text[:max]
	}
	return text
}
