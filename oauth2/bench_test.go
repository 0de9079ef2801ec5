package oauth2_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

// BenchmarkTokenRequest is one client credentials request over loopback
// through the wire, without and with an Observer (which copies and redacts
// the exchange).
func BenchmarkTokenRequest(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-0123456789abcdef","token_type":"Bearer","expires_in":300,"refresh_token":"rt-0123456789abcdef","scope":"a b"}`)
	}))
	defer srv.Close()
	for _, observed := range []bool{false, true} {
		name := "plain"
		cfg := &oauth2.Config{ClientID: "client", ClientSecret: "client-secret", Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/token"}, HTTPClient: srv.Client()}
		if observed {
			name = "observed"
			cfg.Observer = func(*oauth2.HTTPExchange) {}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
