package jose

import "errors"

// Sentinel errors. Every error returned by this package wraps one (or more) of
// these, so callers can branch with errors.Is. Messages never contain key
// material, token contents beyond short header values, or secrets.
var (
	// ErrMalformed: the token, JSON document or key is not well-formed
	// (wrong number of segments, bad base64url, invalid or non-strict JSON,
	// a duplicated or case-variant member name, a member of the wrong type).
	ErrMalformed = errors.New("jose: malformed input")

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
	ErrExpired = errors.New("jose: token expired")

	// ErrNotYetValid: "nbf" is in the future (beyond the leeway).
	ErrNotYetValid = errors.New("jose: token not yet valid")

	// ErrIssuedInFuture: "iat" is in the future (beyond the leeway).
	ErrIssuedInFuture = errors.New("jose: token issued in the future")

	// ErrIssuer: "iss" does not equal the expected issuer.
	ErrIssuer = errors.New("jose: issuer mismatch")

	// ErrAudience: "aud" does not contain the expected audience.
	ErrAudience = errors.New("jose: audience mismatch")

	// ErrSubject: "sub" does not equal the expected subject.
	ErrSubject = errors.New("jose: subject mismatch")

	// ErrMissingClaim: a required claim is absent.
	ErrMissingClaim = errors.New("jose: missing claim")

	// ErrType: the "typ" header is absent or not one of the expected types.
	ErrType = errors.New("jose: unexpected token type")
)
