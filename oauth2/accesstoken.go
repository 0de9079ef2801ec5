package oauth2

import (
	"errors"
	"fmt"
)

// MaxAccessTokenLength caps an access token the client accepts and sends:
// 16 KiB, far above the few kilobytes of a large JWT access token and below
// the header limits of common servers (8 to 64 KiB), so that a token the
// client keeps can always be sent.
const MaxAccessTokenLength = 16 << 10

// ErrAccessTokenSyntax: an access token that is not a b64token of RFC 6750,
// section 2.1 (a space, a control character, a non-ASCII byte, "=" anywhere
// but at the end), or is longer than [MaxAccessTokenLength]. Such a token
// cannot go in an Authorization header as it is, so the client refuses it
// on receipt rather than when it is first sent.
var ErrAccessTokenSyntax = errors.New("oauth2: access token is not a valid b64token")

// CheckAccessToken reports whether v can be sent as an access token in an
// "Authorization: Bearer" or "Authorization: DPoP" header: RFC 6750,
// section 2.1, whose ABNF is
//
//	b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//
// (RFC 9449, section 7.1 uses the same token68 syntax). The error wraps
// [ErrAccessTokenSyntax] and says what is wrong without repeating the token.
// Every layer of oauthkit that sends a token relies on this one check.
func CheckAccessToken(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: empty", ErrAccessTokenSyntax)
	case len(v) > MaxAccessTokenLength:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrAccessTokenSyntax, len(v), MaxAccessTokenLength)
	}
	i := 0
	for ; i < len(v) && b64tokenChar(v[i]); i++ {
	}
	if i == 0 {
		return fmt.Errorf("%w: it starts with %s", ErrAccessTokenSyntax, describeByte(v[0]))
	}
	for ; i < len(v) && v[i] == '='; i++ {
	}
	if i < len(v) {
		return fmt.Errorf("%w: %s at byte %d", ErrAccessTokenSyntax, describeByte(v[i]), i)
	}
	return nil
}

// b64tokenChar reports whether c is ALPHA / DIGIT / "-" / "." / "_" / "~" /
// "+" / "/".
func b64tokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '+', '/':
		return true
	}
	return false
}

// describeByte names an offending byte without printing a control
// character or a fragment of the token.
func describeByte(c byte) string {
	switch {
	case c == ' ':
		return "a space"
	case c == '=':
		return `an "=" before the end`
	case c < 0x20 || c == 0x7f:
		return "a control character"
	case c >= 0x80:
		return "a non-ASCII byte"
	}
	return fmt.Sprintf("%q", c)
}
