package keycloaktest

import (
	"strings"
	"testing"
)

// loginPage mimics the markup of Keycloak's login form.
const loginPage = `<!DOCTYPE html><html><head><title>Sign in to demo</title>
<script>var s = "<form action='/evil'>";</script></head><body>
<!-- <form action="/commented"> -->
<span id="input-error" class="pf-v5-c-helper-text__item-text" aria-live="polite">
    Invalid username or password.
</span>
<form id="kc-form-login" onsubmit="login.disabled = true; return true;"
  action="http://127.0.0.1:8080/realms/demo/login-actions/authenticate?session_code=abc&amp;execution=e1&amp;client_id=app&amp;tab_id=t1" method="post" novalidate="novalidate">
  <input tabindex="2" id="username" class="pf-v5-c-form-control" name="username" value="" type="text" autocomplete="username" autofocus>
  <input id=password name=password type=password>
  <input type="checkbox" id="rememberMe" name="rememberMe">
  <input type="hidden" id="id-hidden-input" name="credentialId"/>
  <button class="pf-v5-c-button" name="login" id="kc-login" type="submit">Sign In</button>
</form></body></html>`

func TestParseForms_LoginPage(t *testing.T) {
	forms := parseForms([]byte(loginPage))
	if len(forms) != 1 {
		t.Fatalf("found %d forms, want 1 (script and comment ignored)", len(forms))
	}
	f := forms[0]
	if f.id != "kc-form-login" || f.method != "post" {
		t.Errorf("form id %q method %q", f.id, f.method)
	}
	if !strings.Contains(f.action, "session_code=abc&execution=e1") {
		t.Errorf("action %q: entities not decoded", f.action)
	}
	if len(f.passwords) != 1 || f.passwords[0] != "password" {
		t.Errorf("passwords = %v", f.passwords)
	}
	if !f.hasInput("credentialId") || f.hasInput("rememberMe") {
		t.Errorf("inputs = %v: want hidden credentialId, unchecked checkbox left out", f.inputs)
	}
	if _, ok := f.submit("login"); !ok {
		t.Errorf("submit button login not found in %v", f.submits)
	}
	if got := feedbackMessage([]byte(loginPage)); got != "Invalid username or password." {
		t.Errorf("feedback = %q", got)
	}
	if got := pageTitle([]byte(loginPage)); got != "Sign in to demo" {
		t.Errorf("title = %q", got)
	}
}

func TestParseForms_ConsentPage(t *testing.T) {
	page := `<form class="form-actions" action="/realms/demo/login-actions/consent?client_id=app" method="POST">
	<input type="hidden" name="code" value="c0de">
	<input class="btn" name="accept" id="kc-login" type="submit" value="Yes"/>
	<input class="btn" name="cancel" id="kc-cancel" type="submit" value="No"/>
	</form>`
	forms := parseForms([]byte(page))
	if len(forms) != 1 {
		t.Fatalf("found %d forms", len(forms))
	}
	b, ok := forms[0].submit("accept")
	if !ok || b.value != "Yes" {
		t.Fatalf("accept button = %+v, %v", b, ok)
	}
	if !forms[0].hasInput("code") {
		t.Error("hidden code missing")
	}
}

func FuzzParseForms(f *testing.F) {
	f.Add([]byte(loginPage))
	f.Add([]byte(`<form action=x><input name=a value='b`))
	f.Add([]byte(`<<<form/><input/name="a"><script>`))
	f.Add([]byte(`<span id="input-error">&lt;b&gt;<b>x</b></span>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		for _, form := range parseForms(page) {
			_ = form.hasInput("x")
		}
		if msg := feedbackMessage(page); len(msg) > 200 {
			t.Fatalf("feedback of %d bytes", len(msg))
		}
		if title := pageTitle(page); len(title) > 200 {
			t.Fatalf("title of %d bytes", len(title))
		}
	})
}
