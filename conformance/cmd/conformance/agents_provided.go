//go:build oauthkit_agent

// This file wires the login agents of package conformance/agent into the
// command: the generic HTML form agent and the interactive one. It builds
// only with the tag oauthkit_agent until that package is in the module;
// then the build line goes.

package main

import (
	"net/http"

	"github.com/oauthkit/oauthkit/conformance"
	"github.com/oauthkit/oauthkit/conformance/agent"
)

func init() {
	formAgents = func(t *conformance.Target) conformance.AgentFactory {
		var fields agent.FormFields
		if f := t.Login.Form; f != nil {
			fields.Username, fields.Password = f.UsernameField, f.PasswordField
		}
		return func(hc *http.Client) conformance.LoginAgent { return agent.NewForm(hc, t.Issuer, fields) }
	}
	interactiveAgents = func(*conformance.Target) conformance.AgentFactory {
		return func(*http.Client) conformance.LoginAgent { return agent.NewInteractive(agent.InteractiveOptions{}) }
	}
}
