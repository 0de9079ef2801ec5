package httpclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// benchServer is a loopback resource server and a transport that keeps
// connections to it alive.
func benchServer(b *testing.B) (*httptest.Server, *http.Transport) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	return srv, tr
}

func benchGet(b *testing.B, c *http.Client, u string) {
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// BenchmarkPlainGet is the baseline: a GET through a plain http.Client.
func BenchmarkPlainGet(b *testing.B) {
	srv, tr := benchServer(b)
	benchGet(b, &http.Client{Transport: tr}, srv.URL)
}

// BenchmarkSessionGet is the same GET through a Session's client, with a
// valid token: the cost of authorizing a request.
func BenchmarkSessionGet(b *testing.B) {
	srv, tr := benchServer(b)
	now := time.Now()
	s := httpclient.New(&oauth2.Config{}, httpclient.Options{
		Base:  &http.Client{Transport: tr},
		Token: &oauth2.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.payload.signature", TokenType: "Bearer", ReceivedAt: now, Expiry: now.Add(time.Hour)},
	})
	if _, err := s.Token(context.Background()); err != nil {
		b.Fatal(err)
	}
	benchGet(b, s.Client(), srv.URL)
}
