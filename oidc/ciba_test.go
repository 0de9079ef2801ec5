package oidc

import (
	"context"
	"errors"
	"github.com/oauthkit/oauthkit/internal/wire"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

const cibaAuthReqID = "SENTINEL-AUTH-REQ-ID"

// cibaServer is a CIBA provider: /bc-authorize answers authBody, /token
// answers the bodies of tokenBodies in turn (the last one repeats).
func cibaServer(t *testing.T, authStatus int, authBody string, tokenBodies ...string) (*oauth2.Config, *atomic.Int32, *[]string) {
	var polls atomic.Int32
	var forms []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/bc-authorize":
			forms = append(forms, r.PostForm.Encode())
			w.WriteHeader(authStatus)
			io.WriteString(w, authBody)
		case "/token":
			n := int(polls.Add(1))
			body := tokenBodies[min(n, len(tokenBodies))-1]
			if strings.Contains(body, `"error"`) {
				w.WriteHeader(http.StatusBadRequest)
			}
			io.WriteString(w, body)
		}
	}))
	t.Cleanup(srv.Close)
	return &oauth2.Config{ClientID: "c", ClientSecret: "SENTINEL-CS", Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/token", Issuer: srv.URL}, HTTPClient: srv.Client()}, &polls, &forms
}

func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func TestCIBA_PollApproved(t *testing.T) {
	cfg, polls, forms := cibaServer(t, 200, `{"auth_req_id":"`+cibaAuthReqID+`","expires_in":120,"interval":2}`,
		`{"error":"authorization_pending"}`, `{"error":"slow_down"}`, `{"access_token":"at","token_type":"Bearer","id_token":"x.y.z"}`)
	var seen []*oauth2.HTTPExchange
	cfg.Observer = func(ex *oauth2.HTTPExchange) { seen = append(seen, ex) }
	ba, err := BackchannelAuthenticate(context.Background(), cfg, cfg.Endpoint.Issuer+"/bc-authorize", BackchannelAuthenticationRequest{
		LoginHint: "alice", BindingMessage: "W4SCT", RequestedExpiry: 90 * time.Second, Scopes: []string{"profile"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ba.AuthReqID != cibaAuthReqID || ba.Interval != 2*time.Second || time.Until(ba.Expiry) > 121*time.Second {
		t.Errorf("%+v", ba)
	}
	if got := (*forms)[0]; got != "binding_message=W4SCT&login_hint=alice&requested_expiry=90&scope=openid+profile" {
		t.Errorf("form %s", got)
	}
	var waits []time.Duration
	ba.Wait = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	tok, err := PollBackchannelToken(context.Background(), cfg, ba)
	if err != nil || tok.AccessToken != "at" {
		t.Fatalf("%v %+v", err, tok)
	}
	if polls.Load() != 3 || len(waits) != 3 || waits[2] != 7*time.Second {
		t.Errorf("%d polls, waits %v (slow_down adds 5 s)", polls.Load(), waits)
	}
	for _, ex := range seen {
		s := ex.Form.Encode() + string(ex.ResponseBody) + ex.RequestHeader.Get("Authorization")
		if strings.Contains(s, "SENTINEL") {
			t.Errorf("the observer saw a credential: %s %s: %s", ex.Method, ex.URL, s)
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d exchanges observed, want 4", len(seen))
	}
}

// CB-01: a denial or a server-side expiry ends polling with the error.
func TestCIBA_CB01_DeniedOrExpired(t *testing.T) {
	for _, code := range []string{oauth2.ErrorAccessDenied, oauth2.ErrorExpiredToken} {
		cfg, polls, _ := cibaServer(t, 200, `{"auth_req_id":"r","expires_in":60}`, `{"error":"`+code+`"}`)
		ba, err := BackchannelAuthenticate(context.Background(), cfg, cfg.Endpoint.Issuer+"/bc-authorize", BackchannelAuthenticationRequest{LoginHint: "a"})
		if err != nil {
			t.Fatal(err)
		}
		ba.Wait = func(context.Context, time.Duration) error { return nil }
		if _, err := PollBackchannelToken(context.Background(), cfg, ba); !errors.Is(err, &oauth2.Error{Code: code}) || polls.Load() != 1 {
			t.Errorf("%s: %v after %d polls", code, err, polls.Load())
		}
	}
}

// CB-02: a provider that answers authorization_pending forever: polling
// stops at expires_in, whatever it says (capped), and with the context.
func TestCIBA_CB02_PendingForever(t *testing.T) {
	cfg, _, _ := cibaServer(t, 200, `{"auth_req_id":"r","expires_in":9999999999}`, `{"error":"authorization_pending"}`)
	now := time.Now()
	cfg.Clock = func() time.Time { return now }
	ba, err := BackchannelAuthenticate(context.Background(), cfg, cfg.Endpoint.Issuer+"/bc-authorize", BackchannelAuthenticationRequest{LoginHint: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if ba.Expiry.Sub(now) != maxCIBAExpiry {
		t.Errorf("expiry %s, want the %s cap", ba.Expiry.Sub(now), maxCIBAExpiry)
	}
	ba.Wait = func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }
	if _, err := PollBackchannelToken(context.Background(), cfg, ba); !errors.Is(err, ErrCIBAExpired) {
		t.Errorf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ba.Wait = noWait
	if _, err := PollBackchannelToken(ctx, cfg, &BackchannelAuthentication{AuthReqID: "r", Expiry: time.Now().Add(time.Hour), Interval: time.Second, Wait: noWait}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// CB-03: malformed authentication responses and error responses are typed.
func TestCIBA_CB03_BadResponses(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		want   error
	}{
		"no auth_req_id":      {200, `{"expires_in":60}`, ErrCIBAResponse},
		"no expires_in":       {200, `{"auth_req_id":"r"}`, ErrCIBAResponse},
		"negative expires_in": {200, `{"auth_req_id":"r","expires_in":-1}`, ErrCIBAResponse},
		"interval string":     {200, `{"auth_req_id":"r","expires_in":60,"interval":"5"}`, ErrCIBAResponse},
		"unknown user":        {400, `{"error":"unknown_user_id","error_description":"no"}`, &oauth2.Error{Code: "unknown_user_id"}},
		"error with 200":      {200, `{"error":"access_denied"}`, &oauth2.Error{Code: oauth2.ErrorAccessDenied}},
	} {
		cfg, _, _ := cibaServer(t, tc.status, tc.body, `{}`)
		_, err := BackchannelAuthenticate(context.Background(), cfg, cfg.Endpoint.Issuer+"/bc-authorize", BackchannelAuthenticationRequest{LoginHint: "a"})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var re *oauth2.ResponseError
	cfg, _, _ := cibaServer(t, 502, `<html>bad gateway</html>`, `{}`)
	if _, err := BackchannelAuthenticate(context.Background(), cfg, cfg.Endpoint.Issuer+"/bc-authorize", BackchannelAuthenticationRequest{LoginHint: "a"}); !errors.As(err, &re) || re.StatusCode != 502 {
		t.Errorf("HTML: %v", err)
	}
}

func TestCIBA_RequestRules(t *testing.T) {
	cfg := &oauth2.Config{}
	for _, r := range []BackchannelAuthenticationRequest{{}, {LoginHint: "a", IDTokenHint: "b"}} {
		if _, err := BackchannelAuthenticate(context.Background(), cfg, "https://op.example/bc", r); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", r, err)
		}
	}
	if _, err := BackchannelAuthenticate(context.Background(), cfg, "http://op.example/bc", BackchannelAuthenticationRequest{LoginHint: "a"}); !errors.Is(err, oauth2.ErrInsecureURL) {
		t.Errorf("http endpoint: %v", err)
	}
	f, err := (&BackchannelAuthenticationRequest{Request: "signed.request.object", LoginHint: "ignored"}).form()
	if err != nil || f.Encode() != "request=signed.request.object" {
		t.Errorf("signed request: %v %s", err, f.Encode())
	}
}

func FuzzParseBackchannelAuthentication(f *testing.F) {
	f.Add(200, []byte(`{"auth_req_id":"r","expires_in":120,"interval":5}`))
	f.Add(400, []byte(`{"error":"unknown_user_id"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		res := &wire.Response{StatusCode: status, Header: http.Header{}, Body: body}
		res.Secrets.Add("SENTINEL-CS")
		ba, err := parseBackchannelAuthentication(res, time.Unix(1e9, 0))
		if err == nil && (ba.AuthReqID == "" || ba.Interval < time.Second || ba.Expiry.Sub(time.Unix(1e9, 0)) > maxCIBAExpiry) {
			t.Fatalf("accepted %+v", ba)
		}
	})
}

// CB-04: a ping notification must carry the client notification token.
func TestCIBA_CB04_PingNotification(t *testing.T) {
	mk := func(method, auth, body string) *http.Request {
		r := httptest.NewRequest(method, "https://rp.example/ciba/notify", strings.NewReader(body))
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	if id, err := ParsePingNotification(mk("POST", "Bearer SENTINEL-CNT", `{"auth_req_id":"r-1"}`), "SENTINEL-CNT"); err != nil || id != "r-1" {
		t.Errorf("valid: %q %v", id, err)
	}
	for name, r := range map[string]*http.Request{
		"no token":      mk("POST", "", `{"auth_req_id":"r-1"}`),
		"other token":   mk("POST", "Bearer forged", `{"auth_req_id":"r-1"}`),
		"basic":         mk("POST", "Basic SENTINEL-CNT", `{"auth_req_id":"r-1"}`),
		"no auth_req":   mk("POST", "Bearer SENTINEL-CNT", `{}`),
		"GET":           mk("GET", "Bearer SENTINEL-CNT", ``),
		"oversize body": mk("POST", "Bearer SENTINEL-CNT", `{"auth_req_id":"`+strings.Repeat("a", maxPingNotification)+`"}`),
	} {
		if _, err := ParsePingNotification(r, "SENTINEL-CNT"); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := ParsePingNotification(mk("POST", "Bearer ", `{"auth_req_id":"r"}`), ""); !errors.Is(err, ErrPingNotification) {
		t.Errorf("empty expected token: %v", err)
	}
}

func TestCIBA_SignedRequest(t *testing.T) {
	key := jose.JWK{KeyID: "c-1", Key: mustEC()}
	pub, _ := key.Public()
	now := time.Now()
	r, err := SignBackchannelRequest(BackchannelAuthenticationRequest{LoginHint: "alice", BindingMessage: "W4SCT", RequestedExpiry: time.Minute,
		Extra: url.Values{"x": {"1"}}}, key, jose.ES256, "client-1", testIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := r.form()
	if f.Get("x") != "1" || f.Get("login_hint") != "" || f.Get("request") == "" {
		t.Errorf("form %v", f)
	}
	_, c, err := jose.VerifyJWT(context.Background(), r.Request, jose.StaticKeySet{pub}, jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.ES256}},
		jose.Expected{Issuer: "client-1", Audience: testIssuer, RequireExpiry: true, RequireIssuedAt: true})
	if err != nil {
		t.Fatal(err)
	}
	if hint, _, _ := c.StringClaim("login_hint"); hint != "alice" || c.ID == "" || c.NotBefore == nil || c.Has("x") {
		t.Errorf("claims %s", c.Raw())
	}
	if raw, _ := c.Member("requested_expiry"); string(raw) != "60" {
		t.Errorf("requested_expiry %s", raw)
	}
	if _, err := SignBackchannelRequest(BackchannelAuthenticationRequest{}, key, jose.ES256, "c", testIssuer, now); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no hint: %v", err)
	}
}

func TestProvider_CIBAMetadata(t *testing.T) {
	ts := newTestServer(t)
	ts.set(func() {
		ts.discovery = func(issuer string) any {
			d := discoveryDoc(issuer)
			d["backchannel_authentication_endpoint"] = issuer + "/bc-authorize"
			d["backchannel_token_delivery_modes_supported"] = []string{"poll", "ping"}
			return d
		}
	})
	p, _ := providerFor(t, ts)
	m, err := p.CIBA()
	if err != nil || m.BackchannelAuthenticationEndpoint != ts.URL+"/bc-authorize" || len(m.BackchannelTokenDeliveryModesSupported) != 2 {
		t.Fatalf("%v %+v", err, m)
	}
}
