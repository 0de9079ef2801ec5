package httpclient

import (
	"context"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Defaults of [Options]. A zero field means its default.
const (
	// DefaultLeeway is how long before its expiry a token is refreshed, as
	// in Authlib's OAuth2Session; see [Options.Leeway] for the half-lifetime
	// floor that Authlib does not have.
	DefaultLeeway = 60 * time.Second
	// DefaultRefreshTimeout bounds one shared refresh.
	DefaultRefreshTimeout = 30 * time.Second
	// DefaultMinRefreshInterval is the shortest time between the starts of
	// two automatic refreshes.
	DefaultMinRefreshInterval = time.Second
	// DefaultMaxBackoff caps the wait after a failed refresh, a
	// Retry-After value included.
	DefaultMaxBackoff = 5 * time.Minute
)

// NoLeeway, as [Options.Leeway], refreshes a token only once it has
// expired (and not before half its lifetime, which then is no constraint).
// A request that comes just before the expiry may reach the resource server
// with a token that expires on the way.
const NoLeeway time.Duration = -1

// Options configure a [Session]. The zero value of every field is a safe
// default.
type Options struct {
	// Leeway is how long before its expiry a token is refreshed. Zero means
	// [DefaultLeeway] (60 s); [NoLeeway] means at expiry; any other
	// negative value is NoLeeway too.
	//
	// A token is never due before half its lifetime has passed: it is due
	// at the later of Expiry minus Leeway and ReceivedAt plus half the
	// lifetime. A 60 s token (a Keycloak master realm's) with the default
	// leeway is refreshed after 30 s, a 61 s token after 30.5 s, a 300 s
	// token after 240 s. Authlib's OAuth2Session, whose default leeway is
	// also 60 s, refreshes any token that expires within the leeway before
	// each request, so a 60 s token there is refreshed on every call;
	// oauthkit does not do that.
	Leeway time.Duration

	// Base is the caller's client for resource requests. [Session.Client]
	// copies its Timeout, Jar and CheckRedirect and wraps its Transport
	// (http.DefaultTransport when nil). Nil means a client with a timeout
	// of oauth2.DefaultTimeout over http.DefaultTransport. Token requests
	// go through oauth2.Config.HTTPClient, not Base.
	Base *http.Client

	// Token starts the Session from a stored token, such as one saved by
	// OnToken. New copies it and keeps no reference to it; it is used as
	// it is until it is due for refresh.
	Token *oauth2.Token

	// OnToken, when set, receives a copy of every new token (the first
	// fetch and each refresh) before any request uses it and before the
	// callers waiting for the refresh go on: the place to persist it. The
	// context is the fetch's or the refresh's. OnToken MUST NOT call the
	// Session's methods or send requests through its Client, which would
	// wait for the refresh that is calling OnToken.
	OnToken func(ctx context.Context, t *oauth2.Token)

	// VerifyRefresh, when set, checks each token that an automatic or
	// explicit refresh obtained, before the Session installs it: previous
	// is the token it would replace, refreshed the new one (copies both).
	// An error refuses the token: the Session keeps previous, stops
	// renewing automatically, and the refresh fails with an error that
	// wraps [ErrTokenRefused] and the check's error. oidc's
	// IDTokenVerifier.RefreshCheck is a ready check for an OpenID Connect
	// login (OpenID Connect Core 1.0, section 12.2). Tokens of
	// [Session.FetchToken] are not checked: the caller verifies those. The
	// same rules as for OnToken apply.
	VerifyRefresh func(ctx context.Context, previous, refreshed *oauth2.Token) error

	// OnRefreshError, when set, receives the error of each automatic
	// refresh that failed, also when the request that started it went on
	// with the still-valid old token and so never saw the error. The
	// errors that stop automatic renewal are among them: one that wraps
	// [ErrRefreshUnanswered] or [ErrTokenRefused], or a terminal
	// *oauth2.Error (invalid_grant). It runs in the refresh's goroutine
	// and MUST NOT call the Session's methods.
	OnRefreshError func(ctx context.Context, err error)

	// RefreshOnUnauthorized, when set, answers a 401 from the token's
	// origin whose challenge carries no error code (or that has no
	// challenge of the token's scheme at all) like one with invalid_token:
	// one refresh and one retry. RFC 6750, section 3.1 gives such a 401 no
	// meaning beyond "not authorized", so by default it is returned as it
	// is; some APIs answer an expired or revoked token this way.
	RefreshOnUnauthorized bool

	// Clock returns the current time. Nil means oauth2.Config.Clock, else
	// time.Now. It should agree with oauth2.Config.Clock, which stamps the
	// tokens.
	Clock func() time.Time

	// RefreshTimeout bounds a shared refresh, which runs detached from the
	// cancellation of the request that started it. Zero means
	// [DefaultRefreshTimeout].
	RefreshTimeout time.Duration

	// MinRefreshInterval is the shortest time between the starts of two
	// automatic refreshes (TE-08: tokens that live a few seconds must not
	// cause one refresh per request). Zero means
	// [DefaultMinRefreshInterval]; a negative value means no limit.
	// [Session.Refresh] ignores it.
	MinRefreshInterval time.Duration

	// MaxBackoff caps the wait after a refresh failed with 429, 5xx or a
	// network error that happened before the request was sent, Retry-After
	// included. Zero means [DefaultMaxBackoff].
	MaxBackoff time.Duration
}

// settings are Options with the defaults filled in, and without Token.
type settings struct {
	leeway         time.Duration // 0: none
	refreshTimeout time.Duration
	minInterval    time.Duration // 0: none
	maxBackoff     time.Duration
	now            func() time.Time
	onToken        func(context.Context, *oauth2.Token)
	verify         func(ctx context.Context, previous, refreshed *oauth2.Token) error
	onRefreshError func(context.Context, error)
	bare401        bool
}

func (o *Options) settings(cfg *oauth2.Config) settings {
	s := settings{
		leeway:         o.Leeway,
		refreshTimeout: o.RefreshTimeout,
		minInterval:    o.MinRefreshInterval,
		maxBackoff:     o.MaxBackoff,
		now:            o.Clock,
		onToken:        o.OnToken,
		verify:         o.VerifyRefresh,
		onRefreshError: o.OnRefreshError,
		bare401:        o.RefreshOnUnauthorized,
	}
	switch {
	case s.leeway == 0:
		s.leeway = DefaultLeeway
	case s.leeway < 0:
		s.leeway = 0
	}
	if s.refreshTimeout <= 0 {
		s.refreshTimeout = DefaultRefreshTimeout
	}
	switch {
	case s.minInterval == 0:
		s.minInterval = DefaultMinRefreshInterval
	case s.minInterval < 0:
		s.minInterval = 0
	}
	if s.maxBackoff <= 0 {
		s.maxBackoff = DefaultMaxBackoff
	}
	if s.now == nil {
		s.now = cfg.Clock
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
