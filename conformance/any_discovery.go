package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// discoveryScenarios check what any provider publishes about itself: its
// metadata and its key set.
func discoveryScenarios() []Scenario {
	return []Scenario{
		{
			ID:    "any-discovery",
			Title: "metadata: exact issuer, the required members, endpoints on the issuer's scheme",
			Spec:  "RFC 8414 §2, §3; OpenID Connect Discovery 1.0 §3, §4",
			Needs: []Need{NeedMetadata},
			Run:   runAnyDiscovery,
		},
		{
			ID:    "any-key-set",
			Title: "jwks_uri: a key set of public signing keys, with kid when there are several",
			Spec:  "RFC 7517 §5; OpenID Connect Core 1.0 §10.1",
			Needs: []Need{NeedEndpoint("jwks_uri")},
			Run:   runAnyKeySet,
		},
	}
}

// RFC 8414, sections 2 and 3.3, and OpenID Connect Discovery 1.0, sections
// 3 and 4.3: the document's issuer is the one asked for, byte for byte,
// and it holds the members these specifications require.
func runAnyDiscovery(ctx context.Context, e *Env) error {
	t := e.Target()
	hc := e.RecordingClient()
	m, err := oidc.Discover(ctx, hc, t.Issuer, oidc.DiscoveryOptions{AllowInsecureHTTP: e.Provider.MetadataOptions.AllowInsecureHTTP})
	var om *oauth2.Metadata
	if err != nil {
		e.Notef("OpenID Connect Discovery: %v", err)
		if om, err = oauth2.DiscoverMetadata(ctx, hc, t.Issuer, e.Provider.MetadataOptions); err != nil {
			return fmt.Errorf("discovery: %w", err)
		}
	} else {
		om = &m.Metadata
	}
	var p problems
	p.check(om.Issuer == t.Issuer, "issuer %q, expected %q", om.Issuer, t.Issuer)
	p.check(om.TokenEndpoint != "", "no token_endpoint")
	p.check(len(om.ResponseTypesSupported) > 0, "no response_types_supported (REQUIRED)")
	if m != nil {
		p.check(om.AuthorizationEndpoint != "", "no authorization_endpoint (REQUIRED for an OpenID Provider)")
		p.check(m.JWKSURI != "", "no jwks_uri (REQUIRED for an OpenID Provider)")
		p.check(len(m.SubjectTypesSupported) > 0, "no subject_types_supported (REQUIRED)")
		p.check(slices.Contains(m.IDTokenSigningAlgValuesSupported, "RS256"), "id_token_signing_alg_values_supported lacks RS256 (MUST be included)")
		p.check(slices.Contains(om.ResponseTypesSupported, "code"), "response_types_supported lacks code (a dynamic OpenID Provider MUST support it)")
	}
	iss, _ := url.Parse(t.Issuer)
	for name, raw := range om.Raw {
		var s string
		if len(name) < 9 || name[len(name)-9:] != "_endpoint" || json.Unmarshal(raw, &s) != nil || s == "" {
			continue
		}
		u, err := url.Parse(s)
		p.check(err == nil && u.Scheme == iss.Scheme && u.Host != "", "%s %q is not an absolute %s URL", name, s, iss.Scheme)
	}
	if err := p.err(); err != nil {
		return err
	}
	e.Notef("issuer %s; %d members; grant_types_supported %q", om.Issuer, len(om.Raw), om.GrantTypesSupported)
	if !slices.Contains(om.CodeChallengeMethodsSupported, "S256") {
		return Warn("code_challenge_methods_supported does not list S256 (RFC 9700 §2.1.1: the server SHOULD publish its PKCE support)")
	}
	return nil
}

// RFC 7517, section 5, and OpenID Connect Core 1.0, section 10.1: the key
// set holds public keys only, at least one usable for signatures, and
// each has a kid when there are several.
func runAnyKeySet(ctx context.Context, e *Env) error {
	m := e.Provider.OAuthMetadata()
	status, body, err := get(ctx, e.RecordingClient(), m.JWKSURI)
	if err != nil {
		return fmt.Errorf("fetching jwks_uri: %w", err)
	}
	if status != 200 {
		return fmt.Errorf("jwks_uri: HTTP %d", status)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("jwks_uri is not a JWK Set: %w", err)
	}
	if len(set.Keys) == 0 {
		return errors.New("the key set is empty")
	}
	var p problems
	signing := 0
	for i, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			_, has := k[private]
			p.check(!has, "key %d publishes the private member %q", i, private)
		}
		if use, _ := k["use"].(string); use == "" || use == "sig" {
			signing++
		}
		kid, _ := k["kid"].(string)
		p.check(len(set.Keys) == 1 || kid != "", "key %d has no kid among %d keys", i, len(set.Keys))
	}
	p.check(signing > 0, "no key for signatures")
	if err := p.err(); err != nil {
		return err
	}
	e.Notef("%d keys, %d for signatures", len(set.Keys), signing)
	return nil
}
