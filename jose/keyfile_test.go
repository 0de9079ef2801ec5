package jose

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The files in testdata/keys are test keys made with OpenSSL 3.0:
//
//	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-pkcs8.pem
//	openssl rsa -in rsa-pkcs8.pem -traditional -out rsa-pkcs1.pem
//	openssl rsa -in rsa-pkcs8.pem -pubout -out rsa-public.pem
//	openssl rsa -in rsa-pkcs8.pem -RSAPublicKey_out -out rsa-pkcs1-public.pem
//	openssl req -x509 -key rsa-pkcs8.pem -subj /CN=oauthkit-test -days 36500 -out rsa-cert.pem
//	openssl ecparam -name prime256v1 -genkey -out ec-sec1.pem
//	openssl pkcs8 -topk8 -nocrypt -in ec-sec1.pem -out ec-pkcs8.pem
//	openssl ec -in ec-sec1.pem -pubout -out ec-public.pem
//	openssl genpkey -algorithm ED25519 -out ed25519.pem
//	openssl pkey -in ed25519.pem -pubout -out ed25519-public.pem
//	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa-1024.pem
//	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-128-cbc -pass pass:secret -out rsa-encrypted.pem
//	openssl rsa -in rsa-pkcs8.pem -traditional -aes128 -passout pass:secret -out rsa-pkcs1-encrypted.pem
//	openssl ecparam -name secp224r1 -genkey -noout -out ec-p224.pem
//	openssl genpkey -algorithm X25519 -out x25519.pem
func keyFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePEM_Forms(t *testing.T) {
	for _, group := range []struct {
		private string
		publics []string
		alg     Algorithm
	}{
		{"rsa-pkcs8.pem", []string{"rsa-pkcs1.pem", "rsa-public.pem", "rsa-pkcs1-public.pem", "rsa-cert.pem"}, RS256},
		{"ec-sec1.pem", []string{"ec-pkcs8.pem", "ec-public.pem"}, ES256},
		{"ed25519.pem", []string{"ed25519-public.pem"}, EdDSA},
	} {
		priv, err := ParsePEM(keyFile(t, group.private))
		if err != nil {
			t.Fatalf("%s: %v", group.private, err)
		}
		if !priv.IsPrivate() {
			t.Errorf("%s: not a private key: %T", group.private, priv.Key)
		}
		pub, _ := priv.Public()
		want, _ := pub.Thumbprint()
		for _, name := range group.publics {
			k, err := ParsePEM(keyFile(t, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got, _ := k.Thumbprint(); got != want {
				t.Errorf("%s: not the key of %s", name, group.private)
			}
		}
		// The key signs, and the key from the public file verifies.
		token, err := Sign(priv, group.alg, []byte(`{"sub":"a"}`), SignOptions{})
		if err != nil {
			t.Fatalf("%s: sign: %v", group.private, err)
		}
		verifier, _ := ParsePEM(keyFile(t, group.publics[len(group.publics)-1]))
		if _, _, err := Verify(context.Background(), token, StaticKeySet{verifier}, VerifyOptions{Algorithms: []Algorithm{group.alg}}); err != nil {
			t.Errorf("%s: verify: %v", group.private, err)
		}
	}
}

// A private key followed by its certificate (the layout of many combined
// PEM files) gives the private key; a certificate of another key is refused.
func TestParsePEM_KeyWithCertificate(t *testing.T) {
	key, cert := keyFile(t, "rsa-pkcs8.pem"), keyFile(t, "rsa-cert.pem")
	k, err := ParsePEM(append(append([]byte{}, key...), cert...))
	if err != nil || !k.IsPrivate() {
		t.Fatalf("key and certificate: %T, %v", k.Key, err)
	}
	other := selfSigned(t, keys(t).rsa)
	if _, err := ParsePEM(append(append([]byte{}, key...), other...)); !errors.Is(err, ErrUnusableKey) {
		t.Errorf("key with another key's certificate: err = %v, want ErrUnusableKey", err)
	}
	// A chain: the first certificate gives the key.
	k, err = ParsePEM(append(append([]byte{}, cert...), other...))
	if got, _ := k.Thumbprint(); err != nil || got != thumb(t, "rsa-public.pem") {
		t.Errorf("chain: %v", err)
	}
}

func thumb(t *testing.T, name string) string {
	k, err := ParsePEM(keyFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := k.Thumbprint()
	return s
}

func selfSigned(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestParsePEM_Refused(t *testing.T) {
	join := func(names ...string) []byte {
		var b []byte
		for _, n := range names {
			b = append(b, keyFile(t, n)...)
		}
		return b
	}
	corrupt := strings.Replace(string(keyFile(t, "rsa-pkcs8.pem")), "MII", "MIJ", 1)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"JW-14 RSA 1024 bits", keyFile(t, "rsa-1024.pem"), ErrWeakKey},
		{"encrypted PKCS #8", keyFile(t, "rsa-encrypted.pem"), ErrUnusableKey},
		{"encrypted PKCS #1", keyFile(t, "rsa-pkcs1-encrypted.pem"), ErrUnusableKey},
		{"P-224", keyFile(t, "ec-p224.pem"), ErrUnusableKey},
		{"X25519", keyFile(t, "x25519.pem"), ErrUnusableKey},
		{"two keys", join("rsa-pkcs8.pem", "ec-sec1.pem"), ErrMalformed},
		{"no PEM", []byte("not a key"), ErrMalformed},
		{"empty", nil, ErrMalformed},
		{"corrupt DER", []byte(corrupt), ErrMalformed},
		{"unknown block", pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte{1}}), ErrUnusableKey},
		{"too large", make([]byte, maxKeyFileSize+1), ErrTooLarge},
		{"huge private key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: make([]byte, maxPrivateKeyDER+1)}), ErrUnusableKey},
		{"too many blocks", []byte(strings.Repeat("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n", maxPEMBlocks+1)), ErrTooLarge},
	} {
		_, err := ParsePEM(tc.data)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			continue
		}
		// The message never quotes the key.
		if err != nil && strings.Contains(err.Error(), "MII") {
			t.Errorf("%s: key material in %q", tc.name, err)
		}
	}
	_, err := ParsePEM(keyFile(t, "rsa-1024.pem"))
	if !errors.Is(err, ErrUnusableKey) || !strings.Contains(err.Error(), "1024 bits") {
		t.Errorf("weak key error %q: not ErrUnusableKey, or says not how weak", err)
	}
}

// JW-14: a JWK of a 1024-bit RSA key is ErrWeakKey too, fetched or loaded.
func TestParseJWK_JW14_WeakRSA(t *testing.T) {
	k, err := x509.ParsePKCS8PrivateKey(pemBytes(t, "rsa-1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := JWK{Key: &k.(*rsa.PrivateKey).PublicKey}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseJWK(data); !errors.Is(err, ErrWeakKey) {
		t.Errorf("ParseJWK: err = %v, want ErrWeakKey", err)
	}
	if _, err := ParseJWKSet([]byte(`{"keys":[` + string(data) + `]}`)); !errors.Is(err, ErrNoUsableKeys) || !strings.Contains(err.Error(), "too weak") {
		t.Errorf("ParseJWKSet: err = %v, want ErrNoUsableKeys naming the weak key", err)
	}
}

func pemBytes(t *testing.T, name string) []byte {
	b, _ := pem.Decode(keyFile(t, name))
	return b.Bytes
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadKeyFile(t *testing.T) {
	k := keys(t)
	jwk, _ := JWK{KeyID: "ec", Algorithm: ES256, Key: k.p256}.MarshalJSON()
	other, _ := JWK{KeyID: "ed", Key: k.ed}.MarshalJSON()
	oneSet := `{"keys":[` + string(jwk) + `]}`
	twoSet := `{"keys":[` + string(jwk) + `,` + string(other) + `]}`

	for name, data := range map[string][]byte{
		"key.pem": keyFile(t, "ec-sec1.pem"), "key.jwk": jwk, "set.json": []byte("\n " + oneSet),
	} {
		got, err := ReadKeyFile(writeFile(t, name, data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, ok := got.Key.(*ecdsa.PrivateKey); !ok {
			t.Errorf("%s: key %T", name, got.Key)
		}
	}
	if got, _ := ReadKeyFile(writeFile(t, "k.jwk", jwk)); got.KeyID != "ec" || got.Algorithm != ES256 {
		t.Errorf("JWK file lost kid or alg: %+v", got)
	}
	if _, err := ReadKeyFile(writeFile(t, "two.json", []byte(twoSet))); !errors.Is(err, ErrMalformed) {
		t.Errorf("two keys: err = %v, want ErrMalformed", err)
	}
	set, err := ReadKeySetFile(writeFile(t, "two.json", []byte(twoSet)))
	if err != nil || len(set.Keys) != 2 || set.Keys[1].KeyID != "ed" {
		t.Errorf("ReadKeySetFile: %+v, %v", set, err)
	}
	if _, ok := set.Keys[1].Key.(ed25519.PrivateKey); !ok {
		t.Errorf("the set's private key came back as %T", set.Keys[1].Key)
	}
	set, err = ReadKeySetFile(writeFile(t, "one.pem", keyFile(t, "rsa-cert.pem")))
	if err != nil || len(set.Keys) != 1 {
		t.Errorf("ReadKeySetFile of PEM: %+v, %v", set, err)
	}
	// Unlike a fetched set, a file's unusable key is an error, not skipped.
	bad := `{"keys":[` + string(jwk) + `,{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`
	if _, err := ReadKeySetFile(writeFile(t, "bad.json", []byte(bad))); !errors.Is(err, ErrWeakKey) {
		t.Errorf("set with a weak key: err = %v, want ErrWeakKey", err)
	}
	if _, err := ReadKeyFile(writeFile(t, "big.pem", make([]byte, maxKeyFileSize+10))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large file: err = %v, want ErrTooLarge", err)
	}
	if _, err := ReadKeyFile(filepath.Join(t.TempDir(), "absent.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent file: err = %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadKeySetFile(writeFile(t, "empty.json", []byte(`{"keys":[]}`))); !errors.Is(err, ErrNoUsableKeys) {
		t.Errorf("empty set: err = %v, want ErrNoUsableKeys", err)
	}
}

// FuzzParseKeyFile: any input either fails with one of jose's sentinels or
// gives a key that meets the package's rules.
func FuzzParseKeyFile(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "keys"))
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join("testdata", "keys", e.Name()))
		f.Add(b)
	}
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseKeyFile(data)
		if err != nil {
			for _, s := range []error{ErrMalformed, ErrTooLarge, ErrUnusableKey, ErrNoUsableKeys} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("untyped error %v", err)
		}
		if k.Key == nil {
			t.Fatal("no key and no error")
		}
		if err := checkKey(k.Key); err != nil {
			t.Fatalf("accepted a key against the rules: %v", err)
		}
		if _, err := k.MarshalJSON(); err != nil {
			t.Fatalf("accepted key does not encode: %v", err)
		}
	})
}
