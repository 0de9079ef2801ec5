package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/internal/wire"
	"github.com/oauthkit/oauthkit/oauth2"
)

// WellKnownProtectedResource is the well-known URI suffix of protected
// resource metadata: RFC 9728, section 3.
const WellKnownProtectedResource = "oauth-protected-resource"

// maxMetadataSize caps a fetched metadata document.
const maxMetadataSize = 256 << 10

// ProtectedResourceMetadata is a protected resource's metadata document:
// RFC 9728, section 2. Every member the document holds is also in Raw
// when it was fetched.
type ProtectedResourceMetadata struct {
	Resource                              string   `json:"resource"`
	AuthorizationServers                  []string `json:"authorization_servers,omitempty"`
	JWKSURI                               string   `json:"jwks_uri,omitempty"`
	ScopesSupported                       []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported                []string `json:"bearer_methods_supported,omitempty"`
	ResourceSigningAlgValuesSupported     []string `json:"resource_signing_alg_values_supported,omitempty"`
	ResourceName                          string   `json:"resource_name,omitempty"`
	ResourceDocumentation                 string   `json:"resource_documentation,omitempty"`
	ResourcePolicyURI                     string   `json:"resource_policy_uri,omitempty"`
	ResourceTOSURI                        string   `json:"resource_tos_uri,omitempty"`
	TLSClientCertificateBoundAccessTokens bool     `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	AuthorizationDetailsTypesSupported    []string `json:"authorization_details_types_supported,omitempty"`
	DPoPSigningAlgValuesSupported         []string `json:"dpop_signing_alg_values_supported,omitempty"`
	DPoPBoundAccessTokensRequired         bool     `json:"dpop_bound_access_tokens_required,omitempty"`

	Raw map[string]json.RawMessage `json:"-"`
}

// MetadataURL returns the URL of the metadata of the resource identified
// by resource: the well-known suffix inserted between the host and the
// path (RFC 9728, section 3.1). resource must be an https URL (http on a
// loopback host) without fragment.
func MetadataURL(resource string) (string, error) {
	if _, err := checkResourceURL(resource); err != nil {
		return "", err
	}
	return oauth2.WellKnownURL(resource, WellKnownProtectedResource)
}

// checkResourceURL checks a resource identifier: RFC 9728, section 1.2.
func checkResourceURL(resource string) (*url.URL, error) {
	if err := oauth2.CheckEndpointURL(resource, false); err != nil {
		return nil, err
	}
	return url.Parse(resource)
}

// Handler serves m as JSON: the response of RFC 9728, section 3.2. Mount
// it at [MetadataURL] of m.Resource.
func (m *ProtectedResourceMetadata) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(b)
	})
}

// DiscoverOptions tune [DiscoverResource].
type DiscoverOptions struct {
	// FollowChallenge lets a resource_metadata URL named by a
	// WWW-Authenticate challenge be fetched. Off by default: the
	// challenge comes from a server that has authenticated nothing, and
	// the URL could aim the client at an internal host (RFC 9728, section
	// 7.7). When on, the URL must still be https (http on loopback).
	FollowChallenge bool
	// Observer, when set, is shown the metadata exchange, as
	// [oauth2.Config.Observer].
	Observer func(*oauth2.HTTPExchange)
	// RevealSecrets turns off redaction in what Observer is shown.
	RevealSecrets bool
}

// DiscoverResource fetches the metadata of the resource identified by
// resource (RFC 9728, section 3) and checks that its "resource" equals
// resource exactly (section 3.3), else [ErrResourceMismatch]: a document
// that names another resource may name an authorization server that is
// not the resource's, and none of it is used.
//
// challenge, when non-nil, is the response header of a 401 from the
// resource; its resource_metadata parameter (section 5.1) is used only
// with opts.FollowChallenge, else the well-known URL is.
func DiscoverResource(ctx context.Context, hc *http.Client, resource string, challenge http.Header, opts DiscoverOptions) (*ProtectedResourceMetadata, error) {
	metadataURL, err := MetadataURL(resource)
	if err != nil {
		return nil, err
	}
	if challenge != nil && opts.FollowChallenge {
		for _, scheme := range []string{oauth2.TokenTypeBearer, oauth2.TokenTypeDPoP} {
			if c, ok := oauth2.FindChallenge(challenge, scheme); ok && c.ResourceMetadata() != "" {
				if err := oauth2.CheckEndpointURL(c.ResourceMetadata(), false); err != nil {
					return nil, err
				}
				metadataURL = c.ResourceMetadata()
				break
			}
		}
	}
	body, err := fetchJSON(ctx, hc, metadataURL, opts)
	if err != nil {
		return nil, err
	}
	return ParseProtectedResourceMetadata(body, resource)
}

// ParseProtectedResourceMetadata reads a metadata document (RFC 9728,
// section 3.2) and validates it against resource (section 3.3): one JSON
// object whose members have their types, "resource" equal to resource,
// and every authorization server an https URL (http on loopback).
func ParseProtectedResourceMetadata(body []byte, resource string) (*ProtectedResourceMetadata, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidMetadata)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var m ProtectedResourceMetadata
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%w: %q has the wrong type", ErrInvalidMetadata, truncate(te.Field))
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	// encoding/json matches names case-insensitively: the exact member
	// must be the one read.
	var exact string
	if r, ok := raw["resource"]; !ok || json.Unmarshal(r, &exact) != nil || exact != m.Resource {
		return nil, fmt.Errorf("%w: no \"resource\" member", ErrInvalidMetadata)
	}
	if m.Resource != resource {
		return nil, fmt.Errorf("%w: %q, expected %q", ErrResourceMismatch, truncate(m.Resource), truncate(resource))
	}
	for _, as := range m.AuthorizationServers {
		if err := oauth2.CheckEndpointURL(as, false); err != nil {
			return nil, err
		}
	}
	m.Raw = raw
	return &m, nil
}

// fetchJSON GETs a JSON document through the wire: redirects refused (a
// redirect could leave the origin that was checked), at most
// maxMetadataSize bytes read, the exchange shown to opts.Observer. A
// non-200 status is a *oauth2.ResponseError.
func fetchJSON(ctx context.Context, hc *http.Client, rawURL string, opts DiscoverOptions) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", oauth2.ErrInvalidConfig, err)
	}
	req.Header.Set("Accept", "application/json")
	call := wire.Call{Client: hc, Redirects: wire.NoRedirects, MaxBody: maxMetadataSize, Observe: opts.Observer, Reveal: opts.RevealSecrets}
	res, err := call.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &oauth2.ResponseError{
			StatusCode:  res.StatusCode,
			ContentType: truncate(res.Header.Get("Content-Type")),
			Header:      res.Secrets.Header(res.Header),
		}
	}
	return res.Body, nil
}

// AuthorizationServer discovers the metadata of the resource's first
// authorization server (RFC 9728, section 2; RFC 8414, section 3), its
// issuer checked as RFC 8414, section 3.3 says.
func (m *ProtectedResourceMetadata) AuthorizationServer(ctx context.Context, hc *http.Client, opts oauth2.MetadataOptions) (*oauth2.Metadata, error) {
	if len(m.AuthorizationServers) == 0 {
		return nil, fmt.Errorf("%w: no authorization_servers", ErrInvalidMetadata)
	}
	return oauth2.DiscoverMetadata(ctx, hc, m.AuthorizationServers[0], opts)
}
