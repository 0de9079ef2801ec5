package resource_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oauth2/resource"
)

// An API accepts the authorization server's JWT access tokens (RFC 9068)
// and requires the "write" scope on one route. Refused requests get the
// RFC 6750 challenges.
func ExampleGuard() {
	guard := &resource.Guard{
		Validator: &resource.JWTValidator{
			Issuer:   "https://as.example/realms/demo",
			Resource: "https://api.example",
			Keys:     jose.NewRemoteKeySet("https://as.example/realms/demo/protocol/openid-connect/certs", jose.RemoteKeySetConfig{}),
		},
		Realm: "api",
	}
	mux := http.NewServeMux()
	mux.Handle("/items", guard.Wrap(guard.RequireScopes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := resource.TokenFromContext(r.Context())
		fmt.Fprintln(w, "hello", at.Subject)
	}), "write")))
	api := httptest.NewServer(mux)
	defer api.Close()

	res, err := http.Get(api.URL + "/items") // no token
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("WWW-Authenticate"))
	// Output: 401 Bearer realm="api"
}

// A resource serves its RFC 9728 metadata; a client finds the
// authorization server from it.
func ExampleDiscoverResource() {
	mux := http.NewServeMux()
	api := httptest.NewServer(mux)
	defer api.Close()
	md := &resource.ProtectedResourceMetadata{
		Resource:             api.URL,
		AuthorizationServers: []string{"https://as.example/realms/demo"},
		ScopesSupported:      []string{"read", "write"},
	}
	mux.Handle("/.well-known/oauth-protected-resource", md.Handler())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := resource.DiscoverResource(ctx, nil, api.URL, nil, resource.DiscoverOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.AuthorizationServers[0], got.ScopesSupported)
	// Output: https://as.example/realms/demo [read write]
}

// Opaque tokens are introspected (RFC 7662), the answers cached for at
// most a minute.
func ExampleIntrospectionValidator() {
	v := &resource.IntrospectionValidator{
		Client: &oauth2.Config{
			ClientID:     "my-api",
			ClientSecret: "api-secret",
			Endpoint:     oauth2.Endpoint{IntrospectionURL: "https://as.example/realms/demo/protocol/openid-connect/token/introspect"},
		},
		Resource: "my-api",
		CacheTTL: time.Minute,
	}
	guard := &resource.Guard{Validator: v}
	_ = guard.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
}
