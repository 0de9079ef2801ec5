package conformance

import (
	"fmt"
	"regexp"
)

// Catalogue returns every scenario, grouped by the file that defines them:
// the seed scenarios first (seed.go), then client credentials
// (clientcredentials.go), the authorization code and device grants
// (authcode.go), error responses (errors.go), refresh token rotation
// (rotation.go), token exchange, introspection, revocation and DPoP
// (extensions.go), OpenID Connect (oidc_scenarios.go), and the
// hostile-server scenarios (hostile_scenarios.go). IDs are unique.
//
// A new group is a function returning []Scenario in its own file, listed
// here.
func Catalogue() []Scenario {
	var all []Scenario
	for _, group := range [][]Scenario{
		seedScenarios(),
		clientCredentialsScenarios(),
		authCodeScenarios(),
		errorScenarios(),
		rotationScenarios(),
		extensionScenarios(),
		oidcScenarios(),
		hostileScenarios(),
		restScenarios(),
	} {
		all = append(all, group...)
	}
	return all
}

// Select returns the scenarios whose ID matches re, in order. A nil re
// selects every scenario.
func Select(scenarios []Scenario, re *regexp.Regexp) []Scenario {
	if re == nil {
		return scenarios
	}
	var out []Scenario
	for _, s := range scenarios {
		if re.MatchString(s.ID) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks a list of scenarios: every one has an ID, a title, a
// specification and a Run function, and no ID repeats.
func Validate(scenarios []Scenario) error {
	seen := make(map[string]bool, len(scenarios))
	for i, s := range scenarios {
		switch {
		case s.ID == "":
			return fmt.Errorf("scenario %d has no ID", i)
		case seen[s.ID]:
			return fmt.Errorf("scenario ID %q appears twice", s.ID)
		case s.Title == "" || s.Spec == "":
			return fmt.Errorf("scenario %q lacks a title or a specification", s.ID)
		case s.Run == nil:
			return fmt.Errorf("scenario %q has no Run function", s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}
