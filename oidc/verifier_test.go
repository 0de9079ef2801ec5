package oidc

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

func TestVerify_Valid(t *testing.T) {
	v := testVerifier()
	raw := signID(t, with(idClaims(), map[string]any{
		"azp": testClientID, "auth_time": testNow.Add(-time.Minute).Unix(), "acr": "1",
		"amr": []string{"pwd", "otp"}, "sid": "s-1", "email": "a@example.com",
	}))
	tok, err := v.Verify(context.Background(), raw, VerifyOptions{Nonce: "n-0S6_WzA2Mj"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "248289761001" || tok.Issuer != testIssuer || tok.AuthorizedParty != testClientID ||
		tok.SessionID != "s-1" || tok.ACR != "1" || len(tok.AMR) != 2 || tok.Nonce != "n-0S6_WzA2Mj" ||
		tok.Algorithm != jose.RS256 || tok.Raw != raw {
		t.Fatalf("unexpected token %+v", tok)
	}
	if !tok.AuthTime.Equal(testNow.Add(-time.Minute)) || !tok.Expiry.Equal(testNow.Add(5*time.Minute)) {
		t.Fatalf("times: %v %v", tok.AuthTime, tok.Expiry)
	}
	var extra struct {
		Email string `json:"email"`
	}
	if err := tok.Claims(&extra); err != nil || extra.Email != "a@example.com" {
		t.Fatalf("Claims: %v %q", err, extra.Email)
	}
}

func TestVerify_ES256AndEdDSA(t *testing.T) {
	v := testVerifier()
	v.Algorithms = []jose.Algorithm{jose.ES256, jose.EdDSA}
	es := signWith(t, map[string]any{"alg": "ES256", "kid": testECKID}, idClaims(), esSigner(opECKey()))
	if _, err := v.Verify(context.Background(), es, VerifyOptions{}); err != nil {
		t.Fatalf("ES256: %v", err)
	}
	ed := signWith(t, map[string]any{"alg": "EdDSA", "kid": testEdKID}, idClaims(), edSigner(opEdKey()))
	if _, err := v.Verify(context.Background(), ed, VerifyOptions{}); err != nil {
		t.Fatalf("EdDSA: %v", err)
	}
}

func TestVerify_InvalidConfig(t *testing.T) {
	for _, v := range []*IDTokenVerifier{
		{Issuer: testIssuer, KeySet: opKeys()},
		{ClientID: testClientID, KeySet: opKeys()},
	} {
		if _, err := v.Verify(context.Background(), signID(t, idClaims()), VerifyOptions{}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("got %v, want ErrInvalidConfig", err)
		}
	}
	v := testVerifier()
	v.KeySet = nil
	if _, err := v.Verify(context.Background(), signID(t, idClaims()), VerifyOptions{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil KeySet: got %v, want ErrInvalidConfig", err)
	}
}

// JW-01: alg none in any case, with or without a signature, never verifies.
func TestVerify_JW01_AlgNone(t *testing.T) {
	v := testVerifier()
	v.Algorithms = []jose.Algorithm{"none", jose.RS256}
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		for _, sig := range []string{"", b64([]byte("sig"))} {
			h, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT"})
			p, _ := json.Marshal(idClaims())
			raw := b64(h) + "." + b64(p) + "." + sig
			_, err := v.Verify(context.Background(), raw, VerifyOptions{})
			if !errors.Is(err, jose.ErrAlgorithmNotAllowed) && !errors.Is(err, jose.ErrMalformed) {
				t.Errorf("alg %q sig %q: got %v, want a rejection", alg, sig, err)
			}
		}
	}
}

// JW-02: HS256 keyed with the OP's public key in every encoding, or with an
// empty key, is refused: by a public client always, by a confidential one
// because the MAC does not verify with its secret.
func TestVerify_JW02_AlgorithmConfusion(t *testing.T) {
	pub := &opRSAKey().PublicKey
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwkJSON, _ := json.Marshal(jose.JWKSet{Keys: []jose.JWK{publicJWK(testKID, opRSAKey(), "")}})
	secrets := map[string][]byte{
		"pem": pemKey, "der": der, "jwk": jwkJSON, "modulus": pub.N.Bytes(), "empty": {},
	}
	public := testVerifier()
	public.Algorithms = []jose.Algorithm{jose.RS256, jose.HS256} // HS256 dropped: no secret
	confidential := testVerifier()
	confidential.Algorithms = []jose.Algorithm{jose.RS256, jose.HS256}
	confidential.ClientSecret = "the-real-client-secret"
	for name, secret := range secrets {
		raw := signWith(t, map[string]any{"alg": "HS256", "kid": testKID}, idClaims(), hmacSigner(secret, sha256.New))
		if _, err := public.Verify(context.Background(), raw, VerifyOptions{}); !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
			t.Errorf("%s, public client: got %v, want ErrAlgorithmNotAllowed", name, err)
		}
		if _, err := confidential.Verify(context.Background(), raw, VerifyOptions{}); !errors.Is(err, jose.ErrSignature) {
			t.Errorf("%s, confidential client: got %v, want ErrSignature", name, err)
		}
	}
	// The registered HS256 with the real secret works, kid or not.
	for _, hdr := range []map[string]any{{"alg": "HS256"}, {"alg": "HS256", "kid": "whatever"}} {
		raw := signWith(t, hdr, idClaims(), hmacSigner([]byte("the-real-client-secret"), sha256.New))
		if _, err := confidential.Verify(context.Background(), raw, VerifyOptions{}); err != nil {
			t.Errorf("HS256 with the client secret: %v", err)
		}
	}
	// And the confidential client still verifies RS256 with the OP's keys.
	if _, err := confidential.Verify(context.Background(), signID(t, idClaims()), VerifyOptions{}); err != nil {
		t.Errorf("RS256 beside HS256: %v", err)
	}
}

// JW-03: right kid, alg and claims, wrong key.
func TestVerify_JW03_BadSignature(t *testing.T) {
	v := testVerifier()
	v.Algorithms = []jose.Algorithm{jose.RS256, jose.ES256, jose.HS256}
	v.ClientSecret = "secret-of-the-client"
	cases := map[string]string{
		"RS256": signWith(t, rsHeader(), idClaims(), rsaSigner(attackerRSAKey(), crypto.SHA256)),
		"ES256": signWith(t, map[string]any{"alg": "ES256", "kid": testECKID}, idClaims(), esSigner(attackerECKey())),
		"HS256": signWith(t, map[string]any{"alg": "HS256"}, idClaims(), hmacSigner([]byte("another-secret"), sha256.New)),
	}
	// A valid token with its payload swapped keeps the signature of the
	// original claims.
	good := signID(t, idClaims())
	parts := strings.Split(good, ".")
	p, _ := json.Marshal(with(idClaims(), map[string]any{"sub": "admin"}))
	cases["swapped payload"] = parts[0] + "." + b64(p) + "." + parts[2]
	for name, raw := range cases {
		if _, err := v.Verify(context.Background(), raw, VerifyOptions{}); !errors.Is(err, jose.ErrSignature) {
			t.Errorf("%s: got %v, want jose.ErrSignature", name, err)
		}
	}
}

// JW-06: a key embedded in the header (jwk, x5c) is never used.
func TestVerify_JW06_EmbeddedKey(t *testing.T) {
	v := testVerifier()
	attackerJWK, _ := json.Marshal(publicJWK("", attackerRSAKey(), ""))
	for name, hdr := range map[string]map[string]any{
		"jwk":        {"alg": "RS256", "jwk": json.RawMessage(attackerJWK)},
		"jwk+kid":    {"alg": "RS256", "kid": testKID, "jwk": json.RawMessage(attackerJWK)},
		"x5c":        {"alg": "RS256", "x5c": []string{b64([]byte("not a real certificate"))}},
		"x5c+kid":    {"alg": "RS256", "kid": testKID, "x5c": []string{"MIIB"}},
		"unknownkid": {"alg": "RS256", "kid": "attacker", "jwk": json.RawMessage(attackerJWK)},
	} {
		raw := signWith(t, hdr, idClaims(), rsaSigner(attackerRSAKey(), crypto.SHA256))
		_, err := v.Verify(context.Background(), raw, VerifyOptions{})
		if !errors.Is(err, jose.ErrSignature) && !errors.Is(err, jose.ErrUnknownKey) {
			t.Errorf("%s: got %v, want a signature or unknown-key error", name, err)
		}
	}
}

// JW-17: no kid: a single fitting key is used; with several, each fitting
// candidate is tried (jose caps the number).
func TestVerify_JW17_KidAbsent(t *testing.T) {
	noKid := map[string]any{"alg": "RS256"}
	raw := signWith(t, noKid, idClaims(), rsaSigner(opRSAKey(), crypto.SHA256))
	single := testVerifier()
	single.KeySet = jose.StaticKeySet{publicJWK(testKID, opRSAKey(), jose.RS256)}
	if _, err := single.Verify(context.Background(), raw, VerifyOptions{}); err != nil {
		t.Errorf("single key: %v", err)
	}
	several := testVerifier()
	several.KeySet = jose.StaticKeySet{
		publicJWK("other", attackerRSAKey(), jose.RS256),
		publicJWK(testECKID, opECKey(), jose.ES256),
		publicJWK(testKID, opRSAKey(), jose.RS256),
	}
	if _, err := several.Verify(context.Background(), raw, VerifyOptions{}); err != nil {
		t.Errorf("several keys: %v", err)
	}
	dup := testVerifier()
	dup.KeySet = jose.StaticKeySet{publicJWK(testKID, attackerRSAKey(), jose.RS256), publicJWK(testKID, opRSAKey(), jose.RS256)}
	if _, err := dup.Verify(context.Background(), signID(t, idClaims()), VerifyOptions{}); err != nil {
		t.Errorf("duplicate kids: %v", err)
	}
}

// OI-01: iss must equal the issuer byte for byte.
func TestVerify_OI01_IssuerMismatch(t *testing.T) {
	v := testVerifier()
	for _, iss := range []any{
		"https://evil.example/realms/test",
		testIssuer + "/",
		"HTTPS://OP.EXAMPLE/realms/test",
		"https://op.example/auth/realms/test",
		"",
	} {
		_, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"iss": iss})), VerifyOptions{})
		if !errors.Is(err, ErrIssuerMismatch) || !errors.Is(err, jose.ErrIssuer) {
			t.Errorf("iss %q: got %v, want ErrIssuerMismatch", iss, err)
		}
	}
	_, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"iss": nil})), VerifyOptions{})
	if !errors.Is(err, ErrIssuerMismatch) || !errors.Is(err, ErrMissingClaim) {
		t.Errorf("no iss: got %v", err)
	}
	_, err = v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"iss": 7})), VerifyOptions{})
	if !errors.Is(err, ErrMalformedClaim) {
		t.Errorf("numeric iss: got %v", err)
	}
}

// OI-02: aud contains client_id and only trusted audiences.
func TestVerify_OI02_Audience(t *testing.T) {
	v := testVerifier()
	for name, aud := range map[string]any{
		"missing":         nil,
		"other client":    "other-app",
		"untrusted extra": []string{testClientID, "untrusted-api"},
		"empty array":     []string{},
		"empty string":    "",
	} {
		claims := with(idClaims(), map[string]any{"aud": aud, "azp": testClientID})
		if aud == nil {
			delete(claims, "aud")
		}
		if _, err := v.Verify(context.Background(), signID(t, claims), VerifyOptions{}); !errors.Is(err, ErrAudience) || !errors.Is(err, jose.ErrAudience) {
			t.Errorf("%s: got %v, want ErrAudience", name, err)
		}
	}
	if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"aud": 42})), VerifyOptions{}); !errors.Is(err, ErrMalformedClaim) {
		t.Errorf("numeric aud: got %v, want ErrMalformedClaim", err)
	}
	v.TrustedAudiences = []string{"trusted-api"}
	claims := with(idClaims(), map[string]any{"aud": []string{testClientID, "trusted-api"}, "azp": testClientID})
	if _, err := v.Verify(context.Background(), signID(t, claims), VerifyOptions{}); err != nil {
		t.Errorf("trusted extra audience: %v", err)
	}
}

// OI-03: azp present must be client_id; several audiences require it.
func TestVerify_OI03_AuthorizedParty(t *testing.T) {
	v := testVerifier()
	v.TrustedAudiences = []string{"api"}
	for name, changes := range map[string]map[string]any{
		"several aud, no azp": {"aud": []string{testClientID, "api"}},
		"azp is another":      {"aud": []string{testClientID, "api"}, "azp": "api"},
		"one aud, foreign":    {"azp": "other-app"},
	} {
		if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), changes)), VerifyOptions{}); !errors.Is(err, ErrAuthorizedParty) {
			t.Errorf("%s: got %v, want ErrAuthorizedParty", name, err)
		}
	}
	if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"azp": testClientID})), VerifyOptions{}); err != nil {
		t.Errorf("azp == client_id: %v", err)
	}
}

// OI-04: exp, iat and nbf with leeway and an injected clock; range checks.
func TestVerify_OI04_TimeClaims(t *testing.T) {
	v := testVerifier() // leeway 30 s
	skew := 30 * time.Second
	cases := []struct {
		name    string
		changes map[string]any
		want    []error
	}{
		{"expired beyond leeway", map[string]any{"exp": testNow.Add(-skew - time.Second).Unix()}, []error{ErrExpired, jose.ErrExpired}},
		{"issued in the future", map[string]any{"iat": testNow.Add(skew + time.Second).Unix()}, []error{ErrIssuedInFuture, jose.ErrIssuedInFuture}},
		{"nbf in the future", map[string]any{"nbf": testNow.Add(skew + time.Second).Unix()}, []error{ErrNotYetValid, jose.ErrNotYetValid}},
		{"no iat", map[string]any{"iat": nil}, []error{ErrMissingClaim, jose.ErrMissingClaim}},
		{"no exp", map[string]any{"exp": nil}, []error{ErrExpired, ErrMissingClaim}},
		{"exp string", map[string]any{"exp": fmt.Sprint(testNow.Add(time.Hour).Unix())}, []error{ErrMalformedClaim, jose.ErrMalformed}},
		{"exp 1e300", map[string]any{"exp": json.RawMessage("1e300")}, []error{ErrMalformedClaim}},
		{"exp 1e999", map[string]any{"exp": json.RawMessage("1e999")}, []error{ErrMalformedClaim}},
		{"exp negative", map[string]any{"exp": -1}, []error{ErrMalformedClaim}},
		{"auth_time string", map[string]any{"auth_time": "yesterday"}, []error{ErrMalformedClaim}},
	}
	for _, c := range cases {
		_, err := v.Verify(context.Background(), signID(t, with(idClaims(), c.changes)), VerifyOptions{})
		for _, want := range c.want {
			if !errors.Is(err, want) {
				t.Errorf("%s: got %v, want %v", c.name, err, want)
			}
		}
	}
	// Within the leeway is fine.
	for _, changes := range []map[string]any{
		{"exp": testNow.Add(-skew + time.Second).Unix()},
		{"iat": testNow.Add(skew - time.Second).Unix()},
		{"nbf": testNow.Add(skew - time.Second).Unix()},
	} {
		if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), changes)), VerifyOptions{}); err != nil {
			t.Errorf("%v within leeway: %v", changes, err)
		}
	}
	// Negative leeway means none; zero means the default minute.
	v.Leeway = -1
	if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"exp": testNow.Unix()})), VerifyOptions{}); !errors.Is(err, ErrExpired) {
		t.Errorf("no leeway: got %v", err)
	}
	v.Leeway = 0
	if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"exp": testNow.Add(-50 * time.Second).Unix()})), VerifyOptions{}); err != nil {
		t.Errorf("default leeway: %v", err)
	}
}

// OI-05: a nonce that was sent must come back, equal.
func TestVerify_OI05_Nonce(t *testing.T) {
	v := testVerifier()
	ctx := context.Background()
	if _, err := v.Verify(ctx, signID(t, with(idClaims(), map[string]any{"nonce": nil})), VerifyOptions{Nonce: "sent"}); !errors.Is(err, ErrNonce) || !errors.Is(err, ErrMissingClaim) {
		t.Errorf("missing nonce: got %v", err)
	}
	_, err := v.Verify(ctx, signID(t, idClaims()), VerifyOptions{Nonce: "another-login's-nonce"})
	if !errors.Is(err, ErrNonce) {
		t.Errorf("wrong nonce: got %v", err)
	}
	if strings.Contains(err.Error(), "n-0S6_WzA2Mj") || strings.Contains(err.Error(), "another-login") {
		t.Errorf("nonce value in error: %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, with(idClaims(), map[string]any{"nonce": 5})), VerifyOptions{Nonce: "5"}); !errors.Is(err, ErrMalformedClaim) {
		t.Errorf("numeric nonce: got %v", err)
	}
}

// Step 12: the ACR hook decides.
func TestVerify_ACRHook(t *testing.T) {
	v := testVerifier()
	errWeak := errors.New("acr too weak")
	v.ACR = func(acr string) error {
		if acr != "gold" {
			return errWeak
		}
		return nil
	}
	_, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"acr": "bronze"})), VerifyOptions{})
	if !errors.Is(err, ErrACR) || !errors.Is(err, errWeak) {
		t.Errorf("got %v, want ErrACR and the hook's error", err)
	}
	if _, err := v.Verify(context.Background(), signID(t, with(idClaims(), map[string]any{"acr": "gold"})), VerifyOptions{}); err != nil {
		t.Error(err)
	}
}

// Step 13: auth_time with max_age.
func TestVerify_MaxAge(t *testing.T) {
	v := testVerifier()
	ctx := context.Background()
	recent := with(idClaims(), map[string]any{"auth_time": testNow.Add(-4 * time.Minute).Unix()})
	if _, err := v.Verify(ctx, signID(t, recent), VerifyOptions{MaxAge: 5 * time.Minute}); err != nil {
		t.Errorf("within max_age: %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, recent), VerifyOptions{MaxAge: 3 * time.Minute}); !errors.Is(err, ErrAuthTime) {
		t.Errorf("older than max_age: got %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, idClaims()), VerifyOptions{MaxAge: time.Hour}); !errors.Is(err, ErrAuthTime) || !errors.Is(err, ErrMissingClaim) {
		t.Errorf("no auth_time: got %v", err)
	}
	fresh := with(idClaims(), map[string]any{"auth_time": testNow.Add(-10 * time.Second).Unix()})
	if _, err := v.Verify(ctx, signID(t, fresh), VerifyOptions{MaxAge: MaxAgeZero}); err != nil {
		t.Errorf("max_age=0, fresh: %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, recent), VerifyOptions{MaxAge: MaxAgeZero}); !errors.Is(err, ErrAuthTime) {
		t.Errorf("max_age=0, old: got %v", err)
	}
	v.MaxAge = 3 * time.Minute // the client's default_max_age
	if _, err := v.Verify(ctx, signID(t, recent), VerifyOptions{}); !errors.Is(err, ErrAuthTime) {
		t.Errorf("default max_age: got %v", err)
	}
}

// leftHalf is an independent at_hash computation for the tests.
func leftHalf(sum []byte) string { return b64(sum[:len(sum)/2]) }

// OI-09: at_hash and c_hash.
func TestVerify_OI09_TokenHashes(t *testing.T) {
	v := testVerifier()
	ctx := context.Background()
	at, code := "an-access-token", "an-authorization-code"
	atSum, cSum := sha256.Sum256([]byte(at)), sha256.Sum256([]byte(code))
	good := with(idClaims(), map[string]any{"at_hash": leftHalf(atSum[:]), "c_hash": leftHalf(cSum[:])})
	if _, err := v.Verify(ctx, signID(t, good), VerifyOptions{AccessToken: at, Code: code, RequireAccessTokenHash: true, RequireCodeHash: true}); err != nil {
		t.Fatalf("matching hashes: %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, good), VerifyOptions{AccessToken: "another-token"}); !errors.Is(err, ErrAccessTokenHash) {
		t.Errorf("wrong access token: got %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, good), VerifyOptions{Code: "another-code"}); !errors.Is(err, ErrCodeHash) {
		t.Errorf("wrong code: got %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, idClaims()), VerifyOptions{AccessToken: at, RequireAccessTokenHash: true}); !errors.Is(err, ErrAccessTokenHash) || !errors.Is(err, ErrMissingClaim) {
		t.Errorf("missing required at_hash: got %v", err)
	}
	if _, err := v.Verify(ctx, signID(t, idClaims()), VerifyOptions{Code: code, RequireCodeHash: true}); !errors.Is(err, ErrCodeHash) {
		t.Errorf("missing required c_hash: got %v", err)
	}
	// Code flow: at_hash optional.
	if _, err := v.Verify(ctx, signID(t, idClaims()), VerifyOptions{AccessToken: at}); err != nil {
		t.Errorf("code flow without at_hash: %v", err)
	}
	// The full (not half) hash, and the SHA-512 half, are wrong for RS256.
	full := b64(atSum[:])
	s512 := sha512.Sum512([]byte(at))
	for _, h := range []string{full, leftHalf(s512[:]), ""} {
		if _, err := v.Verify(ctx, signID(t, with(idClaims(), map[string]any{"at_hash": h})), VerifyOptions{AccessToken: at}); !errors.Is(err, ErrAccessTokenHash) {
			t.Errorf("at_hash %q: got %v", h, err)
		}
	}
	// EdDSA uses SHA-512.
	v.Algorithms = []jose.Algorithm{jose.EdDSA}
	ed := signWith(t, map[string]any{"alg": "EdDSA", "kid": testEdKID}, with(idClaims(), map[string]any{"at_hash": leftHalf(s512[:])}), edSigner(opEdKey()))
	tok, err := v.Verify(ctx, ed, VerifyOptions{AccessToken: at})
	if err != nil {
		t.Fatalf("EdDSA at_hash: %v", err)
	}
	if err := tok.VerifyAccessToken(at); err != nil {
		t.Errorf("VerifyAccessToken: %v", err)
	}
	if err := tok.VerifyCode(code); !errors.Is(err, ErrCodeHash) {
		t.Errorf("VerifyCode without c_hash: got %v", err)
	}
}

func TestTokenHash_Algorithms(t *testing.T) {
	value := "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
	s256, s384, s512 := sha256.Sum256([]byte(value)), sha512.Sum384([]byte(value)), sha512.Sum512([]byte(value))
	for alg, want := range map[jose.Algorithm]string{
		jose.RS256: leftHalf(s256[:]), jose.ES256: leftHalf(s256[:]), jose.PS256: leftHalf(s256[:]), jose.HS256: leftHalf(s256[:]),
		jose.RS384: leftHalf(s384[:]), jose.ES384: leftHalf(s384[:]), jose.PS384: leftHalf(s384[:]), jose.HS384: leftHalf(s384[:]),
		jose.RS512: leftHalf(s512[:]), jose.ES512: leftHalf(s512[:]), jose.PS512: leftHalf(s512[:]), jose.HS512: leftHalf(s512[:]),
		jose.EdDSA: leftHalf(s512[:]),
	} {
		got, ok := TokenHash(alg, value)
		if !ok || got != want {
			t.Errorf("%s: got %q, want %q", alg, got, want)
		}
	}
	// OI-09: an algorithm without a defined hash fails the check.
	for _, alg := range []jose.Algorithm{"none", "ES256K", "Ed448", ""} {
		if _, ok := TokenHash(alg, value); ok {
			t.Errorf("%q: a hash was defined", alg)
		}
		if err := checkTokenHash(ErrAccessTokenHash, alg, "x", value); !errors.Is(err, ErrAccessTokenHash) {
			t.Errorf("%q: got %v", alg, err)
		}
	}
}

// OI-12: tokens of another type are not ID tokens.
func TestVerify_OI12_TokenType(t *testing.T) {
	v := testVerifier()
	v.Algorithms = []jose.Algorithm{jose.RS256, jose.HS512}
	v.ClientSecret = "client-secret"
	ctx := context.Background()
	sign := func(hdr map[string]any, claims map[string]any) string {
		return signWith(t, hdr, claims, rsaSigner(opRSAKey(), crypto.SHA256))
	}
	cases := map[string]string{
		"typ at+jwt":             sign(map[string]any{"alg": "RS256", "kid": testKID, "typ": "at+jwt"}, idClaims()),
		"typ application/at+jwt": sign(map[string]any{"alg": "RS256", "kid": testKID, "typ": "application/at+jwt"}, idClaims()),
		"typ dpop+jwt":           sign(map[string]any{"alg": "RS256", "kid": testKID, "typ": "dpop+jwt"}, idClaims()),
		"typ logout+jwt":         sign(map[string]any{"alg": "RS256", "kid": testKID, "typ": "logout+jwt"}, idClaims()),
		"typ JOSE":               sign(map[string]any{"alg": "RS256", "kid": testKID, "typ": "JOSE"}, idClaims()),
		"Keycloak Bearer":        signID(t, with(idClaims(), map[string]any{"typ": "Bearer"})),
		"Keycloak Refresh":       signID(t, with(idClaims(), map[string]any{"typ": "Refresh"})),
		"Keycloak Logout":        signID(t, with(idClaims(), map[string]any{"typ": "Logout"})),
		"events claim":           signID(t, with(idClaims(), map[string]any{"events": map[string]any{BackChannelLogoutEvent: map[string]any{}}})),
		"Keycloak HS512 Refresh": signWith(t, map[string]any{"alg": "HS512", "typ": "JWT"},
			with(idClaims(), map[string]any{"typ": "Refresh"}), hmacSigner([]byte("client-secret"), sha512.New)),
	}
	for name, raw := range cases {
		if _, err := v.Verify(ctx, raw, VerifyOptions{}); !errors.Is(err, ErrTokenType) || !errors.Is(err, jose.ErrType) {
			t.Errorf("%s: got %v, want ErrTokenType", name, err)
		}
	}
	for _, typ := range []string{"JWT", "jwt", "application/jwt", ""} {
		hdr := map[string]any{"alg": "RS256", "kid": testKID}
		if typ != "" {
			hdr["typ"] = typ
		}
		if _, err := v.Verify(ctx, sign(hdr, with(idClaims(), map[string]any{"typ": "ID"})), VerifyOptions{}); err != nil {
			t.Errorf("typ %q: %v", typ, err)
		}
	}
}

// OI-13: sub is required, at most 255 ASCII characters; alg is the
// registered one; HS256 is refused for a public client.
func TestVerify_OI13_SubjectAndAlgorithm(t *testing.T) {
	v := testVerifier()
	ctx := context.Background()
	for name, sub := range map[string]any{
		"missing": nil, "empty": "", "256 characters": strings.Repeat("a", 256), "non-ASCII": "usér", "control": "a\nb",
	} {
		claims := with(idClaims(), map[string]any{"sub": sub})
		if sub == nil {
			delete(claims, "sub")
		}
		if _, err := v.Verify(ctx, signID(t, claims), VerifyOptions{}); !errors.Is(err, ErrSubject) {
			t.Errorf("sub %s: got %v, want ErrSubject", name, err)
		}
	}
	if _, err := v.Verify(ctx, signID(t, with(idClaims(), map[string]any{"sub": strings.Repeat("a", 255)})), VerifyOptions{}); err != nil {
		t.Errorf("255 characters: %v", err)
	}
	// Default RS256 only: ES256 and PS256 tokens from the same provider are refused.
	es := signWith(t, map[string]any{"alg": "ES256", "kid": testECKID}, idClaims(), esSigner(opECKey()))
	if _, err := v.Verify(ctx, es, VerifyOptions{}); !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
		t.Errorf("ES256 not registered: got %v", err)
	}
	// HS256 for a public client, even when listed.
	v.Algorithms = []jose.Algorithm{jose.HS256}
	hs := signWith(t, map[string]any{"alg": "HS256"}, idClaims(), hmacSigner([]byte(""), sha256.New))
	if _, err := v.Verify(ctx, hs, VerifyOptions{}); !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
		t.Errorf("HS256 public client: got %v", err)
	}
}

// JW-04 at the ID token level: oversized and many-dotted tokens fail fast.
func TestVerify_JW04_Shape(t *testing.T) {
	v := testVerifier()
	for name, raw := range map[string]string{
		"10 MB":    strings.Repeat("a", 10<<20),
		"dots":     strings.Repeat(".", 1<<20),
		"JWE":      "a.b.c.d.e",
		"padded":   signID(t, idClaims()) + "==",
		"spaces":   " " + signID(t, idClaims()),
		"empty":    "",
		"two dots": "..",
	} {
		_, err := v.Verify(context.Background(), raw, VerifyOptions{})
		if !errors.Is(err, jose.ErrMalformed) && !errors.Is(err, jose.ErrTooLarge) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// Duplicate or case-variant claims are refused (encoding/json would take
// the last one).
func TestVerify_DuplicateClaims(t *testing.T) {
	v := testVerifier()
	p := fmt.Sprintf(`{"iss":%q,"ISS":"https://evil.example","sub":"x","aud":%q,"exp":%d,"iat":%d}`,
		testIssuer, testClientID, testNow.Add(time.Minute).Unix(), testNow.Unix())
	raw := signWith(t, rsHeader(), p, rsaSigner(opRSAKey(), crypto.SHA256))
	if _, err := v.Verify(context.Background(), raw, VerifyOptions{}); !errors.Is(err, ErrMalformedClaim) {
		t.Errorf("got %v, want ErrMalformedClaim", err)
	}
}

// No secret, code or token value ever appears in an error.
func TestVerify_ErrorsHoldNoSecrets(t *testing.T) {
	v := testVerifier()
	v.ClientSecret = "SENTINEL-CS"
	v.Algorithms = []jose.Algorithm{jose.RS256, jose.HS256}
	at := "SENTINEL-AT"
	raws := []string{
		signWith(t, map[string]any{"alg": "HS256"}, idClaims(), hmacSigner([]byte("x"), sha256.New)),
		signID(t, with(idClaims(), map[string]any{"at_hash": "abc"})),
		signID(t, with(idClaims(), map[string]any{"c_hash": "abc"})),
	}
	for _, raw := range raws {
		_, err := v.Verify(context.Background(), raw, VerifyOptions{AccessToken: at, Code: "SENTINEL-CODE", Nonce: "n-0S6_WzA2Mj"})
		if err == nil {
			t.Fatal("expected an error")
		}
		for _, s := range []string{"SENTINEL", raw} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q holds %q", err, s)
			}
		}
	}
}
