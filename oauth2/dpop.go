package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// DPoPProver makes DPoP proofs: RFC 9449, section 4. When Config.DPoP is
// set, every token request carries a proof, a "use_dpop_nonce" error is
// answered once with the server's nonce (section 8), and a DPoP token type
// is accepted (section 5).
//
// Implementations must be safe for concurrent use.
type DPoPProver interface {
	// Proof returns a fresh proof JWT for a request with the given method
	// and target URI (query and fragment are dropped from "htu"). When
	// accessToken is not empty the proof carries its hash in "ath"
	// (section 4.2). The latest nonce recorded for the target's origin is
	// included.
	Proof(method, targetURI, accessToken string) (string, error)
	// UpdateNonce records a DPoP-Nonce header value sent by the server at
	// targetURI (sections 8 and 9). A syntactically invalid nonce is ignored.
	UpdateNonce(targetURI, nonce string)
}

// postWithDPoP posts form to endpoint with client authentication and, when
// c.DPoP is set, a DPoP proof (RFC 9449, section 4). A "use_dpop_nonce"
// error is answered once with the server's nonce (section 8); a second one
// is returned to the caller.
func (c *Config) postWithDPoP(ctx context.Context, endpoint string, form url.Values) (*response, error) {
	if c.DPoP == nil {
		return c.post(ctx, endpoint, form, true, nil)
	}
	for attempt := 0; ; attempt++ {
		proof, err := c.DPoP.Proof(http.MethodPost, endpoint, "")
		if err != nil {
			return nil, err
		}
		h := http.Header{}
		h.Set("DPoP", proof)
		r, err := c.post(ctx, endpoint, cloneValues(form), true, h)
		if err != nil {
			return nil, err
		}
		nonce := r.header.Get("DPoP-Nonce")
		if nonce != "" {
			c.DPoP.UpdateNonce(endpoint, nonce)
		}
		if attempt == 0 && nonce != "" {
			if e := oauthError(r); e != nil && e.Code == ErrorUseDPoPNonce {
				continue
			}
		}
		return r, nil
	}
}

// AuthorizeResource adds an access token to req, a request to a protected
// resource (the userinfo endpoint or any API), under the scheme its
// token_type names:
//
//   - "Bearer" (or empty): "Authorization: Bearer <token>" (RFC 6750,
//     section 2.1);
//   - "DPoP": "Authorization: DPoP <token>" and a fresh proof from prover
//     in the "DPoP" header, bound to req's method and URL and carrying the
//     token's hash in "ath" (RFC 9449, section 7.1). A DPoP-bound token is
//     never sent as Bearer: without a prover the call fails with
//     [ErrDPoP].
//
// Any other type fails with [ErrUnsupportedTokenType]; a token that fails
// [CheckAccessToken] with [ErrMalformedResponse] and [ErrAccessTokenSyntax].
// req's header is modified: callers that must not modify their caller's
// request (an http.RoundTripper) pass a clone.
func AuthorizeResource(req *http.Request, tokenType, accessToken string, prover DPoPProver) error {
	if err := CheckAccessToken(accessToken); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	switch {
	case tokenType == "" || strings.EqualFold(tokenType, TokenTypeBearer):
		req.Header.Set("Authorization", TokenTypeBearer+" "+accessToken)
		return nil
	case strings.EqualFold(tokenType, TokenTypeDPoP):
		if prover == nil {
			return fmt.Errorf("%w: a DPoP-bound token needs a DPoP prover", ErrDPoP)
		}
		proof, err := prover.Proof(req.Method, req.URL.String(), accessToken)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", TokenTypeDPoP+" "+accessToken)
		req.Header.Set("DPoP", proof)
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedTokenType, sanitize(tokenType, 32))
}

// ResourceNonce handles a resource server's answer to a DPoP request at
// targetURI: it records the DPoP-Nonce the server sent (RFC 9449, section
// 9) and reports whether the answer is a 401 "use_dpop_nonce" challenge of
// the DPoP scheme that one new request, with a fresh proof, answers.
// Callers retry at most once (HOSTILE DP-01); the token is not refreshed
// for it. prover nil reports false.
func ResourceNonce(prover DPoPProver, targetURI string, statusCode int, header http.Header) (retry bool) {
	if prover == nil {
		return false
	}
	nonce := header.Get("DPoP-Nonce")
	if nonce == "" {
		return false
	}
	prover.UpdateNonce(targetURI, nonce)
	if statusCode != http.StatusUnauthorized {
		return false
	}
	c, ok := FindChallenge(header, TokenTypeDPoP)
	return ok && c.ErrorCode() == ErrorUseDPoPNonce
}
