package oauth2

import (
	"crypto/rand"
	"encoding/base64"
)

// randomToken returns n bytes from crypto/rand, base64url-encoded without
// padding: PKCE code verifiers, state and nonce values, and "jti" claims.
// crypto/rand.Read does not fail (it aborts the program if the system's
// generator breaks).
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
