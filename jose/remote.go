package jose

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/flight"
	"github.com/oauthkit/oauthkit/internal/wire"
)

// Defaults and bounds of RemoteKeySet.
const (
	// DefaultRefreshInterval is the minimum time between two fetches.
	DefaultRefreshInterval = 30 * time.Second
	// DefaultMaxBodySize caps a key set response, counted after decompression.
	DefaultMaxBodySize = 1 << 20
	// defaultCacheTTL is how long keys stay fresh without a max-age.
	defaultCacheTTL = time.Hour
	// maxCacheTTL bounds a server's max-age.
	maxCacheTTL = 24 * time.Hour
	// fetchTimeout bounds one fetch, whatever the HTTP client's settings.
	fetchTimeout = 30 * time.Second
)

// RemoteKeySetConfig configures a RemoteKeySet. Zero values mean the
// documented defaults.
type RemoteKeySetConfig struct {
	// HTTPClient makes the requests. nil: a client with a 30 s timeout,
	// created once per RemoteKeySet.
	HTTPClient *http.Client
	// RefreshInterval is the minimum time between fetches (a refetch for an
	// unknown kid included); 0 means 30 s. It is also the shortest time keys
	// are cached, whatever Cache-Control says.
	RefreshInterval time.Duration
	// MaxBodySize caps the response body, counted after decompression;
	// 0 means 1 MiB.
	MaxBodySize int64
	// MaxKeys caps the number of keys in the set; 0 means 100.
	MaxKeys int
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Observer, when set, is shown each fetch once it has ended (see
	// [HTTPExchange]).
	Observer func(*HTTPExchange)
	// RevealSecrets turns off redaction in what Observer is shown.
	RevealSecrets bool
}

// HTTPExchange is one HTTP exchange as an observer is shown it; it is the
// type of oauth2.HTTPExchange, documented there, so that one observer
// function serves every package of the module.
type HTTPExchange = wire.Exchange

// RemoteKeySet is a KeySet backed by a JWKS URI (RFC 7517, section 5;
// OpenID Connect Discovery "jwks_uri"). It is safe for concurrent use.
//
// Keys are fetched on first use and cached for the response's Cache-Control
// max-age, bounded to [RefreshInterval, 24 h] (1 h when absent). An expired
// cache keeps serving its keys while a refresh runs in the background. A kid
// not in the cache triggers a refetch, sent with "Cache-Control: no-cache"
// (OpenID Connect Core, section 10.1.1, key rotation), but at most one fetch
// starts per RefreshInterval; concurrent callers share one fetch and each can
// leave through its own context. A failed fetch keeps the cached keys and is
// remembered until the interval passes, so a broken or hostile server sees a
// bounded number of requests (no refetch storm). Symmetric keys, private keys
// and unusable keys in the response are skipped (see ParseJWKSet).
type RemoteKeySet struct {
	url      string
	safeURL  string // for error messages: user info redacted
	client   *http.Client
	interval time.Duration
	maxBody  int64
	maxKeys  int
	now      func() time.Time

	observe func(*HTTPExchange)
	reveal  bool

	flights flight.Group[struct{}]
	fetches atomic.Int64

	mu        sync.Mutex
	keys      []JWK     // last good key set; never emptied by a failure
	attempted time.Time // start of the last fetch
	tried     bool      // a fetch has been started
	missAt    time.Time // start of the last refetch for an unknown kid
	missTried bool      // such a refetch has been started
	expires   time.Time // end of the keys' freshness
	lastErr   error     // error of the last fetch, nil after a success
}

// NewRemoteKeySet returns a key set fetched from jwksURL. Nothing is fetched
// until the first call to Keys.
func NewRemoteKeySet(jwksURL string, cfg RemoteKeySetConfig) *RemoteKeySet {
	r := &RemoteKeySet{
		url:      jwksURL,
		safeURL:  "(unparsable JWKS URI)",
		client:   cfg.HTTPClient,
		interval: cfg.RefreshInterval,
		maxBody:  cfg.MaxBodySize,
		maxKeys:  cfg.MaxKeys,
		now:      cfg.Clock,
		observe:  cfg.Observer,
		reveal:   cfg.RevealSecrets,
	}
	if u, err := url.Parse(jwksURL); err == nil {
		r.safeURL = u.Redacted()
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: fetchTimeout}
	}
	if r.interval <= 0 {
		r.interval = DefaultRefreshInterval
	}
	if r.maxBody <= 0 {
		r.maxBody = DefaultMaxBodySize
	}
	if r.maxKeys <= 0 {
		r.maxKeys = DefaultMaxKeys
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// Fetches returns how many HTTP requests the key set has made so far.
func (r *RemoteKeySet) Fetches() int { return int(r.fetches.Load()) }

// FetchError reports a failed key set fetch.
type FetchError struct {
	URL        string // the JWKS URI, user info redacted
	StatusCode int    // the HTTP status, 0 when no response was received
	Err        error  // the cause: transport error, ErrTooLarge, ErrMalformed, ErrNoUsableKeys...
}

// Error names the key set URL and the status or the cause.
func (e *FetchError) Error() string {
	if e.StatusCode != 0 && e.StatusCode != http.StatusOK {
		return fmt.Sprintf("jose: fetching key set %s: HTTP status %d", e.URL, e.StatusCode)
	}
	return fmt.Sprintf("jose: fetching key set %s: %v", e.URL, e.Err)
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// Keys implements KeySet: it returns the cached keys with KeyID kid (every
// key when kid is ""), fetching as the type documentation describes.
func (r *RemoteKeySet) Keys(ctx context.Context, kid string) ([]JWK, error) {
	r.mu.Lock()
	now := r.now()
	keys, found := r.lookup(kid)
	if found && now.Before(r.expires) {
		r.mu.Unlock()
		return keys, nil
	}
	f := r.flights.Running()
	miss := !found && len(r.keys) > 0
	if f == nil && r.mayFetch(now, miss) {
		r.attempted, r.tried = now, true
		if miss {
			r.missAt, r.missTried = now, true
		}
		refetch := len(r.keys) > 0
		fctx := context.WithoutCancel(ctx)
		f = r.flights.Start(func() (struct{}, error) { return struct{}{}, r.refresh(fctx, refetch) })
	}
	if found {
		// Stale keys are served at once; any refresh runs in the background.
		r.mu.Unlock()
		return keys, nil
	}
	if f == nil {
		err := r.missError(kid)
		r.mu.Unlock()
		return nil, err
	}
	r.mu.Unlock()
	if _, err := f.Wait(ctx); err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("jose: waiting for key set %s: %w", r.safeURL, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if keys, found := r.lookup(kid); found {
		return keys, nil
	}
	return nil, r.missError(kid)
}

// lookup finds cached keys; r.mu must be held.
func (r *RemoteKeySet) lookup(kid string) ([]JWK, bool) {
	if kid == "" {
		return r.keys[:len(r.keys):len(r.keys)], len(r.keys) > 0
	}
	return keysWithID(r.keys, kid)
}

// mayFetch applies the rate limit; r.mu must be held. A fetch may start when
// none started within the interval. Besides, one refetch for an unknown kid
// may start per interval even just after a successful fetch, so that a key
// rotated right after the last fetch is found (OpenID Connect Core, section
// 10.1.1); a failed fetch blocks that too (negative caching).
func (r *RemoteKeySet) mayFetch(now time.Time, miss bool) bool {
	elapsed := func(t time.Time) bool { return now.Sub(t) >= r.interval || now.Before(t) }
	if !r.tried || elapsed(r.attempted) {
		return true
	}
	if !miss || r.lastErr != nil {
		return false
	}
	return !r.missTried || elapsed(r.missAt)
}

// missError explains why no key was found; r.mu must be held.
func (r *RemoteKeySet) missError(kid string) error {
	if len(r.keys) == 0 {
		if r.lastErr != nil {
			return r.lastErr
		}
		return fmt.Errorf("%w: key set %s holds no keys", ErrUnknownKey, r.safeURL)
	}
	if r.lastErr != nil {
		return fmt.Errorf("%w: no key with kid %q (the last refresh failed: %w)", ErrUnknownKey, truncate(kid), r.lastErr)
	}
	return fmt.Errorf("%w: no key with kid %q in key set %s", ErrUnknownKey, truncate(kid), r.safeURL)
}

// refresh fetches the key set and updates the cache. It runs in the
// flight's goroutine.
func (r *RemoteKeySet) refresh(ctx context.Context, refetch bool) error {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	set, ttl, err := r.fetch(ctx, refetch)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.lastErr = err
		return err
	}
	r.keys = set.Keys
	r.expires = r.now().Add(ttl)
	r.lastErr = nil
	return nil
}

// fetch makes one request for the key set.
func (r *RemoteKeySet) fetch(ctx context.Context, refetch bool) (JWKSet, time.Duration, error) {
	fail := func(status int, err error) (JWKSet, time.Duration, error) {
		return JWKSet{}, 0, &FetchError{URL: r.safeURL, StatusCode: status, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fail(0, errors.New("invalid JWKS URI"))
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if refetch {
		// The cached set lacked a key: ask caches on the way for a fresh copy.
		req.Header.Set("Cache-Control", "no-cache")
	}
	r.fetches.Add(1)
	call := wire.Call{Client: r.client, Redirects: wire.ClientPolicy, MaxBody: r.maxBody, Observe: r.observe, Reveal: r.reveal, Clock: r.now}
	resp, err := call.Do(req)
	if err != nil {
		if errors.Is(err, bounded.ErrTooLarge) {
			err = fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		return fail(0, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(resp.StatusCode, fmt.Errorf("HTTP status %d", resp.StatusCode))
	}
	set, err := parseJWKSet(resp.Body, r.maxKeys)
	if err != nil {
		return fail(resp.StatusCode, err)
	}
	return set, r.cacheTTL(resp.Header), nil
}

// cacheTTL reads Cache-Control (RFC 9111, section 5.2.2) and bounds the
// result to [RefreshInterval, 24 h]; without max-age it is 1 h.
func (r *RemoteKeySet) cacheTTL(h http.Header) time.Duration {
	ttl := defaultCacheTTL
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return r.interval
			case "max-age":
				arg = strings.Trim(strings.TrimSpace(arg), `"`)
				if secs, err := strconv.ParseUint(arg, 10, 32); err == nil {
					ttl = time.Duration(secs) * time.Second
				}
			}
		}
	}
	return min(max(ttl, r.interval), maxCacheTTL)
}
