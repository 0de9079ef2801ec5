package jose

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
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

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	rsa, rsa2     *rsa.PrivateKey
	p256, p256b   *ecdsa.PrivateKey
	p384          *ecdsa.PrivateKey
	p521          *ecdsa.PrivateKey
	ed, ed2       ed25519.PrivateKey
	hmac, hmacBad []byte
}

var (
	keysOnce sync.Once
	keysVal  testKeys
)

func keys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		var err error
		keysVal.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		keysVal.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		keysVal.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		keysVal.p256b, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		keysVal.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		keysVal.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		must(err)
		_, keysVal.ed, err = ed25519.GenerateKey(rand.Reader)
		must(err)
		_, keysVal.ed2, err = ed25519.GenerateKey(rand.Reader)
		must(err)
		keysVal.hmac = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
		keysVal.hmacBad = []byte("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
	})
	return &keysVal
}

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// claimsJSON returns a valid claim set for testNow.
func claimsJSON() string {
	return `{"iss":"https://op.test","sub":"alice","aud":"client-1","exp":` +
		itoa(testNow.Add(time.Hour).Unix()) + `,"iat":` + itoa(testNow.Unix()) + `}`
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func b64s(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// rawToken signs an arbitrary header and payload, for hostile tokens.
func rawToken(t testing.TB, header, payload string, alg Algorithm, key any) string {
	t.Helper()
	input := b64s(header) + "." + b64s(payload)
	ai, ok := alg.info()
	if !ok {
		return input + "."
	}
	sig, err := signInput(ai, key, input)
	if err != nil {
		t.Fatalf("signInput: %v", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func mustSign(t testing.TB, key JWK, alg Algorithm, payload string, opts SignOptions) string {
	t.Helper()
	tok, err := Sign(key, alg, []byte(payload), opts)
	if err != nil {
		t.Fatalf("Sign(%s): %v", alg, err)
	}
	return tok
}

func pubJWK(t testing.TB, k JWK) JWK {
	t.Helper()
	p, err := k.Public()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func allAlgs() []Algorithm {
	return []Algorithm{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512}
}

func asymAlgs() []Algorithm {
	return []Algorithm{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want errors.Is(%v)", err, target)
	}
}

var bg = context.Background()

// noSecret fails when s holds one of the secrets.
func noSecret(t testing.TB, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Fatalf("error text leaks a secret: %q", s)
		}
	}
}

const cryptoSHA256 = crypto.SHA256
