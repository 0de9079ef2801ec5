package oauth2

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckAccessToken(t *testing.T) {
	for _, v := range []string{"abc", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "a-b.c_d~e+f/g", "abc==", "9"} {
		if err := CheckAccessToken(v); err != nil {
			t.Errorf("CheckAccessToken(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range []string{"", "abc def", "abc\tdef", "abc\r\n", "straße", "=abc", "ab=c", "a,b", `a"b`, strings.Repeat("a", MaxAccessTokenLength+1)} {
		err := CheckAccessToken(v)
		if !errors.Is(err, ErrAccessTokenSyntax) {
			t.Errorf("CheckAccessToken(%q) = %v, want ErrAccessTokenSyntax", v, err)
			continue
		}
		if len(v) > 2 && len(v) < 100 && strings.Contains(err.Error(), v) {
			t.Errorf("the error repeats the token: %v", err)
		}
	}
}

// An access token that cannot be sent is refused when the token response is
// parsed, so that no layer ever holds it.
func TestParseToken_AccessTokenSyntax(t *testing.T) {
	for _, at := range []string{"abc def", "caf\u00e9", "a\\u0000b"} {
		members, err := decodeObject([]byte(`{"access_token":"` + at + `","token_type":"Bearer"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tokenFromMembers(members, time.Now(), false)
		if !errors.Is(err, ErrMalformedResponse) || !errors.Is(err, ErrAccessTokenSyntax) {
			t.Errorf("access_token %q: err = %v, want ErrMalformedResponse and ErrAccessTokenSyntax", at, err)
		}
	}
}

func FuzzCheckAccessToken(f *testing.F) {
	f.Add("abc")
	f.Add("a b")
	f.Add("ab==")
	f.Fuzz(func(t *testing.T, v string) {
		err := CheckAccessToken(v)
		if err != nil && !errors.Is(err, ErrAccessTokenSyntax) {
			t.Fatalf("untyped error %v", err)
		}
		if err == nil && strings.ContainsAny(v, " \t\r\n\"\\,;") {
			t.Fatalf("accepted %q", v)
		}
	})
}
