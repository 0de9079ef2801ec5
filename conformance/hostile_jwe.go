package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oidc"
)

// Encrypted ID tokens from a hostile provider, to a client that holds its
// decryption keys: what a JWE can carry that must be refused before, or
// instead of, any costly work.
func hostileJWEScenarios() []Scenario {
	return []Scenario{
		hostile("je-01-unsigned-plaintext", "a JWE whose plaintext is a bare claim set or an alg none JWT is refused", "OpenID Connect Core 1.0 §10.2, §3.1.3.7 step 1", runJE01UnsignedPlaintext),
		hostile("je-02-nested-checks", "a decrypted ID token still meets every check: another audience, a forged inner signature", "OpenID Connect Core 1.0 §3.1.3.7", runJE02NestedChecks),
		hostile("je-03-bombs", "zip, PBES2 with a huge p2c, an off-curve epk and oversized JWEs are refused at once", "RFC 8725 §3.4, §3.6; RFC 7516 §4.1.3; RFC 7518 §4.6.1.1, §4.8", runJE03Bombs),
		hostile("je-04-algorithm-not-allowed", "key management and content encryption the client did not register are refused", "RFC 8725 §3.1; OpenID Connect Registration 1.0 §2", runJE04AlgorithmNotAllowed),
	}
}

// jweClient is a hostile provider's verifier with the client's decryption
// keys: an RSA-OAEP key and an ECDH-ES key.
type jweClient struct {
	op      *hostileOP
	v       *oidc.IDTokenVerifier
	rsa, ec jose.JWK
}

func newJWEClient(ctx context.Context, e *Env) (*jweClient, error) {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return nil, err
	}
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &jweClient{op: op, v: v, rsa: jose.JWK{KeyID: "c-rsa", Use: "enc", Key: r}, ec: jose.JWK{KeyID: "c-ec", Use: "enc", Key: ec}}
	v.Decrypter = &oidc.Decrypter{Keys: []jose.JWK{c.rsa, c.ec}, KeyAlgorithms: []jose.Algorithm{jose.RSAOAEP, jose.ECDHES}, ContentEncryption: []jose.ContentEncryption{jose.A128GCM}}
	return c, nil
}

// encrypt makes a JWE of plaintext for the client's RSA key.
func (c *jweClient) encrypt(plaintext string) string {
	tok, err := jose.Encrypt([]byte(plaintext), c.rsa, jose.RSAOAEP, jose.A128GCM, jose.EncryptOptions{ContentType: "JWT"})
	if err != nil {
		return "encrypt: " + err.Error()
	}
	return tok
}

// withJWEHeader replaces the protected header of a compact JWE.
func withJWEHeader(tok string, h map[string]any) string {
	parts := strings.Split(tok, ".")
	parts[0] = b64url(mustMarshal(h))
	return strings.Join(parts, ".")
}

func runJE01UnsignedPlaintext(ctx context.Context, e *Env) error {
	c, err := newJWEClient(ctx, e)
	if err != nil {
		return err
	}
	claims := c.op.claims()
	vs := tokenVariants(ctx, e, c.v, oidc.VerifyOptions{}, []tokenCase{
		{"honest: signed, then encrypted", c.encrypt(c.op.sign(claims)), nil},
		{"bare claim set", c.encrypt(string(mustMarshal(claims))), []error{oidc.ErrUnsignedPlaintext}},
		{"alg none JWT inside", c.encrypt(b64url(mustMarshal(map[string]any{"alg": "none", "typ": "JWT"})) + "." + b64url(mustMarshal(claims)) + "."), []error{jose.ErrMalformed}},
		{"a JWE inside the JWE", c.encrypt(c.encrypt(c.op.sign(claims))), []error{oidc.ErrUnsignedPlaintext}},
		{"signed but not encrypted", c.op.sign(claims), []error{oidc.ErrNotEncrypted}},
	})
	return runHostileVariants(e, vs)
}

func runJE02NestedChecks(ctx context.Context, e *Env) error {
	c, err := newJWEClient(ctx, e)
	if err != nil {
		return err
	}
	claims := c.op.claims()
	signed := c.op.sign(claims)
	vs := tokenVariants(ctx, e, c.v, oidc.VerifyOptions{}, []tokenCase{
		{"another audience", c.encrypt(c.op.sign(claimsWith(claims, map[string]any{"aud": "someone-else"}))), []error{oidc.ErrAudience}},
		{"expired", c.encrypt(c.op.sign(claimsWith(claims, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}))), []error{oidc.ErrExpired}},
		{"forged inner signature", c.encrypt(signed[:len(signed)-8] + "AAAAAAAA"), []error{jose.ErrSignature}},
	})
	return runHostileVariants(e, vs)
}

func runJE03Bombs(ctx context.Context, e *Env) error {
	c, err := newJWEClient(ctx, e)
	if err != nil {
		return err
	}
	honest := c.encrypt(c.op.sign(c.op.claims()))
	offCurve := map[string]any{"kty": "EC", "crv": "P-256", "x": b64url(make([]byte, 32)), "y": b64url(append(make([]byte, 31), 7))}
	cases := []tokenCase{
		{"zip DEF", withJWEHeader(honest, map[string]any{"alg": "RSA-OAEP", "enc": "A128GCM", "zip": "DEF"}), []error{jose.ErrMalformed}},
		{"PBES2 p2c 2147483647", withJWEHeader(honest, map[string]any{"alg": "PBES2-HS512+A256KW", "enc": "A128GCM", "p2c": 2147483647, "p2s": b64url([]byte("saltsalt"))}), []error{jose.ErrAlgorithmNotAllowed}},
		{"ECDH-ES with an off-curve epk", withJWEHeader(honest, map[string]any{"alg": "ECDH-ES", "enc": "A128GCM", "epk": offCurve}), []error{jose.ErrUnusableKey}},
		{"5 MB ciphertext", honest[:strings.LastIndexByte(honest, '.')] + strings.Repeat("A", 5<<20) + ".AAAAAAAAAAAAAAAAAAAAAA", []error{jose.ErrTooLarge}},
	}
	var vs []hostileVariant
	for _, tc := range cases {
		run := expectVerify(ctx, e, c.v, tc.token, oidc.VerifyOptions{}, tc.targets...)
		vs = append(vs, hostileVariant{tc.name, func() error {
			start := time.Now()
			if err := run(); err != nil {
				return err
			}
			if d := time.Since(start); d > time.Second {
				return fmt.Errorf("refused only after %s", d)
			}
			return nil
		}})
	}
	return runHostileVariants(e, vs)
}

func runJE04AlgorithmNotAllowed(ctx context.Context, e *Env) error {
	c, err := newJWEClient(ctx, e)
	if err != nil {
		return err
	}
	signed := c.op.sign(c.op.claims())
	enc := func(key jose.JWK, alg jose.Algorithm, ce jose.ContentEncryption) string {
		tok, err := jose.Encrypt([]byte(signed), key, alg, ce, jose.EncryptOptions{ContentType: "JWT"})
		if err != nil {
			return "encrypt: " + err.Error()
		}
		return tok
	}
	honest := c.encrypt(signed)
	vs := tokenVariants(ctx, e, c.v, oidc.VerifyOptions{}, []tokenCase{
		{"RSA-OAEP-256, not registered", enc(c.rsa, jose.RSAOAEP256, jose.A128GCM), []error{jose.ErrAlgorithmNotAllowed}},
		{"A256GCM, not registered", enc(c.rsa, jose.RSAOAEP, jose.A256GCM), []error{jose.ErrAlgorithmNotAllowed}},
		{"ECDH-ES+A128KW, not registered", enc(c.ec, jose.ECDHESA128KW, jose.A128GCM), []error{jose.ErrAlgorithmNotAllowed}},
		{"RSA1_5", withJWEHeader(honest, map[string]any{"alg": "RSA1_5", "enc": "A128GCM"}), []error{jose.ErrAlgorithmNotAllowed}},
		{"dir", withJWEHeader(honest, map[string]any{"alg": "dir", "enc": "A128GCM"}), []error{jose.ErrAlgorithmNotAllowed}},
		{"crit", withJWEHeader(honest, map[string]any{"alg": "RSA-OAEP", "enc": "A128GCM", "crit": []string{"exp"}, "exp": 1}), []error{jose.ErrCritical}},
	})
	return runHostileVariants(e, vs)
}
