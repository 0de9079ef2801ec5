package jose

import (
	"context"
	"fmt"
)

// VerifyJWT verifies a signed JWT and validates its claims: Verify (RFC 7515,
// section 5.2), then ParseClaims on the verified payload, then
// Claims.Validate with e (RFC 7519, section 7.2). The claims are parsed only
// after the signature verified. A "cty" of "JWT" (a nested JWT, RFC 7519,
// section 5.2) is rejected as ErrMalformed: nested tokens are not supported.
//
// It does not check token-type claims beyond opts.Types, "azp", "nonce" or
// other profile-specific claims; those belong to the caller (for example
// the oidc package for ID tokens).
func VerifyJWT(ctx context.Context, token string, keys KeySet, opts VerifyOptions, e Expected) (Header, *Claims, error) {
	hdr, payload, err := Verify(ctx, token, keys, opts)
	if err != nil {
		return Header{}, nil, err
	}
	if typeAllowed(hdr.ContentType, []string{"JWT"}) {
		return Header{}, nil, fmt.Errorf("%w: nested JWTs (\"cty\":\"JWT\") are not supported", ErrMalformed)
	}
	claims, err := parseClaims(payload, false)
	if err != nil {
		return Header{}, nil, err
	}
	if err := claims.Validate(e); err != nil {
		return Header{}, nil, err
	}
	return hdr, claims, nil
}
