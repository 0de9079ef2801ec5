package jose

import "errors"

// Sentinel errors. Every error returned by this package wraps one (or more) of
// these, so callers can branch with errors.Is. Messages never contain key
// material, token contents beyond short header values, or secrets.
//
// They are the module's one sentinel for each failure: oidc exports the
// claim failures under its own names (oidc.ErrIssuerMismatch is ErrIssuer,
// oidc.ErrExpired is ErrExpired, ...) and oauth2.ErrIssuerMismatch is
// ErrIssuer, so one errors.Is check covers ID tokens, other JWTs,
// discovery documents and authorization responses. Their texts therefore
// name no package.
var (
	// ErrMalformed: the token, JSON document or key is not well-formed
	// (wrong number of segments, bad base64url, invalid or non-strict JSON,
	// a duplicated or case-variant member name, a member of the wrong type).
	ErrMalformed = errors.New("malformed input")

	// ErrTooLarge: a token, response body or key set exceeds its size cap.
	ErrTooLarge = errors.New("jose: input too large")

	// ErrAlgorithmNotAllowed: the "alg" header is "none", unknown, or not in
	// the caller's allow-list (or the allow-list is empty).
	ErrAlgorithmNotAllowed = errors.New("jose: algorithm not allowed")

	// ErrSignature: no candidate key verified the signature.
	ErrSignature = errors.New("jose: invalid signature")

	// ErrUnknownKey: the key set holds no key with the token's "kid"
	// (after any refresh the key set was allowed to make).
	ErrUnknownKey = errors.New("jose: unknown key")

	// ErrKeyMismatch: keys were found, but none fits the algorithm (wrong
	// key type or curve, a different "alg", "use":"enc", too small a key).
	ErrKeyMismatch = errors.New("jose: key does not fit the algorithm")

	// ErrCritical: the header has a "crit" member; this package understands
	// no extension, so every "crit" (even an empty one) rejects the token.
	ErrCritical = errors.New("jose: unsupported critical header")

	// ErrUnusableKey: a JWK cannot be used (unknown kty, alg or crv; bad
	// parameters; weak or oversized RSA modulus; point not on the curve).
	ErrUnusableKey = errors.New("jose: unusable key")

	// ErrNoUsableKeys: a key set held no key this package can use.
	ErrNoUsableKeys = errors.New("jose: no usable keys in key set")

	// ErrExpired: "exp" is in the past (beyond the leeway).
	ErrExpired = errors.New("token expired")

	// ErrNotYetValid: "nbf" is in the future (beyond the leeway).
	ErrNotYetValid = errors.New("token not yet valid")

	// ErrIssuedInFuture: "iat" is in the future (beyond the leeway).
	ErrIssuedInFuture = errors.New("token issued in the future")

	// ErrIssuer: an issuer identifier differs from the one expected: the
	// "iss" claim, a metadata document's "issuer" (RFC 8414, section 3.3;
	// OpenID Connect Discovery, section 4.3) or an authorization response's
	// "iss" (RFC 9207, section 2.4). Comparison is exact.
	ErrIssuer = errors.New("issuer mismatch")

	// ErrAudience: "aud" does not contain the expected audience.
	ErrAudience = errors.New("audience not accepted")

	// ErrSubject: "sub" does not equal the expected subject.
	ErrSubject = errors.New("subject not accepted")

	// ErrMissingClaim: a required claim is absent.
	ErrMissingClaim = errors.New("missing claim")

	// ErrType: the "typ" header is absent or not one of the expected types.
	ErrType = errors.New("wrong token type")
)
