package oauth2_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/oauthkit/oauthkit/oauth2"
)

func TestRefresh_HT06_RotationSemantics(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"omitted", `{"access_token":"at2","token_type":"Bearer"}`, "rt-old"},
		{"empty", `{"access_token":"at2","token_type":"Bearer","refresh_token":""}`, "rt-old"},
		{"null", `{"access_token":"at2","token_type":"Bearer","refresh_token":null}`, "rt-old"},
		{"rotated", `{"access_token":"at2","token_type":"Bearer","refresh_token":"rt-new"}`, "rt-new"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sent string
			cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Has("scope") {
					t.Errorf("form = %v", r.PostForm)
				}
				sent = r.PostForm.Get("refresh_token")
				replyJSON(w, 200, tc.body)
			})
			cfg.Scopes = []string{"would-widen"}
			old := &oauth2.Token{AccessToken: "at1", TokenType: "Bearer", RefreshToken: "rt-old"}
			nt, err := cfg.Refresh(context.Background(), old)
			if err != nil {
				t.Fatal(err)
			}
			if sent != "rt-old" || nt.AccessToken != "at2" || nt.RefreshToken != tc.want {
				t.Errorf("sent %q, got %+v; want refresh token %q", sent, nt, tc.want)
			}
			if old.RefreshToken != "rt-old" || old.AccessToken != "at1" {
				t.Errorf("the old token was modified: %+v", old)
			}
		})
	}
}

func TestRefresh_HT08_SessionNotActive(t *testing.T) {
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		replyJSON(w, 400, `{"error":"invalid_grant","error_description":"Session not active"}`)
	})
	_, err := cfg.Refresh(context.Background(), &oauth2.Token{RefreshToken: "rt"})
	if err == nil || err.Error() != "invalid_grant: Session not active" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidGrant}) {
		t.Error("not matchable by code")
	}
	if _, err := cfg.Refresh(context.Background(), &oauth2.Token{}); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("refresh without a refresh token: %v", err)
	}
	if _, err := cfg.Refresh(context.Background(), nil); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("refresh of nil: %v", err)
	}
}
