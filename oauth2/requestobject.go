package oauth2

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// RequestObjectType is the "typ" header of a request object: RFC 9101,
// section 10.8 (media type application/oauth-authz-req+jwt).
const RequestObjectType = "oauth-authz-req+jwt"

// Request object lifetimes. FAPI 2.0 Message Signing, section 5.3.2, item
// 4: a client sends an "exp" no more than 60 minutes out (and servers
// refuse more than 60 minutes after "nbf", section 5.3.1).
const (
	DefaultRequestObjectLifetime = 5 * time.Minute
	MaxRequestObjectLifetime     = 60 * time.Minute
)

// RequestObject signs authorization requests as JWTs: RFC 9101 (JAR). A
// request object carries every authorization request parameter as a claim
// (section 4), so the authorization server can check that nobody changed
// them on the way, and the claims FAPI 2.0 Message Signing (section 5.3)
// requires: "iss" (the client id), "aud" (the issuer identifier), "exp",
// "nbf", "iat" and a fresh "jti" (sections 5.3.2, items 2 to 4).
type RequestObject struct {
	// Key is the client's private signing key (RSA, ECDSA P-256 or
	// Ed25519); its public part is registered with the server. Its KeyID,
	// when set, is sent as "kid".
	Key jose.JWK
	// Algorithm signs the request object. Empty means Key.Algorithm, else
	// PS256 for RSA, ES256 for P-256, EdDSA for Ed25519: the algorithms
	// FAPI 2.0 allows (Security Profile, section 5.4).
	Algorithm jose.Algorithm
	// AllowRS256 permits RS256, which FAPI 2.0 forbids and some servers
	// still require. Without it, RS256 fails with [ErrInvalidConfig].
	AllowRS256 bool
	// Lifetime is exp minus nbf; zero means [DefaultRequestObjectLifetime].
	// More than [MaxRequestObjectLifetime] fails with [ErrInvalidConfig].
	Lifetime time.Duration
	// Type is the "typ" header; empty means [RequestObjectType]. "JWT" is
	// what servers written before RFC 9101 expect.
	Type string
}

// algorithm returns the signing algorithm, refusing RS256 unless asked for
// and anything FAPI 2.0 does not list.
func (ro RequestObject) algorithm() (jose.Algorithm, error) {
	alg := ro.Algorithm
	if alg == "" {
		alg = ro.Key.Algorithm
	}
	if alg == "" {
		switch k := ro.Key.Key.(type) {
		case *rsa.PrivateKey:
			alg = jose.PS256
		case *ecdsa.PrivateKey:
			var err error
			if alg, err = defaultAlgorithm(k); err != nil {
				return "", err
			}
		case ed25519.PrivateKey:
			alg = jose.EdDSA
		default:
			return "", fmt.Errorf("%w: a request object needs an RSA, ECDSA or Ed25519 private key, not %T", ErrInvalidConfig, ro.Key.Key)
		}
	}
	if alg == jose.RS256 && !ro.AllowRS256 {
		return "", fmt.Errorf("%w: RS256 request objects need RequestObject.AllowRS256 (FAPI 2.0 Security Profile, section 5.4 allows PS256, ES256 and EdDSA only)", ErrInvalidConfig)
	}
	return alg, nil
}

// jsonValuedParams are the authorization request parameters whose value is
// JSON: in a request object they are JSON members, not strings (OpenID
// Connect Core 1.0, section 6.1 for "claims"; RFC 9396, section 2 for
// "authorization_details").
var jsonValuedParams = map[string]bool{"claims": true, "authorization_details": true}

// SignRequestObject returns a request object holding params (RFC 9101,
// section 4): each parameter becomes a claim (a string; an array when it is
// repeated; a JSON value for "claims" and "authorization_details"), plus
// client_id, "iss" = Config.ClientID, "aud" = Config.Endpoint.Issuer,
// "iat" = "nbf" = now, "exp" = now plus the lifetime, and a 128-bit
// random "jti". params must not set request or request_uri (section 4:
// a request object cannot nest another).
func (c *Config) SignRequestObject(params url.Values, ro RequestObject) (string, error) {
	if c.ClientID == "" {
		return "", fmt.Errorf("%w: a request object needs a client id", ErrInvalidConfig)
	}
	if c.Endpoint.Issuer == "" {
		return "", fmt.Errorf("%w: a request object needs Endpoint.Issuer, its audience (RFC 9101, section 4)", ErrInvalidConfig)
	}
	if params.Has("request") || params.Has("request_uri") {
		return "", fmt.Errorf("%w: a request object must not carry request or request_uri (RFC 9101, section 4)", ErrInvalidConfig)
	}
	lifetime := ro.Lifetime
	if lifetime == 0 {
		lifetime = DefaultRequestObjectLifetime
	}
	if lifetime < 0 || lifetime > MaxRequestObjectLifetime {
		return "", fmt.Errorf("%w: request object lifetime %s is not within (0, %s] (FAPI 2.0 Message Signing, section 5.3.2)",
			ErrInvalidConfig, lifetime, MaxRequestObjectLifetime)
	}
	alg, err := ro.algorithm()
	if err != nil {
		return "", err
	}
	claims := make(map[string]any, len(params)+7)
	for name, vs := range params {
		switch {
		case len(vs) == 0:
		case len(vs) == 1 && jsonValuedParams[name] && json.Valid([]byte(vs[0])):
			claims[name] = json.RawMessage(vs[0])
		case len(vs) == 1:
			claims[name] = vs[0]
		default:
			claims[name] = vs
		}
	}
	now := c.now()
	claims["client_id"] = c.ClientID
	claims["iss"] = c.ClientID
	claims["aud"] = c.Endpoint.Issuer
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(lifetime).Unix()
	claims["jti"] = randomToken(16)
	typ := ro.Type
	if typ == "" {
		typ = RequestObjectType
	}
	s, err := jose.SignClaims(ro.Key, alg, claims, jose.SignOptions{Type: typ})
	if err != nil {
		return "", fmt.Errorf("oauth2: signing the request object: %w", err)
	}
	return s, nil
}

// SignedRequest returns the parameters that send the flow's authorization
// request as a request object: client_id and "request" (RFC 9101, section
// 5.1). Push them with [Config.PushAuthorizationRequest] (RFC 9126, section
// 3) and send the user agent to [Flow.PushedAuthorizationURL], or send them
// by value in the authorization request URL with [Flow.RequestObjectURL].
// The request object holds every parameter of f.Params.
func (f *Flow) SignedRequest(c *Config, ro RequestObject) (url.Values, error) {
	if c.ClientID != f.clientID {
		return nil, fmt.Errorf("%w: the flow was started with another client", ErrInvalidConfig)
	}
	jwt, err := c.SignRequestObject(f.Params, ro)
	if err != nil {
		return nil, err
	}
	return url.Values{"client_id": {c.ClientID}, "request": {jwt}}, nil
}

// RequestObjectURL returns the authorization request that passes the
// flow's parameters by value in a request object: the authorization
// endpoint with client_id and "request" only (RFC 9101, section 5.1).
func (f *Flow) RequestObjectURL(c *Config, ro RequestObject) (string, error) {
	p, err := f.SignedRequest(c, ro)
	if err != nil {
		return "", err
	}
	endpoint, err := url.Parse(f.authorizationURL)
	if err != nil || endpoint.Host == "" {
		return "", fmt.Errorf("%w: flow has no authorization endpoint", ErrInvalidConfig)
	}
	return withQuery(endpoint, p), nil
}

// PushSignedRequest pushes the flow's request object to the PAR endpoint
// (RFC 9126, section 3) and returns the authorization request URL that
// refers to it by request_uri (section 4).
func (f *Flow) PushSignedRequest(ctx context.Context, c *Config, ro RequestObject) (string, *PushedAuthorization, error) {
	p, err := f.SignedRequest(c, ro)
	if err != nil {
		return "", nil, err
	}
	pa, err := c.PushAuthorizationRequest(ctx, p)
	if err != nil {
		return "", nil, err
	}
	u, err := f.PushedAuthorizationURL(pa.RequestURI)
	if err != nil {
		return "", nil, err
	}
	return u, pa, nil
}
