package jose

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// DefaultMaxTokenSize is the default cap on a compact JWS (VerifyOptions.MaxSize).
const DefaultMaxTokenSize = 64 << 10

// maxCandidates caps how many keys one verification tries (a token without
// "kid", or duplicate kids), so a large key set cannot drive CPU.
const maxCandidates = 4

// Header is the decoded protected header of a verified JWS.
// RFC 7515, section 4.1.
type Header struct {
	Algorithm   Algorithm // "alg"
	KeyID       string    // "kid"
	Type        string    // "typ"
	ContentType string    // "cty"
	// Raw is the decoded protected header JSON, for members this struct does
	// not name. It was parsed strictly (no duplicate names).
	Raw []byte
}

// VerifyOptions are the per-call verification settings.
type VerifyOptions struct {
	// Algorithms is the allow-list of "alg" values. Required: an empty list
	// rejects every token. "none" is never accepted, whatever the list says.
	Algorithms []Algorithm
	// MaxSize caps the compact token's length in bytes; 0 means
	// DefaultMaxTokenSize (64 KiB).
	MaxSize int
	// Types, when non-empty, requires the "typ" header to equal one of these,
	// compared case-insensitively and ignoring an "application/" prefix
	// (RFC 7515, section 4.1.9), for example "dpop+jwt" or "at+jwt".
	Types []string
}

// Verify checks a compact JWS (RFC 7515, section 5.2) and returns its header
// and payload. The payload is returned only when a key from keys verified the
// signature.
//
// Before any decoding, the token must be at most opts.MaxSize bytes with
// exactly two dots, and each segment must be canonical unpadded base64url (no
// whitespace, padding or standard alphabet; RFC 7515, section 7.1). The header
// is parsed strictly: duplicate or case-variant member names, a non-string or
// over-long "kid", and any "crit" (RFC 7515, section 4.1.11; no extension is
// supported) reject the token. "alg" must be in opts.Algorithms and is never
// "none" (RFC 8725, section 3.1). Keys come only from keys: the "jku", "x5u",
// "jwk" and "x5c" headers are ignored (RFC 8725, section 3.10). A key is
// tried only when its type, curve, "use" and "alg" fit the header's "alg"
// (RFC 8725, section 3.1); without a "kid", at most a few fitting keys are
// tried.
//
// Verify does not look at the payload; VerifyJWT also validates claims.
func Verify(ctx context.Context, token string, keys KeySet, opts VerifyOptions) (Header, []byte, error) {
	return verify(ctx, token, keys, opts, nil)
}

// maxStackSignature is the longest signature decoded on the stack: an
// RSA-8192 signature. Longer ones (which no supported key produces) go to
// the heap and fail verification there.
const maxStackSignature = 1024

// maxSmallSignature is the longest signature decoded into the smaller stack
// buffer: an RSA-4096 signature.
const maxSmallSignature = 512

// verify implements Verify. When payloadBuf is large enough, the payload is
// decoded into it instead of a new buffer: VerifyJWT passes a stack buffer,
// since it keeps only the parsed claims.
func verify(ctx context.Context, token string, keys KeySet, opts VerifyOptions, payloadBuf []byte) (Header, []byte, error) {
	// Step 1 of RFC 7515, section 5.2, with the size and shape checks first
	// (RFC 8725, section 3.2): nothing is decoded before these pass.
	maxSize := opts.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxTokenSize
	}
	if len(token) > maxSize {
		return Header{}, nil, fmt.Errorf("%w: token is %d bytes (at most %d allowed)", ErrTooLarge, len(token), maxSize)
	}
	if keys == nil {
		return Header{}, nil, fmt.Errorf("%w: no KeySet given", ErrUnknownKey)
	}
	if len(opts.Algorithms) == 0 {
		return Header{}, nil, fmt.Errorf("%w: VerifyOptions.Algorithms is empty", ErrAlgorithmNotAllowed)
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return Header{}, nil, fmt.Errorf("%w: not a compact JWS (no '.')", ErrMalformed)
	}
	dot2 := dot1 + 1 + strings.IndexByte(token[dot1+1:], '.')
	if dot2 <= dot1 || strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return Header{}, nil, fmt.Errorf("%w: a compact JWS has exactly three segments (JWE and JSON serializations are not accepted)", ErrMalformed)
	}
	hSeg, pSeg, sSeg := token[:dot1], token[dot1+1:dot2], token[dot2+1:]
	if len(hSeg) == 0 || len(sSeg) == 0 {
		return Header{}, nil, fmt.Errorf("%w: empty header or signature segment", ErrMalformed)
	}
	// Each segment is decoded straight from the token string by the strict
	// decoder, which rejects padding, the standard alphabet, line breaks
	// and non-zero trailing bits (RFC 7515, section 2). The header, returned
	// as Header.Raw, and the payload share one heap buffer unless the
	// payload fits payloadBuf; the signature, needed only here, is decoded
	// on the stack.
	enc := base64.RawURLEncoding
	hLen, pLen, sLen := enc.DecodedLen(len(hSeg)), enc.DecodedLen(len(pSeg)), enc.DecodedLen(len(sSeg))
	var rawHeader, payload []byte
	if pLen <= len(payloadBuf) {
		rawHeader, payload = make([]byte, hLen), payloadBuf[:pLen]
	} else {
		buf := make([]byte, hLen+pLen)
		rawHeader, payload = buf[:hLen:hLen], buf[hLen:]
	}
	// Signatures of up to 512 bytes (RSA-4096) use a small stack buffer,
	// so that little stack is cleared per call.
	var sigSmall [maxSmallSignature]byte
	var sig []byte
	switch {
	case sLen <= len(sigSmall):
		sig = sigSmall[:sLen]
	case sLen <= maxStackSignature:
		var sigBuf [maxStackSignature]byte
		sig = sigBuf[:sLen]
	default:
		sig = make([]byte, sLen)
	}
	hn, ok1 := decodeSegment(rawHeader, hSeg)
	pn, ok2 := decodeSegment(payload, pSeg)
	sn, ok3 := decodeSegment(sig, sSeg)
	if !ok1 || !ok2 || !ok3 {
		return Header{}, nil, fmt.Errorf("%w: segments must be canonical unpadded base64url", ErrMalformed)
	}
	rawHeader, payload, sig = rawHeader[:hn:hn], payload[:pn:pn], sig[:sn:sn]

	// Steps 2-5: the header is a strict JSON object; crit is understood.
	hdr, err := parseHeader(rawHeader)
	if err != nil {
		return Header{}, nil, err
	}
	ai, err := checkAlgorithm(hdr.Algorithm, opts.Algorithms)
	if err != nil {
		return Header{}, nil, err
	}
	if len(opts.Types) > 0 && !typeAllowed(hdr.Type, opts.Types) {
		return Header{}, nil, fmt.Errorf("%w: \"typ\" %q is not one of %q", ErrType, truncate(hdr.Type), opts.Types)
	}

	// Steps 6-8: find the keys and validate the signature over the ASCII
	// signing input (RFC 7515, section 5.2, step 8).
	candidates, err := keys.Keys(ctx, hdr.KeyID)
	if err != nil {
		return Header{}, nil, err
	}
	// The signing input is the ASCII token up to the second dot.
	signingInput := token[:dot2]
	var digestBuf [sha512.Size]byte
	var digest []byte
	if ai.family == familyRSA || ai.family == familyPSS || ai.family == familyEC {
		digest = hashSigningInput(ai.hash, signingInput, &digestBuf)
	}
	tried := 0
	for i := range candidates {
		key, ok := candidates[i].fits(hdr.Algorithm, ai)
		if !ok {
			continue
		}
		if tried == maxCandidates {
			break
		}
		tried++
		if verifySignature(ai, key, signingInput, digest, sig) {
			return hdr, payload, nil
		}
	}
	if tried == 0 {
		return Header{}, nil, fmt.Errorf("%w: no key (of %d with kid %q) fits %s", ErrKeyMismatch, len(candidates), truncate(hdr.KeyID), hdr.Algorithm)
	}
	return Header{}, nil, fmt.Errorf("%w: %s signature did not verify with %d candidate key(s)", ErrSignature, hdr.Algorithm, tried)
}

// parseHeader parses the protected header strictly. RFC 7515, section 4.1.
func parseHeader(raw []byte) (Header, error) {
	var buf [12]member
	ms, err := scanObject(raw, buf[:0])
	if err != nil {
		return Header{}, fmt.Errorf("%w (in the JOSE header)", err)
	}
	hdr := Header{Raw: raw}
	hasAlg := false
	for i := range ms {
		m := &ms[i]
		name, value := m.name(raw), m.value(raw)
		switch string(name) {
		case "alg":
			if m.kind != kindString {
				return Header{}, fmt.Errorf("%w: \"alg\" must be a string", ErrMalformed)
			}
			hdr.Algorithm = internAlgorithm(stringContent(value))
			hasAlg = true
		case "kid":
			if m.kind != kindString {
				return Header{}, fmt.Errorf("%w: \"kid\" must be a string", ErrMalformed)
			}
			kid := stringContent(value)
			if len(kid) > maxKIDLen {
				return Header{}, fmt.Errorf("%w: \"kid\" is %d bytes (at most %d allowed)", ErrMalformed, len(kid), maxKIDLen)
			}
			hdr.KeyID = string(kid)
		case "typ":
			if m.kind != kindString {
				return Header{}, fmt.Errorf("%w: \"typ\" must be a string", ErrMalformed)
			}
			hdr.Type = internType(stringContent(value))
		case "cty":
			if m.kind != kindString {
				return Header{}, fmt.Errorf("%w: \"cty\" must be a string", ErrMalformed)
			}
			hdr.ContentType = internType(stringContent(value))
		case "crit":
			// RFC 7515, section 4.1.11: crit MUST NOT be empty nor name
			// standard parameters, and every listed extension must be
			// understood. This package supports none, so any crit rejects.
			return Header{}, fmt.Errorf("%w: \"crit\" %s", ErrCritical, truncate(string(value)))
		case "enc", "zip":
			return Header{}, fmt.Errorf("%w: JWE header member %q in a JWS", ErrMalformed, name)
		default:
			if reg, ok := caseVariantOf(raw, m, "alg", "kid", "typ", "cty", "crit", "enc", "zip", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "b64"); ok {
				return Header{}, fmt.Errorf("%w: header member %q is a case variant of %q", ErrMalformed, truncate(string(name)), reg)
			}
		}
		// "jku", "x5u", "jwk", "x5c", "x5t" and others are ignored: keys come
		// only from the KeySet (RFC 8725, section 3.10).
	}
	if !hasAlg {
		return Header{}, fmt.Errorf("%w: header has no \"alg\"", ErrMalformed)
	}
	return hdr, nil
}

// internAlgorithm returns the constant for a known alg without allocating.
func internAlgorithm(b []byte) Algorithm {
	for _, a := range [...]Algorithm{RS256, ES256, PS256, EdDSA, RS384, RS512, PS384, PS512, ES384, ES512, HS256, HS384, HS512} {
		if string(b) == string(a) {
			return a
		}
	}
	return Algorithm(b)
}

// internType returns common "typ" and "cty" values without allocating.
func internType(b []byte) string {
	switch string(b) {
	case "JWT":
		return "JWT"
	case "jwt":
		return "jwt"
	case "at+jwt":
		return "at+jwt"
	case "dpop+jwt":
		return "dpop+jwt"
	case "logout+jwt":
		return "logout+jwt"
	}
	return string(b)
}

// checkAlgorithm enforces the caller's allow-list. RFC 8725, section 3.1.
func checkAlgorithm(alg Algorithm, allowed []Algorithm) (algInfo, error) {
	if isNone(string(alg)) {
		return algInfo{}, fmt.Errorf("%w: unsecured JWS (\"alg\":%q) is never accepted", ErrAlgorithmNotAllowed, truncate(string(alg)))
	}
	ai, ok := alg.info()
	if !ok {
		return algInfo{}, fmt.Errorf("%w: unsupported \"alg\" %q", ErrAlgorithmNotAllowed, truncate(string(alg)))
	}
	for _, a := range allowed {
		if a == alg {
			return ai, nil
		}
	}
	return algInfo{}, fmt.Errorf("%w: %s is not in the allowed list %v", ErrAlgorithmNotAllowed, alg, allowed)
}

// typeAllowed compares "typ" values as RFC 7515, section 4.1.9 asks.
func typeAllowed(typ string, allowed []string) bool {
	typ = trimApplication(typ)
	for _, a := range allowed {
		if strings.EqualFold(typ, trimApplication(a)) {
			return true
		}
	}
	return false
}

func trimApplication(t string) string {
	const prefix = "application/"
	if len(t) > len(prefix) && strings.EqualFold(t[:len(prefix)], prefix) && !strings.Contains(t[len(prefix):], "/") {
		return t[len(prefix):]
	}
	return t
}

// maxStackInput is the longest signing input hashSigningInput copies to the
// stack rather than the heap; most tokens are far shorter.
const maxStackInput = 4 << 10

// hashSigningInput hashes input with h into buf, without a heap copy of the
// input when it is at most maxStackInput bytes. A smaller stack copy serves
// the common sizes, so that little stack is cleared per call.
func hashSigningInput(h crypto.Hash, input string, buf *[sha512.Size]byte) []byte {
	switch {
	case len(input) <= 1024:
		var in [1024]byte
		return hashInput(h, in[:copy(in[:], input)], buf)
	case len(input) <= 1536:
		var in [1536]byte
		return hashInput(h, in[:copy(in[:], input)], buf)
	case len(input) <= maxStackInput:
		var in [maxStackInput]byte
		return hashInput(h, in[:copy(in[:], input)], buf)
	}
	return hashInput(h, []byte(input), buf)
}

// hashInput hashes the signing input with h into buf (no allocation).
func hashInput(h crypto.Hash, input []byte, buf *[sha512.Size]byte) []byte {
	switch h {
	case crypto.SHA256:
		sum := sha256.Sum256(input)
		return buf[:copy(buf[:], sum[:])]
	case crypto.SHA384:
		sum := sha512.Sum384(input)
		return buf[:copy(buf[:], sum[:])]
	case crypto.SHA512:
		*buf = sha512.Sum512(input)
		return buf[:]
	}
	return nil // EdDSA signs the message itself
}

// verifySignature checks sig with a key already matched to the algorithm.
// RFC 7518, section 3 and RFC 8037, section 3.1.
func verifySignature(ai algInfo, key any, input string, digest, sig []byte) bool {
	switch ai.family {
	case familyRSA:
		return rsa.VerifyPKCS1v15(key.(*rsa.PublicKey), ai.hash, digest, sig) == nil
	case familyPSS:
		// The compiler sees VerifyPSS's arguments escape: a copy keeps the
		// caller's digest buffer (and the RS* path) off the heap.
		return rsa.VerifyPSS(key.(*rsa.PublicKey), ai.hash, bytes.Clone(digest), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case familyEC:
		// RFC 7518, section 3.4: R and S as fixed-length big-endian octets.
		if len(sig) != 2*ai.size {
			return false
		}
		// One heap buffer for the digest and the DER signature, whose
		// arguments the compiler sees escape through VerifyASN1.
		buf := make([]byte, len(digest), len(digest)+2*67+8)
		copy(buf, digest)
		der := ecdsaDER(buf[len(digest):len(digest)], sig[:ai.size], sig[ai.size:])
		return ecdsa.VerifyASN1(key.(*ecdsa.PublicKey), buf[:len(digest):len(digest)], der)
	case familyEdDSA:
		return ed25519.Verify(key.(ed25519.PublicKey), []byte(input), sig)
	case familyHMAC:
		mac := hmac.New(ai.hash.New, key.([]byte))
		io.WriteString(mac, input)
		var sum [sha512.Size]byte
		return hmac.Equal(mac.Sum(sum[:0]), sig)
	}
	return false
}

// ecdsaDER encodes r and s as the ASN.1 SEQUENCE crypto/ecdsa verifies.
func ecdsaDER(dst, r, s []byte) []byte {
	r, s = derInt(r), derInt(s)
	rLen, sLen := len(r)+intPad(r), len(s)+intPad(s)
	body := 2 + rLen + 2 + sLen
	dst = append(dst, 0x30)
	if body >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(body), 0x02, byte(rLen))
	if intPad(r) == 1 {
		dst = append(dst, 0)
	}
	dst = append(dst, r...)
	dst = append(dst, 0x02, byte(sLen))
	if intPad(s) == 1 {
		dst = append(dst, 0)
	}
	return append(dst, s...)
}

// derInt strips leading zeros, keeping at least one byte.
func derInt(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// intPad is 1 when a DER INTEGER needs a leading zero to stay positive.
func intPad(b []byte) int {
	if len(b) > 0 && b[0]&0x80 != 0 {
		return 1
	}
	return 0
}
