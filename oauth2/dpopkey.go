package oauth2

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// DPoPProofType is the "typ" header of a DPoP proof (RFC 9449, section 4.2).
const DPoPProofType = "dpop+jwt"

// maxDPoPNonceLength caps the DPoP-Nonce values kept; longer ones are
// ignored (RFC 9449, section 8.1 sets no limit, a client must).
const maxDPoPNonceLength = 1024

// maxNonceOrigins caps how many origins' nonces a DPoPKey remembers.
const maxNonceOrigins = 64

// ErrDPoP is wrapped by the errors of [NewDPoPProver] and [DPoPKey.Proof].
var ErrDPoP = errors.New("oauth2: DPoP")

// DPoPKey is a [DPoPProver] holding one asymmetric private key: RFC 9449.
// It is safe for concurrent use.
//
// Policy for downgraded responses: when a token request carried a proof and
// the server answers token_type "Bearer", [Config.Token] returns the token
// with TokenType "Bearer": the server chose not to bind it (RFC 9449,
// section 5). A caller that requires binding checks Token.TokenType. A
// token of type "DPoP" must only ever be sent with the DPoP scheme and a
// proof, never as a Bearer token (section 7.1).
type DPoPKey struct {
	key        jose.JWK // private, without "kid": the proof carries the jwk
	alg        jose.Algorithm
	public     jose.JWK
	thumbprint string
	clock      func() time.Time // time.Now; tests may replace it

	mu     sync.Mutex
	nonces map[string]string // origin -> latest nonce
}

// NewDPoPProver returns a DPoP prover for key, an RSA, ECDSA or Ed25519
// private key, signing with alg (RFC 9449, section 4.2: an asymmetric
// algorithm; "none" and MAC algorithms are refused). The "iat" of proofs
// is the system time, which is what servers compare it with.
func NewDPoPProver(key jose.JWK, alg jose.Algorithm) (*DPoPKey, error) {
	if strings.HasPrefix(string(alg), "HS") {
		return nil, fmt.Errorf("%w: %s is a MAC algorithm; proofs need an asymmetric key", ErrDPoP, alg)
	}
	if _, ok := key.Key.([]byte); ok || !key.IsPrivate() {
		return nil, fmt.Errorf("%w: the key must be an asymmetric private key", ErrDPoP)
	}
	key.KeyID = ""
	pub, err := key.Public()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoP, err)
	}
	tp, err := pub.Thumbprint()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoP, err)
	}
	d := &DPoPKey{key: key, alg: alg, public: pub, thumbprint: tp, clock: time.Now, nonces: map[string]string{}}
	// Sign once now, so that a key that does not fit alg fails here and
	// not in the middle of a token request.
	if _, err := jose.SignClaims(key, alg, struct{}{}, jose.SignOptions{Type: DPoPProofType, EmbedPublicKey: true}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoP, err)
	}
	return d, nil
}

// JWKThumbprint returns the RFC 7638 thumbprint of the public key: the
// "dpop_jkt" authorization request parameter (RFC 9449, section 10) and the
// "jkt" confirmation of bound tokens (section 6).
func (d *DPoPKey) JWKThumbprint() string { return d.thumbprint }

// PublicKey returns the public key that proofs carry in their "jwk" header.
func (d *DPoPKey) PublicKey() jose.JWK { return d.public }

// dpopClaims is the payload of a proof: RFC 9449, section 4.2.
type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// Proof returns a new proof for a request of method to targetURI: RFC 9449,
// section 4.2. The header has typ "dpop+jwt" and the public key alone in
// "jwk"; the payload has a random "jti", "htm", "htu" (targetURI without
// query, fragment or user information), "iat", "ath" (the base64url SHA-256
// of accessToken) when accessToken is set, and the latest nonce recorded
// for targetURI's origin.
func (d *DPoPKey) Proof(method, targetURI, accessToken string) (string, error) {
	if method == "" {
		return "", fmt.Errorf("%w: proof without an HTTP method", ErrDPoP)
	}
	u, origin, err := proofTarget(targetURI)
	if err != nil {
		return "", err
	}
	// 128 random bits make the jti unique (RFC 9449, section 4.2).
	claims := dpopClaims{JTI: randomToken(16), HTM: method, HTU: u, IAT: d.clock().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims.ATH = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	d.mu.Lock()
	claims.Nonce = d.nonces[origin]
	d.mu.Unlock()
	proof, err := jose.SignClaims(d.key, d.alg, claims, jose.SignOptions{Type: DPoPProofType, EmbedPublicKey: true})
	if err != nil {
		return "", fmt.Errorf("%w: signing a proof: %w", ErrDPoP, err)
	}
	return proof, nil
}

// UpdateNonce records nonce, a DPoP-Nonce header value from targetURI's
// origin (RFC 9449, sections 8 and 9), for the next proofs to that origin.
// A value that is empty, longer than [maxDPoPNonceLength], or not 1*NQCHAR
// (section 8.1) is ignored, so that nothing a server sends can inject into
// a later proof.
func (d *DPoPKey) UpdateNonce(targetURI, nonce string) {
	if !validNonce(nonce) {
		return
	}
	_, origin, err := proofTarget(targetURI)
	if err != nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.nonces[origin]; !ok && len(d.nonces) >= maxNonceOrigins {
		for k := range d.nonces { // forget one origin; any will do
			delete(d.nonces, k)
			break
		}
	}
	d.nonces[origin] = nonce
}

// validNonce checks the nonce syntax of RFC 9449, section 8.1:
// 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E.
func validNonce(n string) bool {
	if n == "" || len(n) > maxDPoPNonceLength {
		return false
	}
	for i := 0; i < len(n); i++ {
		b := n[i]
		if b != 0x21 && (b < 0x23 || b > 0x5b) && (b < 0x5d || b > 0x7e) {
			return false
		}
	}
	return true
}

// proofTarget returns the "htu" for targetURI (RFC 9449, section 4.2: no
// query or fragment) and its origin, the key of the nonce table: scheme and
// host in lower case, default port dropped.
func proofTarget(targetURI string) (htu, origin string, err error) {
	u, err := url.Parse(targetURI)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("%w: target %q is not an absolute URL", ErrDPoP, sanitize(targetURI, 64))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", "", fmt.Errorf("%w: target is not an http(s) URL", ErrDPoP)
	}
	u.Scheme = scheme
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	u.Fragment, u.RawFragment = "", ""
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	origin = scheme + "://" + host
	if port != "" {
		origin = scheme + "://" + net.JoinHostPort(host, port)
	}
	return u.String(), origin, nil
}
