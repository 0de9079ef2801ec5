package main

import "github.com/oauthkit/oauthkit/conformance"

// formAgents and interactiveAgents return the factories of the generic
// HTML form agent and of the interactive agent for a target; nil until a
// build provides them (agents_provided.go). They are set once, before
// main runs.
var formAgents, interactiveAgents func(t *conformance.Target) conformance.AgentFactory

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
	case conformance.AgentInteractive:
		if interactiveAgents != nil {
			return interactiveAgents(t), "interactive login: scenarios run one at a time; follow the instructions for each"
		}
	case "":
		return nil, "the target names no login agent: scenarios that log a user in are skipped"
	}
	return nil, "login agent \"" + t.Login.Agent + "\" is not available in this build: scenarios that log a user in are skipped"
}
