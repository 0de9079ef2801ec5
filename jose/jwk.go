package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// JWK is one JSON Web Key (RFC 7517, section 4).
//
// Key holds *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, []byte
// (a symmetric key), or the private counterparts *rsa.PrivateKey,
// *ecdsa.PrivateKey and ed25519.PrivateKey.
type JWK struct {
	// KeyID is the "kid" member, an opaque string (RFC 7517, section 4.5).
	KeyID string
	// Algorithm is the "alg" member; when set, the key verifies or signs with
	// this algorithm only (RFC 7517, section 4.4). May be empty.
	Algorithm Algorithm
	// Use is the "use" member: "sig", "enc" or "" (RFC 7517, section 4.2).
	// Only "sig" and "" keys verify signatures.
	Use string
	// Key is the key material; see the type documentation.
	Key any
}

// maxKIDLen caps "kid" values in tokens (RFC 8725, section 3.10: treat kid
// as an untrusted, opaque string).
const maxKIDLen = 256

// jwkMode says where a JWK comes from, and so what it may hold.
type jwkMode uint8

const (
	// fromCaller: a key the caller loads; private and symmetric keys allowed.
	fromCaller jwkMode = iota
	// fromNetwork: a key from a fetched key set; public asymmetric keys only
	// (RFC 8725, section 3.4; symmetric keys from a JWKS would let anyone
	// who can read it forge tokens).
	fromNetwork
)

// ParseJWK parses one JWK (RFC 7517, section 4), public or private, as a
// caller loads its own signing or verification key. Symmetric ("oct") keys
// are accepted here. Errors wrap ErrMalformed or ErrUnusableKey.
func ParseJWK(data []byte) (JWK, error) {
	return parseJWK(data, fromCaller)
}

// jwkFields are the string members of a JWK this package reads.
type jwkFields struct {
	kty, kid, use, alg, crv []byte
	n, e, x, y, d, k        []byte
	p, q                    []byte
	hasKID, hasOth          bool
}

func parseJWK(data []byte, mode jwkMode) (JWK, error) {
	var buf [16]member
	ms, err := scanObject(data, buf[:0])
	if err != nil {
		return JWK{}, err
	}
	var f jwkFields
	for i := range ms {
		m := &ms[i]
		name := m.name(data)
		var dst *[]byte
		switch string(name) {
		case "kty":
			dst = &f.kty
		case "kid":
			dst = &f.kid
			f.hasKID = true
		case "use":
			dst = &f.use
		case "alg":
			dst = &f.alg
		case "crv":
			dst = &f.crv
		case "n":
			dst = &f.n
		case "e":
			dst = &f.e
		case "x":
			dst = &f.x
		case "y":
			dst = &f.y
		case "d":
			dst = &f.d
		case "k":
			dst = &f.k
		case "p":
			dst = &f.p
		case "q":
			dst = &f.q
		case "oth":
			f.hasOth = true
			continue
		default:
			// Other members (key_ops, x5c, x5t, dp, dq, qi, ...) are not
			// needed: CRT values are recomputed from p and q.
			continue
		}
		if m.kind != kindString {
			return JWK{}, fmt.Errorf("%w: JWK member %q must be a string", ErrMalformed, name)
		}
		*dst = stringContent(m.value(data))
	}
	if f.kty == nil {
		return JWK{}, fmt.Errorf("%w: JWK has no \"kty\"", ErrMalformed)
	}
	jwk := JWK{KeyID: string(f.kid), Use: string(f.use), Algorithm: Algorithm(f.alg)}
	var ai algInfo
	if f.alg != nil {
		var ok bool
		if ai, ok = jwk.Algorithm.info(); !ok {
			return JWK{}, fmt.Errorf("%w: unsupported \"alg\" %q", ErrUnusableKey, truncate(string(f.alg)))
		}
	}
	private := f.d != nil
	if private && mode == fromNetwork {
		return JWK{}, fmt.Errorf("%w: key set holds private key material", ErrUnusableKey)
	}
	switch string(f.kty) {
	case "RSA":
		if f.alg != nil && ai.family != familyRSA && ai.family != familyPSS {
			return JWK{}, algMismatch(f)
		}
		jwk.Key, err = parseRSA(&f)
	case "EC":
		jwk.Key, err = parseEC(&f)
	case "OKP":
		if f.alg != nil && ai.family != familyEdDSA {
			return JWK{}, algMismatch(f)
		}
		jwk.Key, err = parseOKP(&f)
	case "oct":
		if mode == fromNetwork {
			return JWK{}, fmt.Errorf("%w: symmetric (\"oct\") keys are never taken from a key set", ErrUnusableKey)
		}
		if f.alg != nil && ai.family != familyHMAC {
			return JWK{}, algMismatch(f)
		}
		var k []byte
		if k, err = decodeB64("k", f.k); err == nil && len(k) == 0 {
			err = fmt.Errorf("%w: empty symmetric key", ErrUnusableKey)
		}
		jwk.Key = k
	default:
		return JWK{}, fmt.Errorf("%w: unsupported \"kty\" %q", ErrUnusableKey, truncate(string(f.kty)))
	}
	if err != nil {
		return JWK{}, err
	}
	return jwk, nil
}

func algMismatch(f jwkFields) error {
	return fmt.Errorf("%w: \"alg\" %q does not fit \"kty\" %q", ErrUnusableKey, truncate(string(f.alg)), truncate(string(f.kty)))
}

// parseRSA builds an RSA key. RFC 7518, section 6.3.
func parseRSA(f *jwkFields) (any, error) {
	if f.n == nil || f.e == nil {
		return nil, fmt.Errorf("%w: RSA key needs \"n\" and \"e\"", ErrMalformed)
	}
	nb, err := decodeB64("n", f.n)
	if err != nil {
		return nil, err
	}
	eb, err := decodeB64("e", f.e)
	if err != nil {
		return nil, err
	}
	eb = bytes.TrimLeft(eb, "\x00")
	if len(eb) > 4 {
		return nil, fmt.Errorf("%w: RSA exponent too large", ErrUnusableKey)
	}
	var e uint64
	for _, c := range eb {
		e = e<<8 | uint64(c)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(e)}
	if err := checkRSAPublicKey(pub); err != nil {
		return nil, err
	}
	if f.d == nil {
		return pub, nil
	}
	if f.hasOth {
		return nil, fmt.Errorf("%w: multi-prime RSA keys are not supported", ErrUnusableKey)
	}
	if f.p == nil || f.q == nil {
		return nil, fmt.Errorf("%w: private RSA key needs \"p\" and \"q\"", ErrUnusableKey)
	}
	var parts [3]*big.Int
	for i, v := range [][]byte{f.d, f.p, f.q} {
		b, err := decodeB64([]string{"d", "p", "q"}[i], v)
		if err != nil {
			return nil, err
		}
		parts[i] = new(big.Int).SetBytes(b)
	}
	priv := &rsa.PrivateKey{PublicKey: *pub, D: parts[0], Primes: []*big.Int{parts[1], parts[2]}}
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("%w: inconsistent private RSA key", ErrUnusableKey)
	}
	priv.Precompute()
	return priv, nil
}

// curveByName maps a JWK "crv" to its curve, ES algorithm and coordinate size.
// RFC 7518, section 6.2.1.1.
func curveByName(crv []byte) (elliptic.Curve, Algorithm, int, bool) {
	switch string(crv) {
	case "P-256":
		return elliptic.P256(), ES256, 32, true
	case "P-384":
		return elliptic.P384(), ES384, 48, true
	case "P-521":
		return elliptic.P521(), ES512, 66, true
	}
	return nil, "", 0, false
}

// parseEC builds an ECDSA key; the point must lie on the curve. RFC 7518,
// section 6.2.
func parseEC(f *jwkFields) (any, error) {
	curve, alg, size, ok := curveByName(f.crv)
	if !ok {
		return nil, fmt.Errorf("%w: unsupported EC \"crv\" %q", ErrUnusableKey, truncate(string(f.crv)))
	}
	if f.alg != nil && Algorithm(f.alg) != alg {
		return nil, algMismatch(*f)
	}
	x, err := decodeB64("x", f.x)
	if err != nil {
		return nil, err
	}
	y, err := decodeB64("y", f.y)
	if err != nil {
		return nil, err
	}
	// RFC 7518, section 6.2.1.2: coordinates are full length.
	if len(x) != size || len(y) != size {
		return nil, fmt.Errorf("%w: EC coordinates must be %d bytes", ErrUnusableKey, size)
	}
	point := make([]byte, 0, 1+2*size)
	point = append(append(append(point, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fmt.Errorf("%w: EC point is not on curve %s", ErrUnusableKey, f.crv)
	}
	if f.d == nil {
		return pub, nil
	}
	d, err := decodeB64("d", f.d)
	if err != nil {
		return nil, err
	}
	if len(d) != size {
		return nil, fmt.Errorf("%w: EC private key must be %d bytes", ErrUnusableKey, size)
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil || !priv.PublicKey.Equal(pub) {
		return nil, fmt.Errorf("%w: EC private key does not match its public point", ErrUnusableKey)
	}
	return priv, nil
}

// parseOKP builds an Ed25519 key. RFC 8037, section 2.
func parseOKP(f *jwkFields) (any, error) {
	if string(f.crv) != "Ed25519" {
		return nil, fmt.Errorf("%w: unsupported OKP \"crv\" %q", ErrUnusableKey, truncate(string(f.crv)))
	}
	x, err := decodeB64("x", f.x)
	if err != nil {
		return nil, err
	}
	if len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: Ed25519 public key must be %d bytes", ErrUnusableKey, ed25519.PublicKeySize)
	}
	if f.d == nil {
		return ed25519.PublicKey(x), nil
	}
	d, err := decodeB64("d", f.d)
	if err != nil {
		return nil, err
	}
	if len(d) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: Ed25519 private key must be %d bytes", ErrUnusableKey, ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(d)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), x) {
		return nil, fmt.Errorf("%w: Ed25519 private key does not match \"x\"", ErrUnusableKey)
	}
	return priv, nil
}

// NewSymmetricKey returns a JWK for HS256/HS384/HS512 (for example the
// client secret of client_secret_jwt, RFC 7523 section 2.2). The secret is
// copied. RFC 7518, section 3.2 requires a key at least as long as the hash
// output; callers should supply such secrets.
func NewSymmetricKey(secret []byte) JWK {
	return JWK{Key: bytes.Clone(secret)}
}

// IsPrivate reports whether k holds a private or symmetric key.
func (k JWK) IsPrivate() bool {
	switch k.Key.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey, []byte:
		return true
	}
	return false
}

// Public returns the public part of k, keeping KeyID, Algorithm and Use.
// A public key is returned as is; a symmetric key has no public part and
// gives ErrUnusableKey.
func (k JWK) Public() (JWK, error) {
	out := k
	switch key := k.Key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	case *rsa.PrivateKey:
		out.Key = &key.PublicKey
	case *ecdsa.PrivateKey:
		out.Key = &key.PublicKey
	case ed25519.PrivateKey:
		if len(key) != ed25519.PrivateKeySize {
			return JWK{}, fmt.Errorf("%w: Ed25519 private key of wrong length", ErrUnusableKey)
		}
		out.Key = key.Public().(ed25519.PublicKey)
	case []byte:
		return JWK{}, fmt.Errorf("%w: a symmetric key has no public part", ErrUnusableKey)
	default:
		return JWK{}, fmt.Errorf("%w: unsupported key type %T", ErrUnusableKey, k.Key)
	}
	return out, nil
}

// MarshalJSON encodes k in RFC 7517 form. Private parameters are included
// only when k holds a private (or symmetric) key; use Public first to publish.
func (k JWK) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	params, err := k.params(true)
	if err != nil {
		return nil, err
	}
	writeMember(&b, "kty", params.kty, true)
	if k.KeyID != "" {
		writeMember(&b, "kid", k.KeyID, false)
	}
	if k.Use != "" {
		writeMember(&b, "use", k.Use, false)
	}
	if k.Algorithm != "" {
		writeMember(&b, "alg", string(k.Algorithm), false)
	}
	for _, p := range params.members {
		writeMember(&b, p.name, p.value, false)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeMember appends "name":"value" (value JSON-escaped).
func writeMember(b *bytes.Buffer, name, value string, first bool) {
	if !first {
		b.WriteByte(',')
	}
	nb, _ := json.Marshal(name)
	vb, _ := json.Marshal(value)
	b.Write(nb)
	b.WriteByte(':')
	b.Write(vb)
}

// keyParams are the kty and the key-specific members of a JWK, in the
// lexicographic order RFC 7638, section 3.2 needs for the required ones.
type keyParams struct {
	kty     string
	members []param
}

type param struct{ name, value string }

// params returns k's key parameters; private ones only when withPrivate.
func (k JWK) params(withPrivate bool) (keyParams, error) {
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		return rsaParams(key), nil
	case *rsa.PrivateKey:
		p := rsaParams(&key.PublicKey)
		if withPrivate {
			if len(key.Primes) != 2 {
				return keyParams{}, fmt.Errorf("%w: only two-prime RSA keys can be encoded", ErrUnusableKey)
			}
			// CRT values are computed here rather than with Precompute,
			// which would modify the caller's key.
			pr, q := key.Primes[0], key.Primes[1]
			one := big.NewInt(1)
			dp := new(big.Int).Mod(key.D, new(big.Int).Sub(pr, one))
			dq := new(big.Int).Mod(key.D, new(big.Int).Sub(q, one))
			qi := new(big.Int).ModInverse(q, pr)
			if qi == nil {
				return keyParams{}, fmt.Errorf("%w: invalid RSA primes", ErrUnusableKey)
			}
			p.members = append(p.members,
				param{"d", encodeB64(key.D.Bytes())},
				param{"p", encodeB64(pr.Bytes())},
				param{"q", encodeB64(q.Bytes())},
				param{"dp", encodeB64(dp.Bytes())},
				param{"dq", encodeB64(dq.Bytes())},
				param{"qi", encodeB64(qi.Bytes())})
		}
		return p, nil
	case *ecdsa.PublicKey:
		return ecParams(key)
	case *ecdsa.PrivateKey:
		p, err := ecParams(&key.PublicKey)
		if err != nil || !withPrivate {
			return p, err
		}
		d, err := key.Bytes()
		if err != nil {
			return keyParams{}, fmt.Errorf("%w: %v", ErrUnusableKey, err)
		}
		p.members = append(p.members, param{"d", encodeB64(d)})
		return p, nil
	case ed25519.PublicKey:
		if len(key) != ed25519.PublicKeySize {
			return keyParams{}, fmt.Errorf("%w: Ed25519 public key of wrong length", ErrUnusableKey)
		}
		return keyParams{kty: "OKP", members: []param{{"crv", "Ed25519"}, {"x", encodeB64(key)}}}, nil
	case ed25519.PrivateKey:
		if len(key) != ed25519.PrivateKeySize {
			return keyParams{}, fmt.Errorf("%w: Ed25519 private key of wrong length", ErrUnusableKey)
		}
		p := keyParams{kty: "OKP", members: []param{{"crv", "Ed25519"}, {"x", encodeB64(key.Public().(ed25519.PublicKey))}}}
		if withPrivate {
			p.members = append(p.members, param{"d", encodeB64(key.Seed())})
		}
		return p, nil
	case []byte:
		return keyParams{kty: "oct", members: []param{{"k", encodeB64(key)}}}, nil
	case nil:
		return keyParams{}, fmt.Errorf("%w: JWK has no key", ErrUnusableKey)
	}
	return keyParams{}, fmt.Errorf("%w: unsupported key type %T", ErrUnusableKey, k.Key)
}

func rsaParams(key *rsa.PublicKey) keyParams {
	e := big.NewInt(int64(key.E)).Bytes()
	return keyParams{kty: "RSA", members: []param{{"e", encodeB64(e)}, {"n", encodeB64(key.N.Bytes())}}}
}

func ecParams(key *ecdsa.PublicKey) (keyParams, error) {
	var crv string
	switch key.Curve {
	case elliptic.P256():
		crv = "P-256"
	case elliptic.P384():
		crv = "P-384"
	case elliptic.P521():
		crv = "P-521"
	default:
		return keyParams{}, fmt.Errorf("%w: unsupported curve", ErrUnusableKey)
	}
	point, err := key.Bytes()
	if err != nil || len(point) == 0 || point[0] != 4 {
		return keyParams{}, errors.Join(ErrUnusableKey, err)
	}
	size := (len(point) - 1) / 2
	return keyParams{kty: "EC", members: []param{
		{"crv", crv},
		{"x", encodeB64(point[1 : 1+size])},
		{"y", encodeB64(point[1+size:])},
	}}, nil
}
