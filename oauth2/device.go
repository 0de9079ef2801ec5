package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/pause"
)

// GrantTypeDeviceCode is the grant_type of the device access token request
// (RFC 8628, section 3.4).
const GrantTypeDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// Polling bounds of the device flow (RFC 8628, sections 3.2 and 3.5).
const (
	// defaultDeviceInterval is the polling interval when the server names
	// none, or one of zero or less (RFC 8628, section 3.2: "If no value is
	// provided, clients MUST use 5 as the default").
	defaultDeviceInterval = 5 * time.Second
	// maxDeviceInterval caps the polling interval the server names, so that
	// an absurd value (1e9 seconds) does not stall the flow. Increases asked
	// by slow_down are added on top of it.
	maxDeviceInterval = 60 * time.Second
	// defaultDeviceExpiry bounds polling when the server gave no expires_in.
	defaultDeviceExpiry = 30 * time.Minute
	// slowDownStep is the increase of the interval for each slow_down
	// (RFC 8628, section 3.5).
	slowDownStep = 5 * time.Second
)

// Errors of the device flow.
var (
	// ErrDeviceCodeExpired: the device code expired, by the server's
	// expires_in or the default cap, before the user approved. A server's
	// own "expired_token" error comes back as an [*Error] instead.
	ErrDeviceCodeExpired = errors.New("oauth2: device code expired before the user approved")
	// ErrUnsafeVerificationURI: the verification_uri is not an http(s)
	// URL, so it must be neither shown to the user as a link nor opened.
	ErrUnsafeVerificationURI = errors.New("oauth2: verification_uri is not an http(s) URL")
)

// DeviceAuthorization is a device authorization response: RFC 8628, section
// 3.2. Show UserCode and VerificationURI (or VerificationURIComplete) to the
// user, then call [Config.PollDeviceToken].
type DeviceAuthorization struct {
	// DeviceCode is the "device_code", a credential: never show or log it.
	DeviceCode string
	// UserCode is the "user_code" the user enters at VerificationURI.
	UserCode string
	// VerificationURI is the "verification_uri", always an http(s) URL.
	VerificationURI string
	// VerificationURIComplete is the "verification_uri_complete", which
	// carries the user code. Empty when the server sent none, or sent one
	// that is not an http(s) URL (such as javascript: or file:).
	VerificationURIComplete string
	// Expiry is when the device code expires: ReceivedAt plus "expires_in".
	// Zero when the server gave no expires_in; polling then stops
	// [defaultDeviceExpiry] after ReceivedAt.
	Expiry time.Time
	// Interval is the minimum time between polls (the "interval" member),
	// [defaultDeviceInterval] when absent, zero or negative, and at most
	// [maxDeviceInterval].
	Interval time.Duration
	// ReceivedAt is when the response was received, by Config.Clock.
	ReceivedAt time.Time
	// Extra holds every other member of the response.
	Extra map[string]json.RawMessage

	// Wait, when set, is how PollDeviceToken waits between polls, for tests
	// and for callers with their own scheduler. It must return ctx's error
	// as soon as ctx is done. Nil means a timer that stops when ctx is done.
	Wait func(ctx context.Context, d time.Duration) error
}

// DeviceAuthorization starts the device authorization grant: RFC 8628,
// section 3.1. It posts the client identity, scope (scopes, or Config.Scopes
// when empty) and extra parameters to Endpoint.DeviceAuthorizationURL.
func (c *Config) DeviceAuthorization(ctx context.Context, scopes []string, extra url.Values) (*DeviceAuthorization, error) {
	form := formWith(c, scopes, true, extra)
	r, err := c.post(ctx, c.Endpoint.DeviceAuthorizationURL, form, true, nil)
	if err != nil {
		return nil, err
	}
	if err := checkSuccess(r, http.StatusOK); err != nil {
		return nil, err
	}
	return parseDeviceAuthorization(r.body, c.now())
}

// parseDeviceAuthorization reads the success response of RFC 8628, section
// 3.2.
func parseDeviceAuthorization(body []byte, received time.Time) (*DeviceAuthorization, error) {
	members, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	da := &DeviceAuthorization{ReceivedAt: received, Interval: defaultDeviceInterval}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"device_code", &da.DeviceCode, true},
		{"user_code", &da.UserCode, true},
		{"verification_uri", &da.VerificationURI, false},
		{"verification_uri_complete", &da.VerificationURIComplete, false},
	} {
		if err := takeString(members, f.name, f.dst, f.required); err != nil {
			return nil, err
		}
	}
	if da.VerificationURI == "" {
		// Early drafts of RFC 8628, still served by some providers, named
		// the member "verification_url".
		if err := takeString(members, "verification_url", &da.VerificationURI, true); err != nil {
			return nil, fmt.Errorf("%w: verification_uri is missing", ErrMalformedResponse)
		}
	}
	if !isHTTPURL(da.VerificationURI) {
		return nil, fmt.Errorf("%w: %q", ErrUnsafeVerificationURI, sanitize(da.VerificationURI, 64))
	}
	if !isHTTPURL(da.VerificationURIComplete) {
		da.VerificationURIComplete = ""
	}
	if raw, ok := members["expires_in"]; ok {
		delete(members, "expires_in")
		d, known, err := parseSeconds(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: expires_in is not a number", ErrMalformedResponse)
		}
		if known {
			da.Expiry = received.Add(d)
		}
	}
	if raw, ok := members["interval"]; ok {
		delete(members, "interval")
		d, known, err := parseSeconds(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: interval is not a number", ErrMalformedResponse)
		}
		if known {
			da.Interval = clampInterval(d)
		}
	}
	if len(members) > 0 {
		da.Extra = members
	}
	return da, nil
}

// clampInterval applies the default and the cap to a server's interval.
func clampInterval(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return defaultDeviceInterval
	case d > maxDeviceInterval:
		return maxDeviceInterval
	}
	return d
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "https" || scheme == "http"
}

// DeviceCodeGrant is one device access token request: RFC 8628, section
// 3.4. [Config.PollDeviceToken] repeats it as section 3.5 requires; use the
// grant directly to poll on one's own schedule.
type DeviceCodeGrant struct {
	// DeviceCode is the device_code of the device authorization response.
	DeviceCode string
	// Extra parameters, sent as they are.
	Extra url.Values
}

// GrantType returns "urn:ietf:params:oauth:grant-type:device_code".
func (DeviceCodeGrant) GrantType() string { return GrantTypeDeviceCode }

// Form returns device_code (RFC 8628, section 3.4).
func (g DeviceCodeGrant) Form(context.Context, *Config) (url.Values, error) {
	if g.DeviceCode == "" {
		return nil, fmt.Errorf("%w: device code grant without a device code", ErrInvalidConfig)
	}
	form := cloneValues(g.Extra)
	form.Set("device_code", g.DeviceCode)
	return form, nil
}

// PollDeviceToken polls the token endpoint until the user approves or
// denies the request, or the device code expires: RFC 8628, section 3.5.
//
// It waits da.Interval before each request. "authorization_pending" goes on
// polling; "slow_down" adds 5 seconds to the interval for this and every
// later poll. Any other error ends polling and is returned: "access_denied"
// and "expired_token" as an [*Error], as for any other request. Polling
// stops with [ErrDeviceCodeExpired] at da.Expiry, or [defaultDeviceExpiry]
// after da.ReceivedAt when the server gave no expires_in. When ctx is done,
// it returns at once with ctx's error.
func (c *Config) PollDeviceToken(ctx context.Context, da *DeviceAuthorization) (*Token, error) {
	if da == nil || da.DeviceCode == "" {
		return nil, fmt.Errorf("%w: no device code to poll with", ErrInvalidConfig)
	}
	deadline := da.Expiry
	if deadline.IsZero() {
		received := da.ReceivedAt
		if received.IsZero() {
			received = c.now()
		}
		deadline = received.Add(defaultDeviceExpiry)
	}
	interval := clampInterval(da.Interval)
	wait := da.Wait
	if wait == nil {
		wait = pause.Wait
	}
	grant := DeviceCodeGrant{DeviceCode: da.DeviceCode}
	for {
		left := deadline.Sub(c.now())
		if left <= 0 {
			return nil, ErrDeviceCodeExpired
		}
		if err := wait(ctx, min(interval, left)); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !c.now().Before(deadline) {
			return nil, ErrDeviceCodeExpired
		}
		t, err := c.Token(ctx, grant)
		var e *Error
		switch {
		case err == nil:
			return t, nil
		case !errors.As(err, &e):
			return nil, err
		case e.Code == ErrorAuthorizationPending:
		case e.Code == ErrorSlowDown:
			interval += slowDownStep
		default:
			return nil, err
		}
	}
}
