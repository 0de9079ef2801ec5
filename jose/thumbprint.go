package jose

import (
	"bytes"
	"crypto/sha256"
)

// Thumbprint returns the RFC 7638 JWK thumbprint of k: the SHA-256 hash of
// the key's required public members (RFC 7638, section 3.2), base64url
// encoded. Private keys give the thumbprint of their public part. DPoP's
// "jkt" (RFC 9449, section 6.1) is this value.
func (k JWK) Thumbprint() (string, error) {
	if pub, err := k.Public(); err == nil {
		k = pub
	}
	p, err := k.params(false)
	if err != nil {
		return "", err
	}
	// Required members in lexicographic order, no whitespace (RFC 7638,
	// section 3.3). "kty" sorts between the others as follows.
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	ktyDone := false
	for _, m := range p.members {
		if !ktyDone && m.name > "kty" {
			writeMember(&b, "kty", p.kty, first)
			first, ktyDone = false, true
		}
		writeMember(&b, m.name, m.value, first)
		first = false
	}
	if !ktyDone {
		writeMember(&b, "kty", p.kty, first)
	}
	b.WriteByte('}')
	sum := sha256.Sum256(b.Bytes())
	return encodeB64(sum[:]), nil
}
