package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/oauthkit/oauthkit/internal/wire"
)

// Well-known URI suffixes of metadata documents (RFC 8615).
const (
	// WellKnownOAuthAuthorizationServer is RFC 8414, section 3.
	WellKnownOAuthAuthorizationServer = "oauth-authorization-server"
	// WellKnownOpenIDConfiguration is OpenID Connect Discovery 1.0, section 4.
	WellKnownOpenIDConfiguration = "openid-configuration"
)

var (
	// ErrInvalidMetadata: a metadata document that is not a JSON object, a
	// member of the wrong type, or a required member missing.
	ErrInvalidMetadata = errors.New("oauth2: invalid authorization server metadata")
	// ErrInsecureURL: an issuer or endpoint URL that is not https (http is
	// accepted only on loopback hosts, or with AllowInsecureHTTP), or that
	// has a fragment or user information.
	ErrInsecureURL = wire.ErrURL
	// ErrMetadataNotFound: no metadata document at any well-known location.
	ErrMetadataNotFound = errors.New("oauth2: authorization server metadata not found")
)

// Metadata is an authorization server's metadata document: RFC 8414,
// section 2, with the members of the extensions oauthkit speaks. Every
// member the document holds, known or not, is also in Raw.
type Metadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	RegistrationEndpoint                       string   `json:"registration_endpoint"`
	ScopesSupported                            []string `json:"scopes_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	ServiceDocumentation                       string   `json:"service_documentation"`
	UILocalesSupported                         []string `json:"ui_locales_supported"`
	OPPolicyURI                                string   `json:"op_policy_uri"`
	OPTOSURI                                   string   `json:"op_tos_uri"`
	// RevocationEndpoint is RFC 7009's endpoint.
	RevocationEndpoint                              string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethodsSupported          []string `json:"revocation_endpoint_auth_methods_supported"`
	RevocationEndpointAuthSigningAlgValuesSupported []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`
	// IntrospectionEndpoint is RFC 7662's endpoint.
	IntrospectionEndpoint                              string   `json:"introspection_endpoint"`
	IntrospectionEndpointAuthMethodsSupported          []string `json:"introspection_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthSigningAlgValuesSupported []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	// CodeChallengeMethodsSupported is informative only: oauthkit always
	// sends S256 (RFC 7636, section 4.2), whatever this list says.
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	// DeviceAuthorizationEndpoint is RFC 8628, section 4.
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	// PushedAuthorizationRequestEndpoint and RequirePushedAuthorizationRequests
	// are RFC 9126, section 5.
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint"`
	RequirePushedAuthorizationRequests bool   `json:"require_pushed_authorization_requests"`
	// AuthorizationResponseIssParameterSupported is RFC 9207, section 3:
	// when true, an authorization response without "iss" is rejected
	// (see [AuthorizationOptions.RequireIssuer]).
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// DPoPSigningAlgValuesSupported is RFC 9449, section 5.1.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported"`
	// TLSClientCertificateBoundAccessTokens and MTLSEndpointAliases are
	// RFC 8705, sections 3.3 and 5.
	TLSClientCertificateBoundAccessTokens bool              `json:"tls_client_certificate_bound_access_tokens"`
	MTLSEndpointAliases                   map[string]string `json:"mtls_endpoint_aliases"`
	// EndSessionEndpoint is OpenID Connect RP-Initiated Logout 1.0, section 2.1.
	EndSessionEndpoint string `json:"end_session_endpoint"`
	// Raw holds every member of the document as it was sent.
	Raw map[string]json.RawMessage `json:"-"`
}

// Endpoint returns the issuer and the endpoint URLs a [Config] needs.
func (m *Metadata) Endpoint() Endpoint {
	return Endpoint{
		Issuer:                        m.Issuer,
		AuthorizationURL:              m.AuthorizationEndpoint,
		TokenURL:                      m.TokenEndpoint,
		DeviceAuthorizationURL:        m.DeviceAuthorizationEndpoint,
		PushedAuthorizationRequestURL: m.PushedAuthorizationRequestEndpoint,
		IntrospectionURL:              m.IntrospectionEndpoint,
		RevocationURL:                 m.RevocationEndpoint,
	}
}

// Decode fills v, a pointer to a struct, from the document's members:
// each exported field tagged `json:"name"` (embedded structs included)
// receives the member of exactly that name; a member whose JSON type does
// not fit the field fails with [ErrInvalidMetadata]. Packages that extend
// the metadata (OpenID Connect Discovery) use it for their own members.
func (m *Metadata) Decode(v any) error {
	return decodeMembers(m.Raw, v)
}

// MetadataOptions tune metadata discovery. The zero value is the safe
// default.
type MetadataOptions struct {
	// AllowInsecureHTTP accepts http:// issuer and endpoint URLs on any
	// host. Without it http is accepted only on loopback hosts
	// (127.0.0.0/8, ::1, localhost). Only for development setups.
	AllowInsecureHTTP bool
	// MaxBodySize bounds the document, after decompression. Zero means
	// [DefaultMaxBodySize].
	MaxBodySize int64
	// Observer, when set, is shown each exchange, as [Config.Observer].
	Observer func(*HTTPExchange)
	// RevealSecrets turns off redaction in what Observer is shown.
	RevealSecrets bool
}

func (o MetadataOptions) maxBody() int64 {
	if o.MaxBodySize > 0 {
		return o.MaxBodySize
	}
	return DefaultMaxBodySize
}

// DiscoverMetadata fetches the metadata of the authorization server whose
// issuer identifier is issuer: RFC 8414, section 3. It tries, in order, and
// moves on only when a location answers 404:
//
//  1. the well-known URI inserted between host and path (section 3.1):
//     https://as.example/.well-known/oauth-authorization-server/tenant;
//  2. when the issuer has a path, the same suffix appended to it, as
//     Keycloak serves it: https://as.example/tenant/.well-known/oauth-authorization-server;
//  3. the OpenID Connect form appended to the issuer (section 5):
//     https://as.example/tenant/.well-known/openid-configuration.
//
// The document's issuer must equal issuer byte for byte (section 3.3), or
// the call fails with [ErrIssuerMismatch] and none of its endpoints is
// used. hc nil means a client with a [DefaultTimeout] timeout. Redirects
// are followed only within the origin of the URL fetched.
func DiscoverMetadata(ctx context.Context, hc *http.Client, issuer string, opts MetadataOptions) (*Metadata, error) {
	if err := checkIssuerURL(issuer, opts.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	inserted, err := WellKnownURL(issuer, WellKnownOAuthAuthorizationServer)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(issuer, "/")
	candidates := []string{inserted}
	if appended := base + "/.well-known/" + WellKnownOAuthAuthorizationServer; appended != inserted {
		candidates = append(candidates, appended)
	}
	candidates = append(candidates, base+"/.well-known/"+WellKnownOpenIDConfiguration)
	var notFound []error
	for _, u := range candidates {
		m, err := FetchMetadata(ctx, hc, u, issuer, opts)
		var re *ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			notFound = append(notFound, err)
			continue
		}
		return m, err
	}
	return nil, fmt.Errorf("%w for issuer %q: %w", ErrMetadataNotFound, issuer, errors.Join(notFound...))
}

// WellKnownURL returns the well-known URI of issuer for suffix, inserted
// between the host and the path as RFC 8414, section 3.1 says: a trailing
// "/" of the path is removed first.
func WellKnownURL(issuer, suffix string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "", fmt.Errorf("%w: issuer %q is not an absolute URL", ErrInsecureURL, sanitize(issuer, 256))
	}
	return u.Scheme + "://" + u.Host + "/.well-known/" + suffix + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// FetchMetadata fetches the metadata document at metadataURL and checks it
// with [ParseMetadata] against the expected issuer: RFC 8414, section 3.2
// and 3.3. OpenID Connect Discovery uses it for
// {issuer}/.well-known/openid-configuration. A non-200 answer is a
// [*ResponseError]; redirects to another origin are refused with
// [ErrRedirect].
func FetchMetadata(ctx context.Context, hc *http.Client, metadataURL, issuer string, opts MetadataOptions) (*Metadata, error) {
	if err := CheckEndpointURL(metadataURL, opts.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	body, err := getBounded(ctx, hc, metadataURL, opts)
	if err != nil {
		return nil, err
	}
	return ParseMetadata(body, issuer, opts)
}

// getBounded GETs a JSON document through the wire, following redirects
// only within the origin of rawURL, and reads at most max bytes of it. A
// non-200 status is a *ResponseError.
func getBounded(ctx context.Context, hc *http.Client, rawURL string, opts MetadataOptions) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	req.Header.Set("Accept", "application/json")
	call := wire.Call{Client: hc, Redirects: wire.SameOrigin, MaxBody: opts.maxBody(), Observe: opts.Observer, Reveal: opts.RevealSecrets}
	res, err := call.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &ResponseError{
			StatusCode:  res.StatusCode,
			ContentType: sanitize(res.Header.Get("Content-Type"), 128),
			Excerpt:     excerpt(res.Body, res.Secrets),
			Header:      res.Secrets.Header(res.Header),
		}
	}
	return res.Body, nil
}

// ParseMetadata reads a metadata document (RFC 8414, section 3.2) and
// validates it (section 3.3):
//
//   - the body is one JSON object, with no member name twice (in any
//     letter case), else [ErrInvalidMetadata];
//   - "issuer" is present and equals issuer byte for byte, else
//     [ErrIssuerMismatch]; it is an https URL without query or fragment;
//   - "token_endpoint" is present;
//   - every known member has its JSON type, else [ErrInvalidMetadata];
//   - every member named *_endpoint, "jwks_uri" and every value of
//     "mtls_endpoint_aliases" is an https URL (see [CheckEndpointURL]),
//     else [ErrInsecureURL].
func ParseMetadata(body []byte, issuer string, opts MetadataOptions) (*Metadata, error) {
	members, err := splitObject(body, true)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	m := &Metadata{Raw: members}
	if err := decodeMembers(members, m); err != nil {
		return nil, err
	}
	if _, ok := members["issuer"]; !ok || m.Issuer == "" {
		return nil, fmt.Errorf("%w: no issuer", ErrInvalidMetadata)
	}
	if m.Issuer != issuer {
		return nil, fmt.Errorf("%w: metadata names issuer %q, expected %q", ErrIssuerMismatch,
			sanitize(m.Issuer, 256), sanitize(issuer, 256))
	}
	if err := checkIssuerURL(m.Issuer, opts.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	if m.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: no token_endpoint", ErrInvalidMetadata)
	}
	for name, raw := range members {
		if !strings.HasSuffix(name, "_endpoint") && name != "jwks_uri" {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			if string(raw) == "null" {
				continue
			}
			return nil, fmt.Errorf("%w: %q is not a string", ErrInvalidMetadata, sanitize(name, 64))
		}
		if err := CheckEndpointURL(s, opts.AllowInsecureHTTP); err != nil {
			return nil, fmt.Errorf("%s: %w", sanitize(name, 64), err)
		}
	}
	for name, s := range m.MTLSEndpointAliases {
		if err := CheckEndpointURL(s, opts.AllowInsecureHTTP); err != nil {
			return nil, fmt.Errorf("mtls_endpoint_aliases.%s: %w", sanitize(name, 64), err)
		}
	}
	return m, nil
}

// checkIssuerURL checks an issuer identifier: RFC 8414, section 2 (https,
// no query, no fragment).
func checkIssuerURL(issuer string, allowInsecureHTTP bool) error {
	if err := CheckEndpointURL(issuer, allowInsecureHTTP); err != nil {
		return err
	}
	if strings.ContainsAny(issuer, "?#") {
		return fmt.Errorf("%w: issuer %q has a query or fragment", ErrInsecureURL, sanitize(issuer, 256))
	}
	return nil
}

// CheckEndpointURL reports whether rawURL may be used as an endpoint: an
// absolute https URL with a host, no fragment (RFC 6749, section 3.1 and
// 3.2) and no user information. http is accepted on loopback hosts
// (127.0.0.0/8, ::1, localhost) or when allowInsecureHTTP is set; every
// other scheme (file, gopher, javascript) is refused with [ErrInsecureURL].
func CheckEndpointURL(rawURL string, allowInsecureHTTP bool) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: %q is not a URL", ErrInsecureURL, sanitize(rawURL, 256))
	}
	switch {
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: %q is not an absolute URL with a host", ErrInsecureURL, sanitize(rawURL, 256))
	case u.User != nil:
		return fmt.Errorf("%w: %q carries user information", ErrInsecureURL, sanitize(u.Redacted(), 256))
	case u.Fragment != "" || strings.Contains(rawURL, "#"):
		return fmt.Errorf("%w: %q has a fragment", ErrInsecureURL, sanitize(rawURL, 256))
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (allowInsecureHTTP || isLoopbackHost(u.Hostname())):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%w: %q uses http on a host that is not loopback", ErrInsecureURL, sanitize(rawURL, 256))
	}
	return fmt.Errorf("%w: %q is not an http(s) URL", ErrInsecureURL, sanitize(rawURL, 256))
}

// isLoopbackHost reports whether host is localhost or a loopback address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decodeMembers fills the tagged fields of the struct v points to from
// members, by exact name. null leaves a field at its zero value.
func decodeMembers(members map[string]json.RawMessage, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: Decode needs a pointer to a struct, not %T", ErrInvalidConfig, v)
	}
	return decodeStruct(members, rv.Elem())
}

func decodeStruct(members map[string]json.RawMessage, sv reflect.Value) error {
	st := sv.Type()
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeStruct(members, sv.Field(i)); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		raw, ok := members[name]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, sv.Field(i).Addr().Interface()); err != nil {
			return fmt.Errorf("%w: %q must be %s", ErrInvalidMetadata, name, describeType(f.Type))
		}
	}
	return nil
}

// describeType names a Go type the way a metadata document would hold it.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return "of type " + t.String()
}
