package conformance

import (
	"context"
	"errors"
	"fmt"
)

// Scenario is one check of a provider's behaviour, or of oauthkit's
// behaviour against a deliberately broken server.
type Scenario struct {
	// ID names the scenario in reports and on the command line
	// ("seed-password", "cc-private-key-jwt-es256"). Hostile scenarios use
	// the IDs of the hostile-server catalogue (TE-01, JW-04, HT-05).
	ID string
	// Title says in a few words what is checked.
	Title string
	// Spec is the specification section checked, e.g. "RFC 6749 §4.3".
	Spec string
	// Module is the name of the OpenID Foundation conformance suite's test
	// module that checks the same thing ("oidcc-server",
	// "oidcc-prompt-none-not-logged-in"), for a scenario that corresponds
	// to one; empty otherwise.
	Module string
	// Needs lists what the scenario needs of the provider. A scenario
	// whose needs the provider does not meet is skipped with the reason.
	// Hostile scenarios, which bring their own servers, need nothing.
	Needs []Need
	// Hostile marks a scenario that runs against a misbehaving server
	// written in Go instead of the provider.
	Hostile bool
	// Serial marks a scenario that touches state shared with other
	// scenarios (the master realm's sessions): such scenarios run one at a
	// time, never beside each other.
	Serial bool
	// Run performs the check. It returns nil when the provider and
	// oauthkit behaved as specified, a [*SkipError] (see [Skip]) when the
	// check cannot be made, and otherwise an error that says what was
	// expected and what was seen. Run must return once ctx is done.
	Run func(ctx context.Context, e *Env) error
}

// Need is something a scenario needs of the provider under test.
type Need string

// The needs a [Provider] can meet.
const (
	// NeedAdmin: the provider's administration API, to create an isolated
	// realm, its clients and users for the scenario ([Env.NewRealm]).
	NeedAdmin Need = "admin"
	// NeedMasterAdmin: the master realm's administrator credentials and
	// the admin-cli client, used directly by the seed scenarios.
	NeedMasterAdmin Need = "master-admin"
	// NeedLogin: a login agent that logs a user in at the provider
	// ([Env.NewLoginAgent]; [Env.NewUserAgent] for Keycloak-only
	// scenarios).
	NeedLogin Need = "login"
)

// SkipError is returned by a scenario that cannot make its check: a
// provider feature is missing, or the scenario's needs are not met. It is
// reported as "skip" with its Reason, not as a failure.
type SkipError struct {
	// Reason says why the check was not made.
	Reason string
}

// Error returns "skipped: " and the reason.
func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns a [*SkipError] with a formatted reason.
func Skip(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// IsSkip reports whether err is, or wraps, a [*SkipError].
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

// OutcomeError is returned by a scenario that ran but neither passed nor
// failed: a SHOULD of the specification was not met ([StatusWarning]), or
// what was seen needs a person to judge ([StatusReview]). It is reported
// with its Status and Reason.
type OutcomeError struct {
	Status Status
	Reason string
}

// Error returns the status and the reason.
func (e *OutcomeError) Error() string { return string(e.Status) + ": " + e.Reason }

// Warn returns an [*OutcomeError] of [StatusWarning]: the provider did not
// do what the specification says it SHOULD.
func Warn(format string, args ...any) error {
	return &OutcomeError{Status: StatusWarning, Reason: fmt.Sprintf(format, args...)}
}

// Review returns an [*OutcomeError] of [StatusReview]: the evidence needs
// a person's judgement (how a page was displayed, in which language).
func Review(format string, args ...any) error {
	return &OutcomeError{Status: StatusReview, Reason: fmt.Sprintf(format, args...)}
}
