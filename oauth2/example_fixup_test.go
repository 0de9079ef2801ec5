package oauth2_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"

	"github.com/oauthkit/oauthkit/oauth2"
)

// bentServer is a token endpoint that bends RFC 6749, section 5.1 the way
// some providers do: it answers in form encoding, names no token_type and
// says "expires" where the specification says "expires_in".
func bentServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		io.WriteString(w, "access_token=at-bent&expires=3600&scope=read")
	}))
}

// A provider fix-up: a BeforeTokenResponse hook rewrites what a provider
// that bends the specification sends, before oauthkit parses it. This one
// turns a form-encoded token response into the JSON object of RFC 6749,
// section 5.1, adds the token_type the provider leaves out, and renames
// "expires" to "expires_in".
func ExampleConfig_BeforeTokenResponse() {
	srv := bentServer()
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID:     "app",
		ClientSecret: "app-secret",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL},
		BeforeTokenResponse: func(r *oauth2.RawResponse) error {
			members := map[string]any{}
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
				form, err := url.ParseQuery(string(r.Body))
				if err != nil {
					return err
				}
				for k := range form {
					members[k] = form.Get(k)
				}
			} else if err := json.Unmarshal(r.Body, &members); err != nil {
				return nil // not an object: leave it to the parser's error
			}
			if _, ok := members["token_type"]; !ok {
				members["token_type"] = "Bearer"
			}
			if v, ok := members["expires"]; ok {
				if _, has := members["expires_in"]; !has {
					members["expires_in"] = v
				}
				delete(members, "expires")
			}
			// expires_in is a number (section 5.1); form encoding made it a string.
			if s, ok := members["expires_in"].(string); ok {
				if n, err := strconv.ParseInt(s, 10, 64); err == nil {
					members["expires_in"] = n
				}
			}
			body, err := json.Marshal(members)
			if err != nil {
				return err
			}
			r.Body = body
			r.Header.Set("Content-Type", "application/json")
			return nil
		},
	}
	tok, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, tok.TokenType, tok.Lifetime(), tok.Scope)
	// Output: at-bent Bearer 1h0m0s read
}

// A provider fix-up on the way out: a BeforeRequest hook adds what a
// provider insists on to every request to the authorization server, here a
// header an API gateway in front of it requires. The Observer is shown the
// request as it was sent.
func ExampleConfig_BeforeRequest() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Version") != "2" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_request","error_description":"X-Api-Version 2 required"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-1","token_type":"Bearer","expires_in":60}`)
	}))
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID:     "app",
		ClientSecret: "app-secret",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL},
		BeforeRequest: func(req *http.Request) error {
			req.Header.Set("X-Api-Version", "2")
			return nil
		},
		Observer: func(ex *oauth2.HTTPExchange) {
			fmt.Println(ex.Method, ex.StatusCode, ex.RequestHeader.Get("X-Api-Version"), ex.RequestHeader.Get("Authorization"))
		},
	}
	tok, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)
	// Output:
	// POST 200 2 Basic [redacted]
	// at-1
}
