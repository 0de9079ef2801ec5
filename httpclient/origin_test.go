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
	}
	for _, tc := range cases {
		a, _ := url.Parse(tc.a)
		b, _ := url.Parse(tc.b)
		if got := sameOrigin(a, b); got != tc.want {
			t.Errorf("sameOrigin(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
