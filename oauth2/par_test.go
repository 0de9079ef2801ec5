package oauth2

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPushAuthorizationRequest(t *testing.T) {
	var got url.Values
	var user, pass string
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/par" || r.Method != http.MethodPost {
			t.Errorf("%s %s", r.Method, r.URL)
		}
		r.ParseForm()
		got = r.PostForm
		user, pass, _ = r.BasicAuth()
		writeJSON(w, 201, `{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}`)
	})
	clock := newExtClock()
	c.Clock = clock.Now
	params := url.Values{"response_type": {"code"}, "redirect_uri": {"https://client.test/cb"}, "state": {"xyz"}, "code_challenge": {"abc"}}
	pa, err := c.PushAuthorizationRequest(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if pa.RequestURI != "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c" || pa.ExpiresIn != time.Minute ||
		!pa.Expiry.Equal(clock.Now().Add(time.Minute)) {
		t.Errorf("response %+v", pa)
	}
	if got.Get("client_id") != "client" || got.Get("response_type") != "code" || got.Get("state") != "xyz" || user != "client" || pass != extSecret {
		t.Errorf("form %v, basic %q", got, user)
	}
	if params.Has("client_id") {
		t.Error("the caller's params were modified")
	}

	u, err := c.PushedAuthorizationURL(pa)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := url.Parse(u)
	q := parsed.Query()
	if len(q) != 2 || q.Get("client_id") != "client" || q.Get("request_uri") != pa.RequestURI || !strings.HasPrefix(u, c.Endpoint.AuthorizationURL+"?") {
		t.Errorf("authorization URL %s", u)
	}
}

func TestPushAuthorizationRequest_Refusals(t *testing.T) {
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	if _, err := c.PushAuthorizationRequest(context.Background(), url.Values{"request_uri": {"urn:x"}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("request_uri: %v", err)
	}
	c.Endpoint.PushedAuthorizationRequestURL = ""
	if _, err := c.PushAuthorizationRequest(context.Background(), url.Values{}); !errors.Is(err, ErrMissingEndpoint) {
		t.Errorf("no endpoint: %v", err)
	}
	if _, err := c.PushedAuthorizationURL(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil: %v", err)
	}
}

func TestPushAuthorizationRequest_ErrorResponse(t *testing.T) {
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"error":"invalid_request","error_description":"redirect_uri not allowed"}`)
	})
	_, err := c.PushAuthorizationRequest(context.Background(), url.Values{"response_type": {"code"}})
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrorInvalidRequest || e.StatusCode != 400 {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err)
}

func TestParsePushedAuthorization_Malformed(t *testing.T) {
	for _, body := range []string{
		`{}`, `{"request_uri":"u"}`, `{"expires_in":60}`, `{"request_uri":"","expires_in":60}`,
		`{"request_uri":"u","expires_in":0}`, `{"request_uri":"u","expires_in":-5}`, `{"request_uri":"u","expires_in":null}`,
		`{"request_uri":1,"expires_in":60}`, `<html>`,
	} {
		if _, err := parsePushedAuthorization([]byte(body), time.Now()); !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("%s: err = %v", body, err)
		}
	}
}

func TestPushAuthorizationRequest_TE11_RedirectNotFollowed(t *testing.T) {
	var evilHits atomic.Int32
	_, evil := extConfig(t, func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) })
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/collect", http.StatusTemporaryRedirect)
	})
	_, err := c.PushAuthorizationRequest(context.Background(), url.Values{"response_type": {"code"}})
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("err = %v, want ErrRedirect", err)
	}
	if evilHits.Load() != 0 {
		t.Error("the redirect target received the request")
	}
	assertNoSecret(t, err)
}

func TestPushAuthorizationRequest_Accepts200(t *testing.T) {
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"request_uri":"urn:x","expires_in":"90"}`)
	})
	pa, err := c.PushAuthorizationRequest(context.Background(), url.Values{})
	if err != nil || pa.ExpiresIn != 90*time.Second {
		t.Fatalf("pa %+v, err %v", pa, err)
	}
}
