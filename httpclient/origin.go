package httpclient

import (
	"net/http"
	"net/url"
)

// The token belongs to the origin of the request the caller made: its
// scheme, host and port (RFC 6454, section 4). net/http follows redirects
// by calling the Transport again for each hop, so a Transport that adds a
// header on every call would hand the token to any host a resource server
// redirects to (HT-01). net/http's own rule, which strips Authorization
// only when the host name changes, is not enough either: it keeps it
// across ports of one host.

// firstRequest returns the request the caller made: the first of the chain
// of redirects that led to req.
func firstRequest(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

// sameOrigin reports whether a and b have the same scheme, host and port,
// the scheme's default port standing for an absent one. Letter case is
// folded in ASCII only (RFC 6454, section 4 lowercases ASCII letters of the
// host; anything else is compared after IDNA, which oauthkit does not do):
// strings.EqualFold folds Unicode, so "straße.test" would equal
// "straẞe.test" and "ϲ"/"σ" or the Kelvin sign "K" would equal ASCII "k",
// although those names are dialled as different hosts. Any difference
// outside ASCII letters makes another origin.
func sameOrigin(a, b *url.URL) bool {
	return asciiEqualFold(a.Scheme, b.Scheme) &&
		asciiEqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

// asciiEqualFold reports whether a and b are equal when ASCII letters are
// compared without case; every other byte must be equal.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch {
	case asciiEqualFold(u.Scheme, "http"):
		return "80"
	case asciiEqualFold(u.Scheme, "https"):
		return "443"
	}
	return ""
}

// withoutCredentials returns req without Authorization and DPoP headers,
// as a copy when it had any: what a redirect hop to another origin carries.
func withoutCredentials(req *http.Request) *http.Request {
	found := false
	for k := range req.Header {
		if isCredentialHeader(k) {
			found = true
			break
		}
	}
	if !found {
		return req
	}
	r := new(http.Request)
	*r = *req
	r.Header = copyHeader(req.Header, 0)
	return r
}

// copyHeader returns a copy of h without Authorization and DPoP headers in
// any spelling, with room for extra more keys. Values are copied into one
// new backing array, so that appending to a copied value cannot write into
// the caller's header.
func copyHeader(h http.Header, extra int) http.Header {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	var backing []string
	if n > 0 {
		backing = make([]string, 0, n)
	}
	out := make(http.Header, len(h)+extra)
	for k, vs := range h {
		switch {
		case isCredentialHeader(k):
			continue
		case vs == nil:
			out[k] = nil // a nil value turns off a default header: keep it
			continue
		}
		backing = append(backing, vs...)
		out[k] = backing[len(backing)-len(vs) : len(backing) : len(backing)]
	}
	return out
}

// isCredentialHeader reports whether k names Authorization or DPoP, in any
// case (a header map may hold keys that were not canonicalized).
func isCredentialHeader(k string) bool {
	switch len(k) {
	case len("Authorization"):
		return asciiEqualFold(k, "Authorization")
	case len("Dpop"):
		return asciiEqualFold(k, "DPoP")
	}
	return false
}
