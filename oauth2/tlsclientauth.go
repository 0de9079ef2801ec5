package oauth2

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
)

// Mutual-TLS client authentication method names (RFC 8705, section 2.1.1
// and 2.2.1).
const (
	MethodTLSClientAuth           = "tls_client_auth"
	MethodSelfSignedTLSClientAuth = "self_signed_tls_client_auth"
)

// TLSClientAuth authenticates the client with a certificate issued by a
// certificate authority the server trusts, presented in the TLS handshake:
// the tls_client_auth method of RFC 8705, section 2.1. The server matches
// the certificate's subject (or a subject alternative name) against the
// one registered for the client. Tokens issued this way are usually bound
// to the certificate (section 3).
//
// The certificate travels in the TLS layer, so it comes from
// Config.HTTPClient: build that client with [NewMTLSClient], or give one
// whose transport presents the certificate. Authenticate adds only
// client_id to the form (section 2, which requires it). It fails with
// [ErrNoClientCertificate], before anything is sent, when the request is
// not https, when Config.HTTPClient visibly presents no certificate, or
// when Certificate is set and the client presents another one.
type TLSClientAuth struct {
	// Certificate, when set, is the certificate the client must present;
	// Authenticate checks that Config.HTTPClient presents exactly this one.
	Certificate *tls.Certificate
}

// Method returns "tls_client_auth".
func (TLSClientAuth) Method() string { return MethodTLSClientAuth }

// Authenticate checks that the request will carry the client certificate
// and adds client_id (RFC 8705, section 2).
func (m TLSClientAuth) Authenticate(_ context.Context, c *Config, req *http.Request, form url.Values) error {
	return authenticateTLS(c, req, form, m.Certificate, MethodTLSClientAuth)
}

// SelfSignedTLSClientAuth authenticates the client with a self-signed
// certificate whose key the server knows from the client's registered
// jwks or jwks_uri: the self_signed_tls_client_auth method of RFC 8705,
// section 2.2. The server checks no chain, only that the certificate is
// one the client registered. Everything else is as for [TLSClientAuth].
type SelfSignedTLSClientAuth struct {
	// Certificate, when set, is the certificate the client must present.
	Certificate *tls.Certificate
}

// Method returns "self_signed_tls_client_auth".
func (SelfSignedTLSClientAuth) Method() string { return MethodSelfSignedTLSClientAuth }

// Authenticate checks that the request will carry the client certificate
// and adds client_id (RFC 8705, section 2).
func (m SelfSignedTLSClientAuth) Authenticate(_ context.Context, c *Config, req *http.Request, form url.Values) error {
	return authenticateTLS(c, req, form, m.Certificate, MethodSelfSignedTLSClientAuth)
}

// authenticateTLS is the check both mutual-TLS methods share.
func authenticateTLS(c *Config, req *http.Request, form url.Values, want *tls.Certificate, method string) error {
	if c.ClientID == "" {
		return fmt.Errorf("%w: %s needs a client id", ErrInvalidConfig, method)
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("%w: %s over %s: a certificate is presented only over TLS", ErrNoClientCertificate, method, req.URL.Redacted())
	}
	if err := checkPresents(c.HTTPClient, want); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	form.Set("client_id", c.ClientID)
	return nil
}

// checkPresents reports whether hc presents a client certificate (want,
// when set). A client whose certificate cannot be seen passes.
func checkPresents(hc *http.Client, want *tls.Certificate) error {
	got, known := ClientCertificate(hc)
	if !known {
		return nil
	}
	if got == nil {
		return fmt.Errorf("%w: the HTTP client presents none (build it with oauth2.NewMTLSClient)", ErrNoClientCertificate)
	}
	if want == nil {
		return nil
	}
	leaf := want.Leaf
	if leaf == nil && len(want.Certificate) > 0 {
		leaf, _ = x509.ParseCertificate(want.Certificate[0])
	}
	if leaf == nil || !leaf.Equal(got) {
		return fmt.Errorf("%w: the HTTP client presents another certificate than the configured one", ErrNoClientCertificate)
	}
	return nil
}
