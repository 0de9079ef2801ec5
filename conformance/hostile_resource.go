package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oauth2/resource"
)

// The resource-server side against hostile clients and servers: forged or
// misused tokens and proofs sent to a resource.Guard, a failing
// introspection endpoint, and protected resource metadata that lies.
func hostileResourceScenarios() []Scenario {
	return []Scenario{
		hostile("rs-01-not-an-access-token", "an ID token or an untyped JWT of the same issuer is refused as an access token", "RFC 9068 §4, §5", runRS01NotAnAccessToken),
		hostile("rs-03-dpop-proof-replay", "a replayed DPoP proof is refused with an invalid_dpop_proof challenge", "RFC 9449 §11.1, §7.1", runRS03ProofReplay),
		hostile("rs-05-introspection-failure", "an introspection endpoint that fails refuses the request, and the failure is not cached", "RFC 7662 §4", runRS05IntrospectionFailure),
		hostile("rs-07-resource-metadata-mismatch", "metadata naming another resource is discarded; a challenge's resource_metadata is fetched only on opt-in", "RFC 9728 §3.3, §5.1, §7.7", runRS07MetadataMismatch),
	}
}

// hostileIssuer signs access tokens like an authorization server.
type hostileIssuer struct {
	key  jose.JWK
	keys jose.KeySet
}

const (
	hostileRSIssuer   = "https://as.test"
	hostileRSAudience = "https://rs.test"
)

func newHostileIssuer() (*hostileIssuer, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	key := jose.JWK{KeyID: "as-1", Key: priv}
	pub, err := key.Public()
	if err != nil {
		return nil, err
	}
	return &hostileIssuer{key: key, keys: jose.StaticKeySet{pub}}, nil
}

func (h *hostileIssuer) token(typ string, extra map[string]any) (string, error) {
	now := time.Now()
	claims := map[string]any{"iss": hostileRSIssuer, "aud": hostileRSAudience, "sub": "u", "client_id": "c",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": uniqueName("jti")}
	for k, v := range extra {
		claims[k] = v
	}
	return jose.SignClaims(h.key, jose.ES256, claims, jose.SignOptions{Type: typ})
}

func (h *hostileIssuer) validator() *resource.JWTValidator {
	return &resource.JWTValidator{Issuer: hostileRSIssuer, Resource: hostileRSAudience, Keys: h.keys}
}

// guarded serves "/" behind g.
func guarded(g *resource.Guard) *httptest.Server {
	return httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
}

func runRS01NotAnAccessToken(ctx context.Context, e *Env) error {
	h, err := newHostileIssuer()
	if err != nil {
		return err
	}
	srv := guarded(&resource.Guard{Validator: h.validator()})
	defer srv.Close()
	var vs []hostileVariant
	for _, c := range []struct {
		name  string
		typ   string
		extra map[string]any
	}{
		{"typ JWT", "JWT", nil},
		{"no typ", "", nil},
		{"an ID token (typ JWT, nonce, azp)", "JWT", map[string]any{"nonce": "n", "azp": "c"}},
		{"a logout token", "logout+jwt", nil},
	} {
		vs = append(vs, hostileVariant{c.name, func() error {
			tok, err := h.token(c.typ, c.extra)
			if err != nil {
				return err
			}
			if _, err := h.validator().ValidateAccessToken(ctx, tok); !errors.Is(err, jose.ErrType) {
				return fmt.Errorf("expected jose.ErrType, got %v", err)
			}
			res, _, err := callAPI(ctx, srv.URL, "Bearer "+tok, "")
			if err != nil {
				return err
			}
			return wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeBearer, oauth2.ErrorInvalidToken)
		}})
	}
	return runHostileVariants(e, vs)
}

func runRS03ProofReplay(ctx context.Context, e *Env) error {
	h, err := newHostileIssuer()
	if err != nil {
		return err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: priv}, jose.ES256)
	if err != nil {
		return err
	}
	tok, err := h.token(resource.AccessTokenType, map[string]any{"cnf": map[string]any{"jkt": prover.JWKThumbprint()}})
	if err != nil {
		return err
	}
	srv := guarded(&resource.Guard{Validator: h.validator(), DPoP: &resource.DPoPVerifier{}})
	defer srv.Close()
	proof, err := prover.Proof(http.MethodGet, srv.URL+"/", tok)
	if err != nil {
		return err
	}
	res, _, err := callAPI(ctx, srv.URL+"/", "DPoP "+tok, proof)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the first use of the proof was refused: %d %q", res.StatusCode, res.Header.Values("WWW-Authenticate"))
	}
	res, _, err = callAPI(ctx, srv.URL+"/", "DPoP "+tok, proof)
	if err != nil {
		return err
	}
	if err := wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeDPoP, "invalid_dpop_proof"); err != nil {
		return fmt.Errorf("the replay: %w", err)
	}
	e.Notef("the replayed proof was refused")
	return nil
}

func runRS05IntrospectionFailure(ctx context.Context, e *Env) error {
	var hits atomic.Int32
	var vs []hostileVariant
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"HTTP 500", 500, "<html>oops</html>"},
		{"HTTP 401 invalid_client", 401, `{"error":"invalid_client"}`},
		{"active as a string", 200, `{"active":"true","aud":"` + hostileRSAudience + `"}`},
		{"error object with 200", 200, `{"error":"server_error","active":true}`},
	} {
		vs = append(vs, hostileVariant{c.name, func() error {
			hits.Store(0)
			as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			}))
			defer as.Close()
			v := &resource.IntrospectionValidator{Client: &oauth2.Config{ClientID: "rs", ClientSecret: "SENTINEL-CS",
				Endpoint: oauth2.Endpoint{IntrospectionURL: as.URL}}, Resource: hostileRSAudience}
			srv := guarded(&resource.Guard{Validator: v})
			defer srv.Close()
			for range 2 {
				res, _, err := callAPI(ctx, srv.URL, "Bearer opaque-token", "")
				if err != nil {
					return err
				}
				if err := wantChallenge(res, http.StatusUnauthorized, oauth2.TokenTypeBearer, oauth2.ErrorInvalidToken); err != nil {
					return err
				}
			}
			if c.status != 200 && hits.Load() != 2 {
				return fmt.Errorf("the failure was cached: %d introspection requests for 2 API requests", hits.Load())
			}
			return nil
		}})
	}
	return runHostileVariants(e, vs)
}

func runRS07MetadataMismatch(ctx context.Context, e *Env) error {
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		io.WriteString(w, `{"resource":"`+r.Host+`","authorization_servers":["https://evil.test"]}`)
	}))
	defer evil.Close()
	mux := http.NewServeMux()
	rs := httptest.NewServer(mux)
	defer rs.Close()
	mux.Handle("/.well-known/oauth-protected-resource/api", (&resource.ProtectedResourceMetadata{
		Resource: rs.URL + "/api/", AuthorizationServers: []string{"https://evil.test"}}).Handler())
	challenge := http.Header{"Www-Authenticate": {`Bearer error="invalid_token", resource_metadata="` + evil.URL + `/md"`}}
	vs := []hostileVariant{
		{"resource differs by a trailing slash", func() error {
			_, err := resource.DiscoverResource(ctx, nil, rs.URL+"/api", nil, resource.DiscoverOptions{})
			if !errors.Is(err, resource.ErrResourceMismatch) {
				return fmt.Errorf("expected resource.ErrResourceMismatch, got %v", err)
			}
			return nil
		}},
		{"challenge-named metadata not fetched by default", func() error {
			_, _ = resource.DiscoverResource(ctx, nil, rs.URL+"/api", challenge, resource.DiscoverOptions{})
			if n := evilHits.Load(); n != 0 {
				return fmt.Errorf("the challenge's URL got %d requests", n)
			}
			return nil
		}},
		{"challenge-named metadata for another resource discarded on opt-in", func() error {
			_, err := resource.DiscoverResource(ctx, nil, rs.URL+"/api", challenge, resource.DiscoverOptions{FollowChallenge: true})
			if !errors.Is(err, resource.ErrResourceMismatch) {
				return fmt.Errorf("expected resource.ErrResourceMismatch, got %v", err)
			}
			return nil
		}},
		{"challenge naming a non-loopback http URL", func() error {
			h := http.Header{"Www-Authenticate": {`Bearer resource_metadata="http://169.254.169.254/latest/meta-data"`}}
			_, err := resource.DiscoverResource(ctx, nil, rs.URL+"/api", h, resource.DiscoverOptions{FollowChallenge: true})
			if !errors.Is(err, oauth2.ErrInsecureURL) {
				return fmt.Errorf("expected oauth2.ErrInsecureURL, got %v", err)
			}
			if strings.Contains(fmt.Sprint(err), "SENTINEL") {
				return errors.New("a secret in the error")
			}
			return nil
		}},
	}
	return runHostileVariants(e, vs)
}
