package httpclient

import (
	"errors"
	"time"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNoToken: the Session has no token yet. Call [Session.FetchToken]
	// or start it from a stored token with [Options.Token].
	ErrNoToken = errors.New("httpclient: no token: call FetchToken first or set Options.Token")

	// ErrTokenExpired: the access token has expired and could not be
	// renewed. The error is an [*ExpiredError] that says why.
	ErrTokenExpired = errors.New("httpclient: access token expired")

	// ErrCannotRefresh: the token has no refresh token, and it was not
	// obtained with a grant the Session may run again (only
	// oauth2.ClientCredentialsGrant is run again). Fetch a new token with
	// [Session.FetchToken].
	ErrCannotRefresh = errors.New("httpclient: no refresh token, and the token's grant cannot be run again")

	// ErrRefreshLimited: a refresh is needed but the previous one began
	// less than [Options.MinRefreshInterval] ago.
	ErrRefreshLimited = errors.New("httpclient: refresh rate limited")

	// ErrMalformedToken: a token the Session cannot send: an access token
	// with control characters, or a token type it cannot use (a DPoP token
	// without [oauth2.Config.DPoP], or an unknown type). It wraps
	// oauth2.ErrUnsupportedTokenType or oauth2.ErrMalformedResponse.
	ErrMalformedToken = errors.New("httpclient: token cannot be used")
)

// ExpiredError reports an access token that has expired and cannot be
// renewed now. errors.Is(err, ErrTokenExpired) holds for it, and Reason is
// reachable through errors.Is and errors.As: [ErrCannotRefresh],
// [ErrRefreshLimited], or the last refresh error (an *oauth2.Error or
// *oauth2.ResponseError) while the Session backs off.
type ExpiredError struct {
	// Expiry is when the access token expired.
	Expiry time.Time
	// RetryAt is the earliest time a refresh will be tried again; zero when
	// the token cannot be renewed at all.
	RetryAt time.Time
	// Reason says why the token was not renewed.
	Reason error
	// wait is RetryAt minus the time of the failure, for the message.
	wait time.Duration
}

// Error says that the token expired, why it was not renewed and, when it
// will be, how long until the next attempt.
func (e *ExpiredError) Error() string {
	msg := "httpclient: access token expired and cannot be renewed"
	if e.wait > 0 {
		msg += " for the next " + e.wait.Round(time.Millisecond).String()
	}
	if e.Reason != nil {
		msg += ": " + e.Reason.Error()
	}
	return msg
}

// Is reports whether target is ErrTokenExpired.
func (e *ExpiredError) Is(target error) bool { return target == ErrTokenExpired }

// Unwrap returns Reason.
func (e *ExpiredError) Unwrap() error { return e.Reason }
