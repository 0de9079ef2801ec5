package oauth2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// JWT Secured Authorization Response Mode (JARM) response modes: JARM,
// section 2.3. Send one as the "response_mode" authorization request
// parameter ([FAPI2.AuthorizationOptions] does).
const (
	// ResponseModeJWT is the default JWT response mode for the response
	// type: query.jwt for "code".
	ResponseModeJWT = "jwt"
	// ResponseModeQueryJWT returns the response JWT in the redirect's query.
	ResponseModeQueryJWT = "query.jwt"
	// ResponseModeFormPostJWT POSTs the response JWT to the redirect URI as
	// a form (parse the body with [ParseCallbackQuery]).
	ResponseModeFormPostJWT = "form_post.jwt"
)

// ErrJARM: a JWT-secured authorization response failed verification. It
// is always wrapped together with the cause's own sentinel: jose's
// ErrSignature, ErrAlgorithmNotAllowed, ErrExpired, ErrAudience,
// ErrMissingClaim, ErrMalformed..., or [ErrIssuerMismatch] for another
// issuer, so a caller matches either the category or the precise failure.
var ErrJARM = errors.New("oauth2: invalid JWT-secured authorization response")

// DefaultJARMAlgorithms are the algorithms a JARM response may be signed
// with when [JARMVerifier.Algorithms] is empty: those FAPI 2.0 allows
// (Security Profile, section 5.4). "none" is never accepted.
var DefaultJARMAlgorithms = []jose.Algorithm{jose.PS256, jose.ES256, jose.EdDSA}

// DefaultJARMLeeway is the clock skew allowed on "exp" when
// [JARMVerifier.Leeway] is zero.
const DefaultJARMLeeway = 10 * time.Second

// JARMVerifier verifies JWT-secured authorization responses (JARM, section
// 2.4) with the authorization server's key set.
type JARMVerifier struct {
	// Keys is the authorization server's key set: its jwks_uri, usually a
	// *jose.RemoteKeySet (the oidc package's Provider has one).
	Keys jose.KeySet
	// Algorithms is the allow-list of "alg" values; empty means
	// DefaultJARMAlgorithms. Keycloak signs with RS256 unless the client's
	// authorization_signed_response_alg says otherwise.
	Algorithms []jose.Algorithm
	// Leeway is the clock skew allowed on "exp"; zero means
	// DefaultJARMLeeway, negative means none.
	Leeway time.Duration
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// registeredJARMClaims are the JWT claims of a response JWT that are not
// authorization response parameters (JARM, section 2.1). "iss" is kept: it
// is also the RFC 9207 parameter Flow.Callback checks.
var registeredJARMClaims = map[string]bool{"aud": true, "exp": true, "iat": true, "nbf": true, "jti": true}

// JARMCallback verifies a JWT-secured authorization response and checks
// it against the flow as [Flow.Callback] does, returning its code (JARM,
// section 2.4). params are the redirect's query (query.jwt) or the POSTed
// form (form_post.jwt). In order:
//
//  1. params hold "response" exactly once (no parameter may repeat), else
//     [ErrInvalidCallback]; a plain error response without "response" is
//     [ErrJARM] (it is unsigned, so anyone could have sent it). Other
//     parameters beside "response" are ignored: only signed ones count;
//  2. the JWT's signature verifies with a key of v.Keys under an allowed
//     algorithm (never "none", and no HMAC: the key set holds public keys
//     only), else [ErrJARM] with jose's sentinel;
//  3. "iss" equals the flow's issuer exactly, else [ErrJARM] with
//     [ErrIssuerMismatch]; "aud" contains the client id and "exp" is
//     present and not past (with the leeway), else [ErrJARM] with
//     jose.ErrAudience, jose.ErrExpired or jose.ErrMissingClaim;
//  4. the string claims are the response parameters, and the checks of
//     [Flow.Callback] run on them: state, once-only use, iss (RFC 9207),
//     error responses, code.
//
// The flow is not consumed by a response that fails steps 1 to 3 or the
// state check.
func (f *Flow) JARMCallback(ctx context.Context, v JARMVerifier, params url.Values) (string, error) {
	inner, err := f.verifyJARM(ctx, v, params)
	if err != nil {
		return "", err
	}
	return f.Callback(inner)
}

// CompleteJARM is [Flow.Complete] for a JWT-secured authorization
// response: it checks the response with [Flow.JARMCallback] and redeems
// its code at the token endpoint (RFC 6749, section 4.1.3).
func (f *Flow) CompleteJARM(ctx context.Context, c *Config, v JARMVerifier, params url.Values) (*Token, error) {
	if c.Endpoint.Issuer != f.Issuer || c.Endpoint.TokenURL != f.TokenURL {
		return nil, fmt.Errorf("%w: the flow was started with another authorization server", ErrIssuerMismatch)
	}
	code, err := f.JARMCallback(ctx, v, params)
	if err != nil {
		return nil, err
	}
	return c.Token(ctx, AuthorizationCodeGrant{Code: code, CodeVerifier: f.CodeVerifier, RedirectURL: f.RedirectURL})
}

// verifyJARM runs steps 1 to 3 of JARMCallback and returns the response
// parameters the JWT carries.
func (f *Flow) verifyJARM(ctx context.Context, v JARMVerifier, params url.Values) (url.Values, error) {
	for name, vs := range params {
		if len(vs) > 1 {
			return nil, invalidCallback("parameter %q appears %d times", sanitize(name, 64), len(vs))
		}
	}
	resp, ok := params["response"]
	if !ok {
		if e := params.Get("error"); e != "" {
			return nil, fmt.Errorf("%w: an unsigned error response (%q) where a response JWT was expected", ErrJARM, sanitize(e, 128))
		}
		return nil, fmt.Errorf("%w: the response has no \"response\" parameter", ErrJARM)
	}
	if f.Issuer == "" {
		return nil, fmt.Errorf("%w: JARM needs the flow's issuer (Config.Endpoint.Issuer)", ErrInvalidConfig)
	}
	if v.Keys == nil {
		return nil, fmt.Errorf("%w: JARMVerifier has no key set", ErrInvalidConfig)
	}
	algs := v.Algorithms
	if len(algs) == 0 {
		algs = DefaultJARMAlgorithms
	}
	leeway := v.Leeway
	if leeway == 0 {
		leeway = DefaultJARMLeeway
	}
	now := v.Clock
	if now == nil {
		now = time.Now
	}
	// JARM, section 2.4: the signature first, then iss, aud and exp; the
	// claims are read only after the signature verified.
	_, payload, err := jose.Verify(ctx, resp[0], v.Keys, jose.VerifyOptions{Algorithms: algs})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJARM, err)
	}
	payload, err = mergeIdenticalMembers(payload)
	if err != nil {
		return nil, err
	}
	claims, err := jose.ParseClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJARM, err)
	}
	err = claims.Validate(jose.Expected{
		Issuer:        f.Issuer,
		Audience:      f.clientID,
		Leeway:        leeway,
		Clock:         now,
		RequireExpiry: true,
	})
	if err != nil {
		if errors.Is(err, jose.ErrIssuer) {
			return nil, fmt.Errorf("%w: %w: %w", ErrJARM, ErrIssuerMismatch, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrJARM, err)
	}
	inner := url.Values{}
	for name, raw := range claims.Raw() {
		if registeredJARMClaims[name] {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue // not a response parameter: those are strings (section 2.1)
		}
		inner.Set(name, s)
	}
	return inner, nil
}

// maxJARMMembers bounds the members of a response JWT's claim set.
const maxJARMMembers = 100

// mergeIdenticalMembers returns the verified claim set with members that
// appear twice with the same name and the same value kept once. Keycloak 26
// writes "iss" twice in its JARM responses, as the JWT claim and as the
// RFC 9207 response parameter, with one value. A name repeated with
// another value is ambiguous (RFC 8259, section 4: receivers disagree on
// which one counts) and fails with [ErrJARM]; so does anything but a JSON
// object. The jose parser then checks the result strictly, names equal but
// for case included.
func mergeIdenticalMembers(payload []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%w: %w: the claim set is not a JSON object", ErrJARM, jose.ErrMalformed)
	}
	seen := map[string]json.RawMessage{}
	var out bytes.Buffer
	out.WriteByte('{')
	merged := false
	for dec.More() {
		t, err := dec.Token()
		name, ok := t.(string)
		if err != nil || !ok {
			return nil, fmt.Errorf("%w: %w: the claim set is not a JSON object", ErrJARM, jose.ErrMalformed)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%w: %w: the claim set is not a JSON object", ErrJARM, jose.ErrMalformed)
		}
		if prev, dup := seen[name]; dup {
			if !bytes.Equal(prev, raw) {
				return nil, fmt.Errorf("%w: %w: member %q appears twice with different values", ErrJARM, jose.ErrMalformed, sanitize(name, 64))
			}
			merged = true
			continue
		}
		if len(seen) == maxJARMMembers {
			return nil, fmt.Errorf("%w: %w: more than %d claims", ErrJARM, jose.ErrMalformed, maxJARMMembers)
		}
		seen[name] = raw
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		out.Write(key)
		out.WriteByte(':')
		out.Write(raw)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, fmt.Errorf("%w: %w: the claim set is not a JSON object", ErrJARM, jose.ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: %w: data after the claim set", ErrJARM, jose.ErrMalformed)
	}
	if !merged {
		return payload, nil
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
