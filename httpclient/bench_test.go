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

// BenchmarkPlainGetWithAuthorization sends the same bytes as a Session
// does, with the header set by hand: the difference to BenchmarkPlainGet
// is what the server spends on one more header.
func BenchmarkPlainGetWithAuthorization(b *testing.B) {
	srv, tr := benchServer(b)
	c := &http.Client{Transport: tr}
	auth := []string{"Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature"}
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header["Authorization"] = auth
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
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

// stubTransport answers every request at once without any I/O.
type stubTransport struct{ res http.Response }

func (s *stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res := s.res
	res.Request = req
	return &res, nil
}

// BenchmarkOverhead isolates what the Session adds to a request: the same
// client request over a transport that does no I/O, with and without the
// Session's transport in front of it.
func BenchmarkOverhead(b *testing.B) {
	stub := &stubTransport{res: http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}}
	now := time.Now()
	s := httpclient.New(&oauth2.Config{}, httpclient.Options{
		Base:  &http.Client{Transport: stub},
		Token: &oauth2.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.payload.signature", TokenType: "Bearer", ReceivedAt: now, Expiry: now.Add(time.Hour)},
	})
	req, _ := http.NewRequest(http.MethodGet, "http://rs.test/x", nil)
	for _, bc := range []struct {
		name string
		rt   http.RoundTripper
	}{{"plain", stub}, {"session", s.Client().Transport}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := bc.rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
			}
		})
	}
}

// BenchmarkOverheadParallel is BenchmarkOverhead from many goroutines at
// once. A token that is not due is read without a lock, so the session's
// cost per request should grow with -cpu 1,2,8 no more than the plain
// transport's does.
func BenchmarkOverheadParallel(b *testing.B) {
	stub := &stubTransport{res: http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}}
	now := time.Now()
	s := httpclient.New(&oauth2.Config{}, httpclient.Options{
		Base:  &http.Client{Transport: stub},
		Token: &oauth2.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.payload.signature", TokenType: "Bearer", ReceivedAt: now, Expiry: now.Add(time.Hour)},
	})
	for _, bc := range []struct {
		name string
		rt   http.RoundTripper
	}{{"plain", stub}, {"session", s.Client().Transport}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest(http.MethodGet, "http://rs.test/x", nil)
				for pb.Next() {
					res, err := bc.rt.RoundTrip(req)
					if err != nil {
						b.Error(err)
						return
					}
					res.Body.Close()
				}
			})
		})
	}
}
