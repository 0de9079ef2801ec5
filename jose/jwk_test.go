package jose

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// rfc7638Key is the example key of RFC 7638, section 3.1.
const rfc7638Key = `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`

func TestThumbprint_RFC7638Example(t *testing.T) {
	k, err := ParseJWK([]byte(rfc7638Key))
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Thumbprint()
	if err != nil {
		t.Fatal(err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Fatalf("thumbprint = %s, want %s", got, want)
	}
	if k.KeyID != "2011-04-29" || k.Algorithm != RS256 {
		t.Errorf("parsed %+v", k)
	}
}

func TestJWK_RoundTripAllTypes(t *testing.T) {
	k := keys(t)
	for name, key := range map[string]any{
		"rsa": k.rsa, "p256": k.p256, "p384": k.p384, "p521": k.p521, "ed25519": k.ed, "oct": k.hmac,
	} {
		t.Run(name, func(t *testing.T) {
			orig := JWK{KeyID: "id-" + name, Use: "sig", Key: key}
			data, err := orig.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseJWK(data)
			if err != nil {
				t.Fatalf("ParseJWK(%s): %v", data, err)
			}
			if back.KeyID != orig.KeyID || back.Use != "sig" {
				t.Errorf("metadata lost: %+v", back)
			}
			if e, ok := key.(interface{ Equal(x any) bool }); ok && !e.Equal(back.Key) {
				t.Errorf("key changed in the round trip")
			}
			tp1, err1 := orig.Thumbprint()
			tp2, err2 := back.Thumbprint()
			if err1 != nil || err2 != nil || tp1 != tp2 {
				t.Errorf("thumbprints %s %v / %s %v", tp1, err1, tp2, err2)
			}
			if name == "oct" {
				if _, err := orig.Public(); err == nil {
					t.Error("symmetric key has a public part")
				}
				return
			}
			pub := pubJWK(t, orig)
			pubData, _ := pub.MarshalJSON()
			var m map[string]any
			if err := json.Unmarshal(pubData, &m); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
				if _, ok := m[p]; ok {
					t.Errorf("public JWK holds private member %q", p)
				}
			}
			tp3, _ := pub.Thumbprint()
			if tp3 != tp1 {
				t.Errorf("public thumbprint differs")
			}
		})
	}
}

func TestParseJWK_Errors(t *testing.T) {
	k := keys(t)
	rsaPub, _ := pubJWK(t, JWK{Key: k.rsa}).MarshalJSON()
	ecPub := pubJWK(t, JWK{Key: k.p256})
	ecJSON, _ := ecPub.MarshalJSON()
	var ecm map[string]string
	_ = json.Unmarshal(ecJSON, &ecm)
	cases := map[string]struct {
		json string
		want error
	}{
		"not json":      {`{`, ErrMalformed},
		"no kty":        {`{"n":"AQAB"}`, ErrMalformed},
		"dup member":    {`{"kty":"oct","k":"AAAA","K":"BBBB"}`, ErrMalformed},
		"kid number":    {`{"kty":"oct","k":"AAAA","kid":5}`, ErrMalformed},
		"unknown kty":   {`{"kty":"XYZ"}`, ErrUnusableKey},
		"AKP":           {`{"kty":"AKP","alg":"ML-DSA-44","pub":"AAAA"}`, ErrUnusableKey},
		"unknown alg":   {strings.Replace(string(rsaPub), `"kty":"RSA"`, `"kty":"RSA","alg":"RS1"`, 1), ErrUnusableKey},
		"alg for EC":    {strings.Replace(string(rsaPub), `"kty":"RSA"`, `"kty":"RSA","alg":"ES256"`, 1), ErrUnusableKey},
		"unknown crv":   {`{"kty":"EC","crv":"P-192","x":"AAAA","y":"AAAA"}`, ErrUnusableKey},
		"X25519":        {`{"kty":"OKP","crv":"X25519","x":"` + b64s(strings.Repeat("a", 32)) + `"}`, ErrUnusableKey},
		"bad base64":    {`{"kty":"RSA","n":"@@@@","e":"AQAB"}`, ErrMalformed},
		"padded base64": {`{"kty":"oct","k":"AAA="}`, ErrMalformed},
		"empty oct":     {`{"kty":"oct","k":""}`, ErrUnusableKey},
		"EC alg curve":  {strings.Replace(string(ecJSON), `"kty":"EC"`, `"kty":"EC","alg":"ES384"`, 1), ErrUnusableKey},
		"EC short x":    {`{"kty":"EC","crv":"P-256","x":"` + ecm["x"][:20] + `","y":"` + ecm["y"] + `"}`, ErrUnusableKey},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseJWK([]byte(c.json))
			wantErr(t, err, c.want)
		})
	}
}

func rsaJWKJSON(n *big.Int, e []byte) string {
	return `{"kty":"RSA","kid":"weak","n":"` + base64.RawURLEncoding.EncodeToString(n.Bytes()) + `","e":"` + base64.RawURLEncoding.EncodeToString(e) + `"}`
}

func TestParseJWK_JW14_WeakOrOversizedKeys(t *testing.T) {
	k := keys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 16384)
	huge.Add(huge, big.NewInt(1))
	wide := make([]byte, 9)
	wide[0] = 1
	cases := map[string]string{
		"512-bit modulus":   rsaJWKJSON(new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 511), big.NewInt(1)), []byte{1, 0, 1}),
		"1024-bit modulus":  rsaJWKJSON(small.N, []byte{1, 0, 1}),
		"16384-bit modulus": rsaJWKJSON(huge, []byte{1, 0, 1}),
		"e=1":               rsaJWKJSON(k.rsa.N, []byte{1}),
		"e even":            rsaJWKJSON(k.rsa.N, []byte{1, 0, 0}),
		"e 72 bits":         rsaJWKJSON(k.rsa.N, wide),
		"e 2^31+1":          rsaJWKJSON(k.rsa.N, []byte{0x80, 0, 0, 1}),
	}
	// A point not on P-256: the real x with y+1.
	pt, _ := k.p256.PublicKey.Bytes()
	y := new(big.Int).SetBytes(pt[33:])
	y.Add(y, big.NewInt(1))
	yb := make([]byte, 32)
	y.FillBytes(yb)
	cases["off-curve point"] = `{"kty":"EC","crv":"P-256","x":"` + base64.RawURLEncoding.EncodeToString(pt[1:33]) + `","y":"` + base64.RawURLEncoding.EncodeToString(yb) + `"}`
	for name, js := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseJWK([]byte(js))
			wantErr(t, err, ErrUnusableKey)
			set := `{"keys":[` + js + `]}`
			_, err = ParseJWKSet([]byte(set))
			wantErr(t, err, ErrNoUsableKeys)
		})
	}
	// An oct key in a network key set is never used.
	_, err = ParseJWKSet([]byte(`{"keys":[{"kty":"oct","k":"` + b64s(string(k.hmac)) + `"}]}`))
	wantErr(t, err, ErrNoUsableKeys)
	// Private keys in a network key set are skipped too.
	privJSON, _ := JWK{Key: k.p256}.MarshalJSON()
	_, err = ParseJWKSet([]byte(`{"keys":[` + string(privJSON) + `]}`))
	wantErr(t, err, ErrNoUsableKeys)
	// The in-range key still parses: 2048 bits, e=65537.
	if _, err := ParseJWK([]byte(rsaJWKJSON(k.rsa.N, []byte{1, 0, 1}))); err != nil {
		t.Fatal(err)
	}
}

func TestParseJWKSet_JW18_UnusableKeysSkipped(t *testing.T) {
	k := keys(t)
	real, _ := pubJWK(t, JWK{KeyID: "real", Key: k.rsa}).MarshalJSON()
	set := `{"keys":[
		{"kty":"AKP","kid":"pq","alg":"ML-DSA-65","pub":"AAAA"},
		{"kty":"FANCY","kid":"invented"},
		{"kty":"RSA","kid":"weird-alg","alg":"RS1024","n":"AQAB","e":"AQAB"},
		{"kty":"EC","kid":"curve","crv":"secp256k1","x":"AAAA","y":"AAAA"},
		{"kty":"RSA","kid":"b64","n":"!!!notbase64!!!","e":"AQAB"},
		"not an object",
		` + string(real) + `
	]}`
	parsed, err := ParseJWKSet([]byte(set))
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Keys) != 1 || parsed.Keys[0].KeyID != "real" {
		t.Fatalf("keys = %+v", parsed.Keys)
	}
	tok := mustSign(t, JWK{KeyID: "real", Key: k.rsa}, RS256, claimsJSON(), SignOptions{})
	if _, _, err := Verify(bg, tok, StaticKeySet(parsed.Keys), VerifyOptions{Algorithms: []Algorithm{RS256}}); err != nil {
		t.Fatal(err)
	}
	// Without the real key nothing is usable.
	withoutReal := strings.Replace(set, ","+"\n\t\t"+string(real), "", 1)
	_, err = ParseJWKSet([]byte(withoutReal))
	wantErr(t, err, ErrNoUsableKeys)
}

func TestParseJWKSet_Shape(t *testing.T) {
	k := keys(t)
	one, _ := pubJWK(t, JWK{Key: k.p256}).MarshalJSON()
	many := `{"keys":[` + strings.Repeat(string(one)+",", 100) + string(one) + `]}`
	_, err := ParseJWKSet([]byte(many))
	wantErr(t, err, ErrTooLarge)
	for _, s := range []string{`[]`, `{}`, `{"keys":{}}`, `{"keys":[],"KEYS":[]}`, `{"keys":[]}x`} {
		_, err := ParseJWKSet([]byte(s))
		wantErr(t, err, ErrMalformed)
	}
	_, err = ParseJWKSet([]byte(`{"keys":[]}`))
	wantErr(t, err, ErrNoUsableKeys)
	// Round trip of a set.
	set := JWKSet{Keys: []JWK{pubJWK(t, JWK{KeyID: "a", Key: k.p256}), pubJWK(t, JWK{KeyID: "b", Key: k.ed})}}
	data, err := set.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseJWKSet(data)
	if err != nil || len(back.Keys) != 2 || back.Keys[1].KeyID != "b" {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	if _, ok := back.Keys[1].Key.(ed25519.PublicKey); !ok {
		t.Errorf("Ed25519 key type %T", back.Keys[1].Key)
	}
	if _, ok := back.Keys[0].Key.(*ecdsa.PublicKey); !ok {
		t.Errorf("EC key type %T", back.Keys[0].Key)
	}
}

func TestParseJWK_PrivateMismatch(t *testing.T) {
	k := keys(t)
	data, _ := JWK{Key: k.p256}.MarshalJSON()
	var m map[string]string
	_ = json.Unmarshal(data, &m)
	other, _ := JWK{Key: k.p256b}.MarshalJSON()
	var o map[string]string
	_ = json.Unmarshal(other, &o)
	m["d"] = o["d"]
	bad, _ := json.Marshal(m)
	_, err := ParseJWK(bad)
	wantErr(t, err, ErrUnusableKey)
}
