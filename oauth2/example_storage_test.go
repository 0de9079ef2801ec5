package oauth2_test

import (
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Storing a token and reading it back: the stored JSON is the token
// response's members plus "expires_at", the form Authlib stores too (see
// Token.MarshalJSON). Tokens stored by x/oauth2 and by Authlib
// read back with their expiry.
func ExampleToken_MarshalJSON() {
	received := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tok := oauth2.Token{
		AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1", Scope: "openid",
		ReceivedAt: received, Expiry: received.Add(5 * time.Minute),
		Extra: map[string]json.RawMessage{"session_state": json.RawMessage(`"5e1b7c0a"`)},
	}
	stored, err := json.Marshal(tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(stored))

	var back oauth2.Token
	if err := json.Unmarshal(stored, &back); err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Expiry.UTC(), back.Lifetime(), back.ExtraString("session_state"))

	// The same token as x/oauth2 stores it.
	var fromX oauth2.Token
	if err := json.Unmarshal([]byte(`{"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-1",`+
		`"expiry":"2025-03-01T13:05:00+01:00"}`), &fromX); err != nil {
		log.Fatal(err)
	}
	fmt.Println(fromX.Expiry.Equal(tok.Expiry), fromX.Expired(received.Add(6*time.Minute)))
	// Output:
	// {"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-1","expires_in":300,"scope":"openid","expires_at":1740830700,"session_state":"5e1b7c0a"}
	// 2025-03-01 12:05:00 +0000 UTC 5m0s 5e1b7c0a
	// true true
}
