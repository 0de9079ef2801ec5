package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// maxPEMBlocks caps the blocks ParsePEM reads: a key with a long
// certificate chain has a handful.
const maxPEMBlocks = 32

// ParsePEM reads one key from PEM text (RFC 7468), as the openssl command
// and most key stores write it. The block types understood:
//
//   - "PRIVATE KEY": PKCS #8 (RFC 5208), holding an RSA, EC or Ed25519 key;
//   - "RSA PRIVATE KEY": PKCS #1 (RFC 8017, appendix A.1.2);
//   - "EC PRIVATE KEY": SEC 1 (RFC 5915);
//   - "PUBLIC KEY": a SubjectPublicKeyInfo (RFC 5280, section 4.1.2.7);
//   - "RSA PUBLIC KEY": PKCS #1 (RFC 8017, appendix A.1.1);
//   - "CERTIFICATE": an X.509 certificate (RFC 5280), for its public key.
//
// "EC PARAMETERS" blocks, which openssl writes before an EC key, and text
// outside the blocks are ignored. The text holds one key: a private or
// public key block, or a certificate chain whose first certificate gives the
// key. A private key may be followed by its certificate chain, whose first
// certificate must then hold the same key. Nothing is checked about the
// certificates beyond that: no chain, no validity period, no usage.
//
// The key has no KeyID, Algorithm or Use: PEM carries none (Thumbprint
// gives a stable kid). RSA keys must have 2048 to 8192 bits (a smaller one
// is ErrWeakKey, RFC 7518 section 3.3) and two primes; EC keys use P-256,
// P-384 or P-521. Encrypted keys are refused (ErrUnusableKey): decrypt them
// first. Errors wrap ErrMalformed, ErrTooLarge, ErrUnusableKey or
// ErrWeakKey, and never contain key material.
func ParsePEM(data []byte) (JWK, error) {
	if len(data) > maxKeyFileSize {
		return JWK{}, fmt.Errorf("%w: PEM text of %d bytes (at most %d)", ErrTooLarge, len(data), maxKeyFileSize)
	}
	var (
		key      any // from the private or public key block
		keyBlock string
		leaf     any // the first certificate's public key
	)
	rest := data
	for i := 0; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if i == maxPEMBlocks {
			return JWK{}, fmt.Errorf("%w: more than %d PEM blocks", ErrTooLarge, maxPEMBlocks)
		}
		if block.Type == "EC PARAMETERS" {
			continue
		}
		if block.Headers["Proc-Type"] != "" || block.Type == "ENCRYPTED PRIVATE KEY" {
			return JWK{}, fmt.Errorf("%w: the PEM key is encrypted; decrypt it first", ErrUnusableKey)
		}
		k, err := parsePEMBlock(block)
		if err != nil {
			return JWK{}, err
		}
		switch {
		case block.Type == "CERTIFICATE":
			if leaf == nil {
				leaf = k
			}
		case key != nil:
			return JWK{}, fmt.Errorf("%w: PEM text holds two keys (%s and %s)", ErrMalformed, keyBlock, block.Type)
		default:
			key, keyBlock = k, block.Type
		}
	}
	switch {
	case key == nil && leaf == nil:
		return JWK{}, fmt.Errorf("%w: no PEM key or certificate block", ErrMalformed)
	case key == nil:
		key = leaf
	case leaf != nil && !samePublicKey(key, leaf):
		return JWK{}, fmt.Errorf("%w: the certificate does not hold the %s's public key", ErrUnusableKey, keyBlock)
	}
	if err := checkKey(key); err != nil {
		return JWK{}, err
	}
	return JWK{Key: key}, nil
}

// maxPrivateKeyDER caps the DER of a private key block: an 8192-bit RSA
// key, the largest allowed, takes under 5 KiB. Checked before parsing,
// because parsing an RSA private key checks it with arithmetic whose cost
// grows with the cube of the modulus size.
const maxPrivateKeyDER = 8 << 10

// parsePEMBlock decodes the DER of one block by its type.
func parsePEMBlock(block *pem.Block) (any, error) {
	var (
		key any
		err error
	)
	if strings.HasSuffix(block.Type, "PRIVATE KEY") && len(block.Bytes) > maxPrivateKeyDER {
		return nil, fmt.Errorf("%w: PEM %s of %d bytes, larger than any key allowed", ErrUnusableKey, block.Type, len(block.Bytes))
	}
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("%w: PEM block type %q is not a key", ErrUnusableKey, truncate(block.Type))
	}
	if err != nil {
		// x509's messages name the structure, never the key's bytes, but
		// some carry the key size or curve: useful and harmless.
		return nil, fmt.Errorf("%w: PEM %s: %v", ErrMalformed, block.Type, err)
	}
	// x509 returns pointers for RSA and EC keys and values for Ed25519; a
	// certificate's key may be of a type jose does not use (DSA, X25519).
	switch k := key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey, *ecdsa.PrivateKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ed25519.PrivateKey:
		return *k, nil
	}
	return nil, fmt.Errorf("%w: PEM %s holds a %T key", ErrUnusableKey, block.Type, key)
}

// samePublicKey reports whether the private or public key k has the public
// key pub.
func samePublicKey(k, pub any) bool {
	if s, ok := k.(interface{ Public() crypto.PublicKey }); ok {
		k = s.Public()
	}
	p, ok := k.(interface{ Equal(crypto.PublicKey) bool })
	return ok && p.Equal(pub)
}

// checkKey applies to a key from a file the rules a JWK's parameters are
// held to: RSA with a modulus of 2048 to 8192 bits, an odd exponent between
// 3 and 2^31-1 and two primes; ECDSA on P-256, P-384 or P-521.
func checkKey(key any) error {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return fmt.Errorf("%w: multi-prime RSA keys are not supported", ErrUnusableKey)
		}
		return checkRSAPublicKey(&k.PublicKey)
	case *rsa.PublicKey:
		return checkRSAPublicKey(k)
	case *ecdsa.PrivateKey:
		return checkCurve(k.Curve)
	case *ecdsa.PublicKey:
		return checkCurve(k.Curve)
	}
	return nil
}

func checkCurve(c elliptic.Curve) error {
	switch c {
	case elliptic.P256(), elliptic.P384(), elliptic.P521():
		return nil
	}
	return fmt.Errorf("%w: EC curve %s is not one of P-256, P-384, P-521", ErrUnusableKey, c.Params().Name)
}
