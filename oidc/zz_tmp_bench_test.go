package oidc

import (
	"runtime"
	"syscall"
	"context"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

func BenchmarkTmpParts(b *testing.B) {
	raw, accessToken, nonce := keycloakIDToken(b)
	bare := bareRSA(b, raw)
	ks := jose.StaticKeySet{publicJWK(testKID, opRSAKey(), jose.RS256)}
	ctx := context.Background()
	parts := map[string]func() error{
		"jose-verify": func() error {
			_, _, err := jose.Verify(ctx, raw, ks, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256}})
			return err
		},
		"jose-verify+claims": func() error {
			_, p, err := jose.Verify(ctx, raw, ks, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256}})
			if err != nil {
				return err
			}
			_, err = jose.ParseClaims(p)
			return err
		},
		"full": fullVerify(raw, accessToken, nonce),
		"athash": func() error { return checkTokenHash(ErrAccessTokenHash, jose.RS256, "x", accessToken) },
	}
	for name, f := range parts {
		b.Run(name, func(b *testing.B) {
			var tb, tf []time.Duration
			for b.Loop() {
				s := time.Now()
				bare()
				m := time.Now()
				f()
				tb = append(tb, m.Sub(s))
				tf = append(tf, time.Since(m))
			}
			b.ReportMetric(float64(median(tb)), "bare")
			b.ReportMetric(float64(median(tf)), "part")
		})
	}
}

func BenchmarkTmpSmall(b *testing.B) {
	raw, accessToken, nonce := keycloakIDToken(b)
	ks := jose.StaticKeySet{publicJWK(testKID, opRSAKey(), jose.RS256)}
	_, payload, _ := jose.Verify(context.Background(), raw, ks, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256}})
	b.Run("parseclaims", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			jose.ParseClaims(payload)
		}
	})
	c, _ := jose.ParseClaims(payload)
	b.Run("readstrings", func(b *testing.B) {
		b.ReportAllocs()
		names := [...]string{"typ", "azp", "nonce", "acr", "at_hash", "c_hash", "sid"}
		for b.Loop() {
			var strs [len(names)]string
			var has [len(names)]bool
			readStrings(c.Raw, names[:], strs[:], has[:])
		}
	})
	b.Run("athash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			checkTokenHash(ErrAccessTokenHash, jose.RS256, "x", accessToken)
		}
	})
	_ = nonce
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestTmpCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	raw, accessToken, nonce := keycloakIDToken(&testing.B{})
	bare := bareRSA(&testing.B{}, raw)
	ks := jose.StaticKeySet{publicJWK(testKID, opRSAKey(), jose.RS256)}
	ctx := context.Background()
	parts := []struct {
		name string
		f    func() error
	}{
		{"bare", bare},
		{"jose-verify", func() error {
			_, _, err := jose.Verify(ctx, raw, ks, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256}})
			return err
		}},
		{"jose+claims", func() error {
			_, p, err := jose.Verify(ctx, raw, ks, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.RS256}})
			if err != nil {
				return err
			}
			_, err = jose.ParseClaims(p)
			return err
		}},
		{"full", fullVerify(raw, accessToken, nonce)},
	}
	tot := make([]time.Duration, len(parts))
	const block, rounds = 50, 40
	for r := 0; r < rounds; r++ {
		for i, p := range parts {
			s := threadCPU()
			for k := 0; k < block; k++ {
				p.f()
			}
			tot[i] += threadCPU() - s
		}
	}
	for i, p := range parts {
		per := tot[i] / (block * rounds)
		t.Logf("%-12s %v  ratio %.3f", p.name, per, float64(tot[i])/float64(tot[0]))
	}
}
