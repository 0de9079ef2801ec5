package jose

import (
	"context"
	"fmt"
	"strings"
)

// maxStackPayload is the largest claim set VerifyJWT decodes on the stack.
const maxStackPayload = 4 << 10

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
	// The payload is needed only until its claims are parsed (ParseClaims
	// keeps its own copy): decode it on the stack when it fits, in a buffer
	// sized to the payload segment so that little stack is cleared per call.
	// The payload segment's length bounds the decoded payload; a wrong
	// guess on a malformed token only means a heap buffer.
	pSeg := len(token)
	if dot1 := strings.IndexByte(token, '.'); dot1 >= 0 {
		if dot2 := strings.IndexByte(token[dot1+1:], '.'); dot2 >= 0 {
			pSeg = dot2
		}
	}
	switch pLen := pSeg / 4 * 3; {
	case pLen <= 768-3:
		var payloadBuf [768]byte
		return verifyJWT(ctx, token, keys, opts, e, payloadBuf[:])
	case pLen <= 1536-3:
		var payloadBuf [1536]byte
		return verifyJWT(ctx, token, keys, opts, e, payloadBuf[:])
	}
	var payloadBuf [maxStackPayload]byte
	return verifyJWT(ctx, token, keys, opts, e, payloadBuf[:])
}

// verifyJWT implements VerifyJWT, decoding the payload into payloadBuf when
// it fits.
func verifyJWT(ctx context.Context, token string, keys KeySet, opts VerifyOptions, e Expected, payloadBuf []byte) (Header, *Claims, error) {
	hdr, payload, err := verify(ctx, token, keys, opts, payloadBuf)
	if err != nil {
		return Header{}, nil, err
	}
	if typeAllowed(hdr.ContentType, []string{"JWT"}) {
		return Header{}, nil, fmt.Errorf("%w: nested JWTs (\"cty\":\"JWT\") are not supported", ErrMalformed)
	}
	claims, err := ParseClaims(payload)
	if err != nil {
		return Header{}, nil, err
	}
	if err := claims.Validate(e); err != nil {
		return Header{}, nil, err
	}
	return hdr, claims, nil
}
