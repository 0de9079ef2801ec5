// Package retryafter reads the Retry-After response header (RFC 9110,
// section 10.2.3) with one cap for the whole module.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max is the longest delay Parse returns, so that a hostile server cannot
// park a client for days (HOSTILE HT-08: "Retry-After: 999999999"). Callers
// may cap further.
const Max = time.Hour

// Parse reads a Retry-After value, delay-seconds or an HTTP-date, as a delay
// from now within [0, Max]. A date in the past is a zero delay; a value too
// large to represent is Max. ok is false when v is empty or neither form.
func Parse(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if digits(v) {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n > uint64(Max/time.Second) {
			return Max, true // only an overflow fails on digits
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(0, min(t.Sub(now), Max)), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
