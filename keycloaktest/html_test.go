package keycloaktest

import "testing"

func TestFeedbackMessage(t *testing.T) {
	page := []byte(`<html><head><title>Sign in to demo</title></head><body>
<span id="input-error" class="pf-v5-c-helper-text__item-text" aria-live="polite">
    Invalid username or password.
</span><form action="/x"></form></body></html>`)
	if got := feedbackMessage(page); got != "Invalid username or password." {
		t.Errorf("feedback = %q", got)
	}
	if got := pageTitle(page); got != "Sign in to demo" {
		t.Errorf("title = %q", got)
	}
	alert := []byte(`<div class="pf-v5-c-alert"><h4 class="pf-v5-c-alert__title">Device <b>login</b> successful</h4></div>`)
	if got := feedbackMessage(alert); got != "Device login successful" {
		t.Errorf("alert feedback = %q", got)
	}
}

func FuzzFeedbackMessage(f *testing.F) {
	f.Add([]byte(`<span id="input-error">&lt;b&gt;<b>x</b></span>`))
	f.Add([]byte(`<div id="kc-error-message"><p class="instruction">Invalid parameter: redirect_uri</p></div>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		if msg := feedbackMessage(page); len(msg) > 200 {
			t.Fatalf("feedback of %d bytes", len(msg))
		}
	})
}
