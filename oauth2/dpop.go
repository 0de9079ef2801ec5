package oauth2

import (
	"context"
	"net/http"
	"net/url"
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
