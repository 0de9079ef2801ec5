package oauth2

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// PushedAuthorization is a pushed authorization response: RFC 9126,
// section 2.2. Its RequestURI stands for the pushed parameters in the
// authorization request (section 4); see [Config.PushedAuthorizationURL].
type PushedAuthorization struct {
	// RequestURI is the "request_uri", used once, before ExpiresIn elapses.
	RequestURI string
	// ExpiresIn is the "expires_in" member: how long RequestURI is valid.
	ExpiresIn time.Duration
	// Expiry is when RequestURI expires: ReceivedAt plus ExpiresIn.
	Expiry time.Time
	// ReceivedAt is when the response was received, by Config.Clock.
	ReceivedAt time.Time
	// Extra holds every other member of the response.
	Extra map[string]json.RawMessage
}

// PushAuthorizationRequest pushes the parameters of an authorization
// request to Endpoint.PushedAuthorizationRequestURL, authenticating the
// client: RFC 9126, section 2.1. params are the authorization request's
// parameters (response_type, redirect_uri, scope, state, code_challenge,
// ...); client_id is added when absent. With Config.DPoP set, the request
// carries a DPoP proof and the server may bind the authorization code to
// its key (RFC 9449, section 10.1).
//
// A success is HTTP 201 (section 2.2); 200 is accepted too, as some servers
// send it. An error response is an [*Error] (section 2.3).
func (c *Config) PushAuthorizationRequest(ctx context.Context, params url.Values) (*PushedAuthorization, error) {
	if params.Has("request_uri") {
		return nil, fmt.Errorf("%w: a pushed authorization request must not carry request_uri (RFC 9126, section 2.1)", ErrInvalidConfig)
	}
	form := cloneValues(params)
	if form.Get("client_id") == "" {
		if c.ClientID == "" {
			return nil, fmt.Errorf("%w: no client id", ErrInvalidConfig)
		}
		form.Set("client_id", c.ClientID)
	}
	r, err := c.postWithDPoP(ctx, c.Endpoint.PushedAuthorizationRequestURL, form)
	if err != nil {
		return nil, err
	}
	if err := checkSuccess(r, http.StatusCreated, http.StatusOK); err != nil {
		return nil, err
	}
	return parsePushedAuthorization(r.body, c.now())
}

// parsePushedAuthorization reads the response of RFC 9126, section 2.2:
// request_uri and expires_in are both required.
func parsePushedAuthorization(body []byte, received time.Time) (*PushedAuthorization, error) {
	members, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	pa := &PushedAuthorization{ReceivedAt: received}
	if err := takeString(members, "request_uri", &pa.RequestURI, true); err != nil {
		return nil, err
	}
	raw, ok := members["expires_in"]
	delete(members, "expires_in")
	if !ok {
		return nil, fmt.Errorf("%w: expires_in is missing", ErrMalformedResponse)
	}
	d, known, err := parseSeconds(raw)
	if err != nil || !known {
		return nil, fmt.Errorf("%w: expires_in is not a number", ErrMalformedResponse)
	}
	if d <= 0 {
		return nil, fmt.Errorf("%w: expires_in is not positive", ErrMalformedResponse)
	}
	pa.ExpiresIn = d
	pa.Expiry = received.Add(d)
	if len(members) > 0 {
		pa.Extra = members
	}
	return pa, nil
}

// PushedAuthorizationURL returns the authorization request URL that refers
// to pushed parameters: Endpoint.AuthorizationURL with client_id and
// request_uri only (RFC 9126, section 4). Query parameters already in the
// endpoint URL are kept.
func (c *Config) PushedAuthorizationURL(pa *PushedAuthorization) (string, error) {
	if pa == nil || pa.RequestURI == "" {
		return "", fmt.Errorf("%w: no request_uri", ErrInvalidConfig)
	}
	if c.Endpoint.AuthorizationURL == "" {
		return "", ErrMissingEndpoint
	}
	u, err := url.Parse(c.Endpoint.AuthorizationURL)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http")) {
		return "", fmt.Errorf("%w: authorization endpoint is not an http(s) URL", ErrInvalidConfig)
	}
	q := u.Query()
	q.Set("client_id", c.ClientID)
	q.Set("request_uri", pa.RequestURI)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}
