package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{"999999999", Max, true},               // HT-08
		{"99999999999999999999999", Max, true}, // overflows uint64
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), Max, true},
		{"-5", 0, false},
		{"soon", 0, false},
	}
	for _, c := range cases {
		d, ok := Parse(c.in, now)
		if d != c.want || ok != c.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", c.in, d, ok, c.want, c.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "120", "999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", " 5 ", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := Parse(v, now)
		if d < 0 || d > Max || (!ok && d != 0) {
			t.Fatalf("Parse(%q) = %v, %v", v, d, ok)
		}
	})
}
