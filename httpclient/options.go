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
	// in Authlib's OAuth2Session.
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

// Options configure a [Session]. The zero value of every field is a safe
// default.
type Options struct {
	// Leeway is how long before its expiry a token is refreshed. When it
	// is as long as the token's whole lifetime or longer (a Keycloak
	// master realm issues 60 s tokens), the token is refreshed once half
	// its lifetime has passed instead. Zero means [DefaultLeeway]; a
	// negative value means no leeway: refresh at expiry.
	Leeway time.Duration

	// Base is the caller's client for resource requests. [Session.Client]
	// copies its Timeout, Jar and CheckRedirect and wraps its Transport
	// (http.DefaultTransport when nil). Nil means a client with a timeout
	// of oauth2.DefaultTimeout over http.DefaultTransport. Token requests
	// go through oauth2.Config.HTTPClient, not Base.
	Base *http.Client

	// Token starts the Session from a stored token, such as one saved by
	// OnToken. It is used as it is until it is due for refresh.
	Token *oauth2.Token

	// OnToken, when set, receives a copy of every new token (the first
	// fetch and each refresh) before any request uses it and before the
	// callers waiting for the refresh go on: the place to persist it. The
	// context is the fetch's or the refresh's. OnToken MUST NOT call the
	// Session's methods or send requests through its Client, which would
	// wait for the refresh that is calling OnToken.
	OnToken func(ctx context.Context, t *oauth2.Token)

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
	// network error, Retry-After included. Zero means [DefaultMaxBackoff].
	MaxBackoff time.Duration
}

// settings are Options with the defaults filled in.
type settings struct {
	leeway         time.Duration // 0: none
	refreshTimeout time.Duration
	minInterval    time.Duration // 0: none
	maxBackoff     time.Duration
	now            func() time.Time
}

func (o *Options) settings(cfg *oauth2.Config) settings {
	s := settings{
		leeway:         o.Leeway,
		refreshTimeout: o.RefreshTimeout,
		minInterval:    o.MinRefreshInterval,
		maxBackoff:     o.MaxBackoff,
		now:            o.Clock,
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
