package oauth2

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func revocationServer(t *testing.T, h func(w http.ResponseWriter)) *Config {
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.URL.Path != "/revoke" || r.PostForm.Get("token") != extToken {
			t.Errorf("%s form %v", r.URL.Path, r.PostForm)
		}
		if u, _, _ := r.BasicAuth(); u != "client" {
			t.Error("client not authenticated")
		}
		h(w)
	})
	return c
}

func TestRevoke_200IsSuccessWhateverTheBody(t *testing.T) {
	for _, body := range []string{``, `{}`, `<html>ok</html>`, `{"error":"invalid_token"}`} {
		c := revocationServer(t, func(w http.ResponseWriter) { writeJSON(w, 200, body) })
		if err := c.Revoke(context.Background(), extToken, HintRefreshToken); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}

func TestRevoke_SendsHint(t *testing.T) {
	var hint string
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		hint = r.PostForm.Get("token_type_hint")
	})
	if err := c.Revoke(context.Background(), extToken, HintRefreshToken); err != nil || hint != HintRefreshToken {
		t.Errorf("hint %q, err %v", hint, err)
	}
}

func TestRevoke_HT08_ServiceUnavailable(t *testing.T) {
	clock := newExtClock()
	for _, tc := range []struct {
		retryAfter string
		want       time.Duration
	}{
		{"120", 2 * time.Minute},
		{"", 0},
		{"999999999", time.Hour},
		{"99999999999999999999999", time.Hour},
		{"-5", 0},
		{"soon", 0},
		{clock.Now().Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{clock.Now().Add(-time.Hour).Format(http.TimeFormat), 0},
	} {
		c := revocationServer(t, func(w http.ResponseWriter) {
			if tc.retryAfter != "" {
				w.Header().Set("Retry-After", tc.retryAfter)
			}
			w.WriteHeader(503)
		})
		c.Clock = clock.Now
		err := c.Revoke(context.Background(), extToken, "")
		var ue *UnavailableError
		if !errors.As(err, &ue) || ue.StatusCode != 503 || ue.RetryAfter != tc.want {
			t.Errorf("Retry-After %q: err = %v (%+v), want delay %v", tc.retryAfter, err, ue, tc.want)
		}
	}
}

func TestRevoke_ErrorResponse(t *testing.T) {
	c := revocationServer(t, func(w http.ResponseWriter) {
		writeJSON(w, 400, `{"error":"unsupported_token_type","error_description":"cannot revoke `+extToken+`"}`)
	})
	err := c.Revoke(context.Background(), extToken, HintAccessToken)
	if !errors.Is(err, &Error{Code: ErrorUnsupportedTokenType}) {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err, extToken)
}

func TestRevoke_NonOAuthFailure(t *testing.T) {
	c := revocationServer(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(401)
		w.Write([]byte("<html>login</html>"))
	})
	err := c.Revoke(context.Background(), extToken, "")
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 401 {
		t.Fatalf("err = %v", err)
	}
}

func TestRevoke_NoToken(t *testing.T) {
	if err := (&Config{}).Revoke(context.Background(), "", ""); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("err = %v", err)
	}
}
