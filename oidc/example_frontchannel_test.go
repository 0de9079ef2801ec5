package oidc_test

import (
	"context"
	"net/http"

	"github.com/oauthkit/oauthkit/oidc"
)

// The client's front-channel logout URI ends the session Keycloak names
// with sid, once iss is checked.
func ExampleFrontChannelLogoutHandler() {
	sessions := map[string]string{} // provider sid -> the program's session
	http.Handle("/logout/frontchannel", &oidc.FrontChannelLogoutHandler{
		Issuer:         "https://as.example/realms/demo",
		RequireSession: true,
		Logout: func(ctx context.Context, r *http.Request, l *oidc.FrontChannelLogout) error {
			if _, ok := sessions[l.SessionID]; !ok {
				return oidc.ErrUnknownSession
			}
			delete(sessions, l.SessionID)
			return nil
		},
	})
}
