package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Sentinel secrets planted in requests; no error may contain them.
const (
	extSecret     = "SENTINEL-CS"
	extDeviceCode = "SENTINEL-DC"
)

// extClock is a fake clock whose Wait advances time instead of sleeping.
type extClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newExtClock() *extClock {
	return &extClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *extClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *extClock) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *extClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// extConfig starts a server and returns a confidential client whose every
// endpoint is on it: /token, /device, /par, /introspect, /revoke.
func extConfig(t *testing.T, h http.HandlerFunc) (*Config, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Config{
		ClientID:     "client",
		ClientSecret: extSecret,
		Endpoint: Endpoint{
			Issuer:                        srv.URL,
			AuthorizationURL:              srv.URL + "/authorize",
			TokenURL:                      srv.URL + "/token",
			DeviceAuthorizationURL:        srv.URL + "/device",
			PushedAuthorizationRequestURL: srv.URL + "/par",
			IntrospectionURL:              srv.URL + "/introspect",
			RevocationURL:                 srv.URL + "/revoke",
		},
		HTTPClient: srv.Client(),
	}, srv
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// assertNoSecret fails when err's text holds a planted secret.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, extSecret, extDeviceCode) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks a secret", err)
		}
	}
}

func deviceResponse(extra string) string {
	return `{"device_code":"` + extDeviceCode + `","user_code":"WDJB-MJHT","verification_uri":"https://as.test/device"` + extra + `}`
}

func TestDeviceAuthorization_Request(t *testing.T) {
	var got url.Values
	var user string
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.PostForm
		user, _, _ = r.BasicAuth()
		writeJSON(w, 200, deviceResponse(`,"verification_uri_complete":"https://as.test/device?user_code=WDJB-MJHT","expires_in":1800,"interval":7,"x":1`))
	})
	clock := newExtClock()
	c.Clock = clock.Now
	c.Scopes = []string{"openid"}
	da, err := c.DeviceAuthorization(context.Background(), []string{"a", "b"}, url.Values{"audience": {"api"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("scope") != "a b" || got.Get("audience") != "api" || user != "client" {
		t.Errorf("request form %v, basic user %q", got, user)
	}
	want := DeviceAuthorization{
		DeviceCode: extDeviceCode, UserCode: "WDJB-MJHT", VerificationURI: "https://as.test/device",
		VerificationURIComplete: "https://as.test/device?user_code=WDJB-MJHT",
		Expiry:                  clock.Now().Add(1800 * time.Second), Interval: 7 * time.Second, ReceivedAt: clock.Now(),
	}
	if da.DeviceCode != want.DeviceCode || da.UserCode != want.UserCode || da.VerificationURI != want.VerificationURI ||
		da.VerificationURIComplete != want.VerificationURIComplete || !da.Expiry.Equal(want.Expiry) ||
		da.Interval != want.Interval || !da.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("got %+v, want %+v", da, want)
	}
	if string(da.Extra["x"]) != "1" {
		t.Errorf("extra members lost: %v", da.Extra)
	}
}

func TestDeviceAuthorization_PublicClientSendsClientID(t *testing.T) {
	var got url.Values
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.PostForm
		writeJSON(w, 200, deviceResponse(""))
	})
	c.ClientSecret = ""
	if _, err := c.DeviceAuthorization(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if got.Get("client_id") != "client" || got.Has("scope") {
		t.Errorf("form %v", got)
	}
}

func TestDeviceAuthorization_ErrorResponse(t *testing.T) {
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"error":"invalid_client","error_description":"bad"}`)
	})
	_, err := c.DeviceAuthorization(context.Background(), nil, nil)
	if !errors.Is(err, &Error{Code: ErrorInvalidClient}) {
		t.Fatalf("err = %v, want invalid_client", err)
	}
	assertNoSecret(t, err)
}

func TestParseDeviceAuthorization_Malformed(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, body := range []string{
		`[]`, `null`, `{"user_code":"u","verification_uri":"https://a"}`,
		`{"device_code":"d","verification_uri":"https://a"}`,
		`{"device_code":"d","user_code":"u"}`,
		`{"device_code":5,"user_code":"u","verification_uri":"https://a"}`,
		`{"device_code":"d","user_code":"u","verification_uri":"https://a","expires_in":"abc"}`,
		`{"device_code":"d","user_code":"u","verification_uri":"https://a","interval":true}`,
		`{"device_code":"d","device_code":"e","user_code":"u","verification_uri":"https://a"}`,
	} {
		if _, err := parseDeviceAuthorization([]byte(body), now); !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("%s: err = %v, want ErrMalformedResponse", body, err)
		}
	}
}

func TestParseDeviceAuthorization_VerificationURL(t *testing.T) {
	da, err := parseDeviceAuthorization([]byte(`{"device_code":"d","user_code":"u","verification_url":"https://a/x"}`), time.Now())
	if err != nil || da.VerificationURI != "https://a/x" {
		t.Fatalf("da = %+v, err = %v", da, err)
	}
}

func TestDeviceAuthorization_TE15_UnsafeVerificationURIs(t *testing.T) {
	for _, u := range []string{"javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "//as.test/x", "ftp://as.test/"} {
		body := fmt.Sprintf(`{"device_code":"d","user_code":"u","verification_uri":%q}`, u)
		if _, err := parseDeviceAuthorization([]byte(body), time.Now()); !errors.Is(err, ErrUnsafeVerificationURI) {
			t.Errorf("verification_uri %q: err = %v, want ErrUnsafeVerificationURI", u, err)
		}
		body = fmt.Sprintf(`{"device_code":"d","user_code":"u","verification_uri":"https://as.test/d","verification_uri_complete":%q}`, u)
		da, err := parseDeviceAuthorization([]byte(body), time.Now())
		if err != nil || da.VerificationURIComplete != "" {
			t.Errorf("verification_uri_complete %q: kept %q, err %v", u, da.VerificationURIComplete, err)
		}
	}
}

func TestDeviceAuthorization_TE15_Interval(t *testing.T) {
	for _, tc := range []struct {
		interval string
		want     time.Duration
	}{
		{`0`, 5 * time.Second},
		{`-1`, 5 * time.Second},
		{`0.5`, 5 * time.Second},
		{`1e9`, maxDeviceInterval},
		{`1e999`, maxDeviceInterval},
		{`"10"`, 10 * time.Second},
		{`null`, 5 * time.Second},
		{`3`, 3 * time.Second},
	} {
		da, err := parseDeviceAuthorization([]byte(deviceResponse(`,"interval":`+tc.interval)), time.Now())
		if err != nil {
			t.Errorf("interval %s: %v", tc.interval, err)
			continue
		}
		if da.Interval != tc.want {
			t.Errorf("interval %s: got %v, want %v", tc.interval, da.Interval, tc.want)
		}
	}
}

// deviceAS is a token endpoint that answers device polls from a script.
type deviceAS struct {
	polls   atomic.Int32
	answers func(n int) (int, string)
}

func (a *deviceAS) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("grant_type") != GrantTypeDeviceCode || r.PostForm.Get("device_code") != extDeviceCode {
			t.Errorf("poll form %v", r.PostForm)
		}
		n := int(a.polls.Add(1))
		status, body := a.answers(n)
		writeJSON(w, status, body)
	}
}

func pollSetup(t *testing.T, answers func(n int) (int, string)) (*Config, *extClock, *deviceAS, *DeviceAuthorization) {
	as := &deviceAS{answers: answers}
	c, _ := extConfig(t, as.handler(t))
	clock := newExtClock()
	c.Clock = clock.Now
	da := &DeviceAuthorization{
		DeviceCode: extDeviceCode, Interval: 5 * time.Second,
		ReceivedAt: clock.Now(), Expiry: clock.Now().Add(10 * time.Minute), Wait: clock.Wait,
	}
	return c, clock, as, da
}

func TestPollDeviceToken_PendingThenToken(t *testing.T) {
	c, clock, as, da := pollSetup(t, func(n int) (int, string) {
		if n < 3 {
			return 400, `{"error":"authorization_pending"}`
		}
		return 200, `{"access_token":"AT","token_type":"Bearer","expires_in":60}`
	})
	tok, err := c.PollDeviceToken(context.Background(), da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "AT" || as.polls.Load() != 3 {
		t.Errorf("token %+v after %d polls", tok, as.polls.Load())
	}
	for _, w := range clock.Waits() {
		if w != 5*time.Second {
			t.Errorf("waited %v, want 5s", clock.Waits())
		}
	}
}

func TestPollDeviceToken_TE15_SlowDownAddsFiveSeconds(t *testing.T) {
	c, clock, _, da := pollSetup(t, func(n int) (int, string) {
		switch n {
		case 1, 3:
			return 400, `{"error":"slow_down"}`
		case 2, 4:
			return 400, `{"error":"authorization_pending"}`
		}
		return 200, `{"access_token":"AT","token_type":"Bearer"}`
	})
	if _, err := c.PollDeviceToken(context.Background(), da); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 10 * time.Second, 15 * time.Second, 15 * time.Second}
	if got := clock.Waits(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

func TestPollDeviceToken_TE15_EndlessPendingStopsAtExpiry(t *testing.T) {
	c, clock, as, da := pollSetup(t, func(int) (int, string) { return 400, `{"error":"authorization_pending"}` })
	start := clock.Now()
	_, err := c.PollDeviceToken(context.Background(), da)
	if !errors.Is(err, ErrDeviceCodeExpired) {
		t.Fatalf("err = %v, want ErrDeviceCodeExpired", err)
	}
	if elapsed := clock.Now().Sub(start); elapsed > 10*time.Minute {
		t.Errorf("polled for %v past a 10 min expiry", elapsed)
	}
	if n := as.polls.Load(); n > 120 {
		t.Errorf("%d polls in 10 min at a 5 s interval", n)
	}
}

func TestPollDeviceToken_TE15_SlowDownEveryPoll(t *testing.T) {
	c, clock, as, da := pollSetup(t, func(int) (int, string) { return 400, `{"error":"slow_down"}` })
	_, err := c.PollDeviceToken(context.Background(), da)
	if !errors.Is(err, ErrDeviceCodeExpired) {
		t.Fatalf("err = %v, want ErrDeviceCodeExpired", err)
	}
	waits := clock.Waits()
	for i := 1; i < len(waits)-1; i++ {
		if waits[i] != waits[i-1]+5*time.Second {
			t.Errorf("waits %v do not grow by 5 s", waits)
			break
		}
	}
	if n := as.polls.Load(); n > 16 {
		t.Errorf("%d polls", n)
	}
}

func TestPollDeviceToken_TE15_NoExpiresInDefaultCap(t *testing.T) {
	c, clock, _, da := pollSetup(t, func(int) (int, string) { return 400, `{"error":"authorization_pending"}` })
	da.Expiry = time.Time{}
	da.Interval = maxDeviceInterval
	start := clock.Now()
	_, err := c.PollDeviceToken(context.Background(), da)
	if !errors.Is(err, ErrDeviceCodeExpired) {
		t.Fatalf("err = %v, want ErrDeviceCodeExpired", err)
	}
	if got := clock.Now().Sub(start); got != defaultDeviceExpiry {
		t.Errorf("stopped after %v, want %v", got, defaultDeviceExpiry)
	}
}

func TestPollDeviceToken_TE15_TerminalErrors(t *testing.T) {
	for _, code := range []string{ErrorAccessDenied, ErrorExpiredToken, ErrorInvalidGrant} {
		c, _, as, da := pollSetup(t, func(int) (int, string) { return 400, `{"error":"` + code + `"}` })
		_, err := c.PollDeviceToken(context.Background(), da)
		var e *Error
		if !errors.As(err, &e) || e.Code != code {
			t.Errorf("%s: err = %v", code, err)
		}
		if as.polls.Load() != 1 {
			t.Errorf("%s: %d polls, want 1", code, as.polls.Load())
		}
		assertNoSecret(t, err)
	}
}

func TestPollDeviceToken_TE15_NonOAuthErrorEnds(t *testing.T) {
	c, _, as, da := pollSetup(t, func(int) (int, string) { return 502, `<html>bad gateway</html>` })
	_, err := c.PollDeviceToken(context.Background(), da)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 502 || as.polls.Load() != 1 {
		t.Errorf("err = %v after %d polls", err, as.polls.Load())
	}
}

func TestPollDeviceToken_ContextCancelEndsAtOnce(t *testing.T) {
	c, _, as, da := pollSetup(t, func(int) (int, string) { return 400, `{"error":"authorization_pending"}` })
	da.Wait = nil // the real timer, cancelled below
	da.Interval = maxDeviceInterval
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.PollDeviceToken(ctx, da)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PollDeviceToken did not return after cancel")
	}
	if as.polls.Load() != 0 {
		t.Errorf("%d polls after cancel", as.polls.Load())
	}
}

func TestPollDeviceToken_InvalidInput(t *testing.T) {
	c := &Config{}
	if _, err := c.PollDeviceToken(context.Background(), nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil: %v", err)
	}
	if _, err := (DeviceCodeGrant{}).Form(context.Background(), c); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty grant: %v", err)
	}
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  time.Duration
		known bool
		bad   bool
	}{
		{`5`, 5 * time.Second, true, false},
		{`"5"`, 5 * time.Second, true, false},
		{`5.9`, 5 * time.Second, true, false},
		{`null`, 0, false, false},
		{`-3`, -3 * time.Second, true, false},
		{`1e999`, maxSeconds * time.Second, true, false},
		{`"abc"`, 0, false, true},
		{`true`, 0, false, true},
		{`"NaN"`, 0, false, true},
		{`"0x10"`, 0, false, true},
		{`""`, 0, false, true},
	} {
		d, known, err := parseSeconds(json.RawMessage(tc.in))
		if (err != nil) != tc.bad || d != tc.want || known != tc.known {
			t.Errorf("%s: got %v %v %v", tc.in, d, known, err)
		}
	}
}

func ExampleConfig_PollDeviceToken() {
	cfg := &Config{
		ClientID: "tv-app",
		Endpoint: Endpoint{
			DeviceAuthorizationURL: "https://as.example/device",
			TokenURL:               "https://as.example/token",
		},
	}
	ctx := context.Background()
	da, err := cfg.DeviceAuthorization(ctx, []string{"openid"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Visit %s and enter %s\n", da.VerificationURI, da.UserCode)
	tok, err := cfg.PollDeviceToken(ctx, da)
	if err != nil {
		fmt.Println(err) // access_denied, expired_token, ErrDeviceCodeExpired, ...
		return
	}
	fmt.Println("signed in; token expires at", tok.Expiry)
}
