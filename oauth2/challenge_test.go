package oauth2

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseChallenges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		want   []Challenge
	}{
		{"bare scheme", []string{"Bearer"}, []Challenge{{Scheme: "Bearer"}}},
		{"realm", []string{`Bearer realm="example"`}, []Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": "example"}}}},
		{"RFC 6750 3 invalid_token", []string{`Bearer realm="example", error="invalid_token", error_description="The access token expired"`},
			[]Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": "example", "error": "invalid_token", "error_description": "The access token expired"}}}},
		{"case-insensitive names", []string{`bEARER REALM=x, Error=invalid_token`},
			[]Challenge{{Scheme: "bEARER", Params: map[string]string{"realm": "x", "error": "invalid_token"}}}},
		{"RFC 9110 example", []string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			[]Challenge{
				{Scheme: "Newauth", Params: map[string]string{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{Scheme: "Basic", Params: map[string]string{"realm": "simple"}},
			}},
		{"token68", []string{`Negotiate YII/abc+d==, Basic realm=x`},
			[]Challenge{{Scheme: "Negotiate", Token68: "YII/abc+d=="}, {Scheme: "Basic", Params: map[string]string{"realm": "x"}}}},
		{"token68 one pad", []string{`Basic abc=`}, []Challenge{{Scheme: "Basic", Token68: "abc="}}},
		{"across fields", []string{`Basic realm="a"`, `Bearer scope="x y", DPoP algs="ES256 RS256"`},
			[]Challenge{
				{Scheme: "Basic", Params: map[string]string{"realm": "a"}},
				{Scheme: "Bearer", Params: map[string]string{"scope": "x y"}},
				{Scheme: "DPoP", Params: map[string]string{"algs": "ES256 RS256"}},
			}},
		{"empty elements and BWS", []string{` , Bearer , ,Basic realm = "r" ,, `},
			[]Challenge{{Scheme: "Bearer"}, {Scheme: "Basic", Params: map[string]string{"realm": "r"}}}},
		{"empty quoted value", []string{`Bearer realm=""`}, []Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": ""}}}},
		{"escapes", []string{`Bearer error_description="a \\ b \" c \d"`},
			[]Challenge{{Scheme: "Bearer", Params: map[string]string{"error_description": `a \ b " c d`}}}},
		{"comma inside quotes", []string{`Bearer scope="a,b", realm=r`},
			[]Challenge{{Scheme: "Bearer", Params: map[string]string{"scope": "a,b", "realm": "r"}}}},
		{"no values", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChallenges(tc.values...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseChallenges_Malformed(t *testing.T) {
	for _, v := range []string{
		`"Bearer"`,
		`Bearer realm="unterminated`,
		`Bearer realm="a"x`,
		`Bearer realm=a b=c`,
		`Bearer realm="a", realm="b"`,
		`Bearer REALM="a", realm="b"`,
		`Bearer realm="ctl` + "\x01" + `"`,
		`Bearer realm="a\`,
		`Bea"rer`,
		`Basic abc== def`,
		`Bearer realm=@`,
		`Bearer =x`,
		strings.Repeat("a", maxChallengeHeaderSize+1),
		strings.Repeat("B, ", maxChallenges+1),
		"Bearer " + strings.Repeat("p=1, ", maxChallengeParams) + "q=2",
	} {
		if _, err := ParseChallenges(v); !errors.Is(err, ErrMalformedChallenge) {
			t.Errorf("%.60q: err = %v, want ErrMalformedChallenge", v, err)
		}
	}
}

func TestParseChallenges_PartialResult(t *testing.T) {
	got, err := ParseChallenges(`Basic realm=a, Bearer realm="x`)
	if err == nil || len(got) != 1 || got[0].Scheme != "Basic" {
		t.Errorf("got %v, %v; want the Basic challenge and an error", got, err)
	}
}

func TestBearerChallenge_HT04_InsufficientScope(t *testing.T) {
	h := http.Header{}
	h.Add("WWW-Authenticate", `Basic realm="x"`)
	h.Add("Www-Authenticate", `Bearer realm="api", error="insufficient_scope", scope="a b", error_uri="https://as.test/e", resource_metadata="https://rs.test/.well-known/oauth-protected-resource"`)
	c, ok := BearerChallenge(h)
	if !ok {
		t.Fatal("no Bearer challenge found")
	}
	if c.ErrorCode() != "insufficient_scope" || c.Scope() != "a b" || c.Realm() != "api" ||
		c.ErrorURI() != "https://as.test/e" || c.ResourceMetadata() != "https://rs.test/.well-known/oauth-protected-resource" {
		t.Errorf("challenge %+v", c)
	}
	if diff := cmp.Diff([]string{"a", "b"}, c.Scopes()); diff != "" {
		t.Errorf("Scopes (-want +got)\n%s", diff)
	}
}

func TestBearerChallenge_HT04_Shapes(t *testing.T) {
	// 401 without an error code: a Bearer challenge with a realm only.
	c, ok := BearerChallenge(http.Header{"Www-Authenticate": {`Bearer realm="api"`}})
	if !ok || c.ErrorCode() != "" {
		t.Errorf("realm only: %+v, %v", c, ok)
	}
	// Only a non-Bearer scheme.
	if _, ok := BearerChallenge(http.Header{"Www-Authenticate": {`Basic realm="api"`}}); ok {
		t.Error("a Basic-only challenge was taken for Bearer")
	}
	// A malformed field does not hide a good one in another field.
	c, ok = BearerChallenge(http.Header{"Www-Authenticate": {`Bearer realm="x`, `bearer error="invalid_token"`}})
	if !ok || c.ErrorCode() != "invalid_token" {
		t.Errorf("second field: %+v, %v", c, ok)
	}
}

func TestDPoPChallenge_DP01_UseNonce(t *testing.T) {
	h := http.Header{"Www-Authenticate": {`Bearer realm="x", DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"`}}
	c, ok := DPoPChallenge(h)
	if !ok || c.ErrorCode() != ErrorUseDPoPNonce || c.Param("ALGS") != "ES256" || c.ErrorDescription() == "" {
		t.Errorf("challenge %+v, %v", c, ok)
	}
}

func BenchmarkParseChallenges(b *testing.B) {
	v := `Bearer realm="example", error="insufficient_scope", error_description="The request requires higher privileges", scope="a b c", DPoP algs="ES256 PS256", Basic realm="x"`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseChallenges(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseChallenges_Worst is the largest accepted input, many tiny
// challenges: parsing stays linear.
func BenchmarkParseChallenges_Worst(b *testing.B) {
	v := strings.Repeat(",", maxChallengeHeaderSize-20) + "Bearer realm=x"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseChallenges(v); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleBearerChallenge() {
	h := http.Header{}
	h.Set("WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write"`)
	if c, ok := BearerChallenge(h); ok {
		fmt.Println(c.ErrorCode(), c.Scopes())
	}
	// Output: insufficient_scope [orders:read orders:write]
}

// HT-04: a 403 insufficient_scope becomes a typed error that exposes the
// required scope.
func TestChallengeError_HT04_InsufficientScope(t *testing.T) {
	h := http.Header{}
	h.Add("WWW-Authenticate", `Basic realm="x"`)
	h.Add("WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", error_description="needs more", scope="a b"`)
	e := ChallengeError(http.StatusForbidden, h)
	if e == nil {
		t.Fatal("ChallengeError = nil")
	}
	if e.Error() != "insufficient_scope: needs more" || e.StatusCode != 403 {
		t.Fatalf("got %q status %d", e.Error(), e.StatusCode)
	}
	c, _ := BearerChallenge(e.Header)
	if got := c.Scopes(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("scopes = %q", got)
	}
	if ChallengeError(401, http.Header{"Www-Authenticate": {`Bearer realm="api"`}}) != nil {
		t.Fatal("a challenge without an error code gave an error")
	}
}
