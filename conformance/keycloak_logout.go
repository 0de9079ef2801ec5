package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/htmlform"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// postLogoutURI is where the provider sends the user agent after an
// RP-initiated logout. Nothing listens there: the redirect is not followed.
const postLogoutURI = "http://127.0.0.1/oauthkit/logged-out"

// OpenID Connect RP-Initiated Logout 1.0, sections 2 and 3: the user agent
// that logged in follows the logout request with id_token_hint and a
// registered post_logout_redirect_uri; the provider ends the session and
// sends it back with the state. The session's refresh token then fails
// with invalid_grant.
func runOIDCRPLogout(ctx context.Context, e *Env) error {
	s, err := newOIDCSetup(ctx, e, keycloaktest.ClientOptions{PostLogoutRedirectURIs: []string{postLogoutURI}})
	if err != nil {
		return err
	}
	ua := e.NewUserAgent()
	_, res, err := s.login(ctx, e, ua, nil)
	if err != nil {
		return err
	}
	// The session is live: a refresh works before the logout.
	tok, _, err := s.refresh(ctx, e, res.Token, res.IDToken)
	if err != nil {
		return fmt.Errorf("refresh before logout: %w", err)
	}
	state := "logout-" + hostileRandomHex(8)
	logoutURL, err := s.provider.LogoutURL(oidc.LogoutOptions{
		IDTokenHint:           res.IDToken.Raw,
		PostLogoutRedirectURI: postLogoutURI,
		State:                 state,
	})
	if err != nil {
		return fmt.Errorf("logout URL: %w", err)
	}
	back, err := followToRedirect(ctx, e, ua, logoutURL, postLogoutURI)
	if err != nil {
		return fmt.Errorf("following the logout request: %w", err)
	}
	if got := back.Query().Get("state"); got != state {
		return fmt.Errorf("the post-logout redirect carries state %q, expected %q", got, state)
	}
	e.Notef("the provider redirected to the post-logout URI with the state")

	_, err = s.rp.Config.Refresh(ctx, tok)
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", http.StatusBadRequest); err != nil {
		return fmt.Errorf("refresh after logout: %w", err)
	}
	e.Notef("refresh after logout: %v", err)
	return nil
}

// followToRedirect sends the user agent's GET to start and follows the
// provider's redirects, with the agent's cookies, until one leads to
// target; it returns that redirect's URL without requesting it. A page
// that asks for confirmation (a form) is submitted once.
func followToRedirect(ctx context.Context, e *Env, ua *keycloaktest.UserAgent, start, target string) (*url.URL, error) {
	var loc *url.URL
	res, found, err := browseLogout(ctx, e, ua, start, target, func(res *http.Response, _ []byte) bool {
		l, err := res.Location()
		if err == nil && strings.HasPrefix(l.String(), target) {
			loc = l
			return true
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("the provider answered HTTP %d without redirecting to %s", res.StatusCode, target)
	}
	return loc, nil
}

// browseLogout sends the user agent's GET to start, with its cookies, and
// follows the provider's redirects, never requesting one that leads to
// stop. Each response, its body read within the cap, is shown to reached;
// the first one reached accepts is returned with found set. A page it
// does not accept that holds a form (the provider's logout confirmation)
// is submitted once, as it is; otherwise the last response is returned
// with found unset.
func browseLogout(ctx context.Context, e *Env, ua *keycloaktest.UserAgent, start, stop string, reached func(*http.Response, []byte) bool) (res *http.Response, found bool, err error) {
	hc := e.RecordingClient()
	hc.Jar = ua.Jar()
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), stop) || len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	if err != nil {
		return nil, false, err
	}
	for range 2 {
		if res, err = hc.Do(req); err != nil {
			return nil, false, err
		}
		body, err := bounded.Read(res.Body, maxBody)
		res.Body.Close()
		if err != nil {
			return nil, false, err
		}
		if reached(res, body) {
			return res, true, nil
		}
		forms := htmlform.Parse(body)
		if len(forms) == 0 {
			return res, false, nil
		}
		confirm := &forms[0]
		action, err := confirm.ActionURL(res.Request.URL)
		if err != nil {
			return res, false, nil
		}
		submit := ""
		if len(confirm.Submits) > 0 {
			submit = confirm.Submits[0].Name
		}
		if req, err = htmlform.NewRequest(ctx, action, confirm, nil, submit); err != nil {
			return nil, false, err
		}
	}
	return res, false, nil
}

// logoutDelivery is one back-channel logout request the client's endpoint
// received: the token's "typ" header, the endpoint's answer, and the
// verified token when the handler accepted it.
type logoutDelivery struct {
	typ    string
	status int
	answer string
	token  *oidc.LogoutToken
}

// OpenID Connect Back-Channel Logout 1.0, sections 2.4 to 2.8: the client
// registers a loopback logout endpoint with sessions required; after the
// administrator logs the user out, the provider POSTs a logout token there
// that oidc.BackChannelLogoutHandler verifies, naming the user and the
// session of the ID token. A replayed token is refused by the client, and
// the session's refresh token no longer works.
func runOIDCBackchannelLogout(ctx context.Context, e *Env) error {
	deliveries := make(chan logoutDelivery, 8)
	var handler oidc.BackChannelLogoutHandler // its Verifier is set below
	var seen sync.Map                         // jti -> true, to refuse replays (section 2.6, step 7)
	handler.Logout = func(_ context.Context, t *oidc.LogoutToken) error {
		if _, dup := seen.LoadOrStore(t.ID, true); dup {
			return errors.New("replayed logout token")
		}
		return nil
	}
	var mu sync.Mutex
	srv, err := startLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := bounded.Read(r.Body, maxBody)
		if err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, bounded.ErrTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			http.Error(w, err.Error(), status)
			return
		}
		form, _ := url.ParseQuery(string(body))
		raw := form.Get("logout_token")
		e.AddSecret(raw)
		mu.Lock()
		h := handler
		mu.Unlock()
		var got *oidc.LogoutToken
		logout := h.Logout
		h.Logout = func(ctx context.Context, t *oidc.LogoutToken) error {
			got = t
			return logout(ctx, t)
		}
		rec := httptest.NewRecorder()
		inner := r.Clone(r.Context())
		inner.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(rec, inner)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		select {
		case deliveries <- logoutDelivery{typ: headerType(raw), status: rec.Code, answer: rec.Body.String(), token: got}:
		default:
		}
	}))
	if err != nil {
		return err
	}
	defer srv.Close()
	endpoint := srv.URL + "/backchannel-logout"

	s, err := newOIDCSetup(ctx, e, keycloaktest.ClientOptions{Attributes: map[string]string{
		"backchannel.logout.url":              endpoint,
		"backchannel.logout.session.required": "true",
	}})
	if err != nil {
		return err
	}
	mu.Lock()
	handler.Verifier = s.rp.Verifier
	mu.Unlock()
	_, res, err := s.login(ctx, e, nil, nil)
	if err != nil {
		return err
	}
	if err := e.Admin().LogoutUser(ctx, s.realm.Name, s.user.ID); err != nil {
		return fmt.Errorf("admin logout of the user: %w", err)
	}
	var d logoutDelivery
	select {
	case d = <-deliveries:
	case <-time.After(30 * time.Second):
		return errors.New("no logout token reached the back-channel endpoint within 30 s")
	case <-ctx.Done():
		return ctx.Err()
	}
	e.Notef("logout token received (typ header %q); the endpoint answered %d", d.typ, d.status)
	if d.status != http.StatusOK || d.token == nil {
		return fmt.Errorf("the back-channel logout handler refused the provider's token: HTTP %d %s", d.status, strings.TrimSpace(d.answer))
	}
	t := d.token
	if t.Subject != s.user.ID || t.SessionID != res.IDToken.SessionID || t.ID == "" {
		return fmt.Errorf("the logout token names sub %q, sid %q; expected sub %q, sid %q (the ID token's), and a jti",
			t.Subject, t.SessionID, s.user.ID, res.IDToken.SessionID)
	}
	e.Notef("logout token verified: sub and sid of the login, jti present")

	// The same token again: the client's jti check refuses it (section 2.6,
	// step 7), and the endpoint answers 400 (section 2.8).
	status, err := postLogoutToken(ctx, e, endpoint, t.Raw)
	if err != nil {
		return err
	}
	if status != http.StatusBadRequest {
		return fmt.Errorf("a replayed logout token was answered HTTP %d, expected 400", status)
	}
	_, err = s.rp.Config.Refresh(ctx, res.Token)
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", http.StatusBadRequest); err != nil {
		return fmt.Errorf("refresh after the logout: %w", err)
	}
	e.Notef("replayed token refused; refresh after logout: %v", err)
	return nil
}

// postLogoutToken posts a logout token to a back-channel logout endpoint
// as a provider does (section 2.5) and returns the status.
func postLogoutToken(ctx context.Context, e *Env, endpoint, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := e.RecordingClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
	return res.StatusCode, nil
}

// headerType returns the "typ" header of a compact JWS, for the report.
func headerType(token string) string {
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	var h struct {
		Typ string `json:"typ"`
	}
	_ = json.Unmarshal(b, &h)
	return h.Typ
}
