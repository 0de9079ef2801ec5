package oauth2_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

func TestClientSecretBasic_FormEncodedBeforeBase64(t *testing.T) {
	const id, secret = "my:client é", "s:e%c+r/e t~ü=&"
	var header, gotID, gotSecret string
	var form url.Values
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Get("Authorization")
		r.ParseForm()
		form = r.PostForm
		// RFC 6749, section 2.3.1: the server form-decodes each half.
		u, p, _ := r.BasicAuth()
		gotID, _ = url.QueryUnescape(u)
		gotSecret, _ = url.QueryUnescape(p)
		replyJSON(w, 200, okToken)
	})
	cfg.ClientID, cfg.ClientSecret = id, secret
	if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(header, "Basic "))
	if err != nil {
		t.Fatalf("Authorization %q: %v", header, err)
	}
	const want = "my%3Aclient+%C3%A9:s%3Ae%25c%2Br%2Fe+t~%C3%BC%3D%26"
	if string(raw) != want {
		t.Errorf("credentials = %q, want %q", raw, want)
	}
	if strings.Count(string(raw), ":") != 1 {
		t.Errorf("more than one ':' in %q", raw)
	}
	if gotID != id || gotSecret != secret {
		t.Errorf("server decoded %q / %q", gotID, gotSecret)
	}
	if form.Has("client_secret") || form.Has("client_id") {
		t.Errorf("credentials also in the body: %v", form)
	}
}

func TestClientAuth_DefaultMethod(t *testing.T) {
	var got []string
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		_, _, basic := r.BasicAuth()
		got = append(got, r.PostForm.Get("client_id")+"|"+r.PostForm.Get("client_secret")+"|"+map[bool]string{true: "basic"}[basic])
		replyJSON(w, 200, okToken)
	})
	ctx := context.Background()
	cfg.Token(ctx, oauth2.ClientCredentialsGrant{}) // secret: basic
	cfg.ClientSecret = ""
	cfg.Token(ctx, oauth2.ClientCredentialsGrant{}) // no secret: none
	cfg.ClientSecret, cfg.AuthMethod = "pw", oauth2.ClientSecretPost{}
	cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	want := []string{"||basic", "client||", "client|pw|"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, m := range []oauth2.ClientAuthenticator{oauth2.ClientSecretBasic{}, oauth2.ClientSecretPost{}, oauth2.None{},
		oauth2.ClientSecretJWT{}, oauth2.PrivateKeyJWT{}} {
		if m.Method() == "" {
			t.Errorf("%T has no method name", m)
		}
	}
}
