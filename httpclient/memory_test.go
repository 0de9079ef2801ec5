package httpclient_test

import (
	"net/http"
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

// maxIdleSessionBytes bounds what an idle Session holds: the Session, its
// token state with the prepared header, and the token bytes once.
const maxIdleSessionBytes = 450

func TestSession_IdleMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	b := idleSessionBytes()
	t.Logf("idle Session: %.0f B", b)
	if b > maxIdleSessionBytes {
		t.Errorf("an idle Session holds %.0f B, want at most %d", b, maxIdleSessionBytes)
	}
}

// A request with a token that is not due allocates only the shallow copy of
// the request and its header map (the stub's response is the rest): no
// lock, no token copy.
func TestClient_FreshTokenAllocations(t *testing.T) {
	stub := &stubTransport{res: http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}}
	now := time.Now()
	s := httpclient.New(&oauth2.Config{}, httpclient.Options{
		Base:  &http.Client{Transport: stub},
		Token: &oauth2.Token{AccessToken: "at", TokenType: "Bearer", ReceivedAt: now, Expiry: now.Add(time.Hour)},
	})
	rt := s.Client().Transport
	req, _ := http.NewRequest(http.MethodGet, "http://rs.test/x", nil)
	got := testing.AllocsPerRun(100, func() {
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	})
	if got > 4 {
		t.Errorf("%v allocations per request, want at most 4", got)
	}
}
