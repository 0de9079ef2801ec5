package oauth2

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// CodeChallengeMethodS256 is the only PKCE method oauthkit sends: RFC 7636,
// section 4.2 requires S256 of every client capable of it, and "plain"
// protects nothing against an attacker who can read the authorization
// request. A server's code_challenge_methods_supported never changes it.
const CodeChallengeMethodS256 = "S256"

// NewCodeVerifier returns a fresh PKCE code verifier: 32 bytes from
// crypto/rand, base64url-encoded without padding, 43 characters of 256 bits
// of entropy (RFC 7636, section 4.1 and 7.1).
func NewCodeVerifier() string {
	return randomToken(32)
}

// S256Challenge returns the S256 code challenge of verifier:
// BASE64URL(SHA256(ASCII(verifier))), RFC 7636, section 4.2.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CheckCodeVerifier reports whether v is a valid code verifier: 43 to 128
// characters from [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"
// (RFC 7636, section 4.1).
func CheckCodeVerifier(v string) error {
	if len(v) < 43 || len(v) > 128 {
		return fmt.Errorf("%w: code verifier must be 43 to 128 characters, not %d", ErrInvalidConfig, len(v))
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			return fmt.Errorf("%w: code verifier has a character outside the unreserved set", ErrInvalidConfig)
		}
	}
	return nil
}
