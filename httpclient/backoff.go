package httpclient

import (
	"errors"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/internal/retryafter"
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
	if d, ok := retryafter.Parse(h.Get("Retry-After"), now); ok {
		return min(d, max)
	}
	if failures < 1 {
		failures = 1
	}
	d := time.Second << min(failures-1, 30)
	return min(d, max)
}
