package keycloaktest

import "github.com/oauthkit/oauthkit/internal/htmlform"

// Keycloak's pages are read with internal/htmlform, shared with the
// login agents of conformance/agent. What is Keycloak's own is here: where
// its pages show their feedback.

// feedbackMarkers locate the error or warning Keycloak shows on a page:
// the login form's input error, the error page's message and the alert
// titles of its PatternFly themes.
var feedbackMarkers = [...]string{
	`id="input-error"`,
	`id="kc-error-message"`,
	`kc-feedback-text`,
	`pf-v5-c-alert__title`,
	`pf-c-alert__title`,
}

// feedbackMessage returns the error or warning Keycloak shows on a page,
// trimmed and at most 200 bytes.
func feedbackMessage(page []byte) string {
	for _, m := range feedbackMarkers {
		if text := htmlform.TextAfter(page, m, 200); text != "" {
			return text
		}
	}
	return ""
}

// pageTitle returns the text of the <title> element.
func pageTitle(page []byte) string { return htmlform.Title(page) }
