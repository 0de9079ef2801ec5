package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// SignOptions are the header settings of Sign.
type SignOptions struct {
	// Type is the "typ" header, for example "JWT", "dpop+jwt" (RFC 9449,
	// section 4.2) or "client-authentication+jwt". "" omits it.
	Type string
	// KeyID is the "kid" header; "" uses the key's KeyID (omitted if empty).
	KeyID string
	// EmbedPublicKey puts the public part of the key in the "jwk" header, as
	// DPoP proofs require (RFC 9449, section 4.2). Only public parameters are
	// ever embedded.
	EmbedPublicKey bool
	// ExtraHeader holds other header members. It must not set "alg", "typ",
	// "kid" or "jwk" (in any letter case); values are JSON-encoded.
	ExtraHeader map[string]any
}

// Sign creates a compact JWS of payload with key and alg. RFC 7515,
// section 5.1. The key must be a private (or symmetric, for HS*) key that
// fits alg; if key.Algorithm is set it must equal alg.
func Sign(key JWK, alg Algorithm, payload []byte, opts SignOptions) (string, error) {
	ai, ok := alg.info()
	if !ok {
		return "", fmt.Errorf("%w: cannot sign with %q", ErrAlgorithmNotAllowed, truncate(string(alg)))
	}
	if key.Use != "" && key.Use != "sig" {
		return "", fmt.Errorf("%w: key has \"use\":%q", ErrKeyMismatch, truncate(key.Use))
	}
	if key.Algorithm != "" && key.Algorithm != alg {
		return "", fmt.Errorf("%w: key is for %s, not %s", ErrKeyMismatch, truncate(string(key.Algorithm)), alg)
	}
	if !key.IsPrivate() {
		return "", fmt.Errorf("%w: signing needs a private or symmetric key", ErrKeyMismatch)
	}
	if _, ok := key.fits(alg, ai); !ok {
		return "", fmt.Errorf("%w: key of type %T does not fit %s", ErrKeyMismatch, key.Key, alg)
	}
	header, err := signingHeader(key, alg, opts)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(encodeB64(header))
	b.WriteByte('.')
	b.WriteString(encodeB64(payload))
	input := b.String()
	sig, err := signInput(ai, key.Key, input)
	if err != nil {
		return "", err
	}
	return input + "." + encodeB64(sig), nil
}

// SignClaims JSON-encodes claims (a Claims, a map or a struct with JSON
// tags) and signs the result with Sign.
func SignClaims(key JWK, alg Algorithm, claims any, opts SignOptions) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jose: encoding claims: %w", err)
	}
	return Sign(key, alg, payload, opts)
}

// signingHeader builds the protected header JSON. RFC 7515, section 4.1.
func signingHeader(key JWK, alg Algorithm, opts SignOptions) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	writeMember(&b, "alg", string(alg), true)
	if opts.Type != "" {
		writeMember(&b, "typ", opts.Type, false)
	}
	kid := opts.KeyID
	if kid == "" {
		kid = key.KeyID
	}
	if kid != "" {
		writeMember(&b, "kid", kid, false)
	}
	if opts.EmbedPublicKey {
		pub, err := key.Public()
		if err != nil {
			return nil, err
		}
		jwk, err := pub.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"jwk":`)
		b.Write(jwk)
	}
	names := make([]string, 0, len(opts.ExtraHeader))
	for name := range opts.ExtraHeader {
		for _, reserved := range [...]string{"alg", "typ", "kid", "jwk"} {
			if strings.EqualFold(name, reserved) {
				return nil, fmt.Errorf("jose: ExtraHeader must not set %q; use the SignOptions fields", name)
			}
		}
		for _, other := range names {
			if strings.EqualFold(name, other) {
				return nil, fmt.Errorf("jose: ExtraHeader members %q and %q differ only in case", name, other)
			}
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		nb, _ := json.Marshal(name)
		vb, err := json.Marshal(opts.ExtraHeader[name])
		if err != nil {
			return nil, fmt.Errorf("jose: encoding header %q: %w", name, err)
		}
		b.WriteByte(',')
		b.Write(nb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// signInput signs the ASCII signing input. RFC 7518, section 3; RFC 8037,
// section 3.1.
func signInput(ai algInfo, key any, input string) ([]byte, error) {
	var digestBuf [sha512.Size]byte
	digest := hashInput(ai.hash, []byte(input), &digestBuf)
	switch ai.family {
	case familyRSA:
		return rsa.SignPKCS1v15(nil, key.(*rsa.PrivateKey), ai.hash, digest)
	case familyPSS:
		return rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), ai.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case familyEC:
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), digest)
		if err != nil {
			return nil, err
		}
		// RFC 7518, section 3.4: fixed-length R || S.
		sig := make([]byte, 2*ai.size)
		r.FillBytes(sig[:ai.size])
		s.FillBytes(sig[ai.size:])
		return sig, nil
	case familyEdDSA:
		return ed25519.Sign(key.(ed25519.PrivateKey), []byte(input)), nil
	case familyHMAC:
		mac := hmac.New(ai.hash.New, key.([]byte))
		mac.Write([]byte(input))
		return mac.Sum(nil), nil
	}
	return nil, fmt.Errorf("%w: unsupported algorithm", ErrAlgorithmNotAllowed)
}
