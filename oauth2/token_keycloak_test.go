package oauth2_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// A token from Keycloak, stored and read back, keeps its expiry and
// Keycloak's own members, and still works: introspection says it is active,
// and its refresh token refreshes.
func TestToken_StoredKeycloakToken(t *testing.T) {
	srv := kc.Server(t) // skips under -short
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
	client, err := srv.Admin().CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		ClientID:           "stored-token-client",
		DirectAccessGrants: true,
		// Keycloak answers active only to a client in the token's audience.
		Audiences: []string{"stored-token-client"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{
		Username: "jane", Password: "jane-password", Email: "jane@example.com", FirstName: "Jane", LastName: "Doe",
	}); err != nil {
		t.Fatal(err)
	}
	cfg := &oauth2.Config{
		ClientID: client.ClientID, ClientSecret: client.Secret,
		Endpoint: oauth2.Endpoint{Issuer: realm.Issuer, TokenURL: realm.TokenURL, IntrospectionURL: realm.IntrospectionURL},
	}
	tok, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: "jane", Password: "jane-password"})
	if err != nil {
		t.Fatal(err)
	}

	stored, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(stored, &members); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"access_token", "token_type", "refresh_token", "expires_in", "expires_at",
		"refresh_expires_in", "session_state", "not-before-policy"} {
		if _, ok := members[name]; !ok {
			t.Errorf("stored form %s lacks %q", stored, name)
		}
	}
	var back oauth2.Token
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Expiry.Equal(tok.Expiry.Truncate(time.Second)) || back.Lifetime() != tok.Lifetime().Truncate(time.Second) ||
		back.AccessToken != tok.AccessToken || back.RefreshToken != tok.RefreshToken ||
		back.ExtraString("session_state") == "" || back.ExtraString("session_state") != tok.ExtraString("session_state") {
		t.Errorf("read back as %+v, stored from %+v", back, tok)
	}
	in, err := cfg.Introspect(ctx, back.AccessToken, oauth2.HintAccessToken)
	if err != nil || !in.Active {
		t.Errorf("the stored token is not active at Keycloak: %+v, %v", in, err)
	}
	if _, err := cfg.Refresh(ctx, &back); err != nil {
		t.Errorf("the stored refresh token does not refresh: %v", err)
	}
}
