package htmlform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrAction means a form's action is not an http or https URL. Callers
// wrap it in their own typed error.
var ErrAction = errors.New("form action is not an http(s) URL")

// Form is one <form> of a page.
type Form struct {
	ID     string
	Action string // as written, entities decoded; relative to the page
	Method string // lower case; "" means get
	// Inputs are the fields that carry a value, in document order:
	// text, e-mail, hidden and the rest, and checked checkboxes and
	// radio buttons. Password fields are not among them.
	Inputs []Field
	// Passwords names the password inputs.
	Passwords []string
	// Texts names the text and e-mail inputs (also among Inputs).
	Texts []string
	// Submits are the named submit buttons and submit inputs.
	Submits []Field
	// Buttons counts every submit control, named or not.
	Buttons int
}

// Field is one input or button.
type Field struct{ Name, Value, Type string }

// Parse returns the forms of page with their fields. Disabled inputs and
// unchecked checkboxes are left out, as a browser leaves them out of the
// submission.
func Parse(page []byte) []Form {
	var forms []Form
	var cur *Form
	for _, t := range scanTags(page) {
		switch t.name {
		case "form":
			forms = append(forms, Form{ID: t.attrs["id"], Action: t.attrs["action"], Method: strings.ToLower(t.attrs["method"])})
			cur = &forms[len(forms)-1]
		case "/form":
			cur = nil
		case "input":
			if cur == nil {
				continue
			}
			typ := strings.ToLower(t.attrs["type"])
			if typ == "submit" || typ == "image" {
				cur.Buttons++
			}
			if t.attrs["name"] == "" {
				continue
			}
			if _, disabled := t.attrs["disabled"]; disabled {
				continue
			}
			f := Field{Name: t.attrs["name"], Value: t.attrs["value"], Type: typ}
			switch f.Type {
			case "password":
				cur.Passwords = append(cur.Passwords, f.Name)
			case "submit", "image":
				cur.Submits = append(cur.Submits, f)
			case "checkbox", "radio":
				if _, checked := t.attrs["checked"]; checked {
					if f.Value == "" {
						f.Value = "on"
					}
					cur.Inputs = append(cur.Inputs, f)
				}
			case "", "text", "email":
				cur.Texts = append(cur.Texts, f.Name)
				cur.Inputs = append(cur.Inputs, f)
			default: // hidden and the rest
				cur.Inputs = append(cur.Inputs, f)
			}
		case "button":
			if cur == nil {
				continue
			}
			typ := strings.ToLower(t.attrs["type"])
			if typ != "" && typ != "submit" {
				continue
			}
			cur.Buttons++
			if t.attrs["name"] != "" {
				cur.Submits = append(cur.Submits, Field{Name: t.attrs["name"], Value: t.attrs["value"], Type: "submit"})
			}
		}
	}
	return forms
}

// Submit returns the form's submit button called name, if any.
func (f *Form) Submit(name string) (Field, bool) {
	for _, s := range f.Submits {
		if s.Name == name {
			return s, true
		}
	}
	return Field{}, false
}

// HasInput reports whether the form has an input called name, password
// inputs included.
func (f *Form) HasInput(name string) bool {
	for _, in := range f.Inputs {
		if in.Name == name {
			return true
		}
	}
	for _, p := range f.Passwords {
		if p == name {
			return true
		}
	}
	return false
}

// ActionURL resolves the form's action against the URL of its page (an
// empty action is the page itself, as in a browser). It fails with
// ErrAction for any scheme but http and https.
func (f *Form) ActionURL(page *url.URL) (*url.URL, error) {
	action, err := page.Parse(f.Action)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAction, err)
	}
	if action.Scheme != "http" && action.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q", ErrAction, action.Scheme)
	}
	return action, nil
}

// NewRequest builds the submission of f to action (from ActionURL): the
// form's own values, overridden by fields, plus the submit button called
// submit when the form has one. A form with method get (the default) puts the values
// in the query; any other is posted as application/x-www-form-urlencoded.
func NewRequest(ctx context.Context, action *url.URL, f *Form, fields url.Values, submit string) (*http.Request, error) {
	values := url.Values{}
	for _, in := range f.Inputs {
		if _, set := fields[in.Name]; !set {
			values.Add(in.Name, in.Value)
		}
	}
	for name, v := range fields {
		values[name] = v
	}
	if b, ok := f.Submit(submit); ok {
		values.Set(b.Name, b.Value)
	}
	target := *action
	if f.Method == "get" || f.Method == "" { // HTML's default method is get
		target.RawQuery = values.Encode()
		return http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(values.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}
