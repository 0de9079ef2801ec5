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

// The device authorization grant (RFC 8628) for a device without a browser:
// show the user a code and a URL, then poll until they approve.
func ExampleConfig_DeviceAuthorization() {
	polls := 0
	mux := http.NewServeMux()
	mux.HandleFunc("/device", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"device_code":"dc-1","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device",`+
			`"expires_in":600,"interval":5}`)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if polls++; polls < 3 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"authorization_pending"}`)
			return
		}
		io.WriteString(w, `{"access_token":"at-tv","token_type":"Bearer","expires_in":300}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := &oauth2.Config{
		ClientID: "smart-tv",
		Endpoint: oauth2.Endpoint{DeviceAuthorizationURL: srv.URL + "/device", TokenURL: srv.URL + "/token"},
	}
	da, err := cfg.DeviceAuthorization(context.Background(), []string{"profile"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Visit %s and enter %s\n", da.VerificationURI, da.UserCode)

	// PollDeviceToken waits da.Interval between polls; this example only
	// prints the waits.
	da.Wait = func(ctx context.Context, d time.Duration) error {
		fmt.Println("wait", d)
		return nil
	}
	tok, err := cfg.PollDeviceToken(context.Background(), da)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)
	// Output:
	// Visit https://as.example/device and enter WDJB-MJHT
	// wait 5s
	// wait 5s
	// wait 5s
	// at-tv
}
