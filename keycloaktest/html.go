package keycloaktest

import (
	"bytes"
	"html"
	"strings"
)

// The login pages of Keycloak are read with a small tag scanner rather
// than an HTML parser (the standard library has none): it finds forms,
// their inputs and buttons, and the feedback message. It never fails; on
// markup it does not understand it finds nothing.

// htmlForm is one <form> of a page.
type htmlForm struct {
	id, action, method string
	inputs             []htmlField // inputs that carry a value, in order
	passwords          []string    // names of password inputs
	texts              []string    // names of text and e-mail inputs
	submits            []htmlField // named submit buttons
}

type htmlField struct{ name, value, typ string }

// htmlTag is one start tag.
type htmlTag struct {
	name  string
	attrs map[string]string
}

// scanTags returns the start and end tags of page ("/form" for an end
// tag), skipping comments and the content of script and style elements.
func scanTags(page []byte) []htmlTag {
	var tags []htmlTag
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
		tag := htmlTag{name: strings.ToLower(string(s[:n])), attrs: map[string]string{}}
		s = s[n:]
		s = parseAttrs(s, tag.attrs)
		tags = append(tags, tag)
		if tag.name == "script" || tag.name == "style" {
			end := indexFold(s, "</"+tag.name)
			if end < 0 {
				return tags
			}
			s = s[end:]
		}
	}
}

// parseAttrs reads attributes up to the end of a tag into attrs and
// returns the rest of the input.
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

// parseForms returns the forms of page with their fields.
func parseForms(page []byte) []htmlForm {
	var forms []htmlForm
	var cur *htmlForm
	for _, t := range scanTags(page) {
		switch t.name {
		case "form":
			forms = append(forms, htmlForm{id: t.attrs["id"], action: t.attrs["action"], method: strings.ToLower(t.attrs["method"])})
			cur = &forms[len(forms)-1]
		case "/form":
			cur = nil
		case "input":
			if cur == nil || t.attrs["name"] == "" {
				continue
			}
			_, disabled := t.attrs["disabled"]
			if disabled {
				continue
			}
			f := htmlField{name: t.attrs["name"], value: t.attrs["value"], typ: strings.ToLower(t.attrs["type"])}
			switch f.typ {
			case "password":
				cur.passwords = append(cur.passwords, f.name)
			case "submit", "image":
				cur.submits = append(cur.submits, f)
			case "checkbox", "radio":
				if _, checked := t.attrs["checked"]; checked {
					if f.value == "" {
						f.value = "on"
					}
					cur.inputs = append(cur.inputs, f)
				}
			case "", "text", "email":
				cur.texts = append(cur.texts, f.name)
				cur.inputs = append(cur.inputs, f)
			default: // hidden and the rest
				cur.inputs = append(cur.inputs, f)
			}
		case "button":
			if cur == nil || t.attrs["name"] == "" {
				continue
			}
			if typ := strings.ToLower(t.attrs["type"]); typ == "" || typ == "submit" {
				cur.submits = append(cur.submits, htmlField{name: t.attrs["name"], value: t.attrs["value"], typ: "submit"})
			}
		}
	}
	return forms
}

// submit returns the form's named submit button name, if any.
func (f *htmlForm) submit(name string) (htmlField, bool) {
	for _, s := range f.submits {
		if s.name == name {
			return s, true
		}
	}
	return htmlField{}, false
}

// hasInput reports whether the form has an input called name.
func (f *htmlForm) hasInput(name string) bool {
	for _, in := range f.inputs {
		if in.name == name {
			return true
		}
	}
	for _, p := range f.passwords {
		if p == name {
			return true
		}
	}
	return false
}

// feedbackMessage returns the error or warning Keycloak shows on a page:
// the text of the element with id "input-error", "kc-error-message" or a
// class naming a feedback text, trimmed and at most 200 bytes.
func feedbackMessage(page []byte) string {
	markers := [][]byte{
		[]byte(`id="input-error"`),
		[]byte(`id="kc-error-message"`),
		[]byte(`kc-feedback-text`),
		[]byte(`pf-v5-c-alert__title`),
		[]byte(`pf-c-alert__title`),
	}
	for _, m := range markers {
		i := bytes.Index(page, m)
		if i < 0 {
			continue
		}
		rest := page[i:]
		j := bytes.IndexByte(rest, '>')
		if j < 0 {
			continue
		}
		if text := pageText(rest[j+1:], 200); text != "" {
			return text
		}
	}
	return ""
}

// pageTitle returns the text of the <title> element.
func pageTitle(page []byte) string {
	i := indexFold(page, "<title")
	if i < 0 {
		return ""
	}
	rest := page[i:]
	j := bytes.IndexByte(rest, '>')
	if j < 0 {
		return ""
	}
	return pageText(rest[j+1:], 200)
}

// pageText returns the text of b up to the first end tag of a
// non-inline element, with tags removed, entities decoded and whitespace
// collapsed, cut at max bytes.
func pageText(b []byte, max int) string {
	var out strings.Builder
	depth := 0
	for len(b) > 0 && out.Len() < 4*max {
		if b[0] == '<' {
			end := bytes.IndexByte(b, '>')
			if end < 0 {
				break
			}
			tag := strings.ToLower(string(b[1:end]))
			if strings.HasPrefix(tag, "/") {
				if depth == 0 {
					break
				}
				depth--
			} else if !strings.HasSuffix(tag, "/") && !strings.HasPrefix(tag, "br") && !strings.HasPrefix(tag, "!") {
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

// indexFold returns the index of the first instance of the ASCII string
// sub in s, ignoring ASCII case, or -1. Unlike bytes.ToLower, it keeps
// indexes valid on input that is not UTF-8.
func indexFold(s []byte, sub string) int {
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
