package jose

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"
)

func BenchmarkRSAMath(b *testing.B) {
	k := keys(b)
	h := sha256.Sum256([]byte("hello"))
	sig, _ := rsa.SignPKCS1v15(nil, k.rsa, crypto.SHA256, h[:])
	pub := &k.rsa.PublicKey
	b.Run("fips", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) != nil {
				b.Fatal()
			}
		}
	})
	b.Run("mathbig", func(b *testing.B) {
		b.ReportAllocs()
		e := big.NewInt(int64(pub.E))
		for b.Loop() {
			s := new(big.Int).SetBytes(sig)
			m := new(big.Int).Exp(s, e, pub.N)
			_ = m
		}
	})
}
