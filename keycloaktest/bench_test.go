package keycloaktest_test

import (
	"context"
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const redirect = "http://127.0.0.1:9/callback"
	f := newRealmFixture(ctx, b, keycloaktest.ClientOptions{
		Auth: keycloaktest.PublicClient, StandardFlow: true, RedirectURIs: []string{redirect},
	}, &keycloaktest.UserOptions{})
	_, flow := f.authorizationRequest(b, redirect)
	for b.Loop() {
		if _, err := keycloaktest.NewUserAgent(nil).Login(ctx, flow.URL, redirect, f.user.Username, f.user.Password); err != nil {
			b.Fatal(err)
		}
	}
}
