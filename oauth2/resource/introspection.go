package resource

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/internal/flight"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Defaults of [IntrospectionValidator].
const (
	// DefaultCacheSize is the number of introspection results kept.
	DefaultCacheSize = 1000
	// DefaultCacheTTL is the longest a result is kept: a revoked token
	// stays accepted at most this long (RFC 7662, section 4).
	DefaultCacheTTL = time.Minute
)

// IntrospectionValidator validates access tokens by asking the
// authorization server: RFC 7662. It suits opaque tokens, and JWTs whose
// revocation must be seen.
//
// A token is accepted only when the response is active (the JSON boolean
// true, and exp and nbf hold), is not a refresh token (a Keycloak "typ" of
// "Refresh", or a token_type_hint answered with token_type
// "refresh_token"), names Resource in "aud" when Resource is set, and
// Issuer in "iss" when Issuer is set (RFC 7662, section 4).
//
// Results, active and inactive, are cached for at most CacheTTL and never
// past the token's "exp", keyed by the token's SHA-256 hash (the cache
// holds no token). Concurrent validations of one uncached token share one
// introspection request, which runs detached from the callers'
// cancellation and bounded by [oauth2.DefaultTimeout]; each caller still
// leaves when its own context ends. Failures to reach the endpoint are
// never cached: they reject the request (fail closed).
type IntrospectionValidator struct {
	// Client is the resource server as a client of the introspection
	// endpoint (Endpoint.IntrospectionURL, and its credentials). Required.
	Client *oauth2.Config
	// Resource, when set, must be among the token's audiences.
	Resource string
	// Issuer, when set, must equal the token's "iss".
	Issuer string
	// CacheSize bounds the cache; 0 means DefaultCacheSize, negative
	// turns the cache off.
	CacheSize int
	// CacheTTL bounds how long a result is kept; 0 means DefaultCacheTTL.
	CacheTTL time.Duration

	once  sync.Once
	cache *boundedCache[introspected]

	mu      sync.Mutex                             // guards flights, and orders them with the cache
	flights map[string]*flight.Group[introspected] // one introspection per uncached token at a time
}

// introspected is a cached result: a token or the error it was refused with.
type introspected struct {
	token *AccessToken
	err   error
}

func (v *IntrospectionValidator) now() time.Time {
	if v.Client != nil && v.Client.Clock != nil {
		return v.Client.Clock()
	}
	return time.Now()
}

// ValidateAccessToken introspects token (RFC 7662, section 2.1), or takes
// the cached result.
func (v *IntrospectionValidator) ValidateAccessToken(ctx context.Context, token string) (*AccessToken, error) {
	if v.Client == nil {
		return nil, fmt.Errorf("%w: IntrospectionValidator needs a Client", oauth2.ErrInvalidConfig)
	}
	v.once.Do(func() {
		size := v.CacheSize
		if size == 0 {
			size = DefaultCacheSize
		}
		if size > 0 {
			v.cache = newBoundedCache[introspected](size)
		}
	})
	sum := sha256.Sum256([]byte(token))
	key := string(sum[:])
	now := v.now()
	if v.cache == nil {
		r, err := v.introspect(ctx, token)
		if err != nil {
			return nil, err
		}
		return r.token, r.err
	}
	// The cache is read and the flight of key found or started under one
	// lock, and the flight stores its result and leaves the map under the
	// same lock: a caller either finds the result or joins the flight.
	v.mu.Lock()
	if r, ok := v.cache.get(key, now); ok {
		v.mu.Unlock()
		return r.token, r.err
	}
	if v.flights == nil {
		v.flights = make(map[string]*flight.Group[introspected])
	}
	g := v.flights[key]
	if g == nil {
		g = new(flight.Group[introspected])
		v.flights[key] = g
	}
	call := g.Start(func() (introspected, error) {
		// Detached from the first caller's cancellation, since the others
		// wait for the same answer; bounded on its own.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), oauth2.DefaultTimeout)
		defer cancel()
		r, err := v.introspect(fctx, token)
		v.mu.Lock()
		defer v.mu.Unlock()
		delete(v.flights, key)
		if err != nil {
			return r, err // endpoint failures are not cached
		}
		ttl := v.CacheTTL
		if ttl <= 0 {
			ttl = DefaultCacheTTL
		}
		expires := now.Add(ttl)
		if r.token != nil && !r.token.Expiry.IsZero() && r.token.Expiry.Before(expires) {
			expires = r.token.Expiry
		}
		v.cache.add(key, r, expires)
		return r, nil
	})
	v.mu.Unlock()
	r, err := call.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return r.token, r.err
}

// introspect asks the endpoint about token. Its error is a failure to get
// an answer; a refusal of the token is in the result.
func (v *IntrospectionValidator) introspect(ctx context.Context, token string) (introspected, error) {
	in, err := v.Client.Introspect(ctx, token, oauth2.HintAccessToken)
	if err != nil {
		return introspected{}, err
	}
	at, err := v.check(token, in)
	return introspected{token: at, err: err}, nil
}

// check applies RFC 7662, section 4 to an introspection response.
func (v *IntrospectionValidator) check(token string, in *oauth2.Introspection) (*AccessToken, error) {
	if !in.Active {
		return nil, ErrInactive
	}
	var typ string
	if raw, ok := in.Raw["typ"]; ok {
		_ = json.Unmarshal(raw, &typ)
	}
	if strings.EqualFold(typ, "Refresh") || strings.EqualFold(typ, "Offline") || strings.EqualFold(typ, "ID") ||
		strings.EqualFold(in.TokenType, oauth2.HintRefreshToken) {
		return nil, fmt.Errorf("%w: the token is a %q token, not an access token", ErrInactive, truncate(typ+in.TokenType))
	}
	if v.Resource != "" && !in.HasAudience(v.Resource) {
		return nil, fmt.Errorf("%w: the token is not for %q", jose.ErrAudience, truncate(v.Resource))
	}
	if v.Issuer != "" && in.Iss != v.Issuer {
		return nil, fmt.Errorf("%w: the token's issuer is %q", jose.ErrIssuer, truncate(in.Iss))
	}
	at := &AccessToken{
		Raw:           token,
		Issuer:        in.Iss,
		Subject:       in.Sub,
		ClientID:      in.ClientID,
		ID:            in.Jti,
		Audience:      in.Aud,
		Scope:         in.Scope,
		Expiry:        in.Exp,
		IssuedAt:      in.Iat,
		Introspection: in,
	}
	if raw, ok := in.Raw["cnf"]; ok {
		if err := readConfirmation(raw, at); err != nil {
			return nil, err
		}
	}
	return at, nil
}
