package httpclient

import (
	"net/url"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"http://rs.test/a", "http://rs.test/b?x=1", true},
		{"http://rs.test/a", "http://RS.test:80/b", true},
		{"HTTPS://rs.test/a", "https://rs.test:443/b", true},
		{"http://rs.test/a", "https://rs.test/a", false},
		{"http://rs.test/a", "http://rs.test:8080/a", false},
		{"http://rs.test/a", "http://evil.test/a", false},
		{"http://rs.test/a", "http://rs.test./a", false},
		{"http://[::1]:80/a", "http://[::1]/b", true},
		{"http://user@rs.test/a", "http://rs.test/a", true},
		// Unicode case folding is not origin equality: each of these pairs
		// is dialled as two different hosts.
		{"http://straße.test/a", "http://straẞe.test/a", false},
		{"http://ς.test/a", "http://σ.test/a", false},
		{"http://Σ.test/a", "http://σ.test/a", false},
		{"http://kelvin.test/a", "http://\u212aelvin.test/a", false},
		{"http://straße.test/a", "http://STRAßE.test/a", true},
		{"http://rs.test/a", "hTtP://rS.TeSt/b", true},
	}
	for _, tc := range cases {
		a, err := url.Parse(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := url.Parse(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameOrigin(a, b); got != tc.want {
			t.Errorf("sameOrigin(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
