package httpclient

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

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
