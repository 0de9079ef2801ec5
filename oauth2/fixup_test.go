package oauth2_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

func TestBeforeRequestErrorSendsNothing(t *testing.T) {
	var hits atomic.Int32
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	stop := errors.New("stop here")
	cfg.BeforeRequest = func(*http.Request) error { return stop }
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); !errors.Is(err, stop) {
		t.Errorf("got %v", err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the server", hits.Load())
	}
}

func TestBeforeTokenResponseOnlyAtTokenEndpoint(t *testing.T) {
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-1","expires_in":60}`) // no token_type
	})
	cfg.Endpoint.RevocationURL = cfg.Endpoint.TokenURL
	var calls int
	cfg.BeforeTokenResponse = func(r *oauth2.RawResponse) error {
		calls++
		r.Body = []byte(strings.Replace(string(r.Body), `{`, `{"token_type":"Bearer",`, 1))
		return nil
	}
	tok, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	if err != nil || tok.TokenType != "Bearer" {
		t.Fatalf("fixed response: %v, %+v", err, tok)
	}
	if err := cfg.Revoke(context.Background(), "at-1", ""); err != nil || calls != 1 {
		t.Errorf("revocation: %v, hook called %d times", err, calls)
	}
	refuse := errors.New("refused by the fix-up")
	cfg.BeforeTokenResponse = func(*oauth2.RawResponse) error { return refuse }
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); !errors.Is(err, refuse) {
		t.Errorf("hook error: got %v", err)
	}
}

// HT-12: a secret echoed JSON-escaped (PHP's "\/", a \u escape) is
// redacted in Error.Body, whatever the escaping; the rest of the body keeps
// its bytes.
func TestToken_HT12_EscapedEchoRedactedInErrorBody(t *testing.T) {
	const secret = "pa/ss€word-42"
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("WWW-Authenticate", `Basic realm="x", echo="`+r.PostFormValue("password")+`"`)
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"bad pa\/ss\u20acword-42","echo":"pa\/ss\u20acword-42","other":"\u00e4"}`)
	})
	_, err := cfg.Token(context.Background(), oauth2.PasswordGrant{Username: "u", Password: secret})
	var e *oauth2.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v", err)
	}
	body := string(e.Body)
	if strings.Contains(body, `pa\/ss\u20acword-42`) || strings.Contains(body, secret) || !strings.Contains(body, `"other":"\u00e4"`) {
		t.Errorf("body %s", body)
	}
	if strings.Contains(e.Description, secret) || strings.Contains(e.Header.Get("WWW-Authenticate"), secret) {
		t.Errorf("description %q, header %q", e.Description, e.Header.Get("WWW-Authenticate"))
	}
}

func TestEndpointWithUserinfoRefused(t *testing.T) {
	var hits atomic.Int32
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	cfg.Endpoint.TokenURL = strings.Replace(cfg.Endpoint.TokenURL, "://", "://client:pw-in-url@", 1)
	_, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	if !errors.Is(err, oauth2.ErrInsecureURL) || strings.Contains(err.Error(), "pw-in-url") || hits.Load() != 0 {
		t.Errorf("got %v (%d requests)", err, hits.Load())
	}
}
