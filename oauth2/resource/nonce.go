package resource

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// DefaultNoncePeriod is how long a nonce of [RotatingNonces] is handed out.
const DefaultNoncePeriod = 5 * time.Minute

// RotatingNonces is a [NonceSource] for one server (RFC 9449, section 9):
// a random nonce handed out for Period, after which a new one replaces
// it; the previous nonce stays valid for one more period, so that a
// client's proof made just before the rotation still passes. The zero
// value is ready to use and safe for concurrent use.
type RotatingNonces struct {
	// Period is how long each nonce is handed out; 0 means
	// DefaultNoncePeriod.
	Period time.Duration
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time

	mu          sync.Mutex
	current     string
	previous    string
	currentFrom time.Time
}

// rotate brings the nonces up to now. Called with mu held.
func (n *RotatingNonces) rotate() {
	now := time.Now()
	if n.Clock != nil {
		now = n.Clock()
	}
	period := n.Period
	if period <= 0 {
		period = DefaultNoncePeriod
	}
	switch age := now.Sub(n.currentFrom); {
	case n.current == "" || age >= 2*period:
		n.previous, n.current = "", newNonce()
		n.currentFrom = now
	case age >= period:
		n.previous, n.current = n.current, newNonce()
		n.currentFrom = now
	}
}

// newNonce returns 128 random bits, base64url: NQCHARs only (RFC 9449,
// section 8.1).
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Nonce returns the nonce to send in DPoP-Nonce now.
func (n *RotatingNonces) Nonce() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rotate()
	return n.current
}

// Valid reports whether nonce is the current or the previous nonce.
func (n *RotatingNonces) Valid(nonce string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rotate()
	eq := func(a, b string) bool { return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	return eq(nonce, n.current) || eq(nonce, n.previous)
}
