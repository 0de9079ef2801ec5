package resource

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Defaults of [DPoPVerifier].
const (
	// DefaultProofWindow is how old a proof's "iat" may be.
	DefaultProofWindow = time.Minute
	// DefaultProofLeeway is how far in the future a proof's "iat" may be.
	DefaultProofLeeway = 5 * time.Second
	// DefaultReplayCacheSize is the number of jti values remembered.
	DefaultReplayCacheSize = 10000
	// maxProofSize caps a DPoP header: a proof with an RSA-4096 key is
	// under 2 KiB.
	maxProofSize = 8 << 10
)

// defaultProofAlgorithms are accepted when DPoPVerifier.Algorithms is empty:
// asymmetric algorithms only (RFC 9449, section 4.3, check 6).
var defaultProofAlgorithms = []jose.Algorithm{jose.ES256, jose.RS256, jose.PS256, jose.EdDSA}

// NonceSource gives the nonces a resource server asks DPoP proofs to
// carry: RFC 9449, section 9. Nonce returns the nonce to send in DPoP-Nonce
// now; Valid reports whether a proof's nonce is still accepted. Both must
// be safe for concurrent use.
type NonceSource interface {
	Nonce() string
	Valid(nonce string) bool
}

// DPoPVerifier checks DPoP proofs: RFC 9449, section 4.3, and the binding
// of section 7.1. It remembers every accepted jti until it leaves the iat
// window, in a cache of at most ReplayCacheSize entries. It is safe for
// concurrent use.
type DPoPVerifier struct {
	// Algorithms are the accepted "alg" values; empty means ES256, RS256,
	// PS256 and EdDSA.
	Algorithms []jose.Algorithm
	// Window is how old a proof may be; 0 means DefaultProofWindow.
	Window time.Duration
	// Leeway is how far in the future "iat" may be; 0 means
	// DefaultProofLeeway.
	Leeway time.Duration
	// Nonces, when set, makes proofs carry a nonce it accepts, such as
	// a [RotatingNonces].
	Nonces NonceSource
	// ReplayCacheSize bounds the jti cache; 0 means DefaultReplayCacheSize.
	ReplayCacheSize int
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time

	once   sync.Once
	replay *boundedCache[struct{}]
}

// Proof is a verified DPoP proof.
type Proof struct {
	// JKT is the JWK thumbprint (RFC 7638) of the proof's key.
	JKT string
	// Key is the public key of the proof's "jwk" header.
	Key jose.JWK
	// ID, Method, URI and IssuedAt are "jti", "htm", "htu" and "iat".
	ID, Method, URI string
	IssuedAt        time.Time
}

func (v *DPoPVerifier) now() time.Time {
	if v.Clock != nil {
		return v.Clock()
	}
	return time.Now()
}

// embeddedKey is the key set of a proof: its own "jwk" header, whatever
// "kid" says.
type embeddedKey jose.JWK

func (k embeddedKey) Keys(context.Context, string) ([]jose.JWK, error) {
	return []jose.JWK{jose.JWK(k)}, nil
}

// Verify checks proof, the value of a request's single DPoP header, for a
// request of method to targetURI presenting accessToken (empty at a token
// endpoint): RFC 9449, section 4.3, checks 1 to 12. It does not check the
// token's binding to the key: compare Proof.JKT with the token's cnf.jkt
// (section 7.1), as [Guard] does.
func (v *DPoPVerifier) Verify(ctx context.Context, proof, method, targetURI, accessToken string) (*Proof, error) {
	v.once.Do(func() {
		size := v.ReplayCacheSize
		if size <= 0 {
			size = DefaultReplayCacheSize
		}
		v.replay = newBoundedCache[struct{}](size)
	})
	// Check 1 is the caller's: exactly one DPoP header. Check 2: a
	// well-formed JWT, within a size cap.
	if proof == "" {
		return nil, fmt.Errorf("%w: no DPoP header", ErrDPoPProof)
	}
	if len(proof) > maxProofSize {
		return nil, fmt.Errorf("%w: %w: proof of %d bytes", ErrDPoPProof, jose.ErrTooLarge, len(proof))
	}
	// Check 5's key comes from the header itself: read it before the
	// signature, and only for that. The header is parsed strictly by
	// jose.Verify below.
	key, err := proofKey(proof)
	if err != nil {
		return nil, err
	}
	algs := v.Algorithms
	if len(algs) == 0 {
		algs = defaultProofAlgorithms
	}
	// Checks 3 (typ dpop+jwt), 4 (alg asymmetric and allowed), 6
	// (signature with the jwk header's key).
	_, payload, err := jose.Verify(ctx, proof, embeddedKey(key), jose.VerifyOptions{
		Algorithms: algs,
		Types:      []string{oauth2.DPoPProofType},
		MaxSize:    maxProofSize,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	claims, err := jose.ParseClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	p := &Proof{Key: key, ID: claims.ID}
	if p.JKT, err = key.Thumbprint(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	// Check 8: htm matches the method.
	if p.Method, _, err = claims.StringClaim("htm"); err != nil || p.Method != method {
		return nil, fmt.Errorf("%w: htm %q, request method %q", ErrDPoPProof, truncate(p.Method), method)
	}
	// Check 9: htu matches the target URI, query and fragment ignored,
	// after syntax-based normalization (RFC 3986, sections 6.2.2, 6.2.3).
	if p.URI, _, err = claims.StringClaim("htu"); err != nil {
		return nil, fmt.Errorf("%w: htu: %w", ErrDPoPProof, err)
	}
	want, err := normalizeHTU(targetURI)
	if err != nil {
		return nil, fmt.Errorf("%w: target URI: %w", oauth2.ErrInvalidConfig, err)
	}
	if got, err := normalizeHTU(p.URI); err != nil || got != want {
		return nil, fmt.Errorf("%w: htu %q is not this request's URI", ErrDPoPProof, truncate(p.URI))
	}
	// Check 10: a nonce the server accepts, when it issues nonces.
	if v.Nonces != nil {
		nonce, _, err := claims.StringClaim("nonce")
		if err != nil || nonce == "" || !v.Nonces.Valid(nonce) {
			return nil, ErrDPoPNonce
		}
	}
	// Check 11: iat within the window.
	if claims.IssuedAt == nil {
		return nil, fmt.Errorf("%w: %w: \"iat\"", ErrDPoPProof, jose.ErrMissingClaim)
	}
	p.IssuedAt = claims.IssuedAt.Time()
	now := v.now()
	window, leeway := v.Window, v.Leeway
	if window <= 0 {
		window = DefaultProofWindow
	}
	if leeway <= 0 {
		leeway = DefaultProofLeeway
	}
	if p.IssuedAt.Before(now.Add(-window)) || p.IssuedAt.After(now.Add(leeway)) {
		return nil, fmt.Errorf("%w: iat %s outside the window of %s", ErrDPoPProof, p.IssuedAt.Format(time.RFC3339), window)
	}
	// Check 12: ath is the hash of the access token presented with it.
	ath, hasATH, err := claims.StringClaim("ath")
	if err != nil {
		return nil, fmt.Errorf("%w: ath: %w", ErrDPoPProof, err)
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		expected := base64.RawURLEncoding.EncodeToString(sum[:])
		if !hasATH || subtle.ConstantTimeCompare([]byte(ath), []byte(expected)) != 1 {
			return nil, fmt.Errorf("%w: ath is not the hash of the access token", ErrDPoPProof)
		}
	}
	// Replay (section 11.1): a jti is accepted once while its proof could
	// pass the iat check. The key is scoped to the proof's key, so one
	// client cannot block another's jti values.
	if p.ID == "" {
		return nil, fmt.Errorf("%w: %w: \"jti\"", ErrDPoPProof, jose.ErrMissingClaim)
	}
	if len(p.ID) > 256 {
		return nil, fmt.Errorf("%w: jti of %d bytes", ErrDPoPProof, len(p.ID))
	}
	if !v.replay.addIfAbsent(p.JKT+" "+p.ID, struct{}{}, now, p.IssuedAt.Add(window+leeway)) {
		return nil, fmt.Errorf("%w: %w: jti %q", ErrDPoPProof, ErrDPoPReplay, truncate(p.ID))
	}
	return p, nil
}

// proofKey returns the public key of a proof's "jwk" header (RFC 9449,
// section 4.3, check 5): an asymmetric public key, never a private or
// symmetric one.
func proofKey(proof string) (jose.JWK, error) {
	seg, _, ok := strings.Cut(proof, ".")
	if !ok {
		return jose.JWK{}, fmt.Errorf("%w: %w: not a JWS", ErrDPoPProof, jose.ErrMalformed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return jose.JWK{}, fmt.Errorf("%w: %w: header is not base64url", ErrDPoPProof, jose.ErrMalformed)
	}
	var hdr struct {
		JWK json.RawMessage `json:"jwk"`
	}
	if err := json.Unmarshal(raw, &hdr); err != nil || len(hdr.JWK) == 0 {
		return jose.JWK{}, fmt.Errorf("%w: %w: no jwk header", ErrDPoPProof, jose.ErrMalformed)
	}
	key, err := jose.ParseJWK(hdr.JWK)
	if err != nil {
		return jose.JWK{}, fmt.Errorf("%w: jwk header: %w", ErrDPoPProof, err)
	}
	if _, symmetric := key.Key.([]byte); symmetric || key.IsPrivate() {
		return jose.JWK{}, fmt.Errorf("%w: the jwk header must hold a public asymmetric key", ErrDPoPProof)
	}
	key.KeyID, key.Use = "", ""
	return key, nil
}

// normalizeHTU returns u without query and fragment, its scheme and host
// in lower case and a default port dropped (RFC 3986, sections 6.2.2 and
// 6.2.3), and an empty path as "/".
func normalizeHTU(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", truncate(raw))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("%q is not an http(s) URL", truncate(raw))
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, nil
}
