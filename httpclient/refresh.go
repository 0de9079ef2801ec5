package httpclient

import (
	"context"
	"errors"

	"github.com/oauthkit/oauthkit/oauth2"
)

// refresh renews the token installed as generation gen, sharing one token
// request among all concurrent callers (HT-05). The request runs detached
// from ctx's cancellation, bounded by Options.RefreshTimeout; a caller whose
// ctx ends stops waiting and gets ctx.Err(). Every caller that waits gets
// the new token, or the refresh error as the server sent it. force skips
// the rate limit and the back-off.
func (s *Session) refresh(ctx context.Context, gen uint64, force bool) (*tokenState, error) {
	return s.flight.do(ctx, func() (*tokenState, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.set.refreshTimeout)
		defer cancel()
		return s.runRefresh(rctx, gen, force)
	})
}

// runRefresh is the shared refresh: RFC 6749, section 6 with the refresh
// token, else the client credentials grant again (section 4.4). It is not
// retried when it fails: with rotating refresh tokens, a second try after a
// timeout or a dropped connection may present a refresh token the server
// already replaced, and the server would revoke the whole family.
func (s *Session) runRefresh(ctx context.Context, gen uint64, force bool) (*tokenState, error) {
	s.mu.Lock()
	st, err := s.usable()
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if st.gen != gen {
		// Renewed while this caller was deciding.
		s.mu.Unlock()
		return st, nil
	}
	started := s.set.now()
	if next := s.nextRefresh(); !force && started.Before(next) {
		// A refresh ended, and failed, while this caller was deciding.
		defer s.mu.Unlock()
		if !st.expiredAt(started) {
			return st, nil
		}
		return nil, s.notYet(st, started, next)
	}
	grant := s.grant
	s.lastRefresh = started
	s.refreshing = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.refreshing = false
		s.mu.Unlock()
	}()

	var t *oauth2.Token
	switch {
	case st.tok.RefreshToken != "":
		// oauth2.Config.Refresh keeps the old refresh token when the
		// response has none or an empty one (HT-06 a and c).
		t, err = s.cfg.Refresh(ctx, st.tok)
	case grant != nil:
		t, err = s.cfg.Token(ctx, grant)
	default:
		err = ErrCannotRefresh
	}
	if err == nil {
		var nst *tokenState
		nst, err = s.install(ctx, t, st, nil, started)
		if err == nil {
			return nst, nil
		}
	}
	s.refreshFailed(st, err)
	return nil, err
}

// refreshFailed records a failed refresh of st. invalid_grant and
// invalid_client stop the Session until FetchToken (HT-08): the refresh
// token is dropped and every caller gets the error. Any other failure
// starts a back-off.
func (s *Session) refreshFailed(st *tokenState, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st != st {
		return // a newer token arrived meanwhile
	}
	now := s.set.now()
	if terminal(err) {
		s.terminal = err
		s.grant = nil
		dropped := *st.tok
		dropped.RefreshToken = ""
		nst := *st
		nst.tok = &dropped
		s.st = &nst
		return
	}
	s.failures++
	s.lastErr = err
	s.retryAt = now.Add(backoff(err, s.failures, now, s.set.maxBackoff))
}

// terminal reports whether a refresh error means that trying again cannot
// succeed: RFC 6749, section 5.2 invalid_grant (the refresh token or the
// session behind it is gone; Keycloak says "Session not active" or "Token
// is not active") and invalid_client.
func terminal(err error) bool {
	var e *oauth2.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == oauth2.ErrorInvalidGrant || e.Code == oauth2.ErrorInvalidClient
}
