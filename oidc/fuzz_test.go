package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// FuzzVerify feeds arbitrary compact tokens to the ID token verifier: it
// must never panic, and whatever it accepts must satisfy the checks.
func FuzzVerify(f *testing.F) {
	f.Add(signID(f, idClaims()))
	f.Add(signID(f, with(idClaims(), map[string]any{"aud": []string{testClientID, "x"}, "azp": testClientID})))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("...")
	f.Add("")
	v := testVerifier()
	v.Algorithms = []jose.Algorithm{jose.RS256, jose.ES256, jose.HS256}
	v.ClientSecret = "fuzz-secret"
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := v.Verify(context.Background(), raw, VerifyOptions{Nonce: "n-0S6_WzA2Mj"})
		if err != nil {
			return
		}
		checkAccepted(t, v, tok)
	})
}

// FuzzVerifyClaims signs arbitrary claim sets with the client secret (HS256
// is cheap) so that the fuzzer reaches every claim check.
func FuzzVerifyClaims(f *testing.F) {
	seed := func(c map[string]any) {
		b, _ := json.Marshal(c)
		f.Add(b, "n-0S6_WzA2Mj", "at", int64(0))
	}
	seed(idClaims())
	seed(with(idClaims(), map[string]any{"auth_time": testNow.Unix(), "acr": "1", "amr": []string{"pwd"}, "sid": "s"}))
	seed(with(idClaims(), map[string]any{"aud": []string{testClientID, "api"}, "azp": "api"}))
	seed(with(idClaims(), map[string]any{"typ": "Refresh"}))
	seed(with(idClaims(), map[string]any{"exp": json.RawMessage("1e300"), "nbf": 1}))
	f.Add([]byte(`{"iss":"x","iss":"y"}`), "", "", int64(60))
	f.Add([]byte(`{"sub":"\u0000","at_hash":"\ud800"}`), "", "x", int64(-1))
	v := testVerifier()
	v.Algorithms = []jose.Algorithm{jose.HS256}
	v.ClientSecret = "fuzz-secret"
	sign := hmacSigner([]byte(v.ClientSecret), sha256.New)
	f.Fuzz(func(t *testing.T, payload []byte, nonce, accessToken string, maxAge int64) {
		raw := signWith(t, map[string]any{"alg": "HS256"}, payload, sign)
		tok, err := v.Verify(context.Background(), raw, VerifyOptions{Nonce: nonce, AccessToken: accessToken, MaxAge: time.Duration(maxAge) * time.Second})
		if err != nil {
			return
		}
		checkAccepted(t, v, tok)
		if nonce != "" && tok.Nonce != nonce {
			t.Fatalf("nonce %q accepted for %q", tok.Nonce, nonce)
		}
		if accessToken != "" && tok.AccessTokenHash != "" {
			if err := tok.VerifyAccessToken(accessToken); err != nil {
				t.Fatalf("at_hash accepted but does not verify: %v", err)
			}
		}
	})
}

func checkAccepted(t *testing.T, v *IDTokenVerifier, tok *IDToken) {
	t.Helper()
	if tok.Issuer != v.Issuer {
		t.Fatalf("issuer %q accepted", tok.Issuer)
	}
	found := false
	for _, a := range tok.Audience {
		found = found || a == v.ClientID
	}
	if !found {
		t.Fatalf("audience %q accepted", tok.Audience)
	}
	if tok.Subject == "" || len(tok.Subject) > 255 {
		t.Fatalf("subject %q accepted", tok.Subject)
	}
	if !testNow.Before(tok.Expiry.Add(v.leeway())) {
		t.Fatalf("expired token accepted: %v", tok.Expiry)
	}
	if tok.IssuedAt.After(testNow.Add(v.leeway())) {
		t.Fatalf("future iat accepted: %v", tok.IssuedAt)
	}
	if tok.AuthorizedParty != "" && tok.AuthorizedParty != v.ClientID {
		t.Fatalf("azp %q accepted", tok.AuthorizedParty)
	}
	if len(tok.Audience) > 1 && tok.AuthorizedParty == "" {
		t.Fatal("several audiences without azp accepted")
	}
}
