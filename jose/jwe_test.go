package jose

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	jweKeysOnce sync.Once
	jweRSA      *rsa.PrivateKey
	jweEC       *ecdsa.PrivateKey
)

func jweKeys(t testing.TB) (JWK, JWK) {
	jweKeysOnce.Do(func() {
		var err error
		if jweRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if jweEC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return JWK{KeyID: "enc-rsa", Use: "enc", Key: jweRSA}, JWK{KeyID: "enc-ec", Key: jweEC}
}

func TestDecrypt_RoundTrip(t *testing.T) {
	rsaKey, ecKey := jweKeys(t)
	keys := []JWK{rsaKey, ecKey}
	for _, alg := range []Algorithm{RSAOAEP, RSAOAEP256, ECDHES, ECDHESA128KW, ECDHESA256KW} {
		for _, enc := range []ContentEncryption{A128GCM, A256GCM, A128CBCHS256} {
			key := rsaKey
			if strings.HasPrefix(string(alg), "ECDH") {
				key = ecKey
			}
			tok, err := Encrypt([]byte("hello"), key, alg, enc, EncryptOptions{ContentType: "JWT"})
			if err != nil {
				t.Fatalf("%s %s: %v", alg, enc, err)
			}
			hdr, pt, err := Decrypt(tok, keys, DecryptOptions{})
			if err != nil {
				t.Fatalf("%s %s: %v", alg, enc, err)
			}
			if string(pt) != "hello" || hdr.KeyAlgorithm != alg || hdr.ContentEncryption != enc || hdr.ContentType != "JWT" || hdr.KeyID != key.KeyID {
				t.Errorf("%s %s: %q %+v", alg, enc, pt, hdr)
			}
		}
	}
}

// withHeader replaces the protected header of a compact JWE.
func withHeader(tok string, h map[string]any) string {
	b, _ := json.Marshal(h)
	parts := strings.Split(tok, ".")
	parts[0] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func TestDecrypt_JE03_JE04_BombsAndAlgorithms(t *testing.T) {
	rsaKey, ecKey := jweKeys(t)
	keys := []JWK{rsaKey, ecKey}
	tok, err := Encrypt([]byte("hello"), rsaKey, RSAOAEP, A128GCM, EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	offCurve := map[string]any{"kty": "EC", "crv": "P-256", "x": b64url(make([]byte, 32)), "y": b64url(append(make([]byte, 31), 1))}
	for name, tc := range map[string]struct {
		token string
		want  error
	}{
		"zip DEF":            {withHeader(tok, map[string]any{"alg": "RSA-OAEP", "enc": "A128GCM", "zip": "DEF"}), ErrMalformed},
		"PBES2 p2c huge":     {withHeader(tok, map[string]any{"alg": "PBES2-HS256+A128KW", "enc": "A128GCM", "p2c": 2147483647, "p2s": "c2FsdHNhbHQ"}), ErrAlgorithmNotAllowed},
		"epk off the curve":  {withHeader(tok, map[string]any{"alg": "ECDH-ES", "enc": "A128GCM", "epk": offCurve}), ErrUnusableKey},
		"epk private":        {withHeader(tok, map[string]any{"alg": "ECDH-ES", "enc": "A128GCM", "epk": privateECJWK(ecKey)}), ErrUnusableKey},
		"ECDH-ES, no epk":    {withHeader(tok, map[string]any{"alg": "ECDH-ES", "enc": "A128GCM"}), ErrMalformed},
		"dir":                {withHeader(tok, map[string]any{"alg": "dir", "enc": "A128GCM"}), ErrAlgorithmNotAllowed},
		"A128KW":             {withHeader(tok, map[string]any{"alg": "A128KW", "enc": "A128GCM"}), ErrAlgorithmNotAllowed},
		"RSA1_5":             {withHeader(tok, map[string]any{"alg": "RSA1_5", "enc": "A128GCM"}), ErrAlgorithmNotAllowed},
		"enc unknown":        {withHeader(tok, map[string]any{"alg": "RSA-OAEP", "enc": "A999GCM"}), ErrAlgorithmNotAllowed},
		"crit":               {withHeader(tok, map[string]any{"alg": "RSA-OAEP", "enc": "A128GCM", "crit": []string{"exp"}}), ErrCritical},
		"duplicate alg":      {strings.Replace(tok, strings.Split(tok, ".")[0], b64url([]byte(`{"alg":"RSA-OAEP","enc":"A128GCM","ALG":"dir"}`)), 1), ErrMalformed},
		"oversize":           {tok + strings.Repeat("A", DefaultMaxJWESize), ErrTooLarge},
		"three segments":     {"a.b.c", ErrMalformed},
		"six segments":       {tok + ".x", ErrMalformed},
		"padded base64":      {strings.Replace(tok, ".", "=.", 1), ErrMalformed},
		"tampered tag":       {tok[:len(tok)-2] + flip(tok[len(tok)-2:]), ErrDecryption},
		"no fitting key":     {tok, ErrKeyMismatch},
		"a signature key":    {tok, ErrKeyMismatch},
		"alg not in options": {tok, ErrAlgorithmNotAllowed},
	} {
		ks, opts := keys, DecryptOptions{}
		switch name {
		case "no fitting key":
			ks = []JWK{ecKey}
		case "a signature key":
			k := rsaKey
			k.Use = "sig"
			ks = []JWK{k}
		case "alg not in options":
			opts.KeyAlgorithms = []Algorithm{RSAOAEP256}
		}
		start := time.Now()
		_, _, err := Decrypt(tc.token, ks, opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %s", name, d)
		}
	}
}

func privateECJWK(k JWK) map[string]any {
	b, _ := json.Marshal(k)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestIsEncrypted(t *testing.T) {
	if !IsEncrypted("a.b.c.d.e") || IsEncrypted("a.b.c") {
		t.Error("IsEncrypted")
	}
}

func FuzzDecrypt(f *testing.F) {
	rsaKey, ecKey := jweKeys(f)
	tok, _ := Encrypt([]byte("hello"), ecKey, ECDHES, A128GCM, EncryptOptions{})
	f.Add(tok)
	f.Add("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkExMjhHQ00iLCJ6aXAiOiJERUYifQ.a.b.c.d")
	keys := []JWK{rsaKey, ecKey}
	f.Fuzz(func(t *testing.T, token string) {
		hdr, _, err := Decrypt(token, keys, DecryptOptions{})
		if err == nil && (hdr.KeyAlgorithm == "" || hdr.ContentEncryption == "") {
			t.Fatal("decrypted without alg or enc")
		}
	})
}

func BenchmarkDecrypt(b *testing.B) {
	rsaKey, ecKey := jweKeys(b)
	for _, c := range []struct {
		key JWK
		alg Algorithm
	}{{rsaKey, RSAOAEP}, {ecKey, ECDHES}} {
		tok, _ := Encrypt([]byte(strings.Repeat("x", 1000)), c.key, c.alg, A128GCM, EncryptOptions{})
		b.Run(string(c.alg), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Decrypt(tok, []JWK{c.key}, DecryptOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
