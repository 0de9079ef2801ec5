package main

import "github.com/oauthkit/oauthkit/conformance"

// formAgents returns the generic HTML form agent's factory for a target
// whose login agent is "form"; nil until a build provides it
// (agents_form.go).
var formAgents func(t *conformance.Target) conformance.AgentFactory

// loginAgents returns the login agents the target's "login" section
// names, or nil and a note saying why users cannot log in (the scenarios
// that need a login then skip with that reason).
func loginAgents(t *conformance.Target) (conformance.AgentFactory, string) {
	switch t.Login.Agent {
	case conformance.AgentKeycloak:
		return conformance.KeycloakAgent, ""
	case conformance.AgentForm:
		if formAgents != nil {
			return formAgents(t), ""
		}
	case "":
		return nil, "the target names no login agent: scenarios that log a user in are skipped"
	}
	return nil, "login agent \"" + t.Login.Agent + "\" is not available in this build: scenarios that log a user in are skipped"
}
