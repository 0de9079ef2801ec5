package resource

import "errors"

// Sentinel errors, matched with errors.Is. Errors returned by this package
// wrap one of them, or a sentinel of jose or oauth2, with detail.
var (
	// ErrNoToken: the request carries no access token (RFC 6750, section
	// 3.1: the challenge then has no error code).
	ErrNoToken = errors.New("resource: no access token")
	// ErrMalformedRequest: the credentials cannot be read: several
	// Authorization or DPoP headers, a token that is not a b64token
	// (RFC 6750, section 2.1), an unknown scheme (RFC 6750 invalid_request).
	ErrMalformedRequest = errors.New("resource: malformed request")
	// ErrInactive: the introspection endpoint says the token is not active
	// (RFC 7662, section 2.2), or it is a refresh token.
	ErrInactive = errors.New("resource: token not active")
	// ErrInsufficientScope: the token lacks a scope the resource requires
	// (RFC 6750, section 3.1).
	ErrInsufficientScope = errors.New("resource: insufficient scope")
	// ErrScheme: the token was sent under the wrong scheme: a DPoP-bound
	// token as Bearer (RFC 9449, section 7.2), or a Bearer token where
	// DPoP is required.
	ErrScheme = errors.New("resource: wrong authorization scheme for the token")
	// ErrDPoPProof: the DPoP proof is missing, malformed, badly signed, for
	// another request, too old, or replayed (RFC 9449, section 4.3).
	ErrDPoPProof = errors.New("resource: invalid DPoP proof")
	// ErrDPoPReplay: a DPoP proof's jti was seen before (RFC 9449,
	// section 11.1). It wraps ErrDPoPProof too.
	ErrDPoPReplay = errors.New("resource: DPoP proof replayed")
	// ErrDPoPNonce: the proof lacks the server's current nonce (RFC 9449,
	// section 9); the answer is a use_dpop_nonce challenge with a fresh
	// DPoP-Nonce.
	ErrDPoPNonce = errors.New("resource: DPoP nonce required")
	// ErrBinding: the token is bound to another key (cnf.jkt, RFC 9449,
	// section 6) or certificate (cnf["x5t#S256"], RFC 8705, section 3) than
	// the one the request shows.
	ErrBinding = errors.New("resource: token bound to another key")
	// ErrResourceMismatch: a protected resource metadata document's
	// "resource" is not the resource's URL (RFC 9728, section 3.3).
	ErrResourceMismatch = errors.New("resource: metadata names another resource")
	// ErrInvalidMetadata: a protected resource metadata document that is
	// not a JSON object or has a member of the wrong type (RFC 9728,
	// section 3.2).
	ErrInvalidMetadata = errors.New("resource: invalid protected resource metadata")
)
