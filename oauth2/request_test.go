package oauth2_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// okToken is a minimal valid token response.
const okToken = `{"access_token":"at-1","token_type":"Bearer","expires_in":300}`

// startTokenEndpoint starts a test server whose every request runs h and
// returns a Config pointing its token endpoint at it.
func startTokenEndpoint(t *testing.T, h http.HandlerFunc) *oauth2.Config {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &oauth2.Config{
		ClientID:     "client",
		ClientSecret: "client-secret",
		Endpoint:     oauth2.Endpoint{Issuer: srv.URL, TokenURL: srv.URL + "/token"},
		HTTPClient:   srv.Client(),
	}
}

// replyJSON writes body with a JSON content type and the given status.
func replyJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// virtualHosts maps host names (as.test, evil.test) to loopback listeners
// through the client's DialContext, so that tests see distinct hosts the
// way Go's redirect and cookie rules do: by host name, not by port.
type virtualHosts struct {
	mu    sync.Mutex
	addrs map[string]string
}

func newVirtualHosts() *virtualHosts { return &virtualHosts{addrs: map[string]string{}} }

// serve starts h as host (port 80 in URLs) and returns its base URL.
func (v *virtualHosts) serve(t *testing.T, host string, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	v.mu.Lock()
	v.addrs[host+":80"] = srv.Listener.Addr().String()
	v.mu.Unlock()
	return "http://" + host
}

// client returns a client that reaches only the served hosts. It follows
// redirects like any default client: the code under test must not.
func (v *virtualHosts) client(t *testing.T) *http.Client {
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		v.mu.Lock()
		target, ok := v.addrs[addr]
		v.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("test network: no host %s", addr)
		}
		return d.DialContext(ctx, network, target)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// countingHandler counts requests and records their bodies.
type countingHandler struct {
	n      atomic.Int32
	mu     sync.Mutex
	bodies []string
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.n.Add(1)
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	h.mu.Lock()
	h.bodies = append(h.bodies, string(b)+" "+r.Header.Get("Authorization"))
	h.mu.Unlock()
	replyJSON(w, 200, okToken)
}

func TestToken_TE11_RedirectNotFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			vh := newVirtualHosts()
			evil := &countingHandler{}
			evilURL := vh.serve(t, "evil.test", evil)
			asURL := vh.serve(t, "as.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, evilURL+"/token", status)
			}))
			cfg := &oauth2.Config{
				ClientID: "client", ClientSecret: "SENTINEL-CS",
				Endpoint:   oauth2.Endpoint{TokenURL: asURL + "/token"},
				HTTPClient: vh.client(t),
			}
			_, err := cfg.Token(context.Background(), oauth2.RefreshTokenGrant{RefreshToken: "SENTINEL-RT"})
			if !errors.Is(err, oauth2.ErrRedirect) {
				t.Fatalf("err = %v, want ErrRedirect", err)
			}
			if n := evil.n.Load(); n != 0 {
				t.Fatalf("evil.test received %d requests: %q", n, evil.bodies)
			}
			if !strings.Contains(err.Error(), "evil.test") {
				t.Errorf("error %q does not say where the redirect pointed", err)
			}
		})
	}
}

func TestToken_TE09_NonJSONBody(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"html login page 200", "text/html", "<html><body>Please log in\n<form>", 200},
		{"html 500", "text/html; charset=utf-8", "<html><h1>Internal Server Error</h1></html>", 500},
		{"form encoded", "application/x-www-form-urlencoded", "access_token=abc&token_type=bearer", 200},
		{"json array", "application/json", `["access_token"]`, 200},
		{"empty 502", "text/plain", "", 502},
		{"json without error member 400", "application/json", `{"message":"bad"}`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
			var re *oauth2.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v (%T), want *ResponseError", err, err)
			}
			if re.StatusCode != tc.status || re.ContentType != tc.contentType {
				t.Errorf("status, type = %d, %q; want %d, %q", re.StatusCode, re.ContentType, tc.status, tc.contentType)
			}
			want := strings.Join(strings.Fields(tc.body), " ")
			if re.Excerpt != want {
				t.Errorf("excerpt = %q, want %q", re.Excerpt, want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error text has a line break: %q", err)
			}
		})
	}
}

func TestToken_TE09_ExcerptBounded(t *testing.T) {
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(503)
		io.WriteString(w, strings.Repeat("<p>busy</p>\x1b[31m", 10000))
	})
	_, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	var re *oauth2.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *ResponseError", err)
	}
	if len(re.Excerpt) > 256+len("…") || strings.ContainsRune(re.Excerpt, 0x1b) {
		t.Errorf("excerpt not bounded or not sanitized: %d bytes %q", len(re.Excerpt), re.Excerpt)
	}
}

// memDelta runs f and returns the bytes allocated meanwhile (by the whole
// process: the test server included).
func memDelta(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestToken_TE13_BodyBombs(t *testing.T) {
	zeros := make([]byte, 64<<10)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	for i := 0; i < 160; i++ { // 10 MiB of zeros, about 10 KiB on the wire
		zw.Write(zeros)
	}
	zw.Close()

	cases := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"1 GB body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(1<<30))
			for i := 0; i < (1<<30)/len(zeros); i++ {
				if _, err := w.Write(zeros); err != nil {
					return
				}
			}
		}},
		{"endless chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for {
				if _, err := w.Write(zeros); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				t.Error("the client did not offer gzip: the test would not exercise decompression")
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := startTokenEndpoint(t, tc.handler)
			var err error
			alloc := memDelta(func() {
				_, err = cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
			})
			if !errors.Is(err, oauth2.ErrResponseTooLarge) {
				t.Fatalf("err = %v, want ErrResponseTooLarge", err)
			}
			if alloc > 64<<20 {
				t.Errorf("allocated %d MiB for a 1 MiB cap", alloc>>20)
			}
		})
	}
}

func TestToken_TE13_ShapeBombs(t *testing.T) {
	deep := strings.Repeat("[", 500000)
	var many strings.Builder
	many.WriteString(`{"token_type":"Bearer"`)
	for i := 0; i < 80000; i++ {
		fmt.Fprintf(&many, `,"k%d":0`, i)
	}
	many.WriteString("}")
	cases := []struct {
		name, body string
		check      func(error) bool
	}{
		{"nested arrays", deep, func(err error) bool { var re *oauth2.ResponseError; return errors.As(err, &re) }},
		{"nested in access_token", `{"access_token":` + deep, func(err error) bool { var re *oauth2.ResponseError; return errors.As(err, &re) }},
		{"80000 keys", many.String(), func(err error) bool { return errors.Is(err, oauth2.ErrMalformedResponse) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) { replyJSON(w, 200, tc.body) })
			_, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
			if !tc.check(err) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if len(err.Error()) > 1024 {
				t.Errorf("error text is %d bytes long", len(err.Error()))
			}
		})
	}
}

// rawServer answers each connection with the raw bytes of resp and closes
// it: for responses net/http refuses to write.
func rawServer(t *testing.T, resp string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, resp)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestToken_TE13_HugeContentLength(t *testing.T) {
	base := rawServer(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"+
		"Content-Length: 9223372036854775807\r\n\r\n"+okToken)
	cfg := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: base + "/token"}}
	var err error
	alloc := memDelta(func() { _, err = cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}) })
	if err == nil {
		t.Fatal("a truncated body was accepted")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, oauth2.ErrResponseTooLarge) {
		t.Errorf("err = %v, want an unexpected EOF", err)
	}
	if alloc > 16<<20 {
		t.Errorf("allocated %d MiB: Content-Length was trusted", alloc>>20)
	}
}

// waitGoroutines waits until the goroutine count is back to at most n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestToken_HT10_Stall(t *testing.T) {
	for _, afterHeaders := range []bool{false, true} {
		t.Run(fmt.Sprintf("after headers %v", afterHeaders), func(t *testing.T) {
			before := runtime.NumGoroutine()
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if afterHeaders {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(200)
					io.WriteString(w, `{"access_token":`)
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			tr := &http.Transport{}
			cfg := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: srv.URL},
				HTTPClient: &http.Client{Transport: tr}}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			_, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
			close(release)
			tr.CloseIdleConnections()
			srv.Close()
			waitGoroutines(t, before)
		})
	}
}

func TestToken_HT12_SentinelSecrets(t *testing.T) {
	sentinels := []string{"SENTINEL-CS", "SENTINEL-PW", "SENTINEL-RT", "SENTINEL-CV", "SENTINEL-CODE"}
	echoes := map[string]func(w http.ResponseWriter, echo string){
		"json error 400": func(w http.ResponseWriter, echo string) {
			replyJSON(w, 400, fmt.Sprintf(`{"error":"invalid_grant","error_description":%q,"error_uri":%q}`, echo, "https://as/"+echo))
		},
		"json error 200": func(w http.ResponseWriter, echo string) {
			replyJSON(w, 200, fmt.Sprintf(`{"error":%q}`, echo))
		},
		"html 500": func(w http.ResponseWriter, echo string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			io.WriteString(w, "<html><pre>"+echo+"</pre></html>")
		},
		"header echo": func(w http.ResponseWriter, echo string) {
			w.Header().Set("X-Echo", echo)
			replyJSON(w, 401, `{"error":"invalid_client"}`)
		},
		"redirect": func(w http.ResponseWriter, echo string) {
			w.Header().Set("Location", "https://evil.test/?"+echo)
			w.WriteHeader(307)
		},
		"bad token type": func(w http.ResponseWriter, echo string) {
			replyJSON(w, 200, fmt.Sprintf(`{"access_token":"x","token_type":%q}`, echo))
		},
	}
	grants := map[string]oauth2.Grant{
		"password":      oauth2.PasswordGrant{Username: "alice", Password: "SENTINEL-PW"},
		"refresh":       oauth2.RefreshTokenGrant{RefreshToken: "SENTINEL-RT"},
		"code":          oauth2.AuthorizationCodeGrant{Code: "SENTINEL-CODE", CodeVerifier: "SENTINEL-CV"},
		"client creds":  oauth2.ClientCredentialsGrant{},
		"custom (post)": oauth2.CustomGrant{Type: "urn:x", Params: url.Values{"password": {"SENTINEL-PW"}}},
	}
	auths := map[string]oauth2.ClientAuthenticator{
		"basic": oauth2.ClientSecretBasic{}, "post": oauth2.ClientSecretPost{}, "jwt": oauth2.ClientSecretJWT{},
	}
	for echoName, echo := range echoes {
		for grantName, g := range grants {
			for authName, auth := range auths {
				t.Run(echoName+"/"+grantName+"/"+authName, func(t *testing.T) {
					cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
						b, _ := io.ReadAll(r.Body)
						user, pass, _ := r.BasicAuth()
						echo(w, string(b)+" "+r.Header.Get("Authorization")+" "+user+":"+pass)
					})
					cfg.ClientSecret = "SENTINEL-CS-0123456789abcdef0123456789"
					cfg.AuthMethod = auth
					var seen []*oauth2.HTTPExchange
					cfg.Observer = func(ex *oauth2.HTTPExchange) { seen = append(seen, ex) }
					_, err := cfg.Token(context.Background(), g)
					if err == nil {
						t.Fatal("no error")
					}
					texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
					var oe *oauth2.Error
					if errors.As(err, &oe) {
						texts = append(texts, string(oe.Body), fmt.Sprint(oe.Header))
					}
					var re *oauth2.ResponseError
					if errors.As(err, &re) {
						texts = append(texts, fmt.Sprint(re.Header))
					}
					if len(seen) != 1 {
						t.Fatalf("observer saw %d exchanges", len(seen))
					}
					ex := seen[0]
					texts = append(texts, fmt.Sprintf("%+v", *ex), string(ex.ResponseBody),
						fmt.Sprint(ex.Form), fmt.Sprint(ex.RequestHeader), fmt.Sprint(ex.ResponseHeader))
					for _, text := range texts {
						for _, s := range sentinels {
							if strings.Contains(text, s) {
								t.Errorf("%s leaked in %q", s, text)
							}
						}
						for _, v := range ex.Form["client_assertion"] {
							if v != "[redacted]" || (len(v) > 20 && strings.Contains(text, v)) {
								t.Errorf("client assertion not redacted: %q", v)
							}
						}
					}
				})
			}
		}
	}
}

func TestObserver_RevealSecrets(t *testing.T) {
	for _, reveal := range []bool{false, true} {
		t.Run(fmt.Sprint(reveal), func(t *testing.T) {
			cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
				replyJSON(w, 200, `{"access_token":"SENTINEL-AT","token_type":"Bearer","refresh_token":"SENTINEL-RT2","session_state":"s"}`)
			})
			cfg.ClientSecret = "SENTINEL-CS"
			cfg.RevealSecrets = reveal
			var ex *oauth2.HTTPExchange
			cfg.Observer = func(e *oauth2.HTTPExchange) { ex = e }
			if _, err := cfg.Token(context.Background(), oauth2.PasswordGrant{Username: "alice", Password: "SENTINEL-PW"}); err != nil {
				t.Fatal(err)
			}
			if ex == nil || ex.Method != "POST" || ex.StatusCode != 200 || ex.URL != cfg.Endpoint.TokenURL {
				t.Fatalf("exchange = %+v", ex)
			}
			if got := ex.Form.Get("username"); got != "alice" {
				t.Errorf("username = %q, want it shown", got)
			}
			all := fmt.Sprintf("%v %v %s", ex.Form, ex.RequestHeader, ex.ResponseBody)
			for _, s := range []string{"SENTINEL-PW", "SENTINEL-AT", "SENTINEL-RT2"} {
				if strings.Contains(all, s) != reveal {
					t.Errorf("%s shown = %v, want %v: %s", s, !reveal, reveal, all)
				}
			}
			if !strings.Contains(string(ex.ResponseBody), `"session_state":"s"`) {
				t.Errorf("non-secret member hidden: %s", ex.ResponseBody)
			}
			auth := ex.RequestHeader.Get("Authorization")
			if reveal != (auth != "Basic [redacted]") || !strings.HasPrefix(auth, "Basic ") {
				t.Errorf("Authorization = %q with RevealSecrets %v", auth, reveal)
			}
		})
	}
}

func TestToken_ExtraParamsRepeated(t *testing.T) {
	var got url.Values
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.PostForm
		replyJSON(w, 200, okToken)
	})
	cfg.Scopes = []string{"fallback"}
	g := oauth2.ClientCredentialsGrant{
		Scopes: []string{"read", "write"},
		Extra:  url.Values{"resource": {"https://a.example/", "https://b.example/"}, "audience": {"api"}},
	}
	if _, err := cfg.Token(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"grant_type": {"client_credentials"}, "scope": {"read write"},
		"resource": {"https://a.example/", "https://b.example/"}, "audience": {"api"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("form = %v, want %v", got, want)
	}
	if len(g.Extra["resource"]) != 2 || g.Extra.Get("scope") != "" {
		t.Errorf("the grant's Extra was modified: %v", g.Extra)
	}
}

func TestToken_ScopeFallback(t *testing.T) {
	var got []string
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = append(got, r.PostForm.Get("grant_type")+"="+r.PostForm.Get("scope"))
		replyJSON(w, 200, okToken)
	})
	cfg.Scopes = []string{"openid", "profile"}
	ctx := context.Background()
	cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	cfg.Token(ctx, oauth2.PasswordGrant{Username: "u", Password: "p"})
	cfg.Token(ctx, oauth2.RefreshTokenGrant{RefreshToken: "rt"})
	cfg.Token(ctx, oauth2.PasswordGrant{Username: "u", Password: "p", Scopes: []string{"email"}})
	want := []string{"client_credentials=openid profile", "password=openid profile", "refresh_token=", "password=email"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("scopes sent = %q, want %q", got, want)
	}
}

func TestToken_InvalidConfig(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		cfg  *oauth2.Config
		g    oauth2.Grant
		want error
	}{
		"no token url":     {&oauth2.Config{ClientID: "c"}, oauth2.ClientCredentialsGrant{}, oauth2.ErrMissingEndpoint},
		"file url":         {&oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: "file:///etc/passwd"}}, oauth2.ClientCredentialsGrant{}, oauth2.ErrInvalidConfig},
		"no username":      {&oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1"}}, oauth2.PasswordGrant{}, oauth2.ErrInvalidConfig},
		"no refresh token": {&oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1"}}, oauth2.RefreshTokenGrant{}, oauth2.ErrInvalidConfig},
		"no code":          {&oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1"}}, oauth2.AuthorizationCodeGrant{}, oauth2.ErrInvalidConfig},
		"no client id":     {&oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1"}}, oauth2.ClientCredentialsGrant{}, oauth2.ErrInvalidConfig},
		"custom no type":   {&oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1"}}, oauth2.CustomGrant{}, oauth2.ErrInvalidConfig},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.cfg.Token(ctx, tc.g); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
