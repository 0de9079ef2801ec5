package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/internal/pause"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Refresh token rotation with reuse detection (RFC 9700, section 4.14.2):
// the provider issues a new refresh token on every refresh and revokes the
// session when an old one is used again. The Session must share one
// refresh among concurrent requests and keep the newest refresh token.
func rotationScenarios() []Scenario {
	return []Scenario{
		{
			ID:    "rot-concurrent-refresh",
			Title: "50 concurrent requests at expiry with rotation and reuse detection: exactly one refresh",
			Spec:  "RFC 6749 §6, RFC 9700 §4.14.2",
			Needs: []Need{NeedAdmin},
			Run:   runConcurrentRefresh,
		},
	}
}

// concurrentRequests is how many requests find the token expired at once.
const concurrentRequests = 50

// RFC 6749, section 6 and RFC 9700, section 4.14.2: concurrent requests at
// expiry share one refresh, every request carries the new access token,
// the next refresh uses the rotated refresh token, and the first refresh
// token, used again, is refused.
func runConcurrentRefresh(ctx context.Context, e *Env) error {
	cfg, user, x, err := passwordClient(ctx, e,
		keycloaktest.RealmOptions{RevokeRefreshToken: true, RefreshTokenMaxReuse: 0},
		keycloaktest.UserOptions{})
	if err != nil {
		return err
	}
	rig, err := newSessionRig(e, cfg, x)
	if err != nil {
		return err
	}
	clock, rs, tokens, s := rig.clock, rig.rs, rig.tokens, rig.session
	first, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		return fmt.Errorf("password grant: %w", err)
	}
	e.AddSecret(first.AccessToken, first.RefreshToken)
	if first.RefreshToken == "" || first.Lifetime() <= 0 {
		return errors.New("expected a refresh token and an expiry")
	}

	// Keycloak tells a stale refresh token by its issue time, in whole
	// seconds: let one pass, so that the reuse check at the end is
	// meaningful.
	if err := pause.Wait(ctx, 1100*time.Millisecond); err != nil {
		return err
	}

	// Every request finds the token expired at once.
	clock.Advance(first.Lifetime() + time.Second)
	var wg sync.WaitGroup
	errs := make([]error, concurrentRequests)
	start := make(chan struct{})
	for i := range concurrentRequests {
		wg.Go(func() {
			<-start
			status, _, err := get(ctx, s.Client(), fmt.Sprintf("%s/resource/%d", rs.URL, i))
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("HTTP %d", status)
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()

	failed := 0
	var firstErr error
	for _, err := range errs {
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	refreshes := x.grants("refresh_token")
	if failed > 0 {
		return fmt.Errorf("%d of %d requests failed (%d refresh requests); first error: %w", failed, concurrentRequests, len(refreshes), firstErr)
	}
	if len(refreshes) != 1 {
		return fmt.Errorf("expected exactly 1 refresh request for %d concurrent requests, observed %d", concurrentRequests, len(refreshes))
	}
	toks := tokens.all()
	if len(toks) != 2 {
		return fmt.Errorf("expected OnToken to see 2 tokens, it saw %d", len(toks))
	}
	second := toks[1]
	e.AddSecret(second.AccessToken, second.RefreshToken)
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		return errors.New("expected the provider to rotate the refresh token")
	}
	for i, h := range rs.headers() {
		if h != bearer(second) {
			return fmt.Errorf("request %d did not carry the refreshed access token", i+1)
		}
	}
	e.Notef("%d requests, 1 refresh, every request carried the new token", concurrentRequests)

	// The next refresh must use the rotated refresh token: the old one
	// would be reuse, which revokes the session.
	clock.Advance(second.Lifetime() + time.Second)
	if status, _, err := get(ctx, s.Client(), rs.URL+"/resource/again"); err != nil || status != http.StatusOK {
		return fmt.Errorf("second refresh: expected success, got HTTP %d, error %v", status, err)
	}
	if n := len(x.grants("refresh_token")); n != 2 {
		return fmt.Errorf("expected a second refresh, observed %d refresh requests in all", n)
	}
	third := tokens.all()[2]
	e.AddSecret(third.AccessToken, third.RefreshToken)
	if rx := x.grants("refresh_token")[1]; rx.StatusCode != http.StatusOK {
		return fmt.Errorf("second refresh answered HTTP %d", rx.StatusCode)
	}

	// Reuse detection is really on: the first refresh token, used again,
	// is refused.
	_, err = cfg.Token(ctx, oauth2.RefreshTokenGrant{RefreshToken: first.RefreshToken})
	if err := wantOAuthError(err, oauth2.ErrorInvalidGrant, "", http.StatusBadRequest); err != nil {
		return fmt.Errorf("reusing the first refresh token: %w", err)
	}
	e.Notef("reusing the first refresh token: %v", err)
	return nil
}
