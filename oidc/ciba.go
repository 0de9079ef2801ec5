package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/pause"
	"github.com/oauthkit/oauthkit/internal/safetext"
	"github.com/oauthkit/oauthkit/internal/wire"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// GrantTypeCIBA is the grant type of the CIBA token request: OpenID Connect
// Client-Initiated Backchannel Authentication Flow - Core 1.0, section 10.1.
const GrantTypeCIBA = "urn:openid:params:grant-type:ciba"

const (
	// defaultCIBAInterval is the polling interval when the provider names
	// none (CIBA Core, section 7.3: the default is 5 seconds).
	defaultCIBAInterval = 5 * time.Second
	// maxCIBAExpiry caps expires_in, whatever the provider says.
	maxCIBAExpiry = time.Hour
	// cibaSlowDownStep is the interval increase of each slow_down (CIBA
	// Core, section 11: as RFC 8628, section 3.5).
	cibaSlowDownStep = 5 * time.Second
	// maxCIBAResponse bounds the authentication response body.
	maxCIBAResponse = 64 << 10
)

var (
	// ErrCIBAExpired: the auth_req_id expired (its expires_in passed)
	// before the user decided.
	ErrCIBAExpired = errors.New("oidc: backchannel authentication request expired")
	// ErrCIBAResponse: the backchannel authentication response breaks
	// CIBA Core, section 7.3 (no auth_req_id, a member of the wrong type).
	ErrCIBAResponse = errors.New("oidc: invalid backchannel authentication response")
)

// BackchannelAuthenticationRequest is a CIBA authentication request: CIBA
// Core, section 7.1. Exactly one of LoginHint, LoginHintToken and
// IDTokenHint identifies the user.
type BackchannelAuthenticationRequest struct {
	// Scopes are requested; "openid" is added when missing.
	Scopes []string
	// LoginHint, LoginHintToken and IDTokenHint are the hints of section
	// 7.1; exactly one must be set.
	LoginHint, LoginHintToken, IDTokenHint string
	// BindingMessage is shown on both devices so the user can tell the
	// request is hers (section 7.1).
	BindingMessage string
	// UserCode is the secret the user gave the client, when the provider
	// asks for one (backchannel_user_code_parameter_supported).
	UserCode string
	// RequestedExpiry asks for a lifetime of the auth_req_id; zero lets
	// the provider choose.
	RequestedExpiry time.Duration
	// ACRValues are requested authentication context classes.
	ACRValues []string
	// ClientNotificationToken is the bearer token the provider sends to
	// the client notification endpoint in ping and push modes (section
	// 7.1); required in those modes.
	ClientNotificationToken string
	// Request, when set, is a signed request object (section 7.1.1)
	// holding the parameters above; they are then not sent beside it.
	Request string
	// Extra holds further parameters.
	Extra url.Values
}

// BackchannelAuthentication is a successful authentication response: CIBA
// Core, section 7.3.
type BackchannelAuthentication struct {
	// AuthReqID is "auth_req_id", a credential: never show or log it.
	AuthReqID string
	// Expiry is when the auth_req_id expires: the time the response was
	// received plus "expires_in" (capped at one hour).
	Expiry time.Time
	// Interval is "interval", the least time between polls; 5 seconds when
	// absent.
	Interval time.Duration
	// Wait, when set, replaces the sleep between polls (tests make it
	// instant). It must return ctx's error once ctx is done.
	Wait func(ctx context.Context, d time.Duration) error
}

// form returns the request's parameters, checking the hint rule.
func (r *BackchannelAuthenticationRequest) form() (url.Values, error) {
	hints := 0
	for _, h := range []string{r.LoginHint, r.LoginHintToken, r.IDTokenHint} {
		if h != "" {
			hints++
		}
	}
	if r.Request == "" && hints != 1 {
		return nil, fmt.Errorf("%w: a backchannel authentication request needs exactly one of login_hint, login_hint_token and id_token_hint (CIBA Core, section 7.1)", ErrInvalidConfig)
	}
	form := url.Values{}
	for k, vs := range r.Extra {
		form[k] = append([]string(nil), vs...)
	}
	if r.Request != "" {
		form.Set("request", r.Request)
		return form, nil
	}
	scopes := r.Scopes
	if !containsString(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	form.Set("scope", strings.Join(scopes, " "))
	set := func(k, v string) {
		if v != "" {
			form.Set(k, v)
		}
	}
	set("login_hint", r.LoginHint)
	set("login_hint_token", r.LoginHintToken)
	set("id_token_hint", r.IDTokenHint)
	set("binding_message", r.BindingMessage)
	set("user_code", r.UserCode)
	set("client_notification_token", r.ClientNotificationToken)
	set("acr_values", strings.Join(r.ACRValues, " "))
	if r.RequestedExpiry > 0 {
		form.Set("requested_expiry", strconv.FormatInt(int64(math.Ceil(r.RequestedExpiry.Seconds())), 10))
	}
	return form, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// BackchannelAuthenticate sends a CIBA authentication request to endpoint,
// the provider's backchannel_authentication_endpoint: CIBA Core, section
// 7.1. The client authenticates as at the token endpoint (section 7.1,
// with cfg.AuthMethod). The response is section 7.3's; an error response
// (section 13) is an *oauth2.Error, such as "unknown_user_id" or
// "expired_login_hint_token". Redirects are not followed.
func BackchannelAuthenticate(ctx context.Context, cfg *oauth2.Config, endpoint string, r BackchannelAuthenticationRequest) (*BackchannelAuthentication, error) {
	if err := oauth2.CheckEndpointURL(endpoint, false); err != nil {
		return nil, err
	}
	form, err := r.form()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	auth := cfg.AuthMethod
	if auth == nil {
		auth = oauth2.None{}
		if cfg.ClientSecret != "" {
			auth = oauth2.ClientSecretBasic{}
		}
	}
	if err := auth.Authenticate(ctx, cfg, req, form); err != nil {
		return nil, err
	}
	encoded := form.Encode()
	req.Body = http.NoBody
	if encoded != "" {
		req.Body = readCloser{strings.NewReader(encoded)}
		req.ContentLength = int64(len(encoded))
	}
	call := wire.Call{
		Client:    cfg.HTTPClient,
		Redirects: wire.NoRedirects,
		MaxBody:   maxCIBAResponse,
		Form:      form,
		Observe:   cfg.Observer,
		Reveal:    cfg.RevealSecrets,
		Clock:     cfg.Clock,
	}
	// The credentials of section 7.1 are redacted by name, as every
	// request parameter that is one (see HTTPExchange).
	call.Secrets.Add(cfg.ClientSecret)
	res, err := call.Do(req)
	if err != nil {
		return nil, err
	}
	received := time.Now()
	if cfg.Clock != nil {
		received = cfg.Clock()
	}
	return parseBackchannelAuthentication(res, received)
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// parseBackchannelAuthentication reads the response of section 7.3, or
// the error of section 13.
func parseBackchannelAuthentication(res *wire.Response, received time.Time) (*BackchannelAuthentication, error) {
	body := res.Body
	clean := func(s string, max int) string { return safetext.Clip(res.Secrets.String(s), max) }
	var m map[string]json.RawMessage
	isObject := json.Unmarshal(body, &m) == nil && m != nil
	if isObject {
		if raw, ok := m["error"]; ok {
			var code, desc string
			_ = json.Unmarshal(raw, &code)
			_ = json.Unmarshal(m["error_description"], &desc)
			if code != "" {
				return nil, &oauth2.Error{Code: clean(code, 128), Description: clean(desc, 1024), StatusCode: res.StatusCode, Header: res.Secrets.Header(res.Header)}
			}
		}
	}
	if res.StatusCode != http.StatusOK || !isObject {
		return nil, &oauth2.ResponseError{StatusCode: res.StatusCode, ContentType: clean(res.Header.Get("Content-Type"), 128), Excerpt: clean(string(body), 256)}
	}
	ba := &BackchannelAuthentication{Interval: defaultCIBAInterval}
	if err := json.Unmarshal(m["auth_req_id"], &ba.AuthReqID); err != nil || ba.AuthReqID == "" {
		return nil, fmt.Errorf("%w: auth_req_id missing or not a string", ErrCIBAResponse)
	}
	var expiresIn float64
	if err := json.Unmarshal(m["expires_in"], &expiresIn); err != nil || expiresIn <= 0 {
		return nil, fmt.Errorf("%w: expires_in missing or not a positive number", ErrCIBAResponse)
	}
	ba.Expiry = received.Add(min(time.Duration(min(expiresIn, maxCIBAExpiry.Seconds())*float64(time.Second)), maxCIBAExpiry))
	if raw, ok := m["interval"]; ok && string(raw) != "null" {
		var iv float64
		if err := json.Unmarshal(raw, &iv); err != nil || iv < 0 {
			return nil, fmt.Errorf("%w: interval is not a non-negative number", ErrCIBAResponse)
		}
		ba.Interval = min(time.Duration(min(iv, 60)*float64(time.Second)), time.Minute)
		if ba.Interval < time.Second {
			ba.Interval = time.Second
		}
	}
	return ba, nil
}

// PollBackchannelToken polls the token endpoint with the auth_req_id until
// the user approves or denies, or the request expires: CIBA Core, sections
// 10.1 and 11 (poll mode; in ping mode, call it once the notification came
// and it returns at the first poll).
//
// It waits ba.Interval before each request. "authorization_pending" goes on
// polling; "slow_down" adds 5 seconds to the interval for this and every
// later poll. Any other error ends polling: "access_denied" and
// "expired_token" come back as *oauth2.Error. Polling stops with
// [ErrCIBAExpired] at ba.Expiry; when ctx is done, with ctx's error.
func PollBackchannelToken(ctx context.Context, cfg *oauth2.Config, ba *BackchannelAuthentication) (*oauth2.Token, error) {
	if ba == nil || ba.AuthReqID == "" {
		return nil, fmt.Errorf("%w: no auth_req_id to poll with", ErrInvalidConfig)
	}
	now := time.Now
	if cfg.Clock != nil {
		now = cfg.Clock
	}
	wait := ba.Wait
	if wait == nil {
		wait = pause.Wait
	}
	interval := max(ba.Interval, time.Second)
	grant := oauth2.CustomGrant{Type: GrantTypeCIBA, Params: url.Values{"auth_req_id": {ba.AuthReqID}}}
	for {
		left := ba.Expiry.Sub(now())
		if left <= 0 {
			return nil, ErrCIBAExpired
		}
		if err := wait(ctx, min(interval, left)); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := cfg.Token(ctx, grant)
		var e *oauth2.Error
		switch {
		case err == nil:
			return t, nil
		case !errors.As(err, &e):
			return nil, err
		case e.Code == oauth2.ErrorAuthorizationPending:
		case e.Code == oauth2.ErrorSlowDown:
			interval += cibaSlowDownStep
		default:
			return nil, err
		}
	}
}

// maxPingNotification bounds a ping notification's body.
const maxPingNotification = 16 << 10

// ErrPingNotification: a ping callback that does not carry the client
// notification token as its bearer token, or no auth_req_id (CIBA Core,
// section 10.2).
var ErrPingNotification = errors.New("oidc: invalid CIBA ping notification")

// ParsePingNotification reads a ping mode callback to the client's
// backchannel_client_notification_endpoint: CIBA Core, section 10.2. The
// provider authenticates with the client_notification_token the client
// sent in the authentication request, as a bearer token; it is compared in
// constant time. The result is the auth_req_id now ready for one token
// request ([RedeemBackchannelToken]). The handler answers 204 No Content
// (section 10.2) when this succeeds.
func ParsePingNotification(r *http.Request, clientNotificationToken string) (string, error) {
	if r.Method != http.MethodPost {
		return "", fmt.Errorf("%w: method %s", ErrPingNotification, r.Method)
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || clientNotificationToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(clientNotificationToken)) != 1 {
		return "", fmt.Errorf("%w: not authenticated with the client notification token", ErrPingNotification)
	}
	body, err := bounded.Read(r.Body, maxPingNotification)
	if err != nil {
		return "", err
	}
	var n struct {
		AuthReqID string `json:"auth_req_id"`
	}
	if err := json.Unmarshal(body, &n); err != nil || n.AuthReqID == "" {
		return "", fmt.Errorf("%w: no auth_req_id", ErrPingNotification)
	}
	return n.AuthReqID, nil
}

// RedeemBackchannelToken makes one token request for ba (CIBA Core,
// section 10.1): in ping mode, once the notification came. Any error
// response is returned as *oauth2.Error.
func RedeemBackchannelToken(ctx context.Context, cfg *oauth2.Config, ba *BackchannelAuthentication) (*oauth2.Token, error) {
	if ba == nil || ba.AuthReqID == "" {
		return nil, fmt.Errorf("%w: no auth_req_id to redeem", ErrInvalidConfig)
	}
	return cfg.Token(ctx, oauth2.CustomGrant{Type: GrantTypeCIBA, Params: url.Values{"auth_req_id": {ba.AuthReqID}}})
}

// SignBackchannelRequest returns r with its parameters moved into a
// signed request object: CIBA Core, section 7.1.1. The object holds the
// parameters as claims plus "iss" (clientID), "aud" (the provider's
// issuer), "iat", "nbf", "exp" (five minutes on) and a fresh "jti", and is
// signed with key and alg, the client's registered
// backchannel_authentication_request_signing_alg. Extra parameters stay
// outside the object.
func SignBackchannelRequest(r BackchannelAuthenticationRequest, key jose.JWK, alg jose.Algorithm, clientID, issuer string, now time.Time) (BackchannelAuthenticationRequest, error) {
	if clientID == "" || issuer == "" {
		return r, fmt.Errorf("%w: a signed backchannel request needs the client_id and the issuer", ErrInvalidConfig)
	}
	form, err := r.form()
	if err != nil {
		return r, err
	}
	claims := map[string]any{
		"iss": clientID, "aud": issuer, "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "jti": oauth2.NewNonce(),
	}
	for k := range form {
		if _, extra := r.Extra[k]; extra {
			continue
		}
		claims[k] = form.Get(k)
	}
	if r.RequestedExpiry > 0 {
		claims["requested_expiry"] = int64(math.Ceil(r.RequestedExpiry.Seconds()))
	}
	signed, err := jose.SignClaims(key, alg, claims, jose.SignOptions{})
	if err != nil {
		return r, err
	}
	return BackchannelAuthenticationRequest{Request: signed, Extra: r.Extra}, nil
}

// CIBAMetadata holds the provider metadata of CIBA Core, section 4.
type CIBAMetadata struct {
	BackchannelAuthenticationEndpoint                         string   `json:"backchannel_authentication_endpoint"`
	BackchannelTokenDeliveryModesSupported                    []string `json:"backchannel_token_delivery_modes_supported"`
	BackchannelAuthenticationRequestSigningAlgValuesSupported []string `json:"backchannel_authentication_request_signing_alg_values_supported"`
	BackchannelUserCodeParameterSupported                     bool     `json:"backchannel_user_code_parameter_supported"`
}

// CIBA returns the provider's CIBA metadata (CIBA Core, section 4), read
// from its discovery document. A provider without a
// backchannel_authentication_endpoint gives [ErrInvalidConfig].
func (p *Provider) CIBA() (*CIBAMetadata, error) {
	var m CIBAMetadata
	if err := p.Metadata.Decode(&m); err != nil {
		return nil, err
	}
	if m.BackchannelAuthenticationEndpoint == "" {
		return nil, fmt.Errorf("%w: the provider has no backchannel_authentication_endpoint", ErrInvalidConfig)
	}
	return &m, nil
}
