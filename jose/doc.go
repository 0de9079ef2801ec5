// Package jose implements the parts of JSON Object Signing and Encryption
// that an OAuth 2.0 / OpenID Connect client needs: keys and key sets, signed
// tokens (compact JWS), JWT claims, and a cached remote key set.
//
// Verification is strict and allow-list based. Verify and VerifyJWT take the
// accepted algorithms from the caller; "none" is never accepted; a key is
// used only with an algorithm that fits its type, curve, "use" and "alg";
// keys never come from the token itself ("jku", "x5u", "jwk" and "x5c" are
// ignored); any "crit" header rejects; sizes are checked before decoding;
// headers and claims are parsed by a strict JSON scanner that rejects
// duplicate and case-variant member names; claims are parsed only after the
// signature verified.
//
// RemoteKeySet fetches a JWKS URI through the caller's *http.Client, caches it,
// refetches at most once per interval on an unknown "kid", coalesces
// concurrent fetches, and keeps serving cached keys while a refresh fails.
// Its Observer is shown each fetch as an [HTTPExchange], the type every
// package of the module shows its observers.
//
// A caller's own keys load from files: ParsePEM reads PKCS #1, PKCS #8,
// SEC 1, Ed25519 and X.509 certificates; ReadKeyFile and ReadKeySetFile read
// PEM, JWK and JWK Set files. An RSA key below 2048 bits is ErrWeakKey.
//
// Sign and SignClaims create tokens for client authentication
// (private_key_jwt, client_secret_jwt) and DPoP proofs.
//
// JWE (encrypted tokens) is not implemented: a five-segment token is rejected
// as malformed.
//
// Specifications:
//   - RFC 7515, JSON Web Signature (compact serialization only)
//   - RFC 7517, JSON Web Key
//   - RFC 7518, JSON Web Algorithms (RS*, PS*, ES*, HS*)
//   - RFC 7519, JSON Web Token
//   - RFC 7468, textual encodings (PEM); RFC 5208, RFC 5915, RFC 8017
//     and RFC 5280 for the keys inside
//   - RFC 7638, JSON Web Key Thumbprint
//   - RFC 8037, EdDSA (Ed25519) for JOSE
//   - RFC 8725, JSON Web Token Best Current Practices
//   - RFC 9449, section 4.2, DPoP proof headers (signing side)
package jose
