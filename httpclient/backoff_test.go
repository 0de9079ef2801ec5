package httpclient

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"999999999", maxRetryAfter, true},
		{"99999999999999999999999", maxRetryAfter, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(1000 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
	}
	for _, tc := range cases {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	now := time.Now()
	max := 5 * time.Minute
	plain := errors.New("connection reset")
	for failures, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 9: 256 * time.Second, 10: max, 1000: max} {
		if got := backoff(plain, failures, now, max); got != want {
			t.Errorf("failure %d: %v, want %v", failures, got, want)
		}
	}
	huge := &oauth2.Error{Code: "x", StatusCode: 429, Header: http.Header{"Retry-After": {"999999999"}}}
	if got := backoff(huge, 1, now, max); got != max {
		t.Errorf("Retry-After 999999999: %v, want the cap", got)
	}
	short := &oauth2.ResponseError{StatusCode: 503, Header: http.Header{"Retry-After": {"3"}}}
	if got := backoff(short, 7, now, max); got != 3*time.Second {
		t.Errorf("Retry-After 3: %v", got)
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "Wed, 21 Oct 2015 07:28:00 GMT", "999999999999", "-1", ""} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := retryAfter(s, now)
		if d < 0 || d > maxRetryAfter || (!ok && d != 0) {
			t.Fatalf("retryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}
