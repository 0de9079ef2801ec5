package keycloaktest_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

// BenchmarkCreateRealm measures the cost of a test's own realm.
func BenchmarkCreateRealm(b *testing.B) {
	srv := kc.Server(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	admin := srv.Admin()
	for b.Loop() {
		r, err := admin.CreateRealm(ctx, keycloaktest.RealmOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := admin.DeleteRealm(ctx, r.Name); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkLogin measures one headless authorization code login.
func BenchmarkLogin(b *testing.B) {
	srv := kc.Server(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	admin := srv.Admin()
	realm := srv.NewRealm(b, keycloaktest.RealmOptions{})
	const redirect = "http://127.0.0.1:9/callback"
	client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		Auth: keycloaktest.PublicClient, StandardFlow: true, RedirectURIs: []string{redirect},
	})
	if err != nil {
		b.Fatal(err)
	}
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		b.Fatal(err)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {client.ClientID}, "redirect_uri": {redirect}, "scope": {"openid"}}
	for b.Loop() {
		if _, err := keycloaktest.NewUserAgent(nil).Login(ctx, realm.AuthorizationURL+"?"+q.Encode(), redirect, user.Username, user.Password); err != nil {
			b.Fatal(err)
		}
	}
}
