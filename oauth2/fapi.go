package oauth2

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/oauthkit/oauthkit/jose"
)

// ErrFAPIProfile: a configuration or a server response the FAPI 2.0
// profile forbids. The message names the rule and its section.
var ErrFAPIProfile = errors.New("oauth2: not allowed by the FAPI 2.0 profile")

// FAPI2Algorithms are the only JWS algorithms the FAPI 2.0 Security
// Profile allows, for JWTs the client makes and for those it verifies
// (section 5.4, item 1.2: PS256, ES256, EdDSA with Ed25519).
var FAPI2Algorithms = []jose.Algorithm{jose.PS256, jose.ES256, jose.EdDSA}

// FAPI2ClockSkew is the clock skew the profile's authorization servers
// allow on the "iat" and "nbf" of the JWTs clients send (FAPI 2.0 Security
// Profile, section 5.3.2.1, item 14: at least 10 seconds). The client uses
// the same allowance on the "exp" of the JWTs it verifies.
const FAPI2ClockSkew = DefaultJARMLeeway

// FAPI2 is the FAPI 2.0 Security Profile (final, February 2025) on the
// client side, optionally with FAPI 2.0 Message Signing (signed requests,
// JAR, and signed responses, JARM). It drives the authorization code flow
// of a [Config] the way the profile demands, and refuses, with
// [ErrFAPIProfile] and the section of the rule, every configuration the
// profile forbids:
//
//   - TLS everywhere: every endpoint is https, the HTTP client checks the
//     server certificate and speaks TLS 1.2 or later (section 5.2.1);
//   - client authentication is private_key_jwt or mutual TLS (section
//     5.3.3.1, item 2), with the issuer as the assertion audience (item
//     5, which [PrivateKeyJWT] does);
//   - access tokens are sender-constrained by DPoP or a client certificate
//     (item 1), and a token response that is not is refused;
//   - the authorization code grant with PAR, PKCE S256 and the RFC 9207
//     "iss" check; the authorization endpoint receives client_id and
//     request_uri only (section 5.3.3.2, items 1 to 5);
//   - JWTs are signed and verified with PS256, ES256 or EdDSA, never none
//     (section 5.4).
//
// Mutual TLS endpoint aliases (section 5.3.3.1, item 7) are the caller's
// choice of Endpoint: use [Metadata.MTLSEndpoint] to build it.
type FAPI2 struct {
	// MessageSigning turns on FAPI 2.0 Message Signing: the pushed
	// request is a request object signed with RequestObject (section 5.3.2)
	// and the response comes back as a JARM JWT (response_mode=jwt) that
	// JARM verifies (section 5.4.2).
	MessageSigning bool
	// RequestObject signs the pushed authorization request; used only
	// with MessageSigning.
	RequestObject RequestObject
	// JARM verifies signed authorization responses; used only with
	// MessageSigning. Its Algorithms must be a subset of FAPI2Algorithms;
	// empty means all of them.
	JARM JARMVerifier
}

// fapiError is an ErrFAPIProfile with the rule and where the profile
// states it.
func fapiError(section, format string, args ...any) error {
	return fmt.Errorf("%w (%s): %s", ErrFAPIProfile, section, fmt.Sprintf(format, args...))
}

// Check reports the first rule of the profile that c, with p's settings,
// breaks. It sends nothing.
func (p *FAPI2) Check(c *Config) error {
	if c.ClientID == "" {
		return fmt.Errorf("%w: no client id", ErrInvalidConfig)
	}
	if c.Endpoint.Issuer == "" {
		return fapiError("Security Profile 5.3.3.1 item 5, 5.3.3.2 item 4", "Endpoint.Issuer is required: it is the assertion audience and the value the callback's iss must equal")
	}
	if c.Endpoint.PushedAuthorizationRequestURL == "" {
		return fapiError("Security Profile 5.3.3.2 item 2", "pushed authorization requests are required: set Endpoint.PushedAuthorizationRequestURL")
	}
	for _, u := range []struct{ name, url string }{
		{"issuer", c.Endpoint.Issuer},
		{"authorization endpoint", c.Endpoint.AuthorizationURL},
		{"token endpoint", c.Endpoint.TokenURL},
		{"pushed authorization request endpoint", c.Endpoint.PushedAuthorizationRequestURL},
	} {
		if pu, err := url.Parse(u.url); err != nil || pu.Scheme != "https" || pu.Host == "" {
			return fapiError("Security Profile 5.2.1 item 1", "the %s %q is not an https URL", u.name, sanitize(u.url, 256))
		}
	}
	if err := checkFAPITLS(c.HTTPClient); err != nil {
		return err
	}
	mtlsAuth := false
	switch m := c.AuthMethod.(type) {
	case PrivateKeyJWT:
		if err := checkAssertionAlgorithm(m); err != nil {
			return err
		}
	case *PrivateKeyJWT:
		if err := checkAssertionAlgorithm(*m); err != nil {
			return err
		}
	case TLSClientAuth, *TLSClientAuth, SelfSignedTLSClientAuth, *SelfSignedTLSClientAuth:
		mtlsAuth = true
	default:
		method := "none or client_secret_basic (the default)"
		if c.AuthMethod != nil {
			method = c.AuthMethod.Method()
		}
		return fapiError("Security Profile 5.3.3.1 item 2", "client authentication must be private_key_jwt or mutual TLS, not %s", method)
	}
	cert, known := ClientCertificate(c.HTTPClient)
	presents := cert != nil || !known
	if mtlsAuth && !presents {
		return fapiError("Security Profile 5.3.3.1 item 2; RFC 8705 section 2", "mutual-TLS client authentication needs an HTTP client that presents a certificate (oauth2.NewMTLSClient)")
	}
	if c.DPoP == nil && !presents {
		return fapiError("Security Profile 5.3.3.1 item 1", "access tokens must be sender-constrained: set Config.DPoP or use an HTTP client that presents a certificate")
	}
	if p.MessageSigning {
		alg, err := p.RequestObject.algorithm()
		if err != nil {
			return err
		}
		if !slices.Contains(FAPI2Algorithms, alg) {
			return fapiError("Security Profile 5.4 item 1.2", "request objects sign with %s; use PS256, ES256 or EdDSA", alg)
		}
		if p.JARM.Keys == nil {
			return fapiError("Message Signing 5.4.2 item 2", "JARM.Keys (the server's key set) is required to verify signed responses")
		}
		for _, a := range p.JARM.Algorithms {
			if !slices.Contains(FAPI2Algorithms, a) {
				return fapiError("Security Profile 5.4 item 1.2", "JARM accepts %s; only PS256, ES256 and EdDSA are allowed", a)
			}
		}
	}
	return nil
}

// checkAssertionAlgorithm refuses a private_key_jwt assertion algorithm
// the profile does not allow (Security Profile, section 5.4, item 1.2).
func checkAssertionAlgorithm(m PrivateKeyJWT) error {
	alg := m.Algorithm
	if alg == "" {
		alg = m.Key.Algorithm
	}
	if alg == "" {
		var err error
		if alg, err = defaultAlgorithm(m.Key.Key); err != nil {
			return err
		}
	}
	if !slices.Contains(FAPI2Algorithms, alg) {
		return fapiError("Security Profile 5.4 item 1.2", "private_key_jwt signs with %s; set PrivateKeyJWT.Algorithm to PS256, ES256 or EdDSA", alg)
	}
	return nil
}

// checkFAPITLS refuses an HTTP client that skips the server certificate
// check or allows TLS below 1.2 (Security Profile, section 5.2.1, items 2
// and 5). Go's default client settings pass.
func checkFAPITLS(hc *http.Client) error {
	if hc == nil {
		return nil
	}
	var cfg *tls.Config
	switch t := hc.Transport.(type) {
	case *mtlsTransport:
		cfg = t.base.TLSClientConfig
	case *http.Transport:
		cfg = t.TLSClientConfig
	}
	if cfg == nil {
		return nil
	}
	if cfg.InsecureSkipVerify {
		return fapiError("Security Profile 5.2.1 item 5", "the HTTP client skips the TLS server certificate check")
	}
	if cfg.MinVersion != 0 && cfg.MinVersion < tls.VersionTLS12 {
		return fapiError("Security Profile 5.2.1 item 2", "the HTTP client allows TLS versions below 1.2")
	}
	return nil
}

// AuthorizationRequest starts a FAPI 2.0 authorization code flow (Security
// Profile, section 5.3.3.2): it checks c with [FAPI2.Check], makes the
// request with PKCE S256, a fresh state and RequireIssuer set (RFC 9207),
// adds response_mode=jwt with MessageSigning, pushes it to the PAR endpoint
// (as a signed request object with MessageSigning; RFC 9126, section 3)
// authenticated as c says, and returns the flow with the URL to send the
// user agent to: the authorization endpoint with client_id and
// request_uri only.
func (p *FAPI2) AuthorizationRequest(ctx context.Context, c *Config, opts AuthorizationOptions) (*Flow, string, error) {
	if err := p.Check(c); err != nil {
		return nil, "", err
	}
	opts.RequireIssuer = true
	if mode, ok := opts.Extra["response_mode"]; ok {
		if !p.MessageSigning || len(mode) != 1 || (mode[0] != ResponseModeJWT && mode[0] != ResponseModeQueryJWT && mode[0] != ResponseModeFormPostJWT) {
			return nil, "", fapiError("Security Profile 5.3.3.2; Message Signing 5.4.2 item 1", "response_mode %q is not allowed here", sanitize(opts.Extra.Get("response_mode"), 64))
		}
	} else if p.MessageSigning {
		opts.Extra = cloneValues(opts.Extra)
		opts.Extra.Set("response_mode", ResponseModeJWT)
	}
	f, err := c.AuthorizationRequest(opts)
	if err != nil {
		return nil, "", err
	}
	if p.MessageSigning {
		u, _, err := f.PushSignedRequest(ctx, c, p.RequestObject)
		if err != nil {
			return nil, "", err
		}
		return f, u, nil
	}
	pa, err := c.PushAuthorizationRequest(ctx, f.Params)
	if err != nil {
		return nil, "", err
	}
	u, err := f.PushedAuthorizationURL(pa.RequestURI)
	if err != nil {
		return nil, "", err
	}
	return f, u, nil
}

// Complete checks the authorization response of a flow begun with
// [FAPI2.AuthorizationRequest] (a JARM response with MessageSigning,
// [Flow.JARMCallback]; else [Flow.Callback]), redeems the code, and
// refuses a token that is not sender-constrained the way the client asked
// (Security Profile, section 5.3.3.1, item 1): with Config.DPoP, the token
// type must be DPoP; otherwise, the token must be bound to the client
// certificate when it is a JWT the client can read
// ([CheckCertificateBinding]).
func (p *FAPI2) Complete(ctx context.Context, c *Config, f *Flow, params url.Values) (*Token, error) {
	if err := p.Check(c); err != nil {
		return nil, err
	}
	var tok *Token
	var err error
	if p.MessageSigning {
		v := p.JARM
		if len(v.Algorithms) == 0 {
			v.Algorithms = FAPI2Algorithms
		}
		if v.Clock == nil {
			v.Clock = c.Clock
		}
		tok, err = f.CompleteJARM(ctx, c, v, params)
	} else {
		tok, err = f.Complete(ctx, c, params)
	}
	if err != nil {
		return nil, err
	}
	if err := p.CheckToken(c, tok); err != nil {
		return nil, err
	}
	return tok, nil
}

// CheckToken refuses a token that is not sender-constrained as c asks
// (Security Profile, section 5.3.3.1, item 1): with Config.DPoP, a token
// type other than DPoP is [ErrFAPIProfile]; else the certificate binding
// is checked with [CheckCertificateBinding].
func (p *FAPI2) CheckToken(c *Config, tok *Token) error {
	if c.DPoP != nil {
		if tok.TokenType != TokenTypeDPoP {
			return fapiError("Security Profile 5.3.3.1 item 1", "DPoP was sent but the server issued a %s token", tok.TokenType)
		}
		return nil
	}
	cert, known := ClientCertificate(c.HTTPClient)
	if !known {
		return nil
	}
	return CheckCertificateBinding(tok, cert)
}
