package oidc

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

func TestDiscover_Valid(t *testing.T) {
	ts := newTestServer(t)
	m, err := Discover(context.Background(), ts.Client(), ts.URL, DiscoveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Issuer != ts.URL || m.UserInfoEndpoint != ts.URL+"/userinfo" || m.JWKSURI != ts.URL+"/jwks" ||
		!m.BackchannelLogoutSupported || m.EndSessionEndpoint != ts.URL+"/logout" ||
		len(m.IDTokenSigningAlgValuesSupported) != 2 || m.Raw["userinfo_endpoint"] == nil {
		t.Fatalf("unexpected metadata %+v", m)
	}
	if got := DiscoveryURL("https://op.example/realms/x/"); got != "https://op.example/realms/x/.well-known/openid-configuration" {
		t.Errorf("DiscoveryURL: %s", got)
	}
}

// DM-01: the document's issuer must equal the configured issuer exactly.
func TestDiscover_DM01_IssuerMismatch(t *testing.T) {
	for name, mutate := range map[string]func(string) string{
		"other host":     func(string) string { return "https://evil.example" },
		"trailing slash": func(iss string) string { return iss + "/" },
		"case":           func(iss string) string { return strings.ToUpper(iss) },
		"other realm":    func(iss string) string { return iss + "/realms/other" },
	} {
		ts := newTestServer(t)
		ts.set(func() {
			ts.discovery = func(iss string) any { return with(discoveryDoc(iss), map[string]any{"issuer": mutate(iss)}) }
		})
		_, err := NewProvider(context.Background(), ts.URL, ProviderConfig{HTTPClient: ts.Client()})
		if !errors.Is(err, ErrIssuerMismatch) || !errors.Is(err, oauth2.ErrIssuerMismatch) {
			t.Errorf("%s: got %v, want ErrIssuerMismatch", name, err)
		}
		if ts.hits.get("/jwks") != 0 {
			t.Errorf("%s: the mismatching document's jwks_uri was used", name)
		}
	}
}

// DM-01: an explicit, separately configured document location (Keycloak's
// back-channel hostname) still checks the issuer exactly.
func TestDiscover_DM01_DiscoveryURLOverride(t *testing.T) {
	ts := newTestServer(t)
	public := "https://sso.example/realms/test"
	ts.set(func() {
		ts.discovery = func(string) any { return discoveryDoc(public) }
	})
	m, err := Discover(context.Background(), ts.Client(), public, DiscoveryOptions{DiscoveryURL: ts.URL + WellKnownPath})
	if err != nil || m.Issuer != public {
		t.Fatalf("override: %v", err)
	}
	if _, err := Discover(context.Background(), ts.Client(), public+"/", DiscoveryOptions{DiscoveryURL: ts.URL + WellKnownPath}); !errors.Is(err, ErrIssuerMismatch) {
		t.Errorf("override with another issuer: got %v", err)
	}
}

// DM-02: malformed or hostile metadata.
func TestDiscover_DM02_MalformedMetadata(t *testing.T) {
	cases := []struct {
		name    string
		changes map[string]any
		want    error
	}{
		{"jwks_uri number", map[string]any{"jwks_uri": 123}, ErrInvalidMetadata},
		{"response_types string", map[string]any{"response_types_supported": "code"}, ErrInvalidMetadata},
		{"id_token algs string", map[string]any{"id_token_signing_alg_values_supported": "RS256"}, ErrInvalidMetadata},
		{"backchannel string", map[string]any{"backchannel_logout_supported": "yes"}, ErrInvalidMetadata},
		{"userinfo number", map[string]any{"userinfo_endpoint": 1}, ErrInvalidMetadata},
		{"no jwks_uri", map[string]any{"jwks_uri": nil}, ErrInvalidMetadata},
		{"no token_endpoint", map[string]any{"token_endpoint": nil}, ErrInvalidMetadata},
		{"no authorization_endpoint", map[string]any{"authorization_endpoint": nil}, ErrInvalidMetadata},
		{"file endpoint", map[string]any{"userinfo_endpoint": "file:///etc/passwd"}, ErrInsecureURL},
		{"gopher jwks", map[string]any{"jwks_uri": "gopher://evil.example/1"}, ErrInsecureURL},
		{"http non-loopback", map[string]any{"token_endpoint": "http://evil.example/token"}, ErrInsecureURL},
	}
	for _, c := range cases {
		ts := newTestServer(t)
		ts.set(func() {
			ts.discovery = func(iss string) any {
				d := with(discoveryDoc(iss), c.changes)
				for k, v := range c.changes {
					if v == nil {
						delete(d, k)
					}
				}
				return d
			}
		})
		_, err := Discover(context.Background(), ts.Client(), ts.URL, DiscoveryOptions{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// An issuer with a query or fragment.
	ts := newTestServer(t)
	if _, err := Discover(context.Background(), ts.Client(), ts.URL+"?tenant=x", DiscoveryOptions{}); err == nil {
		t.Error("issuer with a query accepted")
	}
	// http on a host that is not loopback needs the explicit opt-in.
	if _, err := Discover(context.Background(), ts.Client(), "http://op.example", DiscoveryOptions{}); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("http issuer: got %v", err)
	}
}

// DM-02 / TE-13: a 10 MB document and a body that never ends are cut at
// the cap.
func TestDiscover_DM02_TooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + strings.Repeat("a", 10<<20) + `"}`))
	}))
	defer srv.Close()
	_, err := Discover(context.Background(), srv.Client(), srv.URL, DiscoveryOptions{})
	if !errors.Is(err, oauth2.ErrResponseTooLarge) {
		t.Errorf("got %v, want ErrResponseTooLarge", err)
	}
}

func TestNewProviderFromMetadata(t *testing.T) {
	m := &Metadata{}
	m.Issuer = "https://op.example"
	if _, err := NewProviderFromMetadata(m, ProviderConfig{}); !errors.Is(err, ErrInvalidMetadata) {
		t.Errorf("incomplete metadata: got %v", err)
	}
	m.AuthorizationEndpoint, m.TokenEndpoint, m.JWKSURI = "https://op.example/auth", "https://op.example/token", "http://op.example/jwks"
	if _, err := NewProviderFromMetadata(m, ProviderConfig{}); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("http jwks_uri: got %v", err)
	}
	m.JWKSURI = "https://op.example/jwks"
	p, err := NewProviderFromMetadata(m, ProviderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if e := p.Endpoint(); e.Issuer != m.Issuer || e.TokenURL != m.TokenEndpoint || e.AuthorizationURL != m.AuthorizationEndpoint {
		t.Errorf("Endpoint: %+v", e)
	}
}

// Metadata may narrow, never widen, the client's algorithms.
func TestProvider_VerifierNarrowsAlgorithms(t *testing.T) {
	p := &Provider{Metadata: &Metadata{IDTokenSigningAlgValuesSupported: []string{"RS256", "ES256", "HS256", "none"}}}
	p.Metadata.Issuer = testIssuer
	v, err := p.Verifier(IDTokenVerifier{ClientID: testClientID})
	if err != nil || len(v.Algorithms) != 1 || v.Algorithms[0] != jose.RS256 || v.Issuer != testIssuer {
		t.Errorf("default: %v %v", v, err)
	}
	v, err = p.Verifier(IDTokenVerifier{ClientID: testClientID, Algorithms: []jose.Algorithm{jose.ES256, jose.PS256}})
	if err != nil || len(v.Algorithms) != 1 || v.Algorithms[0] != jose.ES256 {
		t.Errorf("narrowed: %v %v", v, err)
	}
	p.Metadata.IDTokenSigningAlgValuesSupported = []string{"ES512"}
	if _, err := p.Verifier(IDTokenVerifier{ClientID: testClientID}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nothing left: got %v", err)
	}
	p.Metadata.IDTokenSigningAlgValuesSupported = nil
	v, _ = p.Verifier(IDTokenVerifier{ClientID: testClientID, Algorithms: []jose.Algorithm{jose.PS256}})
	if len(v.Algorithms) != 1 || v.Algorithms[0] != jose.PS256 {
		t.Errorf("no list: %v", v.Algorithms)
	}
}

// providerFor discovers ts and returns a verifier on its remote key set.
func providerFor(t *testing.T, ts *testServer) (*Provider, *IDTokenVerifier) {
	t.Helper()
	p, err := NewProvider(context.Background(), ts.URL, ProviderConfig{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Verifier(IDTokenVerifier{ClientID: testClientID, Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return p, v
}

func serverClaims(ts *testServer) map[string]any {
	return with(idClaims(), map[string]any{"iss": ts.URL})
}

// JW-05: jku and x5u never make a request; keys come from jwks_uri only.
func TestProvider_JW05_JKUIgnored(t *testing.T) {
	ts := newTestServer(t)
	var evilHits sync.Map
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Store(r.URL.Path, true)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwksJSON(t, publicJWK("evil", attackerRSAKey(), jose.RS256)))
	}))
	defer evil.Close()
	_, v := providerFor(t, ts)
	for _, hdr := range []map[string]any{
		{"alg": "RS256", "kid": "evil", "jku": evil.URL + "/jwks"},
		{"alg": "RS256", "kid": "evil", "x5u": evil.URL + "/cert.pem"},
		{"alg": "RS256", "kid": testKID, "jku": evil.URL + "/jwks"},
	} {
		raw := signWith(t, hdr, serverClaims(ts), rsaSigner(attackerRSAKey(), crypto.SHA256))
		_, err := v.Verify(context.Background(), raw, VerifyOptions{})
		if !errors.Is(err, jose.ErrUnknownKey) && !errors.Is(err, jose.ErrSignature) {
			t.Errorf("%v: got %v", hdr, err)
		}
	}
	evilHits.Range(func(k, _ any) bool {
		t.Errorf("evil server received a request for %v", k)
		return true
	})
}

// JW-15: a stream of tokens with random kids makes a bounded number of
// JWKS requests while the endpoint fails.
func TestProvider_JW15_RefetchStorm(t *testing.T) {
	ts := newTestServer(t)
	p, v := providerFor(t, ts)
	if _, err := v.Verify(context.Background(), signWith(t, rsHeader(), serverClaims(ts), rsaSigner(opRSAKey(), crypto.SHA256)), VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	ts.set(func() { ts.jwks = func() []byte { return []byte("<html>junk</html>") } })
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hdr := map[string]any{"alg": "RS256", "kid": "random-" + string(rune('a'+i%26)) + strings.Repeat("x", i)}
			raw := signWith(t, hdr, serverClaims(ts), rsaSigner(opRSAKey(), crypto.SHA256))
			if _, err := v.Verify(context.Background(), raw, VerifyOptions{}); err == nil {
				t.Error("a token with an unknown kid verified")
			}
		}()
	}
	wg.Wait()
	if n := p.KeySet.Fetches(); n > 2 {
		t.Errorf("%d JWKS fetches for 64 unknown kids, want at most 2", n)
	}
	// The good key is still served.
	if _, err := v.Verify(context.Background(), signWith(t, rsHeader(), serverClaims(ts), rsaSigner(opRSAKey(), crypto.SHA256)), VerifyOptions{}); err != nil {
		t.Errorf("cached key lost: %v", err)
	}
}

// JW-16: a legitimate rotation costs exactly one refetch, sent with
// Cache-Control: no-cache.
func TestProvider_JW16_KeyRotation(t *testing.T) {
	ts := newTestServer(t)
	clock := testNow
	p, err := NewProvider(context.Background(), ts.URL, ProviderConfig{HTTPClient: ts.Client(), Clock: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := p.Verifier(IDTokenVerifier{ClientID: testClientID, Clock: fixedNow})
	if _, err := v.Verify(context.Background(), signWith(t, rsHeader(), serverClaims(ts), rsaSigner(opRSAKey(), crypto.SHA256)), VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	ts.set(func() {
		ts.jwks = func() []byte {
			return jwksJSON(t, publicJWK(testKID, opRSAKey(), jose.RS256), publicJWK("rsa-2", rotatedRSAKey(), jose.RS256))
		}
	})
	clock = clock.Add(time.Minute) // past the refresh interval
	raw := signWith(t, map[string]any{"alg": "RS256", "kid": "rsa-2"}, serverClaims(ts), rsaSigner(rotatedRSAKey(), crypto.SHA256))
	if _, err := v.Verify(context.Background(), raw, VerifyOptions{}); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if got := ts.hits.get("/jwks"); got != 2 {
		t.Errorf("%d JWKS requests, want 2 (initial + one refetch)", got)
	}
	if ts.noCache.Load() != 1 {
		t.Errorf("the refetch was not sent with Cache-Control: no-cache")
	}
}

// JW-18: unusable keys beside the real one are skipped.
func TestProvider_JW18_UnusableKeys(t *testing.T) {
	ts := newTestServer(t)
	ts.set(func() {
		ts.jwks = func() []byte {
			var set struct {
				Keys []json.RawMessage `json:"keys"`
			}
			_ = json.Unmarshal(jwksJSON(t, publicJWK(testKID, opRSAKey(), jose.RS256)), &set)
			junk := []string{
				`{"kty":"AKP","alg":"ML-DSA-44","kid":"pq","pub":"AAAA"}`,
				`{"kty":"XYZ","kid":"invented"}`,
				`{"kty":"RSA","alg":"RS999","kid":"badalg","n":"AQAB","e":"AQAB"}`,
				`{"kty":"EC","crv":"P-999","kid":"badcrv","x":"AA","y":"AA"}`,
				`{"kty":"RSA","kid":"badb64","n":"!!!","e":"AQAB"}`,
				`{"kty":"oct","kid":"sym","k":"c2VjcmV0"}`,
			}
			for _, j := range junk {
				set.Keys = append(set.Keys, json.RawMessage(j))
			}
			b, _ := json.Marshal(set)
			return b
		}
	})
	_, v := providerFor(t, ts)
	if _, err := v.Verify(context.Background(), signWith(t, rsHeader(), serverClaims(ts), rsaSigner(opRSAKey(), crypto.SHA256)), VerifyOptions{}); err != nil {
		t.Fatalf("real key beside junk: %v", err)
	}
}
