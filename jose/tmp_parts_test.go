package jose

import (
	"testing"
)

func BenchmarkParts(b *testing.B) {
	k := keys(b)
	key := JWK{KeyID: "kid-1", Key: k.rsa}
	tok := mustSign(b, key, RS256, benchClaims(), SignOptions{Type: "JWT"})
	payload := []byte(benchClaims())
	hdr := []byte(`{"alg":"RS256","typ":"JWT","kid":"kid-1"}`)
	exp := Expected{Issuer: "https://op.test/realms/demo", Audience: "client-1", Now: fixedClock, RequireExpiry: true, RequireIssuedAt: true}
	b.Run("header", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parseHeader(hdr)
		}
	})
	b.Run("claims", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, _ := ParseClaims(payload)
			_ = c.Validate(exp)
		}
	})
	b.Run("strictb64", func(b *testing.B) {
		for b.Loop() {
			strictB64(tok)
		}
	})
	b.Run("HS256 VerifyJWT", func(b *testing.B) {
		hk := JWK{Key: k.hmac}
		htok := mustSign(b, hk, HS256, benchClaims(), SignOptions{Type: "JWT"})
		b.ReportAllocs()
		for b.Loop() {
			VerifyJWT(bg, htok, StaticKeySet{hk}, VerifyOptions{Algorithms: []Algorithm{HS256}}, exp)
		}
	})
}

func BenchmarkClaimParts(b *testing.B) {
	payload := []byte(benchClaims())
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			var buf [24]member
			scanObject(payload, buf[:0])
		}
	})
	b.Run("map", func(b *testing.B) {
		var buf [24]member
		ms, _ := scanObject(payload, buf[:0])
		doc := string(payload)
		for b.Loop() {
			m := make(map[string][]byte, len(ms))
			for i := range ms {
				m[doc[ms[i].nameStart:ms[i].nameEnd]] = payload[ms[i].valStart:]
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			ParseClaims(payload)
		}
	})
}
