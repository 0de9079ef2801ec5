package htmlform

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
)

// loginPage mimics the markup of Keycloak's login form.
const loginPage = `<!DOCTYPE html><html><head><title>Sign in to demo</title>
<script>var s = "<form action='/evil'>";</script></head><body>
<!-- <form action="/commented"> -->
<span id="input-error" aria-live="polite">
    Invalid username or password.
</span>
<form id="kc-form-login" onsubmit="login.disabled = true; return true;"
  action="http://127.0.0.1:8080/realms/demo/login-actions/authenticate?session_code=abc&amp;execution=e1" method="post" novalidate="novalidate">
  <input tabindex="2" id="username" name="username" value="" type="text" autocomplete="username" autofocus>
  <input id=password name=password type=password>
  <input type="checkbox" id="rememberMe" name="rememberMe">
  <input type="hidden" id="id-hidden-input" name="credentialId"/>
  <input type="text" name="off" disabled>
  <button name="login" id="kc-login" type="submit">Sign In</button>
</form></body></html>`

// consentPage mimics node oidc-provider's development consent page: one
// unnamed submit button.
const consentPage = `<form autocomplete="off" action="/interaction/u1/confirm" method="post">
  <input type="hidden" name="prompt" value="consent"/>
  <button autofocus type="submit" class="login login-submit">Continue</button>
</form>`

func TestParse_LoginPage(t *testing.T) {
	forms := Parse([]byte(loginPage))
	if len(forms) != 1 {
		t.Fatalf("found %d forms, want 1 (script and comment ignored)", len(forms))
	}
	f := forms[0]
	if f.ID != "kc-form-login" || f.Method != "post" {
		t.Errorf("form id %q method %q", f.ID, f.Method)
	}
	if !strings.Contains(f.Action, "session_code=abc&execution=e1") {
		t.Errorf("action %q: entities not decoded", f.Action)
	}
	if len(f.Passwords) != 1 || f.Passwords[0] != "password" {
		t.Errorf("passwords = %v", f.Passwords)
	}
	if !f.HasInput("credentialId") || f.HasInput("rememberMe") || f.HasInput("off") {
		t.Errorf("inputs = %v: want hidden credentialId, unchecked checkbox and disabled input left out", f.Inputs)
	}
	if _, ok := f.Submit("login"); !ok || f.Buttons != 1 {
		t.Errorf("submit button login not found in %v (%d buttons)", f.Submits, f.Buttons)
	}
	if got := TextAfter([]byte(loginPage), `id="input-error"`, 200); got != "Invalid username or password." {
		t.Errorf("feedback = %q", got)
	}
	if got := Title([]byte(loginPage)); got != "Sign in to demo" {
		t.Errorf("title = %q", got)
	}
}

func TestParse_UnnamedButtonCounted(t *testing.T) {
	forms := Parse([]byte(consentPage))
	if len(forms) != 1 || forms[0].Buttons != 1 || len(forms[0].Submits) != 0 {
		t.Fatalf("forms = %+v: want one form with one unnamed button", forms)
	}
}

func TestNewRequest(t *testing.T) {
	page, _ := url.Parse("http://op.test/interaction/u1")
	f := Parse([]byte(loginPage))[0]
	action, err := f.ActionURL(page)
	if err != nil {
		t.Fatal(err)
	}
	req, err := NewRequest(context.Background(), action, &f, url.Values{"username": {"alice"}, "password": {"pw"}}, "login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	got, _ := url.ParseQuery(string(body))
	want := url.Values{"username": {"alice"}, "password": {"pw"}, "credentialId": {""}, "login": {""}}
	if req.Method != "POST" || got.Encode() != want.Encode() {
		t.Errorf("%s %s\n got %v\nwant %v", req.Method, req.URL, got, want)
	}

	g := Form{Action: "?x=1", Inputs: []Field{{Name: "user_code", Value: "AB"}}}
	action, _ = g.ActionURL(page)
	req, _ = NewRequest(context.Background(), action, &g, nil, "")
	if req.Method != "GET" || req.URL.String() != "http://op.test/interaction/u1?user_code=AB" {
		t.Errorf("form without method: %s %s", req.Method, req.URL)
	}
}

func TestActionURL_Scheme(t *testing.T) {
	page, _ := url.Parse("http://op.test/login")
	for _, action := range []string{"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"} {
		f := Form{Action: action}
		if _, err := f.ActionURL(page); !errors.Is(err, ErrAction) {
			t.Errorf("action %q: err = %v, want ErrAction", action, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(loginPage))
	f.Add([]byte(consentPage))
	f.Add([]byte(`<form action=x><input name=a value='b`))
	f.Add([]byte(`<<<form/><input/name="a"><script>`))
	f.Add([]byte(`<span id="input-error">&lt;b&gt;<b>x</b></span>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		base, _ := url.Parse("http://op.test/")
		for _, form := range Parse(page) {
			_ = form.HasInput("x")
			if action, err := form.ActionURL(base); err == nil {
				if _, err := NewRequest(context.Background(), action, &form, nil, "x"); err != nil {
					t.Fatalf("NewRequest: %v", err)
				}
			}
		}
		if msg := TextAfter(page, `id="input-error"`, 200); len(msg) > 200 {
			t.Fatalf("text of %d bytes", len(msg))
		}
		if title := Title(page); len(title) > 200 {
			t.Fatalf("title of %d bytes", len(title))
		}
	})
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b?x", true},
		{"https://op.test/a", "https://OP.test:443/b", true},
		{"http://op.test/a", "http://op.test:80", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8081/", false},
		{"http://127.0.0.1:8080/", "http://localhost:8080/", false},
		{"http://op.test/", "https://op.test/", false},
	} {
		a, _ := url.Parse(c.a)
		b, _ := url.Parse(c.b)
		if got := SameOrigin(a, b); got != c.want {
			t.Errorf("SameOrigin(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
