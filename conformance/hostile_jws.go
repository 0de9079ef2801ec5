package conformance

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Section B of the hostile-server catalogue: signed tokens and key sets.
// Every scenario verifies ID tokens forged by a hostile provider through
// oidc.IDTokenVerifier with the provider's discovered jose.RemoteKeySet.

// rs256Header is the header an honest provider writes.
func rs256Header(kid string) map[string]any {
	return map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"}
}

// JW-01: alg "none" in any letter case, with and without a signature, is
// never accepted, even by a client that lists "none" (RFC 8725, section
// 3.1; OpenID Connect Core, section 2). No key is fetched for it.
func runJW01AlgNone(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	// A client that "registered" none: the verifier must still refuse.
	lax := &oidc.IDTokenVerifier{ClientID: opClientID, Issuer: op.Issuer, KeySet: p.KeySet,
		Algorithms: []jose.Algorithm{"none", jose.RS256}}
	claims := op.claims()
	var vs []hostileVariant
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		h := map[string]any{"alg": alg, "typ": "JWT"}
		empty := forgeJWS(h, claims, nil)
		signed := forgeJWS(h, claims, rsaSigner(op.Key, crypto.SHA256, false))
		vs = append(vs,
			hostileVariant{"alg " + alg + ", empty signature", anyOf(ctx, e, v, empty, jose.ErrAlgorithmNotAllowed, jose.ErrMalformed)},
			hostileVariant{"alg " + alg + ", signature present", expectVerify(ctx, e, v, signed, oidc.VerifyOptions{}, jose.ErrAlgorithmNotAllowed)},
			hostileVariant{"alg " + alg + ", client lists none", expectVerify(ctx, e, lax, signed, oidc.VerifyOptions{}, jose.ErrAlgorithmNotAllowed)},
		)
	}
	vs = append(vs, hostileVariant{"no key set request for an unsigned token", func() error {
		if n := p.KeySet.Fetches(); n != 0 {
			return fmt.Errorf("the key set was fetched %d times", n)
		}
		return nil
	}})
	return runHostileVariants(e, vs)
}

// anyOf returns a variant run that requires the verification to fail with
// one of targets.
func anyOf(ctx context.Context, e *Env, v *oidc.IDTokenVerifier, token string, targets ...error) func() error {
	return func() error {
		e.AddSecret(token)
		_, err := v.Verify(ctx, token, oidc.VerifyOptions{})
		if err := wantErrorIsAny(err, targets...); err != nil {
			return err
		}
		e.Notef("rejected: %v", err)
		return nil
	}
}

// wantErrorIsAny checks that err matches at least one target.
func wantErrorIsAny(err error, targets ...error) error {
	if err == nil {
		return fmt.Errorf("expected an error matching one of %v, got success", targets)
	}
	for _, t := range targets {
		if errors.Is(err, t) {
			return nil
		}
	}
	return fmt.Errorf("error %q matches none of %v", firstLine(err.Error()), targets)
}

// JW-02: an HS256 token keyed with the provider's RSA public key, in every
// encoding an attacker might try, is refused: a public client accepts no
// HMAC at all, a confidential client keys HMAC with its own secret only
// (RFC 8725, section 3.1; CVE-2016-10555, CVE-2022-29217, CVE-2024-37568).
func runJW02HMACWithPublicKey(ctx context.Context, e *Env) error {
	op, p, public, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	secret := "client-secret-" + hostileRandomHex(16)
	e.AddSecret(secret)
	confidential, err := p.Verifier(oidc.IDTokenVerifier{ClientID: opClientID, ClientSecret: secret,
		Algorithms: []jose.Algorithm{jose.RS256, jose.HS256}})
	if err != nil {
		return err
	}
	pkix, err := x509.MarshalPKIXPublicKey(&op.Key.PublicKey)
	if err != nil {
		return err
	}
	jwk := op.JWK
	keys := map[string][]byte{
		"PEM (PKIX)":    pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
		"PEM (PKCS #1)": pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&op.Key.PublicKey)}),
		"DER":           pkix,
		"JWK JSON":      jwk,
		"raw modulus":   op.Key.N.Bytes(),
		"empty key":     {},
	}
	var vs []hostileVariant
	for name, key := range keys {
		tok := forgeJWS(map[string]any{"alg": "HS256", "kid": opKeyID, "typ": "JWT"}, op.claims(), hmacSigner(key, crypto.SHA256))
		vs = append(vs,
			hostileVariant{"public client, HMAC keyed with " + name, expectVerify(ctx, e, public, tok, oidc.VerifyOptions{}, jose.ErrAlgorithmNotAllowed)},
			hostileVariant{"confidential client, HMAC keyed with " + name, expectVerify(ctx, e, confidential, tok, oidc.VerifyOptions{}, jose.ErrSignature)},
		)
	}
	good := forgeJWS(map[string]any{"alg": "HS256", "typ": "JWT"}, op.claims(), hmacSigner([]byte(secret), crypto.SHA256))
	vs = append(vs, hostileVariant{"control: confidential client, HMAC keyed with its secret", expectAccept(ctx, confidential, good, oidc.VerifyOptions{})})
	return runHostileVariants(e, vs)
}

// JW-03 (RS256): correct kid, alg and claims, signed with another key:
// jose.ErrSignature, and no refetch since the kid is known.
func runJW03BadSignatureRS256(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	bad := forgeJWS(rs256Header(opKeyID), op.claims(), rsaSigner(attacker, crypto.SHA256, false))
	// A signature of another token, spliced onto these claims.
	other := op.sign(claimsWith(op.claims(), map[string]any{"sub": "someone-else"}))
	spliced := bad[:strings.LastIndexByte(bad, '.')] + other[strings.LastIndexByte(other, '.'):]
	vs := tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: the provider's own signature", op.sign(op.claims()), nil},
		{"signed with another RSA key", bad, []error{jose.ErrSignature}},
		{"signature of another token", spliced, []error{jose.ErrSignature}},
	})
	vs = append(vs,
		hostileVariant{"one key set request, no refetch for a known kid", wantFetches(p, 1)},
	)
	return runHostileVariants(e, vs)
}

// wantFetches returns a variant run that checks the key set's request
// count.
func wantFetches(p *oidc.Provider, n int) func() error {
	return func() error {
		if got := p.KeySet.Fetches(); got != n {
			return fmt.Errorf("the key set made %d requests, expected %d", got, n)
		}
		return nil
	}
}

// JW-03 (ES256): the provider publishes a P-256 key; a token signed with
// another P-256 key under its kid is refused.
func runJW03BadSignatureES256(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	good, pub, err := newECKeyJWK(elliptic.P256(), "op-ec-1", jose.ES256)
	if err != nil {
		return err
	}
	attacker, err := newECKey(elliptic.P256())
	if err != nil {
		return err
	}
	op.setKeys(pub)
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{Algorithms: []jose.Algorithm{jose.ES256}})
	if err != nil {
		return err
	}
	h := map[string]any{"alg": "ES256", "kid": "op-ec-1", "typ": "JWT"}
	bad := forgeJWS(h, op.claims(), ecSigner(attacker, crypto.SHA256))
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: the provider's own ES256 signature", forgeJWS(h, op.claims(), ecSigner(good, crypto.SHA256)), nil},
		{"signed with another P-256 key", bad, []error{jose.ErrSignature}},
	}))
}

// JW-03 (HS256): a confidential client that registered HS256 refuses a
// token keyed with another secret.
func runJW03BadSignatureHS256(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	secret := "client-secret-" + hostileRandomHex(16)
	e.AddSecret(secret)
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{ClientSecret: secret, Algorithms: []jose.Algorithm{jose.HS256}})
	if err != nil {
		return err
	}
	h := map[string]any{"alg": "HS256", "typ": "JWT"}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: keyed with the client secret", forgeJWS(h, op.claims(), hmacSigner([]byte(secret), crypto.SHA256)), nil},
		{"keyed with another secret", forgeJWS(h, op.claims(), hmacSigner([]byte("wrong-"+secret), crypto.SHA256)), []error{jose.ErrSignature}},
		{"truncated MAC", truncateSignature(forgeJWS(h, op.claims(), hmacSigner([]byte(secret), crypto.SHA256))), []error{jose.ErrSignature}},
	}))
}

// truncateSignature drops the last 8 bytes of a token's signature.
func truncateSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	return tok[:i+1] + b64url(sig[:len(sig)-8])
}

// JW-04: oversized tokens and shape bombs are refused before any
// splitting, decoding or key request (CVE-2025-27144, CVE-2025-30204,
// CVE-2025-22868); an ID token too large for the token response is
// refused by the response size cap.
func runJW04ParsingDoS(ctx context.Context, e *Env) error {
	op, p, rp, err := newHostileRP(ctx, e)
	if err != nil {
		return err
	}
	v := rp.Verifier
	big := strings.Repeat("A", 10<<20)
	vs := []hostileVariant{
		{"10 MB token", expectVerifyQuiet(ctx, v, "eyJhbGciOiJSUzI1NiJ9."+big+".sig", jose.ErrTooLarge)},
		{"10^6 dots", expectVerifyQuiet(ctx, v, strings.Repeat(".", 1_000_000), jose.ErrTooLarge)},
		{"10 MB header segment", expectVerifyQuiet(ctx, v, big+".e30.sig", jose.ErrTooLarge)},
		{"10 MB signature segment", expectVerifyQuiet(ctx, v, "eyJhbGciOiJSUzI1NiJ9.e30."+big, jose.ErrTooLarge)},
		{"60 KB of dots, under the size cap", expectVerifyQuiet(ctx, v, strings.Repeat(".", 60<<10), jose.ErrMalformed)},
		{"deeply nested header, under the size cap", expectVerifyQuiet(ctx, v, b64url([]byte(strings.Repeat("[", 40<<10)))+".e30.c2ln", jose.ErrMalformed)},
		{"no key set request for any of them", wantFetches(p, 0)},
	}
	vs = append(vs, hostileVariant{"2 MB ID token in the token response", func() error {
		op.setIDToken(func(map[string]any) string { return strings.Repeat("A", 2<<20) })
		_, _, err := hostileLogin(ctx, e, rp)
		return wantErrorIs(err, oauth2.ErrResponseTooLarge)
	}})
	return runHostileVariants(e, vs)
}

// expectVerifyQuiet is expectVerify for tokens too large to register as
// secrets or to note.
func expectVerifyQuiet(ctx context.Context, v *oidc.IDTokenVerifier, token string, target error) func() error {
	return func() error {
		_, err := v.Verify(ctx, token, oidc.VerifyOptions{})
		return wantErrorIs(err, target)
	}
}

// JW-05: "jku" and "x5u" pointing at the attacker's host are ignored: the
// host gets no request and the token, signed with the attacker's key, is
// refused (RFC 8725, section 3.10).
func runJW05JKUX5U(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	evilJWK, err := publicJWK("evil-1", jose.RS256, &attacker.PublicKey)
	if err != nil {
		return err
	}
	evil, err := newCountingServer(e, mustMarshal(map[string]any{"keys": []json.RawMessage{evilJWK}}))
	if err != nil {
		return err
	}
	hn := &hostileNet{hosts: map[string]string{"evil.test": evil.Listener.Addr().String()}}
	p, err := op.provider(ctx, hn.client(e))
	if err != nil {
		return err
	}
	v, err := p.Verifier(oidc.IDTokenVerifier{ClientID: opClientID})
	if err != nil {
		return err
	}
	sign := rsaSigner(attacker, crypto.SHA256, false)
	jku := "http://evil.test/jwks.json"
	x5u := "http://evil.test/cert.pem"
	var vs []hostileVariant
	for _, kid := range []string{"evil-1", opKeyID} {
		want := jose.ErrSignature
		if kid == "evil-1" {
			want = jose.ErrUnknownKey
		}
		vs = append(vs,
			hostileVariant{"jku with kid " + kid, expectVerify(ctx, e, v, forgeJWS(map[string]any{"alg": "RS256", "kid": kid, "jku": jku}, op.claims(), sign), oidc.VerifyOptions{}, want)},
			hostileVariant{"x5u with kid " + kid, expectVerify(ctx, e, v, forgeJWS(map[string]any{"alg": "RS256", "kid": kid, "x5u": x5u}, op.claims(), sign), oidc.VerifyOptions{}, want)},
		)
	}
	vs = append(vs, hostileVariant{"the attacker's host received no request", func() error {
		if reqs := evil.requests(); len(reqs) > 0 {
			return fmt.Errorf("evil.test received %d requests: %v", len(reqs), reqs)
		}
		return nil
	}})
	return runHostileVariants(e, vs)
}

// JW-06: a token signed with the attacker's key, whose public part sits in
// the "jwk" or "x5c" header, is refused: keys never come from the token
// (RFC 7515, sections 4.1.3 and 4.1.6; CVE-2026-27962).
func runJW06EmbeddedKey(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	jwk, err := publicJWK("", "", &attacker.PublicKey)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hostile"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &attacker.PublicKey, attacker)
	if err != nil {
		return err
	}
	x5c := []string{base64.StdEncoding.EncodeToString(cert)}
	sign := rsaSigner(attacker, crypto.SHA256, false)
	claims := op.claims()
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"jwk header, provider's kid", forgeJWS(map[string]any{"alg": "RS256", "kid": opKeyID, "jwk": json.RawMessage(jwk)}, claims, sign), []error{jose.ErrSignature}},
		{"jwk header, no kid", forgeJWS(map[string]any{"alg": "RS256", "jwk": json.RawMessage(jwk)}, claims, sign), []error{jose.ErrSignature}},
		{"x5c header, provider's kid", forgeJWS(map[string]any{"alg": "RS256", "kid": opKeyID, "x5c": x5c}, claims, sign), []error{jose.ErrSignature}},
		{"x5c header, no kid", forgeJWS(map[string]any{"alg": "RS256", "x5c": x5c}, claims, sign), []error{jose.ErrSignature}},
	}))
}

// JW-07: hostile "kid" values are opaque, length-capped strings: an unknown
// one ends in jose.ErrUnknownKey after at most one refetch, a non-string or
// over-long one is malformed, and no error message carries a control
// character from it.
func runJW07KidInjection(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	claims := op.claims()
	tok := func(kid any) string { return forgeJWS(map[string]any{"alg": "RS256", "kid": kid}, claims, sign) }
	clean := func(target error, kid any) func() error {
		return func() error {
			_, err := v.Verify(ctx, tok(kid), oidc.VerifyOptions{})
			if err := wantErrorIs(err, target); err != nil {
				return err
			}
			if strings.ContainsAny(err.Error(), "\r\n\x00") {
				return errors.New("the error message carries a control character from the kid")
			}
			return nil
		}
	}
	return runHostileVariants(e, []hostileVariant{
		{"control: the provider's kid", expectAccept(ctx, v, tok(opKeyID), oidc.VerifyOptions{})},
		{"path traversal", clean(jose.ErrUnknownKey, "../../../../dev/null")},
		{"SQL", clean(jose.ErrUnknownKey, "' OR '1'='1")},
		{"NUL", clean(jose.ErrUnknownKey, "op-key-1\x00")},
		{"CRLF", clean(jose.ErrUnknownKey, "x\r\nX-Injected: 1")},
		{"1 KB kid", clean(jose.ErrMalformed, strings.Repeat("k", 1<<10))},
		{"64 KB kid", clean(jose.ErrTooLarge, strings.Repeat("k", 64<<10))},
		{"number", clean(jose.ErrMalformed, 1)},
		{"object", clean(jose.ErrMalformed, map[string]any{"$ne": ""})},
		{"at most one refetch for all the unknown kids", func() error {
			if n := p.KeySet.Fetches(); n > 2 {
				return fmt.Errorf("the key set made %d requests, expected at most 2", n)
			}
			return nil
		}},
	})
}

// JW-07 (unknown kid): a token with a kid the key set lacks causes exactly
// one refetch, with "Cache-Control: no-cache", then jose.ErrUnknownKey;
// another unknown kid within the refresh interval causes none, and the
// cached key keeps working.
func runJW07UnknownKid(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	unknown := func(kid string) string { return forgeJWS(rs256Header(kid), op.claims(), sign) }
	return runHostileVariants(e, []hostileVariant{
		{"control: the provider's kid", expectAccept(ctx, v, op.sign(op.claims()), oidc.VerifyOptions{})},
		{"first unknown kid", expectVerify(ctx, e, v, unknown("unknown-1"), oidc.VerifyOptions{}, jose.ErrUnknownKey)},
		{"exactly one refetch", wantFetches(p, 2)},
		{"the refetch asked for a fresh copy", func() error {
			h := op.jwksRequestHeaders()
			if len(h) != 2 || !strings.Contains(h[1], "no-cache") {
				return fmt.Errorf("Cache-Control of the key set requests: %q, expected the second to say no-cache", h)
			}
			return nil
		}},
		{"second unknown kid", expectVerify(ctx, e, v, unknown("unknown-2"), oidc.VerifyOptions{}, jose.ErrUnknownKey)},
		{"no further refetch", wantFetches(p, 2)},
		{"the cached key still verifies", expectAccept(ctx, v, op.sign(op.claims()), oidc.VerifyOptions{})},
	})
}

// JW-08: any "crit" header rejects, since no extension is understood
// (RFC 7515, section 4.1.11; RFC 7797).
func runJW08Crit(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	h := func(extra map[string]any) map[string]any {
		return claimsWith(rs256Header(opKeyID), extra)
	}
	claims := op.claims()
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"crit [x-unknown]", forgeJWS(h(map[string]any{"crit": []string{"x-unknown"}, "x-unknown": true}), claims, sign), []error{jose.ErrCritical}},
		{"crit []", forgeJWS(h(map[string]any{"crit": []string{}}), claims, sign), []error{jose.ErrCritical}},
		{"crit [alg]", forgeJWS(h(map[string]any{"crit": []string{"alg"}}), claims, sign), []error{jose.ErrCritical}},
		{"crit [b64] with b64 false", forgeJWS(h(map[string]any{"crit": []string{"b64"}, "b64": false}), claims, sign), []error{jose.ErrCritical}},
	}))
}

// JW-10: only the compact serialization with canonical base64url is
// accepted: JSON serializations, JWE, padding, the standard alphabet and
// whitespace are malformed (RFC 7515, sections 2 and 7.1).
func runJW10Serialization(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	good := op.sign(op.claims())
	parts := strings.Split(good, ".")
	flattened := string(mustMarshal(map[string]any{"protected": parts[0], "payload": parts[1], "signature": parts[2]}))
	general := string(mustMarshal(map[string]any{"payload": parts[1], "signatures": []any{
		map[string]any{"protected": parts[0], "header": map[string]any{"kid": opKeyID}, "signature": parts[2]},
		map[string]any{"protected": b64url([]byte(`{"alg":"none"}`)), "signature": ""},
	}}))
	jwe := b64url([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM","kid":"op-key-1"}`)) + "." + b64url([]byte("key")) + "." + b64url([]byte("iv-iv-iv-iv")) + "." + parts[1] + "." + b64url([]byte("tag"))
	std := stdAlphabetToken(op)
	vs := tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: compact", good, nil},
		{"JSON serialization, flattened", flattened, []error{jose.ErrMalformed}},
		{"JSON serialization, general, two signatures", general, []error{jose.ErrMalformed}},
		{"compact JWE (five segments)", jwe, []error{jose.ErrMalformed}},
		{"padded base64", padded(parts), []error{jose.ErrMalformed}},
		{"standard base64 alphabet", std, []error{jose.ErrMalformed}},
		{"space inside", parts[0] + "." + parts[1][:10] + " " + parts[1][10:] + "." + parts[2], []error{jose.ErrMalformed}},
		{"line break inside", parts[0] + ".\n" + parts[1] + "." + parts[2], []error{jose.ErrMalformed}},
		{"trailing newline", good + "\n", []error{jose.ErrMalformed}},
	})
	vs = append(vs,
		hostileVariant{"one key set request, for the control", wantFetches(p, 1)},
	)
	return runHostileVariants(e, vs)
}

// padded re-encodes the token's segments with '=' padding, adding at least
// one '=' by growing the payload when needed.
func padded(parts []string) string {
	out := make([]string, 3)
	for i, s := range parts {
		out[i] = s
		if r := len(s) % 4; r != 0 {
			out[i] = s + strings.Repeat("=", 4-r)
		}
	}
	if strings.Join(out, ".") == strings.Join(parts, ".") {
		out[1] += "===="
	}
	return strings.Join(out, ".")
}

// stdAlphabetToken returns a correctly signed token whose segments are
// written in the standard base64 alphabet, retrying until the encoding
// differs from base64url.
func stdAlphabetToken(op *hostileOP) string {
	for i := 0; ; i++ {
		claims := claimsWith(op.claims(), map[string]any{"jti": fmt.Sprintf("std-%d", i)})
		tok := op.sign(claims)
		parts := strings.Split(tok, ".")
		var std []string
		for _, s := range parts {
			b, _ := base64.RawURLEncoding.DecodeString(s)
			std = append(std, base64.RawStdEncoding.EncodeToString(b))
		}
		if s := strings.Join(std, "."); s != tok || i > 50 {
			return s
		}
	}
}

// JW-11: encrypted tokens are not supported, so JWE bombs (a DEFLATE
// plaintext, PBES2 with an enormous p2c, an off-curve ECDH-ES key) are
// refused as malformed at once, before any key request; JWE members in a
// JWS header are malformed too.
func runJW11JWEBombs(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	jwe := func(h map[string]any) string {
		return b64url(mustMarshal(h)) + "." + b64url([]byte("encrypted-key")) + "." + b64url([]byte("initialization")) + "." + b64url(make([]byte, 4096)) + "." + b64url([]byte("tag-tag-tag-tag"))
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	vs := tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"zip DEF", jwe(map[string]any{"alg": "RSA-OAEP", "enc": "A256GCM", "zip": "DEF"}), []error{jose.ErrMalformed}},
		{"PBES2 p2c 2147483647", jwe(map[string]any{"alg": "PBES2-HS256+A128KW", "enc": "A128GCM", "p2c": 2147483647, "p2s": "c2FsdA"}), []error{jose.ErrMalformed}},
		{"ECDH-ES, epk off the curve", jwe(map[string]any{"alg": "ECDH-ES", "enc": "A128GCM", "epk": map[string]any{"kty": "EC", "crv": "P-256", "x": b64url([]byte{1}), "y": b64url([]byte{1})}}), []error{jose.ErrMalformed}},
		{"JWS header with zip", forgeJWS(claimsWith(rs256Header(opKeyID), map[string]any{"zip": "DEF"}), op.claims(), sign), []error{jose.ErrMalformed}},
		{"JWS header with enc", forgeJWS(claimsWith(rs256Header(opKeyID), map[string]any{"enc": "A128GCM"}), op.claims(), sign), []error{jose.ErrMalformed}},
	})
	vs = append(vs,
		hostileVariant{"no key set request", wantFetches(p, 0)},
	)
	return runHostileVariants(e, vs)
}

// JW-13: a key is used only with an algorithm that fits its "alg", type,
// curve and "use" (RFC 7517, sections 4.2 to 4.4; RFC 8725, section 3.1).
func runJW13KeyMismatch(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	p384, p384JWK, err := newECKeyJWK(elliptic.P384(), "ec-p384", jose.ES384)
	if err != nil {
		return err
	}
	rsaJWK := op.JWK
	// Keycloak publishes an RSA-OAEP encryption key beside its signing key.
	encJWK := mustMarshal(map[string]any{"kty": "RSA", "kid": "enc-1", "use": "enc", "alg": "RSA-OAEP",
		"n": bigB64(op.Key.N), "e": "AQAB"})
	// The same key without "alg", published for encryption only.
	encNoAlg := mustMarshal(map[string]any{"kty": "RSA", "kid": "enc-2", "use": "enc", "n": bigB64(op.Key.N), "e": "AQAB"})
	op.setKeys(rsaJWK, p384JWK, encJWK, encNoAlg)
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{Algorithms: []jose.Algorithm{jose.RS256, jose.PS256, jose.ES256, jose.ES384}})
	if err != nil {
		return err
	}
	claims := op.claims()
	hdr := func(alg, kid string) map[string]any { return map[string]any{"alg": alg, "kid": kid} }
	vs := tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"control: RS256 with the RS256 key", op.sign(claims), nil},
		{"control: ES384 with the P-384 key", forgeJWS(hdr("ES384", "ec-p384"), claims, ecSigner(p384, crypto.SHA384)), nil},
		{"PS256 against a key whose alg is RS256", forgeJWS(hdr("PS256", opKeyID), claims, rsaSigner(op.Key, crypto.SHA256, true)), []error{jose.ErrKeyMismatch}},
		{"ES256 against a P-384 key", forgeJWS(hdr("ES256", "ec-p384"), claims, ecSigner(p384, crypto.SHA256)), []error{jose.ErrKeyMismatch}},
		{"RS256 against an EC key", forgeJWS(hdr("RS256", "ec-p384"), claims, rsaSigner(op.Key, crypto.SHA256, false)), []error{jose.ErrKeyMismatch}},
		{"kid of a use:enc key without alg", forgeJWS(hdr("RS256", "enc-2"), claims, rsaSigner(op.Key, crypto.SHA256, false)), []error{jose.ErrKeyMismatch}},
	})
	vs = append(vs,
		hostileVariant{"kid of a use:enc RSA-OAEP key", anyOf(ctx, e, v, forgeJWS(hdr("RS256", "enc-1"), claims, rsaSigner(op.Key, crypto.SHA256, false)), jose.ErrKeyMismatch, jose.ErrUnknownKey)},
	)
	return runHostileVariants(e, vs)
}

// weakKeys returns JWKs no client may import: RSA moduli of 512 and 16384
// bits, e=1, an exponent wider than 64 bits, an EC point off its curve and
// a symmetric key, each under its own kid.
func weakKeys(good *rsa.PrivateKey, octSecret []byte) map[string]json.RawMessage {
	modulus := func(bits int) string {
		b := make([]byte, bits/8)
		_, _ = rand.Read(b)
		b[0] |= 0x80
		b[len(b)-1] |= 1
		return b64url(b)
	}
	return map[string]json.RawMessage{
		"rsa-512":   mustMarshal(map[string]any{"kty": "RSA", "kid": "rsa-512", "n": modulus(512), "e": "AQAB"}),
		"rsa-16384": mustMarshal(map[string]any{"kty": "RSA", "kid": "rsa-16384", "n": modulus(16384), "e": "AQAB"}),
		"rsa-e1":    mustMarshal(map[string]any{"kty": "RSA", "kid": "rsa-e1", "n": bigB64(good.N), "e": "AQ"}),
		"rsa-e-wide": mustMarshal(map[string]any{"kty": "RSA", "kid": "rsa-e-wide", "n": bigB64(good.N),
			"e": b64url([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1})}),
		"ec-off-curve": mustMarshal(map[string]any{"kty": "EC", "kid": "ec-off-curve", "crv": "P-256",
			"x": b64url(append(make([]byte, 31), 1)), "y": b64url(append(make([]byte, 31), 1))}),
		"oct": mustMarshal(map[string]any{"kty": "oct", "kid": "oct", "k": b64url(octSecret)}),
	}
}

// JW-14: weak, oversized and invalid keys are refused at import, and a
// symmetric key from the network never verifies anything (RFC 7518,
// section 3.3; RFC 8725, section 3.4).
func runJW14WeakKeys(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	octSecret := []byte("network-supplied-hmac-key-" + hostileRandomHex(8))
	weak := weakKeys(op.Key, octSecret)
	var only []json.RawMessage
	for _, k := range weak {
		only = append(only, k)
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	claims := op.claims()
	good := op.JWK
	// Each phase discovers anew, so that its key set fetches afresh.
	var p2 *oidc.Provider
	var v2 *oidc.IDTokenVerifier
	vs := []hostileVariant{
		{"key set of weak keys only", func() error {
			op.setKeys(only...)
			_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
			if err != nil {
				return err
			}
			_, err = v.Verify(ctx, forgeJWS(rs256Header("rsa-e1"), claims, sign), oidc.VerifyOptions{})
			if err := wantErrorIs(err, jose.ErrNoUsableKeys); err != nil {
				return err
			}
			var fe *jose.FetchError
			if !errors.As(err, &fe) {
				return fmt.Errorf("expected a *jose.FetchError, got %T", err)
			}
			e.Notef("rejected: %v", err)
			return nil
		}},
		{"control: the good key beside the weak ones", func() error {
			op.setKeys(append(only, good)...)
			p2, v2, err = op.verifier(ctx, e, oidc.IDTokenVerifier{Algorithms: []jose.Algorithm{jose.RS256, jose.ES256}})
			if err != nil {
				return err
			}
			return expectAccept(ctx, v2, op.sign(claims), oidc.VerifyOptions{})()
		}},
	}
	for _, kid := range []string{"rsa-512", "rsa-16384", "rsa-e1", "rsa-e-wide", "ec-off-curve"} {
		alg := "RS256"
		if strings.HasPrefix(kid, "ec") {
			alg = "ES256"
		}
		tok := forgeJWS(map[string]any{"alg": alg, "kid": kid}, claims, sign)
		vs = append(vs, hostileVariant{"kid " + kid, func() error {
			if v2 == nil {
				return errors.New("no verifier: the control failed")
			}
			return expectVerify(ctx, e, v2, tok, oidc.VerifyOptions{}, jose.ErrUnknownKey)()
		}})
	}
	hs := forgeJWS(map[string]any{"alg": "HS256", "kid": "oct"}, claims, hmacSigner(octSecret, crypto.SHA256))
	vs = append(vs,
		hostileVariant{"HS256 keyed with the network's oct key, ID token verifier", func() error {
			if v2 == nil {
				return errors.New("no verifier: the control failed")
			}
			return expectVerify(ctx, e, v2, hs, oidc.VerifyOptions{}, jose.ErrAlgorithmNotAllowed)()
		}},
		hostileVariant{"HS256 keyed with the network's oct key, jose.Verify on the key set", func() error {
			if p2 == nil {
				return errors.New("no key set: the control failed")
			}
			_, _, err := jose.Verify(ctx, hs, p2.KeySet, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.HS256}})
			return wantErrorIsAny(err, jose.ErrUnknownKey, jose.ErrKeyMismatch)
		}},
	)
	return runHostileVariants(e, vs)
}

// JW-15: a stream of tokens with random kids while the key set endpoint is
// slow, then failing, then answering junk, makes a bounded number of
// requests: concurrent misses share one fetch, at most one refetch per
// interval, failures are cached, and the good cached key is never evicted.
func runJW15RefetchStorm(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	var mode struct {
		sync.Mutex
		name string
	}
	setMode := func(m string) { mode.Lock(); mode.name = m; mode.Unlock() }
	good := op.JWK
	op.setJWKS(func(w http.ResponseWriter, r *http.Request) {
		mode.Lock()
		m := mode.name
		mode.Unlock()
		switch m {
		case "slow-500":
			select {
			case <-time.After(300 * time.Millisecond):
			case <-r.Context().Done():
			}
			http.Error(w, "overloaded", http.StatusInternalServerError)
		case "junk":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"keys": [{"kty": "RSA", "n": 12}], "keys": "junk"`))
		default:
			writeJSONResponse(w, http.StatusOK, map[string]any{"keys": []json.RawMessage{good}})
		}
	})
	p, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
	if err != nil {
		return err
	}
	sign := rsaSigner(op.Key, crypto.SHA256, false)
	claims := op.claims()
	storm := func(n int) error {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			tok := forgeJWS(rs256Header("random-"+hostileRandomHex(8)), claims, sign)
			wg.Go(func() {
				_, err := v.Verify(ctx, tok, oidc.VerifyOptions{})
				errs[i] = wantErrorIs(err, jose.ErrUnknownKey)
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	goodTok := op.sign(claims)
	vs := []hostileVariant{
		{"control: the good key", expectAccept(ctx, v, goodTok, oidc.VerifyOptions{})},
		{"100 concurrent random kids, key set slow then HTTP 500", func() error {
			setMode("slow-500")
			return storm(100)
		}},
		{"at most one refetch for the burst", wantFetches(p, 2)},
		{"100 more random kids, key set answering junk", func() error {
			setMode("junk")
			return storm(100)
		}},
		{"no further request: the failure is cached", wantFetches(p, 2)},
		{"the good cached key still verifies", expectAccept(ctx, v, goodTok, oidc.VerifyOptions{})},
	}
	// A fresh client whose first fetch meets junk: one request, typed error.
	vs = append(vs, hostileVariant{"fresh client, junk key set: one request for 50 tokens", func() error {
		setMode("junk")
		p2, v2, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
		if err != nil {
			return err
		}
		for range 50 {
			_, err := v2.Verify(ctx, goodTok, oidc.VerifyOptions{})
			if err := wantErrorIs(err, jose.ErrMalformed); err != nil {
				return err
			}
		}
		if n := p2.KeySet.Fetches(); n != 1 {
			return fmt.Errorf("the key set made %d requests, expected 1", n)
		}
		return nil
	}})
	err = runHostileVariants(e, vs)
	e.Notef("key set endpoint received %d requests in all", op.count(opPathJWKS))
	return err
}

// JW-16: the provider rotates to a new key just before signing: exactly
// one refetch, sent with "Cache-Control: no-cache", then success (OpenID
// Connect Core, section 10.1.1).
func runJW16KeyRotation(ctx context.Context, e *Env) error {
	op, p, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	next, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	oldJWK := op.JWK
	newJWK, err := publicJWK("op-key-2", jose.RS256, &next.PublicKey)
	if err != nil {
		return err
	}
	signNew := func() string {
		return forgeJWS(rs256Header("op-key-2"), op.claims(), rsaSigner(next, crypto.SHA256, false))
	}
	return runHostileVariants(e, []hostileVariant{
		{"token of the first key", expectAccept(ctx, v, op.sign(op.claims()), oidc.VerifyOptions{})},
		{"one key set request so far", wantFetches(p, 1)},
		{"token of the rotated key verifies", func() error {
			op.setKeys(oldJWK, newJWK)
			return expectAccept(ctx, v, signNew(), oidc.VerifyOptions{})()
		}},
		{"exactly one refetch", wantFetches(p, 2)},
		{"the refetch said no-cache", func() error {
			h := op.jwksRequestHeaders()
			if len(h) != 2 || !strings.Contains(h[1], "no-cache") {
				return fmt.Errorf("Cache-Control of the key set requests: %q", h)
			}
			return nil
		}},
		{"the next token of the new key needs no request", func() error {
			if err := expectAccept(ctx, v, signNew(), oidc.VerifyOptions{})(); err != nil {
				return err
			}
			return wantFetches(p, 2)()
		}},
	})
}

// JW-17 (single key): a token without kid verifies with the one key of
// matching type, and not with another key.
func runJW17KidAbsentSingle(ctx context.Context, e *Env) error {
	op, _, v, err := newHostileVerifier(ctx, e)
	if err != nil {
		return err
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	h := map[string]any{"alg": "RS256", "typ": "JWT"}
	return runHostileVariants(e, tokenVariants(ctx, e, v, oidc.VerifyOptions{}, []tokenCase{
		{"no kid, the provider's key", forgeJWS(h, op.claims(), rsaSigner(op.Key, crypto.SHA256, false)), nil},
		{"no kid, another key", forgeJWS(h, op.claims(), rsaSigner(attacker, crypto.SHA256, false)), []error{jose.ErrSignature}},
	}))
}

// JW-17 (several keys): without kid, a few candidates of the right type
// are tried, never the whole set: the token verifies when the key is among
// the first candidates, and a 100-key set cannot drive the work up; with
// duplicate kids the outcome is a success or a typed error.
func runJW17KidAbsentMultiple(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	_, ecJWK, err := newECKeyJWK(elliptic.P256(), "ec-1", jose.ES256)
	if err != nil {
		return err
	}
	good := op.JWK
	other, err := publicJWK("other-rsa", jose.RS256, &attacker.PublicKey)
	if err != nil {
		return err
	}
	h := map[string]any{"alg": "RS256", "typ": "JWT"}
	mine := forgeJWS(h, op.claims(), rsaSigner(op.Key, crypto.SHA256, false))
	op.setKeys(ecJWK, other, good)
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
	if err != nil {
		return err
	}
	vs := []hostileVariant{
		{"three keys, no kid, the provider's key", expectAccept(ctx, v, mine, oidc.VerifyOptions{})},
	}
	// 100 keys of the right type; the attacker signs with none of them.
	var many []json.RawMessage
	for i := range 99 {
		k, err := publicJWK(fmt.Sprintf("filler-%d", i), jose.RS256, &attacker.PublicKey)
		if err != nil {
			return err
		}
		many = append(many, k)
	}
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	vs = append(vs, hostileVariant{"100 keys, no kid, signed by none of them", func() error {
		op.setKeys(append(many, good)...)
		_, v2, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
		if err != nil {
			return err
		}
		_, err = v2.Verify(ctx, forgeJWS(h, op.claims(), rsaSigner(stranger, crypto.SHA256, false)), oidc.VerifyOptions{})
		if err := wantErrorIs(err, jose.ErrSignature); err != nil {
			return err
		}
		// The provider's key is the last of 100: accepted only if the cap
		// let it be tried; either way the outcome is typed.
		_, err = v2.Verify(ctx, mine, oidc.VerifyOptions{})
		if err != nil {
			if err := wantErrorIs(err, jose.ErrSignature); err != nil {
				return err
			}
			e.Notef("the provider's key, 100th of the set, was not tried: %v", err)
		}
		return nil
	}})
	vs = append(vs, hostileVariant{"duplicate kids", func() error {
		dupGood := mustMarshal(map[string]any{"kty": "RSA", "kid": "dup", "alg": "RS256", "use": "sig", "n": bigB64(op.Key.N), "e": "AQAB"})
		dupOther := mustMarshal(map[string]any{"kty": "RSA", "kid": "dup", "alg": "RS256", "use": "sig", "n": bigB64(attacker.N), "e": "AQAB"})
		op.setKeys(dupOther, dupGood)
		_, v3, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
		if err != nil {
			return err
		}
		hd := map[string]any{"alg": "RS256", "kid": "dup"}
		_, err = v3.Verify(ctx, forgeJWS(hd, op.claims(), rsaSigner(op.Key, crypto.SHA256, false)), oidc.VerifyOptions{})
		if err != nil {
			if err := wantErrorIsAny(err, jose.ErrSignature, jose.ErrMalformed, jose.ErrUnknownKey); err != nil {
				return err
			}
		}
		e.Notef("duplicate kid, the provider's key second: %v", errOrOK(err))
		_, err = v3.Verify(ctx, forgeJWS(hd, op.claims(), rsaSigner(stranger, crypto.SHA256, false)), oidc.VerifyOptions{})
		return wantErrorIsAny(err, jose.ErrSignature, jose.ErrMalformed, jose.ErrUnknownKey)
	}})
	vs = append(vs, hostileVariant{"three keys, no kid, signed by none of them", expectVerify(ctx, e, v, forgeJWS(h, op.claims(), rsaSigner(stranger, crypto.SHA256, false)), oidc.VerifyOptions{}, jose.ErrSignature)})
	return runHostileVariants(e, vs)
}

func errOrOK(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}

// JW-18: keys this client cannot use (post-quantum AKP, an invented kty,
// an unknown alg or crv, malformed base64) are skipped and the real key
// beside them works; a set of unusable keys only is a typed error (RFC
// 7517, section 5).
func runJW18UnusableKeys(ctx context.Context, e *Env) error {
	op, err := newHostileOP(e)
	if err != nil {
		return err
	}
	good := op.JWK
	unusable := []json.RawMessage{
		mustMarshal(map[string]any{"kty": "AKP", "kid": "pq-1", "alg": "ML-DSA-44", "pub": b64url(make([]byte, 1312))}),
		mustMarshal(map[string]any{"kty": "XYZ", "kid": "invented", "q": "AQAB"}),
		mustMarshal(map[string]any{"kty": "RSA", "kid": "alg-unknown", "alg": "RS999", "n": bigB64(op.Key.N), "e": "AQAB"}),
		mustMarshal(map[string]any{"kty": "EC", "kid": "crv-unknown", "crv": "P-999", "x": "AQAB", "y": "AQAB"}),
		mustMarshal(map[string]any{"kty": "RSA", "kid": "bad-base64", "n": "!!!not base64!!!", "e": "AQAB"}),
	}
	op.setKeys(append(unusable, good)...)
	_, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
	if err != nil {
		return err
	}
	vs := []hostileVariant{
		{"the real key beside unusable ones", expectAccept(ctx, v, op.sign(op.claims()), oidc.VerifyOptions{})},
		{"kid of an unusable key", expectVerify(ctx, e, v, forgeJWS(rs256Header("alg-unknown"), op.claims(), rsaSigner(op.Key, crypto.SHA256, false)), oidc.VerifyOptions{}, jose.ErrUnknownKey)},
		{"unusable keys only", func() error {
			op.setKeys(unusable...)
			_, v2, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
			if err != nil {
				return err
			}
			_, err = v2.Verify(ctx, op.sign(op.claims()), oidc.VerifyOptions{})
			return wantErrorIsAny(err, jose.ErrNoUsableKeys, jose.ErrMalformed)
		}},
	}
	return runHostileVariants(e, vs)
}
