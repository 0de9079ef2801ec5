package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/oauthkit/oauthkit/jose"
)

// clientEncKeys are the client's decryption keys.
func clientEncKeys(t *testing.T) (jose.JWK, jose.JWK) {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JWK{KeyID: "c-rsa", Use: "enc", Key: r}, jose.JWK{KeyID: "c-ec", Use: "enc", Key: e}
}

func encryptFor(t *testing.T, plaintext string, key jose.JWK, alg jose.Algorithm, enc jose.ContentEncryption, cty string) string {
	t.Helper()
	tok, err := jose.Encrypt([]byte(plaintext), key, alg, enc, jose.EncryptOptions{ContentType: cty})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerify_EncryptedIDToken(t *testing.T) {
	rsaKey, ecKey := clientEncKeys(t)
	v := testVerifier()
	v.Decrypter = &Decrypter{Keys: []jose.JWK{rsaKey, ecKey}}
	for _, c := range []struct {
		key jose.JWK
		alg jose.Algorithm
		enc jose.ContentEncryption
	}{
		{rsaKey, jose.RSAOAEP, jose.A128CBCHS256},
		{rsaKey, jose.RSAOAEP256, jose.A256GCM},
		{ecKey, jose.ECDHES, jose.A128GCM},
		{ecKey, jose.ECDHESA256KW, jose.A128CBCHS256},
	} {
		tok := encryptFor(t, signID(t, idClaims()), c.key, c.alg, c.enc, "JWT")
		id, err := v.Verify(context.Background(), tok, VerifyOptions{Nonce: "n-0S6_WzA2Mj"})
		if err != nil {
			t.Fatalf("%s %s: %v", c.alg, c.enc, err)
		}
		if id.Subject != "248289761001" {
			t.Errorf("sub %q", id.Subject)
		}
	}
}

// JE-02: every ID-token check applies after decryption.
func TestVerify_JE02_EncryptedIDTokenStillChecked(t *testing.T) {
	rsaKey, _ := clientEncKeys(t)
	v := testVerifier()
	v.Decrypter = &Decrypter{Keys: []jose.JWK{rsaKey}}
	for name, tc := range map[string]struct {
		claims map[string]any
		want   error
	}{
		"other audience": {with(idClaims(), map[string]any{"aud": "someone-else"}), ErrAudience},
		"other issuer":   {with(idClaims(), map[string]any{"iss": "https://evil.example"}), ErrIssuerMismatch},
		"wrong nonce":    {with(idClaims(), map[string]any{"nonce": "other"}), ErrNonce},
	} {
		tok := encryptFor(t, signID(t, tc.claims), rsaKey, jose.RSAOAEP, jose.A128GCM, "JWT")
		if _, err := v.Verify(context.Background(), tok, VerifyOptions{Nonce: "n-0S6_WzA2Mj"}); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	// A forged signature inside a valid JWE.
	signed := signID(t, idClaims())
	forged := signed[:len(signed)-4] + "AAAA"
	if _, err := v.Verify(context.Background(), encryptFor(t, forged, rsaKey, jose.RSAOAEP, jose.A128GCM, "JWT"), VerifyOptions{}); !errors.Is(err, jose.ErrSignature) {
		t.Errorf("forged inner signature: %v", err)
	}
}

// JE-01: a JWE whose plaintext is not signed: anyone can encrypt to the
// client's public key.
func TestVerify_JE01_UnsignedPlaintext(t *testing.T) {
	rsaKey, _ := clientEncKeys(t)
	v := testVerifier()
	v.Decrypter = &Decrypter{Keys: []jose.JWK{rsaKey}}
	claims, _ := json.Marshal(idClaims())
	for _, pt := range []string{string(claims), "eyJhbGciOiJub25lIn0." + b64(claims)} {
		tok := encryptFor(t, pt, rsaKey, jose.RSAOAEP, jose.A128GCM, "JWT")
		_, err := v.Verify(context.Background(), tok, VerifyOptions{})
		if !errors.Is(err, ErrUnsignedPlaintext) && !errors.Is(err, jose.ErrAlgorithmNotAllowed) && !errors.Is(err, jose.ErrMalformed) {
			t.Errorf("%.30q: %v", pt, err)
		}
	}
}

func TestVerify_EncryptionRequired(t *testing.T) {
	rsaKey, ecKey := clientEncKeys(t)
	v := testVerifier()
	v.Decrypter = &Decrypter{Keys: []jose.JWK{rsaKey}}
	if _, err := v.Verify(context.Background(), signID(t, idClaims()), VerifyOptions{}); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("clear token: %v", err)
	}
	v.Decrypter.AllowUnencrypted = true
	if _, err := v.Verify(context.Background(), signID(t, idClaims()), VerifyOptions{}); err != nil {
		t.Errorf("clear token allowed: %v", err)
	}
	// Encrypted to a key the client does not hold.
	tok := encryptFor(t, signID(t, idClaims()), ecKey, jose.ECDHES, jose.A128GCM, "JWT")
	if _, err := v.Verify(context.Background(), tok, VerifyOptions{}); !errors.Is(err, jose.ErrKeyMismatch) {
		t.Errorf("another key: %v", err)
	}
	// Without a Decrypter, a JWE is malformed, as before.
	if _, err := testVerifier().Verify(context.Background(), tok, VerifyOptions{}); !errors.Is(err, jose.ErrMalformed) {
		t.Errorf("no Decrypter: %v", err)
	}
	// An algorithm the client did not register.
	v.Decrypter.KeyAlgorithms = []jose.Algorithm{jose.RSAOAEP256}
	tok = encryptFor(t, signID(t, idClaims()), rsaKey, jose.RSAOAEP, jose.A128GCM, "JWT")
	if _, err := v.Verify(context.Background(), tok, VerifyOptions{}); !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
		t.Errorf("alg not registered: %v", err)
	}
}

func TestUserInfo_Encrypted(t *testing.T) {
	rsaKey, _ := clientEncKeys(t)
	body := ""
	ts, p := userinfoProvider(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwt")
		_, _ = w.Write([]byte(body))
	})
	claims := map[string]any{"sub": "248289761001", "name": "Jane", "iss": ts.URL, "aud": testClientID}
	opts := UserInfoOptions{Subject: "248289761001", ClientID: testClientID, Decrypter: &Decrypter{Keys: []jose.JWK{rsaKey}}}
	body = encryptFor(t, signID(t, claims), rsaKey, jose.RSAOAEP256, jose.A128GCM, "JWT")
	u, err := p.UserInfo(context.Background(), userinfoAT, opts)
	if err != nil || !u.Signed || u.Name != "Jane" {
		t.Fatalf("%v %+v", err, u)
	}
	plain, _ := json.Marshal(claims)
	body = encryptFor(t, string(plain), rsaKey, jose.RSAOAEP256, jose.A128GCM, "")
	if _, err := p.UserInfo(context.Background(), userinfoAT, opts); !errors.Is(err, ErrUnsignedPlaintext) || !errors.Is(err, ErrUserInfo) {
		t.Errorf("unsigned plaintext: %v", err)
	}
	body = encryptFor(t, signID(t, with(claims, map[string]any{"aud": "other"})), rsaKey, jose.RSAOAEP256, jose.A128GCM, "JWT")
	if _, err := p.UserInfo(context.Background(), userinfoAT, opts); !errors.Is(err, ErrAudience) {
		t.Errorf("other audience: %v", err)
	}
}
