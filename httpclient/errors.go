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

	// ErrRefreshUnanswered: a refresh request may have reached the
	// authorization server, but its answer never came back whole: the
	// connection closed or was cut after the request was written, the
	// response could not be read, or Options.RefreshTimeout ran out while
	// waiting. The server may have rotated the refresh token (RFC 9700,
	// section 4.14.2), so presenting the same one again could make it
	// revoke the whole token family: the Session does not refresh by itself
	// again. It keeps sending the access token until it expires, then fails
	// with an [*ExpiredError] carrying this error. [Session.Refresh] (which
	// does present the same refresh token) or [Session.FetchToken] starts
	// again. The error wraps the cause too.
	ErrRefreshUnanswered = errors.New("httpclient: refresh request sent but not answered; not repeated with the same refresh token")

	// ErrTokenRefused: Options.VerifyRefresh refused a refreshed token. The
	// Session keeps the previous token and does not refresh by itself
	// again, as for [ErrRefreshUnanswered]. The error wraps the check's.
	ErrTokenRefused = errors.New("httpclient: refreshed token refused")

	// ErrRevoked: [Session.Revoke] revoked the Session's token; requests
	// fail with it until the next [Session.FetchToken].
	ErrRevoked = errors.New("httpclient: token revoked")

	// ErrMalformedToken: a token the Session cannot send: an access token
	// that fails oauth2.CheckAccessToken, or a token type it cannot use (a
	// DPoP token without [oauth2.Config.DPoP], or an unknown type). It
	// wraps oauth2.ErrAccessTokenSyntax or oauth2.ErrUnsupportedTokenType.
	ErrMalformedToken = errors.New("httpclient: token cannot be used")
)

// ExpiredError reports an access token that has expired and cannot be
// renewed now. errors.Is(err, ErrTokenExpired) holds for it, and Reason is
// reachable through errors.Is and errors.As: [ErrCannotRefresh],
// [ErrRefreshLimited], an error wrapping [ErrRefreshUnanswered] or
// [ErrTokenRefused], or the last refresh error while the Session backs off
// or the authorization server cannot be reached (an *oauth2.Error, an
// *oauth2.ResponseError, a *url.Error for a dial failure). This is what
// every request gets during an outage once the token has expired.
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
