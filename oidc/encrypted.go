package oidc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oauthkit/oauthkit/jose"
)

var (
	// ErrNotEncrypted: a client that registered encryption received an ID
	// token or a userinfo response in the clear (OpenID Connect Core,
	// section 3.1.3.7, step 1: the RP SHOULD reject it).
	ErrNotEncrypted = errors.New("oidc: token not encrypted although encryption was registered")
	// ErrUnsignedPlaintext: a decrypted ID token is not a signed JWT. Core,
	// section 10.2 requires ID tokens to be signed, then encrypted: a JWE
	// proves only that someone holds the client's public key, which is
	// public.
	ErrUnsignedPlaintext = errors.New("oidc: decrypted token is not signed")
)

// Decrypter holds what a client needs to decrypt what the provider
// encrypts for it (OpenID Connect Core, section 10.2): its private keys and
// the algorithms it registered (id_token_encrypted_response_alg and _enc,
// userinfo_encrypted_response_alg and _enc; OpenID Connect Dynamic Client
// Registration 1.0, section 2). Load the keys with jose.ParseJWK or from
// PEM. A Decrypter is safe for concurrent use once no longer modified.
//
// Set it as IDTokenVerifier.Decrypter and UserInfoOptions.Decrypter: the
// decrypted plaintext must then be a signed JWT, and every check of the
// verifier applies to it as to a token that came in the clear.
type Decrypter struct {
	// Keys are the client's private decryption keys (RSA or EC).
	Keys []jose.JWK
	// KeyAlgorithms and ContentEncryption are the accepted "alg" and
	// "enc"; empty means jose's defaults (RSA-OAEP, RSA-OAEP-256, ECDH-ES
	// with and without key wrap; A128GCM, A256GCM, A128CBC-HS256,
	// A256CBC-HS512).
	KeyAlgorithms     []jose.Algorithm
	ContentEncryption []jose.ContentEncryption
	// AllowUnencrypted accepts tokens that come in the clear too, for a
	// client whose registration does not require encryption.
	AllowUnencrypted bool
	// MaxSize caps a JWE; 0 means jose.DefaultMaxJWESize.
	MaxSize int
}

// DecryptToken decrypts token, a compact JWE (RFC 7516), and returns the
// nested JWS inside it (RFC 7519, section 5.2: "cty" of "JWT"), not yet
// verified. A token that is not a JWE is returned as it is with
// AllowUnencrypted, else [ErrNotEncrypted]. A plaintext that is not a
// compact JWS is [ErrUnsignedPlaintext].
func (d *Decrypter) DecryptToken(token string) (string, error) {
	if !jose.IsEncrypted(token) {
		if d.AllowUnencrypted {
			return token, nil
		}
		return "", ErrNotEncrypted
	}
	hdr, plaintext, err := jose.Decrypt(token, d.Keys, jose.DecryptOptions{
		KeyAlgorithms:     d.KeyAlgorithms,
		ContentEncryption: d.ContentEncryption,
		MaxSize:           d.MaxSize,
	})
	if err != nil {
		return "", err
	}
	nested := strings.TrimSpace(string(plaintext))
	// A nested JWT says so with "cty" (RFC 7519, section 5.2); some
	// providers leave it out, so the plaintext's shape decides.
	if strings.Count(nested, ".") != 2 || strings.HasPrefix(nested, "{") {
		return "", fmt.Errorf("%w: the plaintext (cty %q) is not a compact JWS", ErrUnsignedPlaintext, cut(hdr.ContentType))
	}
	return nested, nil
}

// openIDToken is step 1 of OpenID Connect Core, section 3.1.3.7: decrypt
// with the keys and algorithms the client registered. Without a
// Decrypter the token is returned as it is, and a JWE then fails
// signature verification as malformed.
func (d *Decrypter) openIDToken(token string) (string, error) {
	if d == nil {
		return token, nil
	}
	return d.DecryptToken(token)
}

// openUserInfo checks an application/jwt userinfo response (section
// 5.3.2): decrypted first when opts.Decrypter is set, then verified as a
// signed response.
func openUserInfo(ctx context.Context, token string, opts UserInfoOptions) ([]byte, error) {
	if opts.Decrypter != nil {
		nested, err := opts.Decrypter.DecryptToken(token)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
		}
		token = nested
	}
	return verifySignedUserInfo(ctx, token, opts)
}
