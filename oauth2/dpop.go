package oauth2

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
