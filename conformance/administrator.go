package conformance

import (
	"context"
	"time"
)

// Administrator is an administration API of the provider under test, for
// the generic scenarios that must change what they test against: end a
// session, rotate signing keys. A provider other than Keycloak can be
// administered by implementing it.
//
// Capabilities lists what the implementation can do ([AdminCreateClient],
// [AdminCreateUser], [AdminEndSession], [AdminRotateKeys],
// [AdminSetLifetimes]); a scenario whose [NeedAdminCapability] is not in
// it is skipped, and the methods of the other capabilities are never
// called. Every method MUST return once ctx is done and MUST be safe for
// concurrent use. What CreateClient and CreateUser create is isolated from
// the pre-registered clients and users; it may live until the target is
// torn down.
type Administrator interface {
	Capabilities() []string
	// CreateClient registers a new client for role, allowed redirectURI
	// when not empty.
	CreateClient(ctx context.Context, role, redirectURI string) (*TargetClient, error)
	// CreateUser creates a user who can log in at once.
	CreateUser(ctx context.Context) (*TargetUser, error)
	// EndSession ends every session of the user whose ID tokens carry sub
	// (OpenID Connect Core 1.0, section 2): the user's refresh tokens stop
	// working.
	EndSession(ctx context.Context, sub string) error
	// RotateKeys makes a new signing key current; the old ones stay
	// published for verification (OpenID Connect Core 1.0, section
	// 10.1.1).
	RotateKeys(ctx context.Context) error
	// SetLifetimes changes token and session lifetimes for every client of
	// the target; a zero field keeps the current value.
	SetLifetimes(ctx context.Context, l Lifetimes) error
}

// Lifetimes are the token and session lifetimes of [Administrator.SetLifetimes].
type Lifetimes struct {
	AccessToken time.Duration
	SessionIdle time.Duration
	SessionMax  time.Duration
}
