package jose

import (
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
)

func TestVerify_AllAlgorithms(t *testing.T) {
	k := keys(t)
	cases := []struct {
		alg  Algorithm
		priv any
	}{
		{RS256, k.rsa}, {RS384, k.rsa}, {RS512, k.rsa},
		{PS256, k.rsa}, {PS384, k.rsa}, {PS512, k.rsa},
		{ES256, k.p256}, {ES384, k.p384}, {ES512, k.p521},
		{EdDSA, k.ed},
		{HS256, k.hmac}, {HS384, k.hmac}, {HS512, k.hmac},
	}
	for _, c := range cases {
		t.Run(string(c.alg), func(t *testing.T) {
			key := JWK{KeyID: "k1", Key: c.priv}
			tok := mustSign(t, key, c.alg, claimsJSON(), SignOptions{Type: "JWT"})
			verifyKey := key
			if c.alg.family() != familyHMAC {
				verifyKey = pubJWK(t, key)
			}
			hdr, payload, err := Verify(bg, tok, StaticKeySet{verifyKey}, VerifyOptions{Algorithms: []Algorithm{c.alg}})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if hdr.Algorithm != c.alg || hdr.KeyID != "k1" || hdr.Type != "JWT" {
				t.Errorf("header = %+v", hdr)
			}
			if string(payload) != claimsJSON() {
				t.Errorf("payload = %s", payload)
			}
			// A flipped signature bit fails (JW-03).
			bad := []byte(tok)
			bad[len(bad)-3] ^= 0x01
			if bad[len(bad)-3] == '.' {
				t.Skip()
			}
			_, _, err = Verify(bg, string(bad), StaticKeySet{verifyKey}, VerifyOptions{Algorithms: []Algorithm{c.alg}})
			if err == nil {
				t.Fatal("tampered signature verified")
			}
		})
	}
}

func (a Algorithm) family() algFamily { ai, _ := a.info(); return ai.family }

func TestVerify_JW01_AlgNone(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{Key: k.rsa})}
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		for _, sig := range []string{"", "c2ln"} {
			tok := b64s(`{"alg":"`+alg+`"}`) + "." + b64s(claimsJSON()) + "." + sig
			_, _, err := Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256, Algorithm(alg)}})
			if err == nil {
				t.Fatalf("alg %q with signature %q accepted", alg, sig)
			}
			if sig != "" {
				wantErr(t, err, ErrAlgorithmNotAllowed)
			}
		}
	}
}

func TestVerify_JW02_HSWithPublicKeyAsSecret(t *testing.T) {
	k := keys(t)
	pub := pubJWK(t, JWK{KeyID: "rsa", Key: k.rsa})
	pubJSON, _ := pub.MarshalJSON()
	secrets := [][]byte{pubJSON, k.rsa.N.Bytes(), {}}
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		tok := rawToken(t, `{"alg":"HS256","kid":"rsa"}`, claimsJSON(), HS256, secret)
		// Even when the caller allows HS256, an RSA key is never an HMAC secret.
		_, _, err := Verify(bg, tok, StaticKeySet{pub}, VerifyOptions{Algorithms: []Algorithm{RS256, HS256}})
		wantErr(t, err, ErrKeyMismatch)
		// The usual allow-list rejects it earlier.
		_, _, err = Verify(bg, tok, StaticKeySet{pub}, VerifyOptions{Algorithms: []Algorithm{RS256}})
		wantErr(t, err, ErrAlgorithmNotAllowed)
	}
	// HS256 with an empty key: the key is unusable.
	_, _, err := Verify(bg, rawToken(t, `{"alg":"HS256"}`, claimsJSON(), HS256, []byte("x")),
		StaticKeySet{{Key: []byte{}}}, VerifyOptions{Algorithms: []Algorithm{HS256}})
	wantErr(t, err, ErrKeyMismatch)
}

func TestVerify_JW03_BadSignature(t *testing.T) {
	k := keys(t)
	cases := []struct {
		alg         Algorithm
		signer, ver any
	}{
		{RS256, k.rsa2, k.rsa},
		{ES256, k.p256b, k.p256},
		{HS256, k.hmacBad, k.hmac},
		{EdDSA, k.ed2, k.ed},
	}
	for _, c := range cases {
		tok := mustSign(t, JWK{KeyID: "k", Key: c.signer}, c.alg, claimsJSON(), SignOptions{})
		ver := JWK{KeyID: "k", Key: c.ver}
		if c.alg != HS256 {
			ver = pubJWK(t, ver)
		}
		_, claims, err := VerifyJWT(bg, tok, StaticKeySet{ver}, VerifyOptions{Algorithms: []Algorithm{c.alg}}, Expected{Clock: fixedClock})
		wantErr(t, err, ErrSignature)
		if claims != nil {
			t.Fatalf("%s: claims returned with a bad signature", c.alg)
		}
	}
}

func TestVerify_JW04_ParsingDoS(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{Key: k.rsa})}
	opts := VerifyOptions{Algorithms: []Algorithm{RS256}}
	big := strings.Repeat("A", 10<<20)
	dots := strings.Repeat(".", 1e6)
	for name, tok := range map[string]string{
		"10MB":            big,
		"million dots":    dots,
		"big header":      big + ".e30.c2ln",
		"big signature":   "e30.e30." + big,
		"four dots small": "e30.e30.e30.e30.e30",
		"one dot":         "e30.e30",
		"no dot":          "e30",
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := Verify(bg, tok, ks, opts)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		// Rejected before decoding: only the error is allocated.
		if n := after.TotalAlloc - before.TotalAlloc; n > 16<<10 {
			t.Errorf("%s: %d bytes allocated before rejecting", name, n)
		}
	}
	_, _, err := Verify(bg, big, ks, opts)
	wantErr(t, err, ErrTooLarge)
	_, _, err = Verify(bg, "e30.e30.e30.e30.e30", ks, opts)
	wantErr(t, err, ErrMalformed)
	// MaxSize is configurable.
	tok := mustSign(t, JWK{Key: k.rsa}, RS256, claimsJSON(), SignOptions{})
	_, _, err = Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256}, MaxSize: 100})
	wantErr(t, err, ErrTooLarge)
}

func TestVerify_JW05_JW06_KeysFromHeaderIgnored(t *testing.T) {
	k := keys(t)
	trusted := StaticKeySet{pubJWK(t, JWK{KeyID: "good", Key: k.rsa})}
	attacker := pubJWK(t, JWK{KeyID: "good", Key: k.rsa2})
	attackerJWK, _ := attacker.MarshalJSON()
	headers := []string{
		`{"alg":"RS256","kid":"good","jku":"http://evil.test/jwks"}`,
		`{"alg":"RS256","kid":"good","x5u":"http://evil.test/cert"}`,
		`{"alg":"RS256","kid":"good","jwk":` + string(attackerJWK) + `}`,
		`{"alg":"RS256","jwk":` + string(attackerJWK) + `}`,
		`{"alg":"RS256","kid":"good","x5c":["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}`,
	}
	for _, h := range headers {
		tok := rawToken(t, h, claimsJSON(), RS256, k.rsa2)
		_, _, err := Verify(bg, tok, trusted, VerifyOptions{Algorithms: []Algorithm{RS256}})
		wantErr(t, err, ErrSignature)
	}
	// The same headers on a token signed by the trusted key are harmless.
	tok := rawToken(t, headers[0], claimsJSON(), RS256, k.rsa)
	if _, _, err := Verify(bg, tok, trusted, VerifyOptions{Algorithms: []Algorithm{RS256}}); err != nil {
		t.Fatal(err)
	}
}

func TestVerify_JW07_KidInjection(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{KeyID: "good", Key: k.rsa})}
	opts := VerifyOptions{Algorithms: []Algorithm{RS256}}
	for _, kid := range []string{`"../../../../dev/null"`, `"' OR '1'='1"`, `"a\u0000b"`, `"a\r\nInjected: x"`} {
		tok := rawToken(t, `{"alg":"RS256","kid":`+kid+`}`, claimsJSON(), RS256, k.rsa)
		_, _, err := Verify(bg, tok, ks, opts)
		wantErr(t, err, ErrUnknownKey)
		if strings.ContainsAny(err.Error(), "\r\n\x00") {
			t.Errorf("error message carries raw control characters: %q", err)
		}
	}
	for _, kid := range []string{`123`, `{"a":1}`, `["good"]`, `null`, `true`, `"` + strings.Repeat("k", 300) + `"`} {
		tok := rawToken(t, `{"alg":"RS256","kid":`+kid+`}`, claimsJSON(), RS256, k.rsa)
		_, _, err := Verify(bg, tok, ks, opts)
		wantErr(t, err, ErrMalformed)
	}
}

func TestVerify_JW08_Crit(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{Key: k.rsa})}
	for _, h := range []string{
		`{"alg":"RS256","crit":["x-unknown"],"x-unknown":1}`,
		`{"alg":"RS256","crit":[]}`,
		`{"alg":"RS256","crit":["alg"]}`,
		`{"alg":"RS256","crit":["b64"],"b64":false}`,
		`{"alg":"RS256","crit":"b64"}`,
	} {
		tok := rawToken(t, h, claimsJSON(), RS256, k.rsa)
		_, _, err := Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256}})
		wantErr(t, err, ErrCritical)
	}
}

func TestVerify_JW10_SerializationConfusion(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{Key: k.rsa})}
	opts := VerifyOptions{Algorithms: []Algorithm{RS256}}
	good := mustSign(t, JWK{Key: k.rsa}, RS256, claimsJSON(), SignOptions{})
	parts := strings.Split(good, ".")
	std := base64.StdEncoding.EncodeToString
	rawSig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	hdrJSON, _ := base64.RawURLEncoding.DecodeString(parts[0])
	bad := map[string]string{
		"JSON flattened":   `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`,
		"JSON general":     `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","header":{"kid":"x"},"signature":"` + parts[2] + `"}]}`,
		"JWE five parts":   parts[0] + ".." + "AAAA" + "." + parts[1] + "." + parts[2],
		"padded signature": parts[0] + "." + parts[1] + "." + base64.URLEncoding.EncodeToString(rawSig),
		"std alphabet":     parts[0] + "." + parts[1] + "." + std(rawSig),
		"newline in sig":   parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:],
		"space in payload": parts[0] + "." + parts[1][:5] + " " + parts[1][5:] + "." + parts[2],
		"CR in header":     parts[0][:3] + "\r" + parts[0][3:] + "." + parts[1] + "." + parts[2],
		"padded header":    base64.URLEncoding.EncodeToString(append(hdrJSON[:len(hdrJSON)-1:len(hdrJSON)-1], []byte(`,"ab":1}`)...)) + "." + parts[1] + "." + parts[2],
		"empty signature":  parts[0] + "." + parts[1] + ".",
		"leading space":    " " + good,
	}
	for name, tok := range bad {
		_, _, err := Verify(bg, tok, ks, opts)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		wantErr(t, err, ErrMalformed)
	}
	// A JWE-looking header inside three segments.
	tok := rawToken(t, `{"alg":"RS256","enc":"A256GCM"}`, claimsJSON(), RS256, k.rsa)
	_, _, err := Verify(bg, tok, ks, opts)
	wantErr(t, err, ErrMalformed)
}

func TestVerify_JW13_KeyAlgorithmUseMismatch(t *testing.T) {
	k := keys(t)
	rsaPub := pubJWK(t, JWK{KeyID: "k", Key: k.rsa})
	cases := []struct {
		name string
		alg  Algorithm
		priv any
		key  JWK
	}{
		{"PS256 token, key alg RS256", PS256, k.rsa, JWK{KeyID: "k", Algorithm: RS256, Key: rsaPub.Key}},
		{"ES256 token, P-384 key", ES256, k.p256, pubJWK(t, JWK{KeyID: "k", Key: k.p384})},
		{"RS256 token, EC key", RS256, k.rsa, pubJWK(t, JWK{KeyID: "k", Key: k.p256})},
		{"use enc key", RS256, k.rsa, JWK{KeyID: "k", Use: "enc", Key: rsaPub.Key}},
		{"EdDSA token, RSA key", EdDSA, k.ed, rsaPub},
		{"ES384 token, P-256 key", ES384, k.p384, pubJWK(t, JWK{KeyID: "k", Key: k.p256})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := rawToken(t, `{"alg":"`+string(c.alg)+`","kid":"k"}`, claimsJSON(), c.alg, c.priv)
			_, _, err := Verify(bg, tok, StaticKeySet{c.key}, VerifyOptions{Algorithms: allAlgs()})
			wantErr(t, err, ErrKeyMismatch)
		})
	}
}

func TestVerify_JW17_KidAbsent(t *testing.T) {
	k := keys(t)
	opts := VerifyOptions{Algorithms: []Algorithm{RS256, ES256}}
	tok := rawToken(t, `{"alg":"RS256"}`, claimsJSON(), RS256, k.rsa)
	good := pubJWK(t, JWK{KeyID: "good", Key: k.rsa})
	other := pubJWK(t, JWK{KeyID: "other", Key: k.rsa2})
	ec := pubJWK(t, JWK{KeyID: "ec", Key: k.p256})

	t.Run("single key", func(t *testing.T) {
		if _, _, err := Verify(bg, tok, StaticKeySet{good}, opts); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("several keys, one fits", func(t *testing.T) {
		if _, _, err := Verify(bg, tok, StaticKeySet{ec, other, good}, opts); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("duplicate kids", func(t *testing.T) {
		dup := other
		dup.KeyID = "good"
		tok := rawToken(t, `{"alg":"RS256","kid":"good"}`, claimsJSON(), RS256, k.rsa)
		if _, _, err := Verify(bg, tok, StaticKeySet{dup, good}, opts); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("candidates capped", func(t *testing.T) {
		set := StaticKeySet{}
		for range 10 {
			set = append(set, other)
		}
		set = append(set, good) // the right key is beyond the cap
		_, _, err := Verify(bg, tok, set, opts)
		wantErr(t, err, ErrSignature)
		if !strings.Contains(err.Error(), "4 candidate") {
			t.Errorf("error %q does not say 4 candidates were tried", err)
		}
	})
	t.Run("none fits", func(t *testing.T) {
		_, _, err := Verify(bg, tok, StaticKeySet{ec}, opts)
		wantErr(t, err, ErrKeyMismatch)
	})
}

func TestVerify_AllowListAndTypes(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{Key: k.rsa})}
	tok := mustSign(t, JWK{Key: k.rsa}, RS256, claimsJSON(), SignOptions{Type: "application/dpop+jwt"})
	_, _, err := Verify(bg, tok, ks, VerifyOptions{})
	wantErr(t, err, ErrAlgorithmNotAllowed)
	_, _, err = Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{PS256}})
	wantErr(t, err, ErrAlgorithmNotAllowed)
	if _, _, err = Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256}, Types: []string{"DPoP+JWT"}}); err != nil {
		t.Fatalf("typ comparison: %v", err)
	}
	_, _, err = Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256}, Types: []string{"at+jwt"}})
	wantErr(t, err, ErrType)
	notyp := mustSign(t, JWK{Key: k.rsa}, RS256, claimsJSON(), SignOptions{})
	_, _, err = Verify(bg, notyp, ks, VerifyOptions{Algorithms: []Algorithm{RS256}, Types: []string{"JWT"}})
	wantErr(t, err, ErrType)
	// An unknown algorithm name.
	_, _, err = Verify(bg, rawToken(t, `{"alg":"RS1"}`, "{}", RS256, k.rsa), ks, VerifyOptions{Algorithms: []Algorithm{"RS1"}})
	wantErr(t, err, ErrAlgorithmNotAllowed)
}

func TestVerify_StrictHeader(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{KeyID: "a", Key: k.rsa})}
	for _, h := range []string{
		`{"alg":"RS256","alg":"RS256"}`,
		`{"alg":"RS256","ALG":"HS256"}`,
		`{"alg":"RS256","kid":"a","KID":"b"}`,
		`{"alg":"RS256","kid":"a","\u006bid":"b"}`,
		`{"alg":"RS256","typ":"JWT","TYP":"at+jwt"}`,
		`{"alg":"RS256"} `,
		`{"alg":RS256}`,
		`{"alg":"RS256",}`,
		`{"alg":"RS256"}{}`,
		`["alg","RS256"]`,
		`{"kid":"a"}`,
		`{"alg":256}`,
		`{"alg":"RS256","typ":1}`,
		"{\"alg\":\"RS256\",\"x\":\"\xff\"}",
		`{"alg":"RS256","x":"\ud800"}`,
	} {
		tok := rawToken(t, h, claimsJSON(), RS256, k.rsa)
		_, _, err := Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256}})
		if h == `{"alg":"RS256"} ` {
			if err != nil {
				t.Errorf("trailing whitespace rejected: %v", err)
			}
			continue
		}
		wantErr(t, err, ErrMalformed)
	}
}

func TestVerify_KelvinSignCaseVariant(t *testing.T) {
	// U+212A KELVIN SIGN folds to "k": encoding/json would match "\u212aid"
	// to a "kid" field.
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{KeyID: "a", Key: k.rsa})}
	tok := rawToken(t, `{"alg":"RS256","kid":"a","`+"\u212a"+`id":"b"}`, claimsJSON(), RS256, k.rsa)
	_, _, err := Verify(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{RS256}})
	wantErr(t, err, ErrMalformed)
}

func TestVerify_HeaderCaseVariantOfRegisteredName(t *testing.T) {
	k := keys(t)
	ks := StaticKeySet{pubJWK(t, JWK{Key: k.rsa})}
	for _, h := range []string{`{"alg":"RS256","CRIT":["x"]}`, `{"alg":"RS256","Jku":"http://evil.test"}`} {
		_, _, err := Verify(bg, rawToken(t, h, "{}", RS256, k.rsa), ks, VerifyOptions{Algorithms: []Algorithm{RS256}})
		wantErr(t, err, ErrMalformed)
	}
}
