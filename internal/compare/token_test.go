package compare

import (
	"encoding/json"
	"testing"
	"time"

	xoauth2 "golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/oauth2"
)

// A token stored by golang.org/x/oauth2 reads back into oauthkit with its
// expiry, its refresh token and its type, whatever time zone it was written
// in.
func TestTokenStoredByXOAuth2(t *testing.T) {
	expiry := time.Date(2025, 3, 1, 12, 5, 0, 0, time.FixedZone("CET", 3600))
	for _, x := range []*xoauth2.Token{
		{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Expiry: expiry, ExpiresIn: 300},
		{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Expiry: expiry},
		{AccessToken: "at", TokenType: "Bearer"}, // no expiry: x/oauth2 writes the zero time
	} {
		stored, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		var tok oauth2.Token
		if err := json.Unmarshal(stored, &tok); err != nil {
			t.Fatalf("%s: %v", stored, err)
		}
		if !tok.Expiry.Equal(x.Expiry) || tok.RefreshToken != x.RefreshToken || tok.TokenType != "Bearer" || tok.AccessToken != "at" {
			t.Errorf("%s read as %+v", stored, tok)
		}
		if x.ExpiresIn != 0 && !tok.ReceivedAt.Equal(expiry.Add(-5*time.Minute)) {
			t.Errorf("%s: ReceivedAt %v", stored, tok.ReceivedAt)
		}
		if !x.Expiry.IsZero() && (tok.Expired(expiry.Add(-time.Second)) || !tok.Expired(expiry)) {
			t.Errorf("%s: not expiring at its expiry", stored)
		}
	}
}
