package compare

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oidc"
)

const (
	issuer   = "https://op.test/realms/demo"
	clientID = "client-1"
	kid      = "kid-1"
	nonce    = "3pH1b0s7xv1mZ0q_hJ8b9g"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// keycloakClaims is an ID token's claim set as Keycloak issues it: 21
// members. accessToken is the token whose hash is at_hash.
func keycloakClaims(accessToken string) []byte {
	sum := sha256.Sum256([]byte(accessToken))
	b, _ := json.Marshal(map[string]any{
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "auth_time": now.Add(-20 * time.Second).Unix(),
		"jti": "0f3e2a8c-4d2b-4a0e-9a41-1c7f6c3b2d10", "iss": issuer, "aud": clientID,
		"sub": "6f1e7a52-3c9d-4b8e-a0f4-2d5c8e9b1a37", "typ": "ID", "azp": clientID, "nonce": nonce,
		"session_state": "b6a3c2d1-8e7f-4a5b-9c0d-1e2f3a4b5c6d",
		"at_hash":       base64.RawURLEncoding.EncodeToString(sum[:16]),
		"acr":           "1", "sid": "b6a3c2d1-8e7f-4a5b-9c0d-1e2f3a4b5c6d", "email_verified": true,
		"name": "Jane Doe", "preferred_username": "jane", "given_name": "Jane", "family_name": "Doe",
		"email": "jane.doe@example.com",
	})
	return b
}

// accessToken stands for a Keycloak access token of about 1.2 KB.
var accessToken = "eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIiwia2lkIiA6ICJ" + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 34)

// signed is one token and what verifying it needs.
type signed struct {
	alg   jose.Algorithm
	token string
	pub   crypto.PublicKey
}

func sign(b testing.TB, alg jose.Algorithm) signed {
	b.Helper()
	var priv crypto.Signer
	var err error
	if alg == jose.RS256 {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		b.Fatal(err)
	}
	token, err := jose.Sign(jose.JWK{KeyID: kid, Key: priv}, alg, keycloakClaims(accessToken), jose.SignOptions{Type: "JWT"})
	if err != nil {
		b.Fatal(err)
	}
	return signed{alg: alg, token: token, pub: priv.Public()}
}

// bare is the signature check alone, the signature already decoded.
func (s signed) bare(b testing.TB) func() error {
	dot := strings.LastIndexByte(s.token, '.')
	input := s.token[:dot]
	sig, err := base64.RawURLEncoding.DecodeString(s.token[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	return func() error {
		digest := sha256.Sum256([]byte(input))
		if s.alg == jose.RS256 {
			return rsa.VerifyPKCS1v15(s.pub.(*rsa.PublicKey), crypto.SHA256, digest[:], sig)
		}
		r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(s.pub.(*ecdsa.PublicKey), digest[:], r, ss) {
			return errors.New("bad signature")
		}
		return nil
	}
}

// interleave runs the functions in rotating order within each iteration and
// reports each one's median time and its ratio to the first, the bare check.
func interleave(b *testing.B, names []string, fns ...func() error) {
	times := make([][]time.Duration, len(fns))
	i := 0
	for b.Loop() {
		for k := range fns {
			j := (i + k) % len(fns)
			start := time.Now()
			if err := fns[j](); err != nil {
				b.Fatalf("%s: %v", names[j], err)
			}
			times[j] = append(times[j], time.Since(start))
		}
		i++
	}
	medians := make([]time.Duration, len(fns))
	for j, t := range times {
		slices.Sort(t)
		medians[j] = t[len(t)/2]
	}
	b.ReportMetric(float64(medians[0].Nanoseconds()), names[0]+"-ns")
	for j := 1; j < len(fns); j++ {
		b.ReportMetric(float64(medians[j].Nanoseconds()), names[j]+"-ns")
		b.ReportMetric(float64(medians[j])/float64(medians[0]), names[j]+"-ratio")
	}
}

// pairs runs one sub-benchmark per library, each interleaving the library
// with the bare check, and a last one interleaving all of them.
func pairs(b *testing.B, bare func() error, libs map[string]func() error) {
	names := []string{"bare"}
	fns := []func() error{bare}
	for _, name := range []string{"oauthkit", "golang-jwt", "go-oidc"} {
		if f, ok := libs[name]; ok {
			b.Run(name, func(b *testing.B) { interleave(b, []string{"bare", name}, bare, f) })
			names, fns = append(names, name), append(fns, f)
		}
	}
	b.Run("all", func(b *testing.B) { interleave(b, names, fns...) })
}

// BenchmarkJWT verifies a Keycloak-shaped JWT: signature, exp, iat, iss and
// aud; oauthkit with jose.VerifyJWT, golang-jwt with ParseWithClaims into
// its RegisteredClaims, its fastest claims type.
func BenchmarkJWT(b *testing.B) {
	for _, alg := range []jose.Algorithm{jose.RS256, jose.ES256} {
		b.Run(string(alg), func(b *testing.B) {
			s := sign(b, alg)
			ctx := context.Background()
			keys := jose.StaticKeySet{{KeyID: kid, Algorithm: alg, Use: "sig", Key: s.pub}}
			opts := jose.VerifyOptions{Algorithms: []jose.Algorithm{alg}}
			want := jose.Expected{Issuer: issuer, Audience: clientID, Clock: clock, RequireExpiry: true, RequireIssuedAt: true}
			oauthkit := func() error {
				_, _, err := jose.VerifyJWT(ctx, s.token, keys, opts, want)
				return err
			}
			parser := jwt.NewParser(jwt.WithValidMethods([]string{string(alg)}), jwt.WithIssuer(issuer),
				jwt.WithAudience(clientID), jwt.WithTimeFunc(clock), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
			keyFunc := func(*jwt.Token) (any, error) { return s.pub, nil }
			golangJWT := func() error {
				_, err := parser.ParseWithClaims(s.token, &jwt.RegisteredClaims{}, keyFunc)
				return err
			}
			pairs(b, s.bare(b), map[string]func() error{"oauthkit": oauthkit, "golang-jwt": golangJWT})
		})
	}
}

// BenchmarkIDToken verifies a Keycloak-shaped RS256 ID token with the checks
// of OpenID Connect Core 3.1.3.7 that both libraries make: signature, iss,
// aud, exp, then nonce and at_hash. oauthkit also checks typ, sub, azp,
// iat and auth_time, which go-oidc leaves to the caller.
func BenchmarkIDToken(b *testing.B) {
	s := sign(b, jose.RS256)
	ctx := context.Background()
	ours := &oidc.IDTokenVerifier{
		ClientID: clientID, Issuer: issuer, Clock: clock, Algorithms: []jose.Algorithm{jose.RS256},
		KeySet: jose.StaticKeySet{{KeyID: kid, Algorithm: jose.RS256, Use: "sig", Key: s.pub}},
	}
	ourOpts := oidc.VerifyOptions{Nonce: nonce, AccessToken: accessToken, MaxAge: 10 * time.Minute}
	oauthkit := func() error {
		_, err := ours.Verify(ctx, s.token, ourOpts)
		return err
	}
	theirs := gooidc.NewVerifier(issuer, &gooidc.StaticKeySet{PublicKeys: []crypto.PublicKey{s.pub}},
		&gooidc.Config{ClientID: clientID, Now: clock, SupportedSigningAlgs: []string{gooidc.RS256}})
	goOIDC := func() error {
		tok, err := theirs.Verify(ctx, s.token)
		if err != nil {
			return err
		}
		if tok.Nonce != nonce {
			return errors.New("nonce")
		}
		return tok.VerifyAccessToken(accessToken)
	}
	pairs(b, s.bare(b), map[string]func() error{"oauthkit": oauthkit, "go-oidc": goOIDC})
}

// TestSameVerdicts makes sure the benchmarks compare like with like: each
// library accepts the benchmarks' token, and each refuses it for another
// client.
func TestSameVerdicts(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []jose.Algorithm{jose.RS256, jose.ES256} {
		s := sign(t, alg)
		keys := jose.StaticKeySet{{KeyID: kid, Algorithm: alg, Use: "sig", Key: s.pub}}
		opts := jose.VerifyOptions{Algorithms: []jose.Algorithm{alg}}
		keyFunc := func(*jwt.Token) (any, error) { return s.pub, nil }
		for _, aud := range []string{clientID, "other-client"} {
			want := jose.Expected{Issuer: issuer, Audience: aud, Clock: clock, RequireExpiry: true, RequireIssuedAt: true}
			_, _, ours := jose.VerifyJWT(ctx, s.token, keys, opts, want)
			parser := jwt.NewParser(jwt.WithValidMethods([]string{string(alg)}), jwt.WithIssuer(issuer),
				jwt.WithAudience(aud), jwt.WithTimeFunc(clock), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
			_, theirs := parser.ParseWithClaims(s.token, &jwt.RegisteredClaims{}, keyFunc)
			if (ours == nil) != (aud == clientID) || (theirs == nil) != (aud == clientID) {
				t.Errorf("%s, aud %s: oauthkit %v, golang-jwt %v", alg, aud, ours, theirs)
			}
		}
	}
	s := sign(t, jose.RS256)
	for _, aud := range []string{clientID, "other-client"} {
		ours := &oidc.IDTokenVerifier{ClientID: aud, Issuer: issuer, Clock: clock,
			KeySet: jose.StaticKeySet{{KeyID: kid, Algorithm: jose.RS256, Key: s.pub}}}
		_, errOurs := ours.Verify(ctx, s.token, oidc.VerifyOptions{Nonce: nonce, AccessToken: accessToken})
		theirs := gooidc.NewVerifier(issuer, &gooidc.StaticKeySet{PublicKeys: []crypto.PublicKey{s.pub}},
			&gooidc.Config{ClientID: aud, Now: clock})
		_, errTheirs := theirs.Verify(ctx, s.token)
		if (errOurs == nil) != (aud == clientID) || (errTheirs == nil) != (aud == clientID) {
			t.Errorf("ID token, aud %s: oauthkit %v, go-oidc %v", aud, errOurs, errTheirs)
		}
	}
}
