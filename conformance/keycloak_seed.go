package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/oauth2"
)

// The seed scenarios: the master realm's administrator logs in with the
// password grant through admin-cli and calls the admin API through a
// Session. They share the master realm's sessions, so they run serially.
func seedScenarios() []Scenario {
	needs := []Need{NeedMasterAdmin}
	return []Scenario{
		{
			ID:     "seed-password",
			Title:  "password grant on master via admin-cli; requests carry the Bearer token",
			Spec:   "RFC 6749 §4.3, RFC 6750 §2.1",
			Needs:  needs,
			Serial: true,
			Run:    runSeedPassword,
		},
		{
			ID:     "seed-users-count",
			Title:  "GET users/count through the Session answers 200 and the number of users",
			Spec:   "RFC 6750 §2.1",
			Needs:  []Need{NeedMasterAdmin, NeedAdmin},
			Serial: true,
			Run:    runSeedUsersCount,
		},
		{
			ID:     "seed-refresh",
			Title:  "the Session refreshes master's 60 s token by itself, at most once per half-lifetime",
			Spec:   "RFC 6749 §6",
			Needs:  needs,
			Serial: true,
			Run:    runSeedRefresh,
		},
		{
			ID:     "seed-removed-session",
			Title:  "session deleted at the provider: the next refresh fails with invalid_grant \"Session not active\"",
			Spec:   "RFC 6749 §5.2, §6",
			Needs:  []Need{NeedMasterAdmin, NeedAdmin},
			Serial: true,
			Run:    runSeedRemovedSession,
		},
	}
}

// seedSession is the seed: a Session for admin-cli on the master realm,
// with a leeway of 60 s, logged in as the administrator.
type seedSession struct {
	cfg      *oauth2.Config
	session  *httpclient.Session
	x        *exchanges
	capture  *authCapture
	tokens   *tokenLog
	token    *oauth2.Token
	countURL string
}

func newSeedSession(ctx context.Context, e *Env, clock *fakeClock) (*seedSession, error) {
	p := e.Provider
	e.AddSecret(p.AdminPassword)
	var now func() time.Time
	if clock != nil {
		now = clock.Now
	}
	x := newExchanges(e, now)
	hc, capture := capturingClient(e)
	cfg := &oauth2.Config{
		ClientID:   "admin-cli",
		Endpoint:   e.MasterEndpoint(),
		HTTPClient: e.HTTPClient(),
		Observer:   x.observe,
		Clock:      now,
	}
	tokens := newTokenLog()
	s := httpclient.New(cfg, httpclient.Options{
		Leeway:  60 * time.Second,
		Base:    hc,
		Clock:   now,
		OnToken: tokens.onToken,
	})
	tok, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: p.AdminUser, Password: p.AdminPassword})
	if err != nil {
		return nil, fmt.Errorf("password grant as %q: %w", p.AdminUser, err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken)
	return &seedSession{
		cfg: cfg, session: s, x: x, capture: capture, tokens: tokens, token: tok,
		countURL: p.BaseURL + "/admin/realms/master/users/count",
	}, nil
}

// usersCount sends GET users/count through the Session's client.
func (s *seedSession) usersCount(ctx context.Context) (int, error) {
	status, body, err := get(ctx, s.session.Client(), s.countURL)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET users/count: expected HTTP 200, got %d", status)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(body)))
	if err != nil {
		return 0, fmt.Errorf("GET users/count: expected a number, got %.40q", body)
	}
	return n, nil
}

// lastAuthorization returns the Authorization header of the last request
// the base transport saw.
func (s *seedSession) lastAuthorization() string {
	h := s.capture.headers()
	if len(h) == 0 {
		return ""
	}
	return h[len(h)-1]
}

// RFC 6749, section 4.3 (password grant) and RFC 6750, section 2.1 (the
// Authorization request header field).
func runSeedPassword(ctx context.Context, e *Env) error {
	s, err := newSeedSession(ctx, e, nil)
	if err != nil {
		return err
	}
	tok := s.token
	var problems []string
	if tok.AccessToken == "" {
		problems = append(problems, "no access_token")
	}
	if tok.RefreshToken == "" {
		problems = append(problems, "no refresh_token")
	}
	if tok.TokenType != oauth2.TokenTypeBearer {
		problems = append(problems, fmt.Sprintf("token_type %q, expected %q", tok.TokenType, oauth2.TokenTypeBearer))
	}
	if tok.Lifetime() <= 0 {
		problems = append(problems, "no expires_in")
	}
	if tok.ExtraString("session_state") == "" {
		problems = append(problems, "session_state not kept in Token.Extra")
	}
	if _, ok := tok.Extra["refresh_expires_in"]; !ok {
		problems = append(problems, "refresh_expires_in not kept in Token.Extra")
	}
	if len(problems) > 0 {
		return errors.New("token response: " + strings.Join(problems, "; "))
	}
	e.Notef("token: type %s, lifetime %v, session_state and refresh_expires_in kept", tok.TokenType, tok.Lifetime())

	grants := s.x.grants("password")
	if len(grants) != 1 {
		return fmt.Errorf("expected 1 password grant request, observed %d", len(grants))
	}
	if got := grants[0].Form.Get("password"); got != "[redacted]" {
		return errors.New("the Observer was shown the password unredacted")
	}
	if got := grants[0].Form.Get("client_id"); got != "admin-cli" {
		return fmt.Errorf("expected client_id admin-cli in the form of a public client, saw %q", got)
	}

	if _, err := s.usersCount(ctx); err != nil {
		return err
	}
	auth := s.lastAuthorization()
	if auth != bearer(tok) {
		scheme, _, _ := strings.Cut(auth, " ")
		return fmt.Errorf("expected the request to carry \"Authorization: Bearer <access token>\", the base transport saw scheme %q with another credential", scheme)
	}
	e.Notef("users/count request carried Authorization: Bearer <the fetched access token>")
	return nil
}

// RFC 6750, section 2.1: a protected resource called through the Session.
func runSeedUsersCount(ctx context.Context, e *Env) error {
	s, err := newSeedSession(ctx, e, nil)
	if err != nil {
		return err
	}
	n, err := s.usersCount(ctx)
	if err != nil {
		return err
	}
	if n < 1 {
		return fmt.Errorf("expected at least 1 user in master (the administrator), got %d", n)
	}
	var want int
	if _, err := e.Admin().Do(ctx, http.MethodGet, "/admin/realms/master/users/count", nil, &want); err != nil {
		return fmt.Errorf("cross-check through the admin client: %w", err)
	}
	if n != want {
		return fmt.Errorf("users/count through the Session gave %d, the admin client %d", n, want)
	}
	e.Notef("master has %d users", n)
	return nil
}

// RFC 6749, section 6: the Session renews the token before it expires,
// with no call by its user. The master realm issues 60 s access tokens, as
// long as the 60 s leeway, so the Session refreshes once half the lifetime
// has passed. The Session's clock is moved forward instead of sleeping.
func runSeedRefresh(ctx context.Context, e *Env) error {
	clock := newFakeClock()
	s, err := newSeedSession(ctx, e, clock)
	if err != nil {
		return err
	}
	life := s.token.Lifetime()
	if life <= 0 {
		return errors.New("the token has no expires_in: nothing to refresh against")
	}
	half := life / 2
	e.Notef("access token lifetime %v; leeway 60s", life)

	if _, err := s.usersCount(ctx); err != nil {
		return err
	}
	if s.lastAuthorization() != bearer(s.token) {
		return errors.New("first request: expected the fetched access token")
	}
	if n := len(s.x.grants("refresh_token")); n != 0 {
		return fmt.Errorf("expected no refresh right after the fetch, saw %d", n)
	}

	// Walk two whole lifetimes in 5 s steps, one request per step.
	step := 5 * time.Second
	for elapsed := step; elapsed <= 2*life; elapsed += step {
		clock.Advance(step)
		if _, err := s.usersCount(ctx); err != nil {
			return fmt.Errorf("request at +%v: %w", elapsed, err)
		}
	}

	refreshes := s.x.grants("refresh_token")
	if len(refreshes) == 0 {
		return fmt.Errorf("expected the Session to refresh within %v of a %v token, saw no refresh request", 2*life, life)
	}
	// At most one refresh per half-lifetime: consecutive token requests
	// are at least half a lifetime apart (less the step).
	all := append(s.x.grants("password"), refreshes...)
	for i := 1; i < len(all); i++ {
		if gap := all[i].At.Sub(all[i-1].At); gap < half-step {
			return fmt.Errorf("token requests %d and %d were %v apart, expected at least %v (one refresh per half-lifetime)", i, i+1, gap, half-step)
		}
	}
	if max := int(2*life/half) + 1; len(refreshes) > max {
		return fmt.Errorf("expected at most %d refreshes in %v, saw %d", max, 2*life, len(refreshes))
	}
	e.Notef("%d refreshes over %v of Session time, the first %v after the fetch", len(refreshes), 2*life, refreshes[0].At.Sub(all[0].At))

	tokens := s.tokens.all()
	if len(tokens) != 1+len(refreshes) {
		return fmt.Errorf("expected OnToken to see %d tokens (the fetch and each refresh), it saw %d", 1+len(refreshes), len(tokens))
	}
	latest := tokens[len(tokens)-1]
	e.AddSecret(latest.AccessToken, latest.RefreshToken)
	if latest.AccessToken == s.token.AccessToken {
		return errors.New("the refreshed access token equals the first one")
	}
	if s.lastAuthorization() != bearer(latest) {
		return errors.New("the last request did not carry the newest access token that OnToken saw")
	}
	return nil
}

// RFC 6749, section 5.2 and 6: once the provider has ended the session,
// the refresh token is refused with invalid_grant, and the Session hands
// that error, typed and verbatim, to the request that needed the refresh.
func runSeedRemovedSession(ctx context.Context, e *Env) error {
	clock := newFakeClock()
	s, err := newSeedSession(ctx, e, clock)
	if err != nil {
		return err
	}
	// Use the token once: a token never used is sent once before any
	// refresh, whatever the clock says.
	if _, err := s.usersCount(ctx); err != nil {
		return fmt.Errorf("first request: %w", err)
	}
	sid := s.token.ExtraString("session_state")
	if sid == "" {
		sid = jwtClaim(s.token.AccessToken, "sid")
	}
	if sid == "" {
		return errors.New("cannot find the session: no session_state in the token response and no sid in the access token")
	}
	if err := e.Admin().DeleteSession(ctx, "master", sid); err != nil {
		return fmt.Errorf("deleting the session through the admin API: %w", err)
	}
	e.Notef("session deleted through the admin API")

	// Past half the lifetime, the next request makes the Session refresh.
	clock.Advance(s.token.Lifetime()/2 + time.Second)
	_, err = s.usersCount(ctx)
	if err == nil {
		return errors.New("expected the request to fail with the refresh error, it succeeded")
	}
	if n := len(s.x.grants("refresh_token")); n != 1 {
		return fmt.Errorf("expected exactly 1 refresh request, observed %d", n)
	}
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "Session not active", http.StatusBadRequest); err != nil {
		return err
	}
	var oe *oauth2.Error
	errors.As(err, &oe)
	if got, want := oe.Error(), "invalid_grant: Session not active"; got != want {
		return fmt.Errorf("expected the error text %q, got %q", want, got)
	}
	e.Notef("request error: %v", err)

	// The Session stays stopped: an explicit refresh gives the same error.
	_, err = s.session.Token(ctx)
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "Session not active", 0); err != nil {
		return fmt.Errorf("Session.Token after the failed refresh: %w", err)
	}
	return nil
}
