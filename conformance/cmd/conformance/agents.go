package main

import (
	"net/http"

	"github.com/oauthkit/oauthkit/conformance"
	"github.com/oauthkit/oauthkit/conformance/agent"
)

// loginAgents returns the login agents the target's "login" section
// names, or nil and a note saying why users cannot log in (the scenarios
// that need a login then skip with that reason).
func loginAgents(t *conformance.Target) (conformance.AgentFactory, string) {
	switch t.Login.Agent {
	case conformance.AgentKeycloak:
		return conformance.KeycloakAgent, ""
	case conformance.AgentForm:
		// The generic HTML form agent: it submits credentials only to the
		// issuer's origin.
		var fields agent.FormFields
		if f := t.Login.Form; f != nil {
			fields.Username, fields.Password = f.UsernameField, f.PasswordField
		}
		return func(hc *http.Client) conformance.LoginAgent { return agent.NewForm(hc, t.Issuer, fields) }, ""
	case conformance.AgentInteractive:
		// A person logs in in a browser; the callback comes back to a
		// loopback redirect URI (RFC 8252, section 7.3).
		return func(*http.Client) conformance.LoginAgent {
			return agent.NewInteractive(agent.InteractiveOptions{})
		}, "interactive login: scenarios run one at a time; follow the instructions for each"
	case "":
		return nil, "the target names no login agent: scenarios that log a user in are skipped"
	}
	return nil, "login agent \"" + t.Login.Agent + "\" is not known: scenarios that log a user in are skipped"
}
