package oauth2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

func TestS256Challenge_RFC7636AppendixB(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if got := oauth2.S256Challenge(verifier); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("challenge = %q", got)
	}
}

func TestNewCodeVerifier(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		v := oauth2.NewCodeVerifier()
		if len(v) != 43 || oauth2.CheckCodeVerifier(v) != nil || seen[v] {
			t.Fatalf("verifier %q: length %d, check %v, repeated %v", v, len(v), oauth2.CheckCodeVerifier(v), seen[v])
		}
		seen[v] = true
	}
}

func TestCheckCodeVerifier(t *testing.T) {
	good := []string{strings.Repeat("a", 43), strings.Repeat("A-._~9", 21) + "xy"}
	bad := []string{"", strings.Repeat("a", 42), strings.Repeat("a", 129), strings.Repeat("a", 42) + "+",
		strings.Repeat("a", 42) + "=", strings.Repeat("a", 42) + " ", strings.Repeat("é", 30)}
	for _, v := range good {
		if err := oauth2.CheckCodeVerifier(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range bad {
		if err := oauth2.CheckCodeVerifier(v); !errors.Is(err, oauth2.ErrInvalidConfig) {
			t.Errorf("%q accepted", v)
		}
	}
}
