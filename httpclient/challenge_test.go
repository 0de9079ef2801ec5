package httpclient

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChallenges(t *testing.T) {
	cases := []struct {
		in   []string
		want []challenge
	}{
		{[]string{`Bearer`}, []challenge{{scheme: "Bearer"}}},
		{[]string{`Bearer realm="example", error="invalid_token", error_description="The access token expired"`},
			[]challenge{{scheme: "Bearer", params: map[string]string{"realm": "example", "error": "invalid_token", "error_description": "The access token expired"}}}},
		{[]string{`bearer ERROR = invalid_token`}, []challenge{{scheme: "bearer", params: map[string]string{"error": "invalid_token"}}}},
		{[]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			[]challenge{
				{scheme: "Newauth", params: map[string]string{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{scheme: "Basic", params: map[string]string{"realm": "simple"}},
			}},
		{[]string{`Basic realm="a, b"`, `DPoP algs="ES256 PS256", error="use_dpop_nonce"`},
			[]challenge{
				{scheme: "Basic", params: map[string]string{"realm": "a, b"}},
				{scheme: "DPoP", params: map[string]string{"algs": "ES256 PS256", "error": "use_dpop_nonce"}},
			}},
		{[]string{`Negotiate abc+/==, Bearer error="x"`},
			[]challenge{{scheme: "Negotiate", token68: "abc+/=="}, {scheme: "Bearer", params: map[string]string{"error": "x"}}}},
		{[]string{`Bearer error="first", error="second"`}, []challenge{{scheme: "Bearer", params: map[string]string{"error": "first"}}}},
		{[]string{`Bearer error="unterminated`}, []challenge{{scheme: "Bearer"}}},
		{[]string{`Bearer error=a b`}, []challenge{{scheme: "Bearer"}}},
		{[]string{`Bearer error="ctl` + "\x01" + `"`}, []challenge{{scheme: "Bearer"}}},
		{[]string{`, ,"x", Bearer`}, []challenge{{scheme: "Bearer"}}},
		{[]string{`error="orphan"`}, nil},
		{[]string{``}, nil},
	}
	for _, tc := range cases {
		got := parseChallenges(tc.in)
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(challenge{})); diff != "" {
			t.Errorf("parseChallenges(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseChallenges_Limits(t *testing.T) {
	many := strings.Repeat("A, ", 1000)
	if got := len(parseChallenges([]string{many})); got != maxChallenges {
		t.Errorf("%d challenges kept, want %d", got, maxChallenges)
	}
	params := "Bearer " + strings.Repeat("p=1, ", 1000)
	if got := len(parseChallenges([]string{params})[0].params); got != 1 {
		t.Errorf("%d distinct params", got)
	}
	var b strings.Builder
	b.WriteString("Bearer ")
	for i := range 100 {
		b.WriteString("p")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString("=1, ")
	}
	if got := len(parseChallenges([]string{b.String()})[0].params); got != maxChallengeParams {
		t.Errorf("%d params kept, want %d", got, maxChallengeParams)
	}
	huge := `Bearer error="invalid_token", x="` + strings.Repeat("y", 1<<20) + `"`
	if c, ok := findChallenge([]string{huge}, "bearer"); !ok || c.param("error") != "invalid_token" {
		t.Errorf("huge header: %v %v", c.params["error"], ok)
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Bearer realm="example", error="invalid_token"`,
		`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		`DPoP algs="ES256", error="use_dpop_nonce"`,
		`Negotiate abc==`,
		`Bearer error="\`,
		`,,=,"",\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs := parseChallenges([]string{s, s})
		if len(cs) > maxChallenges {
			t.Fatalf("%d challenges", len(cs))
		}
		for _, c := range cs {
			if c.scheme == "" || strings.ContainsAny(c.scheme, " \t,=\"") {
				t.Fatalf("bad scheme %q", c.scheme)
			}
			if len(c.params) > maxChallengeParams {
				t.Fatalf("%d params", len(c.params))
			}
			for k := range c.params {
				if k == "" || k != strings.ToLower(k) {
					t.Fatalf("bad param name %q", k)
				}
			}
		}
	})
}
