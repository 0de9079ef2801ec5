package conformance

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Front-channel logout on Keycloak: after an RP-initiated logout, the
// logout page Keycloak shows the user agent loads the client's
// frontchannel_logout_uri with iss and sid, and the client's handler ends
// the session it holds for that sid.
func frontChannelScenarios() []Scenario {
	return []Scenario{{
		ID:    "kc-frontchannel-logout",
		Title: "Keycloak's logout page calls the client's front-channel logout URI with iss and sid; the handler ends that session",
		Spec:  "OpenID Connect Front-Channel Logout 1.0 §2, §4",
		Needs: []Need{NeedAdmin, NeedLogin},
		Run:   runFrontChannelLogout,
	}}
}

// iframeSrc finds the iframes of a page.
var iframeSrc = regexp.MustCompile(`<iframe[^>]*\ssrc="([^"]+)"`)

func runFrontChannelLogout(ctx context.Context, e *Env) error {
	// The client's side: its sessions by the provider's sid, and the
	// handler Keycloak's page will load.
	var mu sync.Mutex
	sessions := map[string]bool{}
	var calls []string
	var refused []error
	rp := httptest.NewServer(nil)
	defer rp.Close()
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return err
	}
	rp.Config.Handler = &oidc.FrontChannelLogoutHandler{
		Issuer:         realm.Issuer,
		RequireSession: true,
		Logout: func(_ context.Context, _ *http.Request, l *oidc.FrontChannelLogout) error {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, l.SessionID)
			if !sessions[l.SessionID] {
				return oidc.ErrUnknownSession
			}
			delete(sessions, l.SessionID)
			return nil
		},
		OnError: func(_ *http.Request, err error) { mu.Lock(); refused = append(refused, err); mu.Unlock() },
	}
	admin := e.Admin()
	client, err := admin.CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{
		Auth: keycloaktest.PublicClient, StandardFlow: true, PKCE: true, RedirectURIs: []string{redirectURI},
		PostLogoutRedirectURIs: []string{postLogoutURI},
		Attributes:             map[string]string{"frontchannel.logout.url": rp.URL + "/logout", "frontchannel.logout.session.required": "true"},
		Representation:         map[string]any{"frontchannelLogout": true},
	})
	if err != nil {
		return fmt.Errorf("creating the client: %w", err)
	}
	user, err := admin.CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return fmt.Errorf("creating the user: %w", err)
	}
	e.AddSecret(user.Password)
	p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{HTTPClient: e.HTTPClient()})
	if err != nil {
		return err
	}
	if !p.Metadata.FrontchannelLogoutSupported || !p.Metadata.FrontchannelLogoutSessionSupported {
		return Skip("the provider does not advertise front-channel logout with sessions")
	}
	relying, err := oidc.NewRelyingParty(p, oauth2.Config{ClientID: client.ClientID, RedirectURL: redirectURI, HTTPClient: e.HTTPClient(), Observer: e.Record}, oidc.IDTokenVerifier{})
	if err != nil {
		return err
	}
	ua := e.NewUserAgent()
	l, err := relying.StartLogin(oidc.LoginOptions{})
	if err != nil {
		return err
	}
	params, err := headlessLogin(ctx, e, ua, l.URL(), user)
	if err != nil {
		return err
	}
	res, err := l.Finish(ctx, relying, params)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	e.AddSecret(res.Token.AccessToken, res.Token.RefreshToken, res.Token.IDToken)
	sid := res.IDToken.SessionID
	if sid == "" {
		return errors.New("the ID token has no sid, which front-channel logout needs")
	}
	mu.Lock()
	sessions[sid] = true
	sessions["another-session"] = true
	mu.Unlock()

	logoutURL, err := p.LogoutURL(oidc.LogoutOptions{IDTokenHint: res.IDToken.Raw, PostLogoutRedirectURI: postLogoutURI})
	if err != nil {
		return err
	}
	frames, err := logoutPageFrames(ctx, e, ua, logoutURL)
	if err != nil {
		return err
	}
	hc := e.RecordingClient()
	hc.Jar = ua.Jar()
	loaded := 0
	for _, src := range frames {
		if !strings.HasPrefix(src, rp.URL+"/") {
			continue
		}
		code, _, err := get(ctx, hc, src)
		if err != nil {
			return fmt.Errorf("loading the front-channel logout frame: %w", err)
		}
		if code != http.StatusOK {
			mu.Lock()
			defer mu.Unlock()
			return fmt.Errorf("the handler answered %d to %s: %v", code, src, refused)
		}
		loaded++
	}
	mu.Lock()
	defer mu.Unlock()
	if loaded != 1 || len(calls) != 1 || calls[0] != sid {
		return fmt.Errorf("expected one front-channel logout for sid %q, got frames %q and calls %q", sid, frames, calls)
	}
	if sessions[sid] || !sessions["another-session"] {
		return errors.New("the handler did not end exactly the logged-out session")
	}
	e.Notef("Keycloak's logout page loaded the front-channel URI with iss and the session's sid")
	return nil
}

// logoutPageFrames follows the logout request with the user agent's
// cookies, submits a confirmation form if one is shown, and returns the
// iframe URLs of the page where the redirects stop.
func logoutPageFrames(ctx context.Context, e *Env, ua *keycloaktest.UserAgent, start string) ([]string, error) {
	var frames []string
	res, found, err := browseLogout(ctx, e, ua, start, postLogoutURI, func(res *http.Response, body []byte) bool {
		frames = frames[:0]
		for _, m := range iframeSrc.FindAllStringSubmatch(string(body), -1) {
			if u, err := res.Request.URL.Parse(html.UnescapeString(m[1])); err == nil {
				frames = append(frames, u.String())
			}
		}
		return len(frames) > 0
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("the logout page (HTTP %d) has no front-channel frame", res.StatusCode)
	}
	return frames, nil
}
