package oidc

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// ProviderConfig configures a [Provider]. The zero value is the safe
// default.
type ProviderConfig struct {
	// HTTPClient makes every request of the provider: discovery, the key set,
	// userinfo. Nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// AllowInsecureHTTP accepts http:// URLs on hosts that are not loopback.
	// Only for development setups.
	AllowInsecureHTTP bool
	// MaxBodySize bounds every response body, counted after decompression.
	// Zero means 1 MiB.
	MaxBodySize int64
	// DiscoveryURL overrides where the configuration document is fetched;
	// see [DiscoveryOptions.DiscoveryURL].
	DiscoveryURL string
	// KeySetRefreshInterval is the minimum time between two fetches of
	// jwks_uri; zero means jose.DefaultRefreshInterval (30 s).
	KeySetRefreshInterval time.Duration
	// Clock returns the current time for the key set's cache; nil means
	// time.Now.
	Clock func() time.Time
	// Observer, when set, is shown every exchange of the provider once it
	// has ended: discovery, key set fetches and userinfo. Pass the same
	// function as oauth2.Config.Observer to see a whole login. Secrets are
	// redacted unless RevealSecrets is set.
	Observer func(*oauth2.HTTPExchange)
	// RevealSecrets turns off redaction in what Observer is shown. Only
	// for tests against throw-away credentials.
	RevealSecrets bool
}

// Provider is an OpenID Provider as a client sees it: its validated
// metadata and its signing keys, fetched from jwks_uri on demand through
// the configured client. A Provider is safe for concurrent use.
type Provider struct {
	// Metadata is the validated configuration document.
	Metadata *Metadata
	// KeySet holds the provider's signing keys (jwks_uri), cached and
	// refetched on an unknown "kid" at most once per refresh interval.
	KeySet *jose.RemoteKeySet

	httpClient        *http.Client
	allowInsecureHTTP bool
	maxBodySize       int64
	observer          func(*oauth2.HTTPExchange)
	revealSecrets     bool
}

// NewProvider discovers the provider whose issuer identifier is issuer
// (OpenID Connect Discovery 1.0, section 4; see [Discover] for every check)
// and returns it with a key set on its jwks_uri. Nothing but the
// configuration document is fetched here.
func NewProvider(ctx context.Context, issuer string, cfg ProviderConfig) (*Provider, error) {
	m, err := Discover(ctx, cfg.HTTPClient, issuer, DiscoveryOptions{
		AllowInsecureHTTP: cfg.AllowInsecureHTTP,
		MaxBodySize:       cfg.MaxBodySize,
		DiscoveryURL:      cfg.DiscoveryURL,
		Observer:          cfg.Observer,
		RevealSecrets:     cfg.RevealSecrets,
	})
	if err != nil {
		return nil, err
	}
	return NewProviderFromMetadata(m, cfg)
}

// NewProviderFromMetadata returns a Provider for metadata the caller already
// has (configured statically, or stored from an earlier discovery). The
// issuer, authorization_endpoint, token_endpoint and jwks_uri must be set,
// and every endpoint must pass the same URL checks as in discovery.
func NewProviderFromMetadata(m *Metadata, cfg ProviderConfig) (*Provider, error) {
	if m == nil || m.Issuer == "" || m.JWKSURI == "" || m.TokenEndpoint == "" || m.AuthorizationEndpoint == "" {
		return nil, fail(ErrInvalidMetadata, "issuer, authorization_endpoint, token_endpoint and jwks_uri are required")
	}
	for _, u := range [...]string{m.Issuer, m.AuthorizationEndpoint, m.TokenEndpoint, m.JWKSURI, m.UserInfoEndpoint, m.EndSessionEndpoint} {
		if u == "" {
			continue
		}
		if err := oauth2.CheckEndpointURL(u, cfg.AllowInsecureHTTP); err != nil {
			return nil, discoveryError(err)
		}
	}
	return &Provider{
		Metadata: m,
		KeySet: jose.NewRemoteKeySet(m.JWKSURI, jose.RemoteKeySetConfig{
			HTTPClient:      cfg.HTTPClient,
			RefreshInterval: cfg.KeySetRefreshInterval,
			MaxBodySize:     cfg.MaxBodySize,
			Clock:           cfg.Clock,
			Observer:        cfg.Observer,
			RevealSecrets:   cfg.RevealSecrets,
		}),
		httpClient:        cfg.HTTPClient,
		allowInsecureHTTP: cfg.AllowInsecureHTTP,
		maxBodySize:       cfg.MaxBodySize,
		observer:          cfg.Observer,
		revealSecrets:     cfg.RevealSecrets,
	}, nil
}

// Issuer returns the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.Metadata.Issuer }

// Endpoint returns the issuer and endpoints for an oauth2.Config.
func (p *Provider) Endpoint() oauth2.Endpoint { return p.Metadata.Endpoint() }

// Verifier returns a copy of v set up for this provider: Issuer is the
// provider's issuer, KeySet its key set (when v has none), and Algorithms
// the client's algorithms (RS256 when v names none) narrowed to the
// provider's id_token_signing_alg_values_supported. Metadata only narrows:
// an algorithm the client did not allow is never added. When no algorithm
// is left the result is an error wrapping ErrInvalidConfig.
func (p *Provider) Verifier(v IDTokenVerifier) (*IDTokenVerifier, error) {
	v.Issuer = p.Metadata.Issuer
	if v.KeySet == nil {
		v.KeySet = p.KeySet
	}
	allowed := v.Algorithms
	if len(allowed) == 0 {
		allowed = []jose.Algorithm{jose.RS256}
	}
	v.Algorithms = narrow(allowed, p.Metadata.IDTokenSigningAlgValuesSupported)
	if len(v.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: the provider signs ID tokens with none of %q", ErrInvalidConfig, allowed)
	}
	return &v, nil
}

// narrow returns the algorithms of client that supported lists, in the
// client's order; all of client when supported is empty.
func narrow(client []jose.Algorithm, supported []string) []jose.Algorithm {
	out := make([]jose.Algorithm, 0, len(client))
	for _, a := range client {
		if len(supported) == 0 {
			out = append(out, a)
			continue
		}
		for _, s := range supported {
			if string(a) == s {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
