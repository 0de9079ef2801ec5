package jose

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	gojose "github.com/go-jose/go-jose/v4"
)

// Key management algorithms of JWE ("alg"): RFC 7518, section 4. These are
// the ones Decrypt accepts; PBES2 (section 4.8), direct encryption and AES
// key wrap with a shared key are never accepted, since their keys come from
// passwords or secrets rather than from a key pair the client holds.
const (
	RSAOAEP      Algorithm = "RSA-OAEP"       // RFC 7518, section 4.3
	RSAOAEP256   Algorithm = "RSA-OAEP-256"   // RFC 7518, section 4.3
	ECDHES       Algorithm = "ECDH-ES"        // RFC 7518, section 4.6
	ECDHESA128KW Algorithm = "ECDH-ES+A128KW" // RFC 7518, section 4.6
	ECDHESA256KW Algorithm = "ECDH-ES+A256KW" // RFC 7518, section 4.6
)

// ContentEncryption is a JWE "enc" value: RFC 7518, section 5.
type ContentEncryption string

// Content encryption algorithms Decrypt accepts.
const (
	A128GCM      ContentEncryption = "A128GCM"       // RFC 7518, section 5.3
	A256GCM      ContentEncryption = "A256GCM"       // RFC 7518, section 5.3
	A128CBCHS256 ContentEncryption = "A128CBC-HS256" // RFC 7518, section 5.2.3
	A256CBCHS512 ContentEncryption = "A256CBC-HS512" // RFC 7518, section 5.2.5
)

// DefaultMaxJWESize caps a compact JWE (DecryptOptions.MaxSize).
const DefaultMaxJWESize = 256 << 10

// ErrDecryption: no key decrypted the JWE, or its ciphertext or tag is
// corrupt (RFC 7516, section 5.2). Deliberately uninformative: the cause is
// not told apart, as an oracle would help an attacker.
var ErrDecryption = errors.New("jose: decryption failed")

// JWEHeader is the protected header of a decrypted JWE: RFC 7516, section 4.1.
type JWEHeader struct {
	KeyAlgorithm      Algorithm         // "alg"
	ContentEncryption ContentEncryption // "enc"
	KeyID             string            // "kid"
	Type              string            // "typ"
	ContentType       string            // "cty"; "JWT" for a nested JWT
	// Raw is the decoded protected header JSON, parsed strictly.
	Raw []byte
}

// DecryptOptions are the per-call decryption settings.
type DecryptOptions struct {
	// KeyAlgorithms are the accepted "alg" values; empty means RSA-OAEP,
	// RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW and ECDH-ES+A256KW. PBES2 and
	// shared-key algorithms are refused whatever the list says.
	KeyAlgorithms []Algorithm
	// ContentEncryption are the accepted "enc" values; empty means
	// A128GCM, A256GCM, A128CBC-HS256 and A256CBC-HS512.
	ContentEncryption []ContentEncryption
	// MaxSize caps the compact JWE's length in bytes; 0 means
	// DefaultMaxJWESize.
	MaxSize int
}

var (
	defaultKeyAlgorithms     = []Algorithm{RSAOAEP, RSAOAEP256, ECDHES, ECDHESA128KW, ECDHESA256KW}
	defaultContentEncryption = []ContentEncryption{A128GCM, A256GCM, A128CBCHS256, A256CBCHS512}
)

// maxDecryptCandidates caps the keys one decryption tries without a
// matching "kid": RSA decryption is costly.
const maxDecryptCandidates = 4

// IsEncrypted reports whether token has the shape of a compact JWE: five
// segments (RFC 7516, section 7.1), where a JWS has three.
func IsEncrypted(token string) bool { return strings.Count(token, ".") == 4 }

// Decrypt decrypts a compact JWE (RFC 7516, section 5.2) with one of keys,
// private RSA or EC keys the caller holds, and returns its header and
// plaintext. It is done by go-jose, after these checks, which come first
// and need no key (RFC 8725, sections 3.4 to 3.6):
//
//   - the token is at most opts.MaxSize bytes with exactly five segments of
//     canonical base64url, else ErrTooLarge or ErrMalformed;
//   - the protected header is one JSON object without duplicate or
//     case-variant names, without "crit" (ErrCritical) and without "zip"
//     (ErrMalformed: compressed plaintext is refused, so that no
//     decompression bomb is ever inflated);
//   - "alg" is in opts.KeyAlgorithms and is never PBES2 (whose "p2c" an
//     attacker sets to billions of iterations), "dir" or a key wrap with a
//     shared key; "enc" is in opts.ContentEncryption, else
//     ErrAlgorithmNotAllowed;
//   - an "epk" (ECDH-ES) is a public key on the named curve, else
//     ErrUnusableKey.
//
// A key is tried when its "kid" matches the header's (or either is empty),
// its type fits "alg" and its "use" is "enc" or empty; at most a few keys
// are tried. A plaintext that is a nested JWT is not verified here: the
// caller verifies it (oidc does for ID tokens and userinfo).
func Decrypt(token string, keys []JWK, opts DecryptOptions) (JWEHeader, []byte, error) {
	maxSize := opts.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxJWESize
	}
	if len(token) > maxSize {
		return JWEHeader{}, nil, fmt.Errorf("%w: JWE of %d bytes (at most %d allowed)", ErrTooLarge, len(token), maxSize)
	}
	segs := strings.Split(token, ".")
	if len(segs) != 5 {
		return JWEHeader{}, nil, fmt.Errorf("%w: a compact JWE has exactly five segments", ErrMalformed)
	}
	for i, s := range segs {
		// The encrypted key is empty for ECDH-ES; every other segment has
		// content (RFC 7516, section 7.1).
		if (s == "" && i != 1) || !strictB64(s) {
			return JWEHeader{}, nil, fmt.Errorf("%w: JWE segment %d is not canonical base64url", ErrMalformed, i+1)
		}
	}
	raw, err := decodeB64("JWE header", []byte(segs[0]))
	if err != nil {
		return JWEHeader{}, nil, err
	}
	hdr, err := parseJWEHeader(raw, opts)
	if err != nil {
		return JWEHeader{}, nil, err
	}
	obj, err := gojose.ParseEncryptedCompact(token,
		[]gojose.KeyAlgorithm{gojose.KeyAlgorithm(hdr.KeyAlgorithm)},
		[]gojose.ContentEncryption{gojose.ContentEncryption(hdr.ContentEncryption)})
	if err != nil {
		return JWEHeader{}, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	candidates := decryptionCandidates(keys, hdr)
	if len(candidates) == 0 {
		return JWEHeader{}, nil, fmt.Errorf("%w: no decryption key fits alg %q and kid %q", ErrKeyMismatch, truncate(string(hdr.KeyAlgorithm)), truncate(hdr.KeyID))
	}
	for _, k := range candidates {
		plaintext, err := obj.Decrypt(k.Key)
		if err == nil {
			return hdr, plaintext, nil
		}
	}
	return JWEHeader{}, nil, ErrDecryption
}

// parseJWEHeader checks a JWE's protected header as Decrypt documents.
func parseJWEHeader(raw []byte, opts DecryptOptions) (JWEHeader, error) {
	if _, err := scanObject(raw, nil); err != nil {
		return JWEHeader{}, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return JWEHeader{}, fmt.Errorf("%w: JWE header: %v", ErrMalformed, err)
	}
	if _, ok := m["crit"]; ok {
		return JWEHeader{}, fmt.Errorf("%w: JWE header has \"crit\"", ErrCritical)
	}
	if _, ok := m["zip"]; ok {
		return JWEHeader{}, fmt.Errorf("%w: compressed JWE (\"zip\") is not accepted", ErrMalformed)
	}
	str := func(name string) (string, error) {
		v, ok := m[name]
		if !ok {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("%w: JWE header %q is not a string", ErrMalformed, name)
		}
		return s, nil
	}
	h := JWEHeader{Raw: raw}
	var alg, enc string
	var err error
	if alg, err = str("alg"); err != nil {
		return JWEHeader{}, err
	}
	if enc, err = str("enc"); err != nil {
		return JWEHeader{}, err
	}
	if h.KeyID, err = str("kid"); err != nil {
		return JWEHeader{}, err
	}
	if h.Type, err = str("typ"); err != nil {
		return JWEHeader{}, err
	}
	if h.ContentType, err = str("cty"); err != nil {
		return JWEHeader{}, err
	}
	if len(h.KeyID) > maxKIDLen {
		return JWEHeader{}, fmt.Errorf("%w: kid of %d bytes", ErrMalformed, len(h.KeyID))
	}
	h.KeyAlgorithm, h.ContentEncryption = Algorithm(alg), ContentEncryption(enc)
	algs := opts.KeyAlgorithms
	if len(algs) == 0 {
		algs = defaultKeyAlgorithms
	}
	if !slices.Contains(defaultKeyAlgorithms, h.KeyAlgorithm) || !slices.Contains(algs, h.KeyAlgorithm) {
		return JWEHeader{}, fmt.Errorf("%w: JWE alg %q", ErrAlgorithmNotAllowed, truncate(alg))
	}
	encs := opts.ContentEncryption
	if len(encs) == 0 {
		encs = defaultContentEncryption
	}
	if !slices.Contains(defaultContentEncryption, h.ContentEncryption) || !slices.Contains(encs, h.ContentEncryption) {
		return JWEHeader{}, fmt.Errorf("%w: JWE enc %q", ErrAlgorithmNotAllowed, truncate(enc))
	}
	if epk, ok := m["epk"]; ok {
		k, err := parseJWK(epk, fromNetwork)
		if err != nil {
			return JWEHeader{}, fmt.Errorf("%w: epk: %w", ErrUnusableKey, err)
		}
		if _, ok := k.Key.(*ecdsa.PublicKey); !ok {
			return JWEHeader{}, fmt.Errorf("%w: epk is not an EC public key", ErrUnusableKey)
		}
	} else if strings.HasPrefix(alg, "ECDH-ES") {
		return JWEHeader{}, fmt.Errorf("%w: ECDH-ES without epk", ErrMalformed)
	}
	return h, nil
}

// decryptionCandidates returns the keys to try for hdr, at most
// maxDecryptCandidates.
func decryptionCandidates(keys []JWK, hdr JWEHeader) []JWK {
	var out []JWK
	for _, k := range keys {
		if k.Use != "" && k.Use != "enc" {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != hdr.KeyAlgorithm {
			continue
		}
		if hdr.KeyID != "" && k.KeyID != "" && k.KeyID != hdr.KeyID {
			continue
		}
		switch k.Key.(type) {
		case *rsa.PrivateKey:
			if !strings.HasPrefix(string(hdr.KeyAlgorithm), "RSA-") {
				continue
			}
		case *ecdsa.PrivateKey:
			if !strings.HasPrefix(string(hdr.KeyAlgorithm), "ECDH-ES") {
				continue
			}
		default:
			continue
		}
		out = append(out, k)
		if len(out) == maxDecryptCandidates {
			break
		}
	}
	return out
}

// EncryptOptions are the header settings of Encrypt.
type EncryptOptions struct {
	// ContentType is the "cty" header: "JWT" for a nested JWT (RFC 7519,
	// section 5.2).
	ContentType string
	// Type is the "typ" header.
	Type string
}

// Encrypt makes a compact JWE of plaintext for key, a public RSA or EC
// key (RFC 7516, section 5.1), with alg and enc. It serves tests and
// servers written in Go; a client only decrypts.
func Encrypt(plaintext []byte, key JWK, alg Algorithm, enc ContentEncryption, opts EncryptOptions) (string, error) {
	if !slices.Contains(defaultKeyAlgorithms, alg) || !slices.Contains(defaultContentEncryption, enc) {
		return "", fmt.Errorf("%w: cannot encrypt with %q and %q", ErrAlgorithmNotAllowed, truncate(string(alg)), truncate(string(enc)))
	}
	pub := key.Key
	switch k := key.Key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return "", fmt.Errorf("%w: JWE needs an RSA or EC key", ErrKeyMismatch)
	}
	eo := &gojose.EncrypterOptions{}
	if opts.ContentType != "" {
		eo = eo.WithContentType(gojose.ContentType(opts.ContentType))
	}
	if opts.Type != "" {
		eo = eo.WithType(gojose.ContentType(opts.Type))
	}
	e, err := gojose.NewEncrypter(gojose.ContentEncryption(enc), gojose.Recipient{Algorithm: gojose.KeyAlgorithm(alg), Key: pub, KeyID: key.KeyID}, eo)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrKeyMismatch, err)
	}
	obj, err := e.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("jose: encrypting: %w", err)
	}
	return obj.CompactSerialize()
}
