package oauth2_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// A resource server asks the authorization server about a token it was
// given (RFC 7662). Active alone is not enough: check the audience and the
// scope the request needs (section 4).
func ExampleConfig_Introspect() {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("token") != "at-1" {
			io.WriteString(w, `{"active":false}`)
			return
		}
		fmt.Fprintf(w, `{"active":true,"scope":"orders:read profile","client_id":"shop","aud":"orders-api","exp":%d}`,
			now.Add(time.Minute).Unix())
	}))
	defer srv.Close()

	// The resource server authenticates as a client of its own.
	cfg := &oauth2.Config{
		ClientID: "orders-api", ClientSecret: "s3cret",
		Endpoint: oauth2.Endpoint{IntrospectionURL: srv.URL},
		Clock:    func() time.Time { return now },
	}
	in, err := cfg.Introspect(context.Background(), "at-1", oauth2.HintAccessToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.Active, in.ClientID, in.HasAudience("orders-api"), in.HasScope("orders:read"), in.HasScope("orders:write"))

	in, err = cfg.Introspect(context.Background(), "forged", "")
	fmt.Println(in.Active, err)
	// Output:
	// true shop true true false
	// false <nil>
}
