package oauth2

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/jose"
)

// PrivateKeyJWT authenticates the client with a JWT signed with its
// private key: the private_key_jwt method of OpenID Connect Core 1.0,
// section 9, using RFC 7523, sections 2.2 and 3. The server verifies it
// with the public key registered for the client (or its JWKS). Each request
// carries a fresh assertion with a new jti, valid for
// [DefaultAssertionLifetime].
//
// The assertion's "aud" is chosen by Audience: by default
// Config.Endpoint.Issuer, or the token endpoint URL when that is empty.
//
// An RSA key must have at least 2048 bits (RFC 7518, section 3.3); a
// smaller one fails with an error wrapping ErrInvalidConfig and
// jose.ErrUnusableKey that says so.
type PrivateKeyJWT struct {
	// Key is the client's private key (RSA, ECDSA or Ed25519). Its KeyID,
	// when set, is sent as the "kid" header.
	Key jose.JWK
	// Algorithm signs the assertion. Empty means Key.Algorithm, else the
	// key type's usual one: RS256 for RSA, ES256, ES384 or ES512 for P-256,
	// P-384 or P-521, EdDSA for Ed25519.
	Algorithm jose.Algorithm
	// Type is the "typ" header of the assertion; empty omits it, which
	// every server accepts (Keycloak included). "client-authentication+jwt"
	// is the explicit type of draft-ietf-oauth-rfc7523bis.
	Type string
	// Audience chooses the "aud" claim (RFC 7523, section 3; OpenID
	// Connect Core 1.0, section 9); the zero value is the issuer.
	Audience AssertionAudience
}

// Method returns "private_key_jwt".
func (PrivateKeyJWT) Method() string { return MethodPrivateKeyJWT }

// Authenticate adds client_assertion_type, client_assertion and client_id
// to the form (RFC 7523, section 2.2).
func (m PrivateKeyJWT) Authenticate(_ context.Context, c *Config, _ *http.Request, form url.Values) error {
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
	if err := checkKeyStrength(m.Key.Key); err != nil {
		return err
	}
	assertion, err := clientAssertion(c, m.Key, alg, m.Type, m.Audience)
	if err != nil {
		return err
	}
	setClientAssertion(form, c.ClientID, assertion)
	return nil
}

// defaultAlgorithm is the signature algorithm a private key is usually
// used with (RFC 7518, section 3.1; RFC 8037, section 3.1).
func defaultAlgorithm(key any) (jose.Algorithm, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return jose.RS256, nil
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return jose.ES256, nil
		case elliptic.P384():
			return jose.ES384, nil
		case elliptic.P521():
			return jose.ES512, nil
		}
		return "", fmt.Errorf("%w: private_key_jwt: unsupported curve", ErrInvalidConfig)
	case ed25519.PrivateKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("%w: private_key_jwt needs an RSA, ECDSA or Ed25519 private key, not %T", ErrInvalidConfig, key)
}

// minRSABits is the smallest RSA modulus for RS256, RS384, RS512 and PS*:
// RFC 7518, section 3.3 ("a key of size 2048 bits or larger MUST be used").
const minRSABits = 2048

// checkKeyStrength refuses an RSA key too small to sign with, with an error
// that says so rather than that the key does not fit the algorithm.
func checkKeyStrength(key any) error {
	k, ok := key.(*rsa.PrivateKey)
	if !ok || k == nil || k.N == nil {
		return nil
	}
	if bits := k.N.BitLen(); bits < minRSABits {
		return fmt.Errorf("%w: %w: private_key_jwt: the RSA key has %d bits; RFC 7518, section 3.3 requires at least %d", ErrInvalidConfig, jose.ErrUnusableKey, bits, minRSABits)
	}
	return nil
}
