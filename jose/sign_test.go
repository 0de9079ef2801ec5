package jose

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	gojose "github.com/go-jose/go-jose/v4"
)

func decodeHeader(t *testing.T, tok string) map[string]json.RawMessage {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSign_DP04_DPoPHeaderHoldsPublicKeyOnly(t *testing.T) {
	k := keys(t)
	for name, priv := range map[string]any{"rsa": k.rsa, "ec": k.p256, "ed": k.ed} {
		t.Run(name, func(t *testing.T) {
			alg := map[string]Algorithm{"rsa": PS256, "ec": ES256, "ed": EdDSA}[name]
			key := JWK{Key: priv}
			tok, err := SignClaims(key, alg, map[string]any{"htm": "POST", "htu": "https://as.test/token", "jti": "1", "iat": 1}, SignOptions{Type: "dpop+jwt", EmbedPublicKey: true})
			if err != nil {
				t.Fatal(err)
			}
			h := decodeHeader(t, tok)
			if string(h["typ"]) != `"dpop+jwt"` || string(h["alg"]) != `"`+string(alg)+`"` {
				t.Fatalf("header %s", h)
			}
			var jwk map[string]any
			if err := json.Unmarshal(h["jwk"], &jwk); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
				if _, ok := jwk[p]; ok {
					t.Fatalf("embedded jwk holds private member %q", p)
				}
			}
			// The embedded key verifies the proof (as the AS would check it).
			embedded, err := ParseJWK(h["jwk"])
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := Verify(bg, tok, StaticKeySet{embedded}, VerifyOptions{Algorithms: []Algorithm{alg}, Types: []string{"dpop+jwt"}}); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A symmetric key has no public part to embed.
	_, err := Sign(NewSymmetricKey(k.hmac), HS256, []byte("{}"), SignOptions{EmbedPublicKey: true})
	wantErr(t, err, ErrUnusableKey)
}

func TestSign_Errors(t *testing.T) {
	k := keys(t)
	pub := pubJWK(t, JWK{Key: k.rsa})
	_, err := Sign(pub, RS256, []byte("{}"), SignOptions{})
	wantErr(t, err, ErrKeyMismatch)
	_, err = Sign(JWK{Key: k.rsa}, ES256, []byte("{}"), SignOptions{})
	wantErr(t, err, ErrKeyMismatch)
	_, err = Sign(JWK{Key: k.rsa, Algorithm: RS256}, PS256, []byte("{}"), SignOptions{})
	wantErr(t, err, ErrKeyMismatch)
	_, err = Sign(JWK{Key: k.rsa, Use: "enc"}, RS256, []byte("{}"), SignOptions{})
	wantErr(t, err, ErrKeyMismatch)
	_, err = Sign(JWK{Key: k.p384}, ES256, []byte("{}"), SignOptions{})
	wantErr(t, err, ErrKeyMismatch)
	_, err = Sign(JWK{Key: k.rsa}, "none", []byte("{}"), SignOptions{})
	wantErr(t, err, ErrAlgorithmNotAllowed)
	_, err = Sign(NewSymmetricKey(nil), HS256, []byte("{}"), SignOptions{})
	wantErr(t, err, ErrKeyMismatch)
	for _, name := range []string{"alg", "ALG", "typ", "kid", "jwk"} {
		if _, err := Sign(JWK{Key: k.rsa}, RS256, []byte("{}"), SignOptions{ExtraHeader: map[string]any{name: "x"}}); err == nil {
			t.Errorf("ExtraHeader %q accepted", name)
		}
	}
	if _, err := Sign(JWK{Key: k.rsa}, RS256, []byte("{}"), SignOptions{ExtraHeader: map[string]any{"x5t": "a", "X5T": "b"}}); err == nil {
		t.Error("case-variant ExtraHeader members accepted")
	}
}

func TestSign_HeaderFields(t *testing.T) {
	k := keys(t)
	secret := "SENTINEL-CS-0123456789abcdef0123456789"
	tok, err := SignClaims(NewSymmetricKey([]byte(secret)), HS256,
		Claims{Issuer: "client-1", Subject: "client-1", Audience: Audience{"https://as.test/token"}, ID: "j1"},
		SignOptions{Type: "client-authentication+jwt", KeyID: "kid-x", ExtraHeader: map[string]any{"x-extra": 5}})
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, tok, secret)
	h := decodeHeader(t, tok)
	if string(h["kid"]) != `"kid-x"` || string(h["typ"]) != `"client-authentication+jwt"` || string(h["x-extra"]) != "5" {
		t.Fatalf("header %s", h)
	}
	verifyKey := NewSymmetricKey([]byte(secret))
	verifyKey.KeyID = "kid-x"
	_, c, err := VerifyJWT(bg, tok, StaticKeySet{verifyKey}, VerifyOptions{Algorithms: []Algorithm{HS256}}, Expected{Issuer: "client-1", Audience: "https://as.test/token"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "j1" {
		t.Errorf("jti %q", c.ID)
	}
	// kid defaults to the key's KeyID.
	tok = mustSign(t, JWK{KeyID: "from-key", Key: k.p256}, ES256, "{}", SignOptions{})
	if string(decodeHeader(t, tok)["kid"]) != `"from-key"` {
		t.Error("kid not taken from the key")
	}
	// A wrong secret does not verify, and the error does not echo it.
	_, _, err = Verify(bg, tok, StaticKeySet{NewSymmetricKey([]byte(secret))}, VerifyOptions{Algorithms: []Algorithm{HS256}})
	if err == nil {
		t.Fatal("verified")
	}
	noSecret(t, err.Error(), secret)
}

// TestInterop_GoJOSE checks both directions against go-jose.
func TestInterop_GoJOSE(t *testing.T) {
	k := keys(t)
	cases := []struct {
		alg  Algorithm
		priv any
	}{
		{RS256, k.rsa}, {PS384, k.rsa}, {ES256, k.p256}, {ES384, k.p384}, {ES512, k.p521}, {EdDSA, k.ed}, {HS512, k.hmac},
	}
	for _, c := range cases {
		t.Run(string(c.alg), func(t *testing.T) {
			payload := claimsJSON()
			verifyKey := JWK{Key: c.priv}
			var goPub any = c.priv
			if c.alg.family() != familyHMAC {
				verifyKey = pubJWK(t, verifyKey)
				goPub = verifyKey.Key
			}
			// Ours -> go-jose.
			tok := mustSign(t, JWK{Key: c.priv}, c.alg, payload, SignOptions{Type: "JWT"})
			sig, err := gojose.ParseSigned(tok, []gojose.SignatureAlgorithm{gojose.SignatureAlgorithm(c.alg)})
			if err != nil {
				t.Fatal(err)
			}
			out, err := sig.Verify(goPub)
			if err != nil || string(out) != payload {
				t.Fatalf("go-jose verify: %v", err)
			}
			// go-jose -> ours.
			signer, err := gojose.NewSigner(gojose.SigningKey{Algorithm: gojose.SignatureAlgorithm(c.alg), Key: c.priv}, (&gojose.SignerOptions{}).WithType("JWT"))
			if err != nil {
				t.Fatal(err)
			}
			obj, err := signer.Sign([]byte(payload))
			if err != nil {
				t.Fatal(err)
			}
			compact, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			if _, got, err := Verify(bg, compact, StaticKeySet{verifyKey}, VerifyOptions{Algorithms: []Algorithm{c.alg}}); err != nil || string(got) != payload {
				t.Fatalf("Verify of go-jose token: %v", err)
			}
			// Thumbprints agree.
			if c.alg.family() != familyHMAC {
				ours, _ := verifyKey.Thumbprint()
				gk := gojose.JSONWebKey{Key: goPub}
				theirs, err := gk.Thumbprint(cryptoSHA256)
				if err != nil || base64.RawURLEncoding.EncodeToString(theirs) != ours {
					t.Fatalf("thumbprint %s vs %x (%v)", ours, theirs, err)
				}
			}
		})
	}
}
