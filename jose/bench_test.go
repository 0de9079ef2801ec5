package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchMinimalClaims holds the registered claims only.
func benchMinimalClaims() string {
	return `{"iss":"https://op.test/realms/demo","sub":"f1d2c3b4-a5e6-47f8-9a0b-c1d2e3f4a5b6","aud":"client-1",` +
		`"exp":` + itoa(testNow.Add(time.Hour).Unix()) + `,"iat":` + itoa(testNow.Unix()) + `,"jti":"3f5e2a9c-1b7d-4e8f-9a0b-6c2d1e4f5a7b"}`
}

// benchClaims is a realistic ID token claim set (Keycloak-like, 21 claims).
func benchClaims() string {
	return `{"exp":` + itoa(testNow.Add(time.Hour).Unix()) + `,"iat":` + itoa(testNow.Unix()) +
		`,"auth_time":` + itoa(testNow.Unix()) + `,"jti":"3f5e2a9c-1b7d-4e8f-9a0b-6c2d1e4f5a7b",` +
		`"iss":"https://op.test/realms/demo","aud":"client-1","sub":"f1d2c3b4-a5e6-47f8-9a0b-c1d2e3f4a5b6",` +
		`"typ":"ID","azp":"client-1","nonce":"n-0S6_WzA2Mj","session_state":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",` +
		`"at_hash":"77QmUPtjPfzWtF2AnpK9RQ","acr":"1","sid":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",` +
		`"email_verified":true,"name":"Alice Example","preferred_username":"alice","given_name":"Alice",` +
		`"family_name":"Example","email":"alice@example.test"}`
}

// BenchmarkVerifyJWT compares VerifyJWT (parse, key lookup, verify, claims
// parse and validation) with the bare signature check of the same token:
// hashing the signing input and crypto/rsa or crypto/ecdsa verification.
// Target: VerifyJWT at most 1.10x the bare ns/op and at most 30 allocs/op.
func BenchmarkVerifyJWT(b *testing.B) {
	k := keys(b)
	exp := Expected{Issuer: "https://op.test/realms/demo", Audience: "client-1", Clock: fixedClock, RequireExpiry: true, RequireIssuedAt: true}
	for _, c := range []struct {
		alg  Algorithm
		priv any
	}{{RS256, k.rsa}, {ES256, k.p256}} {
		key := JWK{KeyID: "kid-1", Key: c.priv}
		pub := pubJWK(b, key)
		set := StaticKeySet{pub}
		tok := mustSign(b, key, c.alg, benchClaims(), SignOptions{Type: "JWT"})
		opts := VerifyOptions{Algorithms: []Algorithm{c.alg}}
		if _, _, err := VerifyJWT(bg, tok, set, opts, exp); err != nil {
			b.Fatal(err)
		}
		dot := strings.LastIndexByte(tok, '.')
		input := tok[:dot]
		sig, _ := base64.RawURLEncoding.DecodeString(tok[dot+1:])

		b.Run(string(c.alg)+"/bare", func(b *testing.B) {
			b.ReportAllocs()
			switch c.alg {
			case RS256:
				rpub := pub.Key.(*rsa.PublicKey)
				for b.Loop() {
					h := sha256.Sum256([]byte(input))
					if rsa.VerifyPKCS1v15(rpub, crypto.SHA256, h[:], sig) != nil {
						b.Fatal("bare verify failed")
					}
				}
			case ES256:
				epub := pub.Key.(*ecdsa.PublicKey)
				r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
				for b.Loop() {
					h := sha256.Sum256([]byte(input))
					if !ecdsa.Verify(epub, h[:], r, s) {
						b.Fatal("bare verify failed")
					}
				}
			}
		})
		b.Run(string(c.alg)+"/VerifyJWT", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := VerifyJWT(bg, tok, set, opts, exp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyJWTRatio times the bare verification and VerifyJWT
// alternately in one loop and reports the ratio of their median and minimum
// per-call times. Alternating calls see the same machine load, which makes
// the ratio meaningful on a busy host.
func BenchmarkVerifyJWTRatio(b *testing.B) {
	k := keys(b)
	exp := Expected{Issuer: "https://op.test/realms/demo", Audience: "client-1", Clock: fixedClock, RequireExpiry: true, RequireIssuedAt: true}
	for _, c := range []struct {
		name   string
		alg    Algorithm
		priv   any
		claims string
	}{
		{"RS256/minimal", RS256, k.rsa, benchMinimalClaims()},
		{"RS256/keycloak", RS256, k.rsa, benchClaims()},
		{"ES256/minimal", ES256, k.p256, benchMinimalClaims()},
		{"ES256/keycloak", ES256, k.p256, benchClaims()},
	} {
		key := JWK{KeyID: "kid-1", Key: c.priv}
		pub := pubJWK(b, key)
		set := StaticKeySet{pub}
		tok := mustSign(b, key, c.alg, c.claims, SignOptions{Type: "JWT"})
		opts := VerifyOptions{Algorithms: []Algorithm{c.alg}}
		dot := strings.LastIndexByte(tok, '.')
		input := tok[:dot]
		sig, _ := base64.RawURLEncoding.DecodeString(tok[dot+1:])
		bare := func() bool {
			h := sha256.Sum256([]byte(input))
			if c.alg == RS256 {
				return rsa.VerifyPKCS1v15(pub.Key.(*rsa.PublicKey), crypto.SHA256, h[:], sig) == nil
			}
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			return ecdsa.Verify(pub.Key.(*ecdsa.PublicKey), h[:], r, s)
		}
		b.Run(c.name, func(b *testing.B) {
			var bareT, fullT []time.Duration
			for b.Loop() {
				t0 := time.Now()
				ok := bare()
				t1 := time.Now()
				_, _, err := VerifyJWT(bg, tok, set, opts, exp)
				t2 := time.Now()
				if !ok || err != nil {
					b.Fatal("verification failed", err)
				}
				bareT = append(bareT, t1.Sub(t0))
				fullT = append(fullT, t2.Sub(t1))
			}
			slices.Sort(bareT)
			slices.Sort(fullT)
			med := func(d []time.Duration) float64 { return float64(d[len(d)/2]) }
			b.ReportMetric(med(bareT), "bare-median-ns")
			b.ReportMetric(med(fullT), "verifyjwt-median-ns")
			b.ReportMetric(med(fullT)/med(bareT), "ratio-median")
			b.ReportMetric(float64(fullT[0])/float64(bareT[0]), "ratio-min")
		})
	}
}

// BenchmarkVerifyJWTOverhead times the parts of VerifyJWT around the
// signature check, on the Keycloak-shaped claim set: the strict header
// parse and the claims parse and validation. The signature check itself is
// the bare figure of BenchmarkVerifyJWT.
func BenchmarkVerifyJWTOverhead(b *testing.B) {
	exp := Expected{Issuer: "https://op.test/realms/demo", Audience: "client-1", Clock: fixedClock, RequireExpiry: true, RequireIssuedAt: true}
	header := []byte(`{"alg":"RS256","typ":"JWT","kid":"kid-1"}`)
	for _, c := range []struct{ name, claims string }{{"minimal", benchMinimalClaims()}, {"keycloak", benchClaims()}} {
		payload := []byte(c.claims)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseHeader(header); err != nil {
					b.Fatal(err)
				}
				cl, err := ParseClaims(payload)
				if err != nil {
					b.Fatal(err)
				}
				if err := cl.Validate(exp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
