package oidc

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// keycloakIDToken returns an RS256 ID token shaped like Keycloak's, the
// access token it was issued with (for at_hash) and its nonce.
func keycloakIDToken(b *testing.B) (raw, accessToken, nonce string) {
	// A Keycloak access token is a JWT of about 1.2 KB; only its hash matters.
	accessToken = "eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIiwia2lkIiA6ICJ" + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 34)
	sum := sha256.Sum256([]byte(accessToken))
	nonce = "3pH1b0s7xv1mZ0q_hJ8b9g"
	claims := map[string]any{
		"exp":                testNow.Add(5 * time.Minute).Unix(),
		"iat":                testNow.Unix(),
		"auth_time":          testNow.Add(-20 * time.Second).Unix(),
		"jti":                "0f3e2a8c-4d2b-4a0e-9a41-1c7f6c3b2d10",
		"iss":                testIssuer,
		"aud":                testClientID,
		"sub":                "6f1e7a52-3c9d-4b8e-a0f4-2d5c8e9b1a37",
		"typ":                "ID",
		"azp":                testClientID,
		"nonce":              nonce,
		"session_state":      "b6a3c2d1-8e7f-4a5b-9c0d-1e2f3a4b5c6d",
		"at_hash":            leftHalf(sum[:]),
		"acr":                "1",
		"sid":                "b6a3c2d1-8e7f-4a5b-9c0d-1e2f3a4b5c6d",
		"email_verified":     true,
		"name":               "Jane Doe",
		"preferred_username": "jane",
		"given_name":         "Jane",
		"family_name":        "Doe",
		"email":              "jane.doe@example.com",
	}
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": testKID}
	return signWith(b, hdr, claims, rsaSigner(opRSAKey(), crypto.SHA256)), accessToken, nonce
}

// BenchmarkVerifyIDToken compares a full ID token verification (signature,
// typ, sub, iss, aud, azp, exp, iat, nonce, acr hook, auth_time with
// max_age, at_hash) with the bare RSA verification of the same signature
// (SHA-256 of the signing input plus rsa.VerifyPKCS1v15), in one run.
//
// The "interleaved" sub-benchmark runs both in alternation within each
// iteration and reports their times and ratio, so that load on a shared
// machine weighs on both alike.
func BenchmarkVerifyIDToken(b *testing.B) {
	raw, accessToken, nonce := keycloakIDToken(b)
	bare := bareRSA(b, raw)
	full := fullVerify(raw, accessToken, nonce)
	b.Run("bare-rsa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := bare(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := full(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) { interleave(b, bare, full) })
	// The share of package jose: signature and strict claim parsing alone.
	b.Run("interleaved-jose-only", func(b *testing.B) { interleave(b, bare, joseOnly(raw)) })
}

// interleave runs bare and full in alternation within each iteration and
// reports the median time of each and their ratio.
func interleave(b *testing.B, bare, full func() error) {
	var tBare, tFull []time.Duration
	i := 0
	for b.Loop() {
		// Alternate the order so that neither always runs second.
		first, second, t1, t2 := bare, full, &tBare, &tFull
		if i%2 == 1 {
			first, second, t1, t2 = full, bare, &tFull, &tBare
		}
		i++
		start := time.Now()
		if err := first(); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := second(); err != nil {
			b.Fatal(err)
		}
		*t1 = append(*t1, mid.Sub(start))
		*t2 = append(*t2, time.Since(mid))
	}
	// Medians: a preemption on a loaded machine hits one sample, not
	// the figure.
	mb, mf := median(tBare), median(tFull)
	b.ReportMetric(float64(mb.Nanoseconds()), "bare-ns/op")
	b.ReportMetric(float64(mf.Nanoseconds()), "verify-ns/op")
	b.ReportMetric(float64(mf)/float64(mb), "ratio")
}

// joseOnly is jose.Verify and jose.ParseClaims, the first step of Verify.
func joseOnly(raw string) func() error {
	keys := jose.StaticKeySet{publicJWK(testKID, opRSAKey(), jose.RS256)}
	opts := jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256}}
	ctx := context.Background()
	return func() error {
		_, payload, err := jose.Verify(ctx, raw, keys, opts)
		if err != nil {
			return err
		}
		_, err = jose.ParseClaims(payload)
		return err
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// bareRSA is the signature check alone: SHA-256 of the signing input and
// rsa.VerifyPKCS1v15, the signature already decoded.
func bareRSA(b *testing.B, raw string) func() error {
	dot := strings.LastIndexByte(raw, '.')
	input := raw[:dot]
	sig, err := base64.RawURLEncoding.DecodeString(raw[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := &opRSAKey().PublicKey
	return func() error {
		digest := sha256.Sum256([]byte(input))
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	}
}

// fullVerify is Verify with every check enabled.
func fullVerify(raw, accessToken, nonce string) func() error {
	v := testVerifier()
	v.KeySet = jose.StaticKeySet{publicJWK(testKID, opRSAKey(), jose.RS256)}
	v.ACR = func(acr string) error { return nil }
	opts := VerifyOptions{Nonce: nonce, AccessToken: accessToken, MaxAge: 10 * time.Minute}
	ctx := context.Background()
	return func() error {
		_, err := v.Verify(ctx, raw, opts)
		return err
	}
}
