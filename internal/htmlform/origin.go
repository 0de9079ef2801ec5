package htmlform

import (
	"net/url"
	"strings"
)

// SameOrigin compares the origins of two URLs (RFC 6454, section 4):
// scheme, host and port, an absent port being the scheme's default. The
// agents submit forms only to the provider's origin.
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && portOrDefault(a) == portOrDefault(b)
}

func portOrDefault(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// SameEndpoint compares scheme, host and path: the parts of a redirection
// URI that the authorization response keeps (RFC 6749, section 3.1.2).
func SameEndpoint(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host) && a.Path == b.Path
}

// StripQuery drops the query and fragment of a URL for error messages:
// they can hold codes and session identifiers.
func StripQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}
