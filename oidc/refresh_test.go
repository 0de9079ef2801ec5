package oidc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

func TestVerifyRefreshed(t *testing.T) {
	v := testVerifier()
	v.MaxAge = time.Minute // the original login's max_age no longer applies
	ctx := context.Background()
	base := with(idClaims(), map[string]any{"azp": testClientID, "auth_time": testNow.Add(-time.Hour).Unix(), "sid": "s1"})
	original, err := v.Verify(ctx, signID(t, base), VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxAge: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	later := map[string]any{"iat": testNow.Unix()}
	ok := map[string]map[string]any{
		"same identity, no nonce": {"nonce": nil},
		"Keycloak copies nonce":   {},
		"no auth_time":            {"auth_time": nil, "nonce": nil},
	}
	for name, changes := range ok {
		raw := signID(t, with(with(base, later), changes))
		if _, err := v.VerifyRefreshed(ctx, original, raw, ""); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]struct {
		changes map[string]any
		also    error
	}{
		"other sub":           {map[string]any{"sub": "someone-else"}, ErrSubject},
		"other aud":           {map[string]any{"aud": []string{testClientID, "api"}}, nil},
		"azp removed":         {map[string]any{"azp": nil}, nil},
		"auth_time changed":   {map[string]any{"auth_time": testNow.Unix()}, nil},
		"other nonce":         {map[string]any{"nonce": "another"}, ErrNonce},
		"iat before original": {map[string]any{"iat": testNow.Add(-time.Hour).Unix()}, nil},
	}
	for name, c := range bad {
		raw := signID(t, with(with(base, later), c.changes))
		tok, err := v.VerifyRefreshed(ctx, original, raw, "")
		if tok != nil || err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		// "other aud" fails in Verify already (untrusted audience); the
		// rest in the 12.2 comparison.
		if name != "other aud" && !errors.Is(err, ErrIdentityChanged) {
			t.Errorf("%s: got %v, want ErrIdentityChanged", name, err)
		}
		if c.also != nil && !errors.Is(err, c.also) {
			t.Errorf("%s: got %v, want %v", name, err, c.also)
		}
	}
}

func TestCheckRefreshedIDToken(t *testing.T) {
	a := &IDToken{Issuer: "i", Subject: "s", Audience: []string{"a", "b"}, AuthorizedParty: "a", IssuedAt: testNow}
	b := *a
	b.Audience = []string{"b", "a"}
	if err := CheckRefreshedIDToken(a, &b); err != nil {
		t.Errorf("same audience in another order: %v", err)
	}
	b.Issuer = "j"
	if err := CheckRefreshedIDToken(a, &b); !errors.Is(err, ErrIdentityChanged) {
		t.Errorf("other iss: got %v", err)
	}
	c := *a
	c.AuthorizedParty = ""
	if err := CheckRefreshedIDToken(a, &c); !errors.Is(err, ErrIdentityChanged) {
		t.Errorf("azp dropped: got %v", err)
	}
	d := *a
	d.Audience = []string{"a", "a"}
	if err := CheckRefreshedIDToken(a, &d); !errors.Is(err, ErrIdentityChanged) {
		t.Errorf("aud [a a] vs [a b]: got %v", err)
	}
	if err := CheckRefreshedIDToken(nil, a); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil original: got %v", err)
	}
}

// A RefreshCheck accepts a refresh without an ID token or with the same
// identity, follows the latest accepted token, and refuses a changed one.
func TestRefreshCheck(t *testing.T) {
	v := testVerifier()
	ctx := context.Background()
	base := with(idClaims(), map[string]any{"nonce": nil})
	original, err := v.Verify(ctx, signID(t, base), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := v.RefreshCheck(original)
	if err := c.Check(ctx, nil, &oauth2.Token{AccessToken: "at"}); err != nil {
		t.Fatalf("no id_token: %v", err)
	}
	same := signID(t, with(base, map[string]any{"iat": testNow.Unix(), "jti": "2"}))
	if err := c.Check(ctx, nil, &oauth2.Token{AccessToken: "at", IDToken: same}); err != nil {
		t.Fatalf("same identity: %v", err)
	}
	if c.Latest().Raw != same {
		t.Error("Latest is not the accepted refreshed ID token")
	}
	for name, changes := range map[string]map[string]any{
		"other sub":      {"sub": "someone-else"},
		"injected nonce": {"nonce": "injected"},
		"older iat":      {"iat": testNow.Add(-time.Hour).Unix()},
	} {
		raw := signID(t, with(with(base, map[string]any{"iat": testNow.Unix()}), changes))
		err := c.Check(ctx, nil, &oauth2.Token{AccessToken: "at", IDToken: raw})
		if !errors.Is(err, ErrIdentityChanged) {
			t.Errorf("%s: err = %v, want ErrIdentityChanged", name, err)
		}
	}
	if c.Latest().Raw != same {
		t.Error("a refused ID token replaced the identity")
	}
	if err := v.RefreshCheck(nil).Check(ctx, nil, &oauth2.Token{IDToken: same}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil original: %v", err)
	}
}
