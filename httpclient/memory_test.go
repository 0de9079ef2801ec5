package httpclient_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// idleSessionBytes is the heap an idle Session holds: one started from a
// short stored token, with nothing sent yet.
func idleSessionBytes() float64 {
	const n = 2000
	cfg := &oauth2.Config{}
	now := time.Now()
	keep := make([]*httpclient.Session, n)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range keep {
		keep[i] = httpclient.New(cfg, httpclient.Options{Token: &oauth2.Token{
			AccessToken: "at-" + string(rune('a'+i%26)) + "xyz",
			TokenType:   "Bearer",
			ReceivedAt:  now,
			Expiry:      now.Add(time.Hour),
		}})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return float64(after.HeapAlloc-before.HeapAlloc) / n
}

func TestSession_IdleMemory(t *testing.T) {
	b := idleSessionBytes()
	t.Logf("idle Session: %.0f B", b)
}
