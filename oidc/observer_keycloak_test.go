package oidc_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// One Observer, set once on the provider, sees every exchange of an OpenID
// Connect login against Keycloak and of a Session request made with its
// token: discovery, code redemption, key set, userinfo, resource request,
// each with its request headers and no credential in clear.
func TestObserverSeesWholeLogin(t *testing.T) {
	srv := kc.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
	const redirect = "http://127.0.0.1:9/callback"
	client, err := srv.Admin().CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		StandardFlow: true, PKCE: true, RedirectURIs: []string{redirect},
	})
	if err != nil {
		t.Fatal(err)
	}
	user, err := srv.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var seen []*oauth2.HTTPExchange
	observe := func(ex *oauth2.HTTPExchange) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, ex)
	}
	p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{Observer: observe})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := oidc.NewRelyingParty(p, oauth2.Config{
		ClientID: client.ClientID, ClientSecret: client.Secret, RedirectURL: redirect,
	}, oidc.IDTokenVerifier{})
	if err != nil {
		t.Fatal(err)
	}
	login, err := rp.StartLogin(oidc.LoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	callback, err := keycloaktest.NewUserAgent(nil).Login(ctx, login.URL(), redirect, user.Username, user.Password)
	if err != nil {
		t.Fatal(err)
	}
	res, err := login.Finish(ctx, rp, callback.Query())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UserInfo(ctx, res.Token.AccessToken, oidc.UserInfoOptions{Subject: res.IDToken.Subject}); err != nil {
		t.Fatal(err)
	}
	session := httpclient.New(rp.Config, httpclient.Options{Token: res.Token})
	resp, err := session.Client().Get(realm.UserinfoURL)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	mu.Lock()
	defer mu.Unlock()
	want := []struct{ method, url string }{
		{http.MethodGet, realm.DiscoveryURL},
		{http.MethodPost, realm.TokenURL},
		{http.MethodGet, realm.JWKSURL}, // fetched when the ID token is verified
		{http.MethodGet, realm.UserinfoURL},
		{http.MethodGet, realm.UserinfoURL},
	}
	if len(seen) != len(want) {
		for _, ex := range seen {
			t.Logf("%s %s %d", ex.Method, ex.URL, ex.StatusCode)
		}
		t.Fatalf("observed %d exchanges, want %d", len(seen), len(want))
	}
	secrets := []string{client.Secret, res.Token.AccessToken, res.Token.RefreshToken, res.Token.IDToken, callback.Query().Get("code")}
	for i, w := range want {
		ex := seen[i]
		if ex.Method != w.method || ex.URL != w.url || ex.StatusCode != http.StatusOK || ex.Err != nil {
			t.Errorf("exchange %d: %s %s %d %v, want %s %s 200", i, ex.Method, ex.URL, ex.StatusCode, ex.Err, w.method, w.url)
		}
		if len(ex.RequestHeader) == 0 {
			t.Errorf("exchange %d: no request headers", i)
		}
		text := dump(ex)
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("exchange %d shows a credential in clear:\n%s", i, text)
			}
		}
	}
	if got := seen[1].RequestHeader.Get("Authorization"); got != "Basic [redacted]" {
		t.Errorf("token request Authorization shown as %q", got)
	}
	for _, i := range []int{3, 4} {
		if got := seen[i].RequestHeader.Get("Authorization"); got != "Bearer [redacted]" {
			t.Errorf("exchange %d Authorization shown as %q", i, got)
		}
	}
	if !strings.Contains(string(seen[1].ResponseBody), `"access_token":"[redacted]"`) {
		t.Errorf("token response body not redacted: %s", seen[1].ResponseBody)
	}
}

func dump(ex *oauth2.HTTPExchange) string {
	var b strings.Builder
	b.WriteString(ex.URL + "\n" + ex.Form.Encode() + "\n")
	for _, h := range []http.Header{ex.RequestHeader, ex.ResponseHeader} {
		for k, vs := range h {
			b.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
		}
	}
	b.Write(ex.ResponseBody)
	return b.String()
}
