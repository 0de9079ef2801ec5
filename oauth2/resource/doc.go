// Package resource is the resource-server side of OAuth 2.0: what an API
// does with the access tokens clients send it.
//
//   - [JWTValidator] verifies JWT access tokens: RFC 9068.
//   - [IntrospectionValidator] asks the authorization server about opaque
//     tokens (RFC 7662) and keeps the answers in a cache bounded in size
//     and time.
//   - [DPoPVerifier] checks DPoP proofs (RFC 9449, section 4.3) and their
//     binding to the token (section 7); certificate-bound tokens are
//     checked against the TLS client certificate (RFC 8705, section 3).
//   - [Guard] is an http.Handler middleware that does all of the above and
//     answers with the challenges of RFC 6750, section 3 and RFC 9449,
//     section 7.1.
//   - [ProtectedResourceMetadata] is RFC 9728's metadata document, served
//     by the resource, and [DiscoverResource] the client side that finds a
//     resource's authorization servers from it.
//
// Failures wrap the sentinels of this package, or of jose for a JWT's own
// checks (jose.ErrExpired, jose.ErrAudience, jose.ErrIssuer, jose.ErrType).
package resource
