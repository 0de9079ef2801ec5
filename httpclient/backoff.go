package httpclient

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// backoff is how long to wait after the failures-th refresh failure in a
// row: the server's Retry-After when it sent one (RFC 9110, section
// 10.2.3), else one second doubled with each failure; capped at max either
// way.
func backoff(err error, failures int, now time.Time, max time.Duration) time.Duration {
	var h http.Header
	var oe *oauth2.Error
	var re *oauth2.ResponseError
	switch {
	case errors.As(err, &oe):
		h = oe.Header
	case errors.As(err, &re):
		h = re.Header
	}
	if d, ok := retryAfter(h.Get("Retry-After"), now); ok {
		return min(d, max)
	}
	if failures < 1 {
		failures = 1
	}
	d := time.Second << min(failures-1, 30)
	return min(d, max)
}

// maxRetryAfter bounds a parsed Retry-After so that it cannot overflow a
// time.Duration; callers cap it further.
const maxRetryAfter = 24 * time.Hour

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date
// (RFC 9110, section 10.2.3). A date in the past is a zero delay. A value
// that is neither is ignored.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true // too many digits: as long as allowed
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > maxRetryAfter:
		return maxRetryAfter, true
	}
	return d, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
