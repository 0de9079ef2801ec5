package oauth2

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

var (
	// ErrMTLSAlias: an mtls_endpoint_aliases entry is not an https URL,
	// or names another host than the issuer's and the caller did not
	// allow that (RFC 8705, section 5).
	ErrMTLSAlias = errors.New("oauth2: unusable mtls endpoint alias")
	// ErrNoClientCertificate: mutual TLS was asked for, but the request
	// would go out without a client certificate: the client presents
	// none, presents another one than the configured, or the URL is not
	// https (RFC 8705, sections 2 and 3).
	ErrNoClientCertificate = errors.New("oauth2: no client certificate")
	// ErrCertificateBinding: an access token's "cnf" does not fit the
	// client certificate: it names another certificate, it is absent from
	// a token that should be bound, or it is present although the client
	// presented no certificate (RFC 8705, section 3.1).
	ErrCertificateBinding = errors.New("oauth2: access token not bound to the client certificate")
)

// CertificateThumbprint returns the "x5t#S256" confirmation value of a
// certificate: the base64url-encoded (unpadded) SHA-256 hash of its DER
// encoding (RFC 8705, section 3.1).
func CertificateThumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// MTLSEndpoint returns the endpoints a client uses when it authenticates or
// binds its tokens with mutual TLS: m.Endpoint() with the token, PAR,
// introspection, revocation and device authorization endpoints replaced by
// their mtls_endpoint_aliases entries where the server lists one (RFC 8705,
// section 5). The issuer and the authorization endpoint (a front-channel
// URL) never change.
//
// Each alias used must be an https URL (a certificate cannot be presented
// without TLS). An alias on another host name than the issuer's fails with
// [ErrMTLSAlias] unless allowOtherHosts is set: a hostile or tampered
// metadata document could otherwise send the client's certificate-
// authenticated requests (codes, refresh tokens, assertions) to a host the
// issuer does not control. Ports may differ: servers often listen for
// mutual TLS on a port of their own.
func (m *Metadata) MTLSEndpoint(allowOtherHosts bool) (Endpoint, error) {
	e := m.Endpoint()
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"token_endpoint", &e.TokenURL},
		{"pushed_authorization_request_endpoint", &e.PushedAuthorizationRequestURL},
		{"introspection_endpoint", &e.IntrospectionURL},
		{"revocation_endpoint", &e.RevocationURL},
		{"device_authorization_endpoint", &e.DeviceAuthorizationURL},
	} {
		alias, err := m.MTLSEndpointURL(f.name, allowOtherHosts)
		if err != nil {
			return Endpoint{}, err
		}
		if alias != "" {
			*f.dst = alias
		}
	}
	return e, nil
}

// MTLSEndpointURL returns the mtls_endpoint_aliases entry for the metadata
// member name (for example "userinfo_endpoint", which OpenID Connect adds),
// checked as [Metadata.MTLSEndpoint] checks its aliases, or "" when the
// server lists no alias for it (RFC 8705, section 5: the client then uses
// the ordinary endpoint).
func (m *Metadata) MTLSEndpointURL(name string, allowOtherHosts bool) (string, error) {
	alias, ok := m.MTLSEndpointAliases[name]
	if !ok || alias == "" {
		return "", nil
	}
	u, err := url.Parse(alias)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: %s alias %q is not an https URL", ErrMTLSAlias, sanitize(name, 64), sanitize(alias, 256))
	}
	if !allowOtherHosts {
		iss, err := url.Parse(m.Issuer)
		if err != nil || !strings.EqualFold(iss.Hostname(), u.Hostname()) {
			return "", fmt.Errorf("%w: %s alias is on host %q, the issuer on %q (allow other hosts explicitly to use it)",
				ErrMTLSAlias, sanitize(name, 64), sanitize(u.Hostname(), 256), sanitize(hostOf(m.Issuer), 256))
		}
	}
	return u.String(), nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Hostname()
	}
	return ""
}

// NewMTLSClient returns a client that presents cert to every server that
// requests a client certificate (RFC 8705, section 2) and refuses to send
// any request over plain http, with [ErrNoClientCertificate]: a token
// bound to the certificate must never travel without it (section 3). It
// copies base (nil means a client with [DefaultTimeout]) and its
// *http.Transport (nil means a clone of http.DefaultTransport), keeping
// the root CAs and other TLS settings; base is not modified. A base with
// another kind of RoundTripper fails with [ErrInvalidConfig]: the
// certificate could not be added to it. Use the returned client as
// Config.HTTPClient and for the resource requests the tokens authorize.
func NewMTLSClient(base *http.Client, cert tls.Certificate) (*http.Client, error) {
	if len(cert.Certificate) == 0 || cert.PrivateKey == nil {
		return nil, fmt.Errorf("%w: the client certificate has no certificate or no private key", ErrInvalidConfig)
	}
	if cert.Leaf == nil {
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("%w: the client certificate does not parse: %v", ErrInvalidConfig, err)
		}
		cert.Leaf = leaf
	}
	var hc http.Client
	if base != nil {
		hc = *base
	} else {
		hc.Timeout = DefaultTimeout
	}
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	case *mtlsTransport:
		tr = t.base.Clone()
	default:
		return nil, fmt.Errorf("%w: cannot add a client certificate to a %T; give a client whose transport presents it", ErrInvalidConfig, hc.Transport)
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	}
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	tr.TLSClientConfig.GetClientCertificate = nil
	hc.Transport = &mtlsTransport{base: tr, leaf: cert.Leaf}
	return &hc, nil
}

// mtlsTransport is the transport of NewMTLSClient: it sends only https
// requests, so the certificate is always on offer.
type mtlsTransport struct {
	base *http.Transport
	leaf *x509.Certificate
}

// RoundTrip refuses a plain http request, else hands it to the base
// transport.
func (t *mtlsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s is not https, so the certificate cannot be presented", ErrNoClientCertificate, req.URL.Redacted())
	}
	return t.base.RoundTrip(req)
}

// ClientCertificate returns the certificate hc presents, when it can be
// known: hc was made by [NewMTLSClient], or its transport is an
// *http.Transport with exactly one static certificate. known is false when
// the transport is of another kind (it may present one the package cannot
// see). A nil hc presents none.
func ClientCertificate(hc *http.Client) (cert *x509.Certificate, known bool) {
	if hc == nil {
		return nil, true
	}
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case *mtlsTransport:
		return t.leaf, true
	case nil:
		return nil, true
	case *http.Transport:
		tr = t
	default:
		return nil, false
	}
	cfg := tr.TLSClientConfig
	if cfg == nil {
		return nil, true
	}
	if cfg.GetClientCertificate != nil || len(cfg.Certificates) > 1 {
		return nil, false
	}
	if len(cfg.Certificates) == 0 {
		return nil, true
	}
	c := cfg.Certificates[0]
	if c.Leaf != nil {
		return c.Leaf, true
	}
	if len(c.Certificate) == 0 {
		return nil, true
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil, true
	}
	return leaf, true
}

// maxBoundTokenPayload bounds the access token payload CheckCertificateBinding
// decodes.
const maxBoundTokenPayload = 64 << 10

// CheckCertificateBinding checks the certificate binding of an access
// token the client can read (RFC 8705, section 3.1). cert is the
// certificate the client presented when it got the token, or nil when it
// presented none.
//
// When the access token is a JWT, its payload is read (not verified: the
// client is not the token's audience and may not hold the keys to verify
// it; the resource server does that). Then:
//   - with cert set, "cnf" must hold "x5t#S256" equal to
//     [CertificateThumbprint] of cert, else [ErrCertificateBinding];
//   - with cert nil, a "cnf" naming a certificate is [ErrCertificateBinding]
//     too: the server claims a binding the client did not ask for, and the
//     token would be refused wherever it is sent.
//
// An opaque (non-JWT) access token cannot be checked and passes: the
// binding is then known only to the authorization server (through
// introspection, RFC 8705, section 3.2).
func CheckCertificateBinding(tok *Token, cert *x509.Certificate) error {
	if tok == nil || tok.AccessToken == "" {
		return fmt.Errorf("%w: no access token", ErrInvalidConfig)
	}
	thumb, isJWT, err := tokenCertificateThumbprint(tok.AccessToken)
	if err != nil {
		return err
	}
	if !isJWT {
		return nil
	}
	switch {
	case cert == nil && thumb != "":
		return fmt.Errorf("%w: the token is bound to a certificate (cnf x5t#S256) but the client presented none", ErrCertificateBinding)
	case cert == nil:
		return nil
	case thumb == "":
		return fmt.Errorf("%w: the token has no cnf x5t#S256", ErrCertificateBinding)
	}
	want := CertificateThumbprint(cert)
	if subtle.ConstantTimeCompare([]byte(thumb), []byte(want)) != 1 {
		return fmt.Errorf("%w: the token is bound to another certificate", ErrCertificateBinding)
	}
	return nil
}

// tokenCertificateThumbprint reads cnf.x5t#S256 from a JWT access token.
// isJWT is false when the token is not a JWT with a JSON object payload.
func tokenCertificateThumbprint(token string) (thumb string, isJWT bool, err error) {
	if strings.Count(token, ".") != 2 || len(token) > maxBoundTokenPayload*2 {
		return "", false, nil
	}
	_, rest, _ := strings.Cut(token, ".")
	seg, _, _ := strings.Cut(rest, ".")
	payload, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil || len(payload) > maxBoundTokenPayload {
		return "", false, nil
	}
	var claims struct {
		Cnf json.RawMessage `json:"cnf"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return "", false, nil
	}
	if len(claims.Cnf) == 0 || string(claims.Cnf) == "null" {
		return "", true, nil
	}
	var cnf map[string]json.RawMessage
	if json.Unmarshal(claims.Cnf, &cnf) != nil {
		return "", true, fmt.Errorf("%w: the access token's cnf is not an object", ErrCertificateBinding)
	}
	raw, ok := cnf["x5t#S256"]
	if !ok {
		return "", true, nil
	}
	if json.Unmarshal(raw, &thumb) != nil || thumb == "" {
		return "", true, fmt.Errorf("%w: the access token's cnf x5t#S256 is not a string", ErrCertificateBinding)
	}
	return thumb, true, nil
}
