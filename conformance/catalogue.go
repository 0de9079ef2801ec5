package conformance

import (
	"context"
	"fmt"
	"regexp"
	"slices"
)

// Catalogue returns every scenario, in three kinds, each in files of its
// own prefix:
//
//   - any provider (any_*.go): need only the target's metadata, its
//     pre-registered clients, users and login agent: discovery and the key
//     set (any_discovery.go), client authentication (any_clientauth.go),
//     the code flow and PAR (any_authcode.go), token life cycle, DPoP and
//     the device grant (any_tokens.go), and the OpenID Foundation Basic OP
//     plan's checks (any_basicop.go);
//   - Keycloak only (keycloak_*.go): need its admin API for a realm of
//     their own, and check Keycloak's own behaviour and texts;
//   - hostile (hostile_*.go): oauthkit against misbehaving servers in Go.
//
// IDs are unique. A new scenario is one entry in the group of its file; a
// new group is a function returning []Scenario in its own file, listed
// here.
func Catalogue() []Scenario {
	var all []Scenario
	for _, group := range [][]Scenario{
		discoveryScenarios(),
		clientAuthScenarios(),
		codeFlowScenarios(),
		tokenScenarios(),
		basicOPScenarios(),

		seedScenarios(),
		clientCredentialsScenarios(),
		authCodeScenarios(),
		errorScenarios(),
		rotationScenarios(),
		extensionScenarios(),
		oidcScenarios(),
		keycloakFAPIScenarios(),

		hostileScenarios(),
		hostileFAPIScenarios(),
		restScenarios(),
	} {
		all = append(all, group...)
	}
	return all
}

// The kinds of scenario, as [Scenario.Kind] names them.
const (
	KindAny      = "any"
	KindKeycloak = "keycloak"
	KindHostile  = "hostile"
)

// Kind returns the scenario's kind: KindHostile for a hostile scenario,
// KindKeycloak for one that needs Keycloak's admin API, else KindAny.
func (s Scenario) Kind() string {
	switch {
	case s.Hostile:
		return KindHostile
	case slices.Contains(s.Needs, NeedAdmin), slices.Contains(s.Needs, NeedMasterAdmin):
		return KindKeycloak
	}
	return KindAny
}

// Runnable returns why p cannot run s, or "" when it can as far as can
// be told before running it. It fetches the target's metadata first.
func Runnable(ctx context.Context, p *Provider, s Scenario) string {
	_ = p.Prepare(ctx)
	return p.unmet(s.Needs)
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
