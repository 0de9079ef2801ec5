package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/internal/safetext"
	"github.com/oauthkit/oauthkit/oauth2"
)

// The token life cycle, in one place. A request asks tokenFor for the token
// to send; the rules it applies, in order:
//
//  1. A token is due at the later of Expiry minus the leeway and ReceivedAt
//     plus half its lifetime: never before half the lifetime has passed, so
//     a short-lived token (a 61 s token with the default 60 s leeway) is not
//     refreshed on every request. A token of unknown expiry is never due;
//     only a 401 invalid_token renews it.
//  2. A token that is not due is sent. This is the fast path: it reads
//     Session.cur without the lock.
//  3. A new token is sent at least once (TE-08): during its first
//     MinRefreshInterval (at least one second) it is sent even when it is
//     due at once, and a token the server issued already expired
//     (expires_in 0) is sent once.
//  4. A request that finds the token due while a refresh runs waits for it
//     (HT-05). Otherwise a refresh starts unless the token cannot be
//     renewed, automatic renewal has stopped (rule 7), the Session backs
//     off after a failure, or the last refresh began less than
//     MinRefreshInterval ago.
//  5. When no refresh may start, or the refresh fails without a terminal
//     error, a due token that has not expired is sent.
//  6. An expired token is never sent: the request fails with an
//     *ExpiredError whose Reason says why it was not renewed.
//  7. How a failed refresh is taken (refreshFailure):
//     - invalid_grant or invalid_client (RFC 6749, section 5.2) is
//     terminal: the Session drops its token and every request gets that
//     error until FetchToken (HT-08);
//     - a refresh request that may have reached the server unanswered
//     (ErrRefreshUnanswered), or a refreshed token VerifyRefresh refused
//     (ErrTokenRefused), stops automatic renewal: the server may have
//     rotated the refresh token already, and presenting it again could
//     revoke the whole family (RFC 9700, section 4.14.2);
//     - any other answer (429, 5xx, another error code) and any failure
//     before the request was sent (dial, DNS, TLS) backs off: one second
//     doubled per failure in a row, or the server's Retry-After, capped at
//     MaxBackoff.
//
// FetchToken and an explicit Refresh start again after any of these.

// tokenState is an installed token and what requests need of it. It is
// never modified once published in Session.cur.
type tokenState struct {
	// tok is the token; tok.AccessToken shares its bytes with auth[0].
	// Copies go out, never tok itself.
	tok oauth2.Token
	// auth is the Authorization header value, "Bearer <token>" or "DPoP
	// <token>", shared by every request (RFC 6750, section 2.1; RFC 9449,
	// section 7.1).
	auth [1]string
	dpop bool // sent with the DPoP scheme and a proof
	// spent records the one use rule 3 allows a token that arrived
	// expired.
	spent atomic.Bool
	due   time.Time // rule 1; zero: never due
	// grace is the end of rule 3's window; zero for a stored token, which
	// is not new to its owner.
	grace time.Time
}

// lifecycle is the Session's state beyond the token itself. It is guarded
// by Session.mu, like every write to Session.cur.
type lifecycle struct {
	grant      oauth2.Grant // run again when there is no refresh token
	stop       error        // why there is no token to send, when cur is nil
	lastStart  time.Time    // when the last token request began
	refreshing bool         // a shared refresh is running
	trouble    *trouble     // nil while refreshes succeed
}

// trouble is what the Session keeps after failed refreshes. It is rarely
// needed, so it lives out of line.
type trouble struct {
	failures int       // refreshes failed in a row
	retryAt  time.Time // no automatic refresh before this
	lastErr  error     // error of the last failed refresh
	halted   error     // rule 7: no automatic refresh until FetchToken or Refresh
}

// newTokenState checks that t can be sent and prepares its header. t must
// be a copy the Session owns. grace is the end of rule 3's window.
func newTokenState(t *oauth2.Token, leeway time.Duration, haveProver bool, grace time.Time) (*tokenState, error) {
	if t == nil || t.AccessToken == "" {
		return nil, ErrNoToken
	}
	if err := oauth2.CheckAccessToken(t.AccessToken); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedToken, err)
	}
	st := &tokenState{tok: *t, grace: grace, due: dueTime(t, leeway)}
	var scheme string
	switch {
	case strings.EqualFold(t.TokenType, oauth2.TokenTypeBearer), t.TokenType == "" && !haveProver:
		scheme = oauth2.TokenTypeBearer
	case strings.EqualFold(t.TokenType, oauth2.TokenTypeDPoP) && haveProver:
		// A DPoP-bound token is never sent as Bearer (RFC 9449, section 7.1).
		scheme, st.dpop = oauth2.TokenTypeDPoP, true
	case strings.EqualFold(t.TokenType, oauth2.TokenTypeDPoP):
		return nil, fmt.Errorf("%w: %w: a DPoP token needs oauth2.Config.DPoP", ErrMalformedToken, oauth2.ErrUnsupportedTokenType)
	default:
		return nil, fmt.Errorf("%w: %w: token type %q", ErrMalformedToken, oauth2.ErrUnsupportedTokenType, safetext.Clip(t.TokenType, 32))
	}
	// One copy of the token's bytes: the header, and the token as a
	// substring of it (the simple equivalent keeps two strings).
	st.auth[0] = scheme + " " + t.AccessToken
	st.tok.AccessToken = st.auth[0][len(scheme)+1:]
	return st, nil
}

// dueTime is rule 1.
func dueTime(t *oauth2.Token, leeway time.Duration) time.Time {
	if t.Expiry.IsZero() {
		return time.Time{}
	}
	due := t.Expiry.Add(-leeway)
	if half := t.ReceivedAt.Add(t.Expiry.Sub(t.ReceivedAt) / 2); half.After(due) {
		due = half
	}
	return due
}

// notDue reports whether st is not due at now (rule 2).
func (st *tokenState) notDue(now time.Time) bool {
	return st.due.IsZero() || now.Before(st.due)
}

// expiredAt reports whether the token has expired at now.
func (st *tokenState) expiredAt(now time.Time) bool {
	return !st.tok.Expiry.IsZero() && !now.Before(st.tok.Expiry)
}

// tokenFor returns the token to send with a request now, refreshing it
// first when the rules say so.
func (s *Session) tokenFor(ctx context.Context) (*tokenState, error) {
	now := s.set.now()
	if st := s.cur.Load(); st != nil && st.notDue(now) {
		return st, nil // rule 2
	}

	s.mu.Lock()
	st := s.cur.Load()
	if st == nil {
		err := s.noToken()
		s.mu.Unlock()
		return nil, err
	}
	refresh, err := s.decide(st, now)
	s.mu.Unlock()
	if !refresh {
		if err != nil {
			return nil, err
		}
		return st, nil
	}

	nst, err := s.refresh(ctx, st, false)
	if err == nil {
		return nst, nil
	}
	if ctx.Err() != nil {
		return nil, err // the caller left
	}
	// Rule 5 and 6 after a failed refresh.
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.cur.Load()
	if cur == nil {
		return nil, s.noToken()
	}
	now = s.set.now()
	if !cur.expiredAt(now) {
		return cur, nil
	}
	var ee *ExpiredError
	if errors.As(err, &ee) {
		return nil, err
	}
	_, retryAt := s.whyNot(cur, now)
	return nil, expired(cur, now, retryAt, err)
}

// decide applies rules 3 to 6 to st, which is due at now: refresh, or send
// st (no error), or fail with the error. Called with s.mu held.
func (s *Session) decide(st *tokenState, now time.Time) (refresh bool, err error) {
	if st.notDue(now) {
		return false, nil // rule 2 under the lock
	}
	if now.Before(st.grace) && (!st.expiredAt(now) || st.spent.CompareAndSwap(false, true)) {
		return false, nil // rule 3
	}
	if s.life.refreshing {
		return true, nil // join it
	}
	reason, retryAt := s.whyNot(st, now)
	switch {
	case reason == nil:
		return true, nil
	case !st.expiredAt(now):
		return false, nil // rule 5
	}
	return false, expired(st, now, retryAt, reason) // rule 6
}

// whyNot says why no automatic refresh of st may start at now, and when
// one may; a nil reason means one may start now. Called with s.mu held.
func (s *Session) whyNot(st *tokenState, now time.Time) (reason error, retryAt time.Time) {
	if st.tok.RefreshToken == "" && s.life.grant == nil {
		return ErrCannotRefresh, time.Time{}
	}
	if tr := s.life.trouble; tr != nil {
		if tr.halted != nil {
			return tr.halted, time.Time{}
		}
		if now.Before(tr.retryAt) {
			return tr.lastErr, tr.retryAt
		}
	}
	if next := s.life.lastStart.Add(s.set.minInterval); !s.life.lastStart.IsZero() && now.Before(next) {
		return ErrRefreshLimited, next
	}
	return nil, time.Time{}
}

// expired is rule 6's error.
func expired(st *tokenState, now, retryAt time.Time, reason error) *ExpiredError {
	e := &ExpiredError{Expiry: st.tok.Expiry, RetryAt: retryAt, Reason: reason}
	if !retryAt.IsZero() {
		e.wait = retryAt.Sub(now)
	}
	return e
}

// noToken is why there is no token to send. Called with s.mu held.
func (s *Session) noToken() error {
	if s.life.stop != nil {
		return s.life.stop
	}
	return ErrNoToken
}

// refresh renews from, sharing one token request among all concurrent
// callers (HT-05). The request runs detached from ctx's cancellation,
// bounded by Options.RefreshTimeout; a caller whose ctx ends stops waiting
// and gets ctx.Err(). Every caller that waits gets the new token, or the
// refresh error as the server sent it. force (an explicit Refresh) skips
// rule 4's conditions.
func (s *Session) refresh(ctx context.Context, from *tokenState, force bool) (*tokenState, error) {
	return s.flight.Do(ctx, func() (*tokenState, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.set.refreshTimeout)
		defer cancel()
		return s.runRefresh(rctx, from, force)
	})
}

// runRefresh is the shared refresh: RFC 6749, section 6 with the refresh
// token, else the grant again (client credentials, section 4.4; a minted
// assertion, RFC 7523, section 2.1). It is never retried by itself.
func (s *Session) runRefresh(ctx context.Context, from *tokenState, force bool) (*tokenState, error) {
	s.mu.Lock()
	cur := s.cur.Load()
	switch {
	case cur == nil:
		err := s.noToken()
		s.mu.Unlock()
		return nil, err
	case cur != from:
		s.mu.Unlock()
		return cur, nil // renewed while this caller was deciding
	}
	started := s.set.now()
	if !force {
		// A refresh may have ended, and failed, while this caller was
		// deciding.
		if reason, retryAt := s.whyNot(cur, started); reason != nil {
			s.mu.Unlock()
			if !cur.expiredAt(started) {
				return cur, nil
			}
			return nil, expired(cur, started, retryAt, reason)
		}
	}
	grant := s.life.grant
	s.life.lastStart = started
	s.life.refreshing = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.life.refreshing = false
		s.mu.Unlock()
	}()

	var sent sendTrace
	tctx := sent.attach(ctx)
	var t *oauth2.Token
	var err error
	withRefreshToken := from.tok.RefreshToken != ""
	switch {
	case withRefreshToken:
		// oauth2.Config.Refresh keeps the old refresh token when the
		// response has none or an empty one (HT-06 a and c).
		t, err = s.cfg.Refresh(tctx, &from.tok)
	case grant != nil:
		t, err = s.cfg.Token(tctx, grant)
	default:
		err = ErrCannotRefresh
	}
	if err == nil && s.set.verify != nil {
		if verr := s.set.verify(ctx, cloneToken(&from.tok), cloneToken(t)); verr != nil {
			err = fmt.Errorf("%w: %w", ErrTokenRefused, verr)
		}
	}
	if err == nil {
		var nst *tokenState
		if nst, err = s.install(ctx, t, from, nil, started); err == nil {
			return nst, nil
		}
	}
	err = s.refreshFailed(from, err, sent.outcome(err, withRefreshToken))
	if !force && s.set.onRefreshError != nil {
		s.set.onRefreshError(ctx, err)
	}
	return nil, err
}

// failure is how a failed refresh is taken: rule 7.
type failure int

const (
	failBackoff  failure = iota // try again later
	failHalt                    // no automatic refresh until FetchToken or Refresh
	failTerminal                // drop the token
)

// refreshFailed records a failed refresh of from and returns the error the
// callers get. Nothing changes when another token was installed meanwhile.
func (s *Session) refreshFailed(from *tokenState, err error, how failure) error {
	if how == failHalt && !errors.Is(err, ErrTokenRefused) {
		err = fmt.Errorf("%w: %w", ErrRefreshUnanswered, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.Load() != from {
		return err
	}
	now := s.set.now()
	switch how {
	case failTerminal:
		s.life.stop = err
		s.life.grant = nil
		s.life.trouble = nil
		s.cur.Store(nil)
	case failHalt:
		s.troubled().halted = err
	default:
		tr := s.troubled()
		tr.failures++
		tr.lastErr = err
		tr.retryAt = now.Add(backoff(err, tr.failures, now, s.set.maxBackoff))
	}
	return err
}

func (s *Session) troubled() *trouble {
	if s.life.trouble == nil {
		s.life.trouble = new(trouble)
	}
	return s.life.trouble
}

// install makes t the Session's token: it hands a copy to OnToken, then
// publishes it. When from is not nil, t is the result of refreshing from
// and is dropped (the current token is returned instead) if another token
// was installed meanwhile, or the token was revoked. Otherwise t comes from
// FetchToken with grant g, which clears any stop.
func (s *Session) install(ctx context.Context, t *oauth2.Token, from *tokenState, g oauth2.Grant, started time.Time) (*tokenState, error) {
	st, err := newTokenState(cloneToken(t), s.set.leeway, s.cfg.DPoP != nil, s.set.now().Add(max(s.set.minInterval, time.Second)))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if from != nil {
		if cur := s.cur.Load(); cur != from {
			if cur == nil {
				return nil, s.noToken()
			}
			return cur, nil
		}
	}
	// OnToken runs under the lock so that it sees the tokens in the order
	// they are installed; requests on the fast path do not wait for it.
	if s.set.onToken != nil {
		s.set.onToken(ctx, cloneToken(&st.tok))
	}
	if from == nil {
		s.life.grant = g
		s.life.stop = nil
		s.life.lastStart = started
	}
	s.life.trouble = nil
	s.cur.Store(st)
	return st, nil
}

// sendTrace learns, through net/http's client trace hooks, whether a token
// request got as far as being written: the difference between a failure
// the server never saw and one after which it may have rotated the refresh
// token.
type sendTrace struct {
	getConn atomic.Bool // the transport (net/http's) began to get a connection
	gotConn atomic.Bool // it got one
	wrote   atomic.Bool // it wrote the request headers
}

func (tr *sendTrace) attach(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn:      func(string) { tr.getConn.Store(true) },
		GotConn:      func(httptrace.GotConnInfo) { tr.gotConn.Store(true) },
		WroteHeaders: func() { tr.wrote.Store(true) },
	})
}

// outcome classifies a failed token request (rule 7). withRefreshToken
// tells whether it presented a refresh token, the only thing a repeat can
// burn: a client credentials or assertion grant is safe to run again.
func (tr *sendTrace) outcome(err error, withRefreshToken bool) failure {
	var oe *oauth2.Error
	var re *oauth2.ResponseError
	switch {
	case errors.As(err, &oe):
		if oe.Code == oauth2.ErrorInvalidGrant || oe.Code == oauth2.ErrorInvalidClient {
			return failTerminal
		}
		return failBackoff // the server answered and refused
	case errors.As(err, &re) && re.StatusCode >= 300:
		return failBackoff
	case !withRefreshToken && !errors.Is(err, ErrTokenRefused):
		return failBackoff
	case errors.Is(err, ErrTokenRefused), errors.Is(err, ErrMalformedToken),
		errors.Is(err, oauth2.ErrMalformedResponse), errors.Is(err, oauth2.ErrUnsupportedTokenType),
		errors.Is(err, oauth2.ErrResponseTooLarge):
		return failHalt // a success the client could not use: the server may have rotated
	}
	var ue *url.Error
	switch {
	case tr.wrote.Load():
		return failHalt
	case !errors.As(err, &ue):
		return failBackoff // failed before any HTTP: configuration, signing
	case tr.getConn.Load():
		// net/http's transport, which reports each step: it failed to get
		// a connection, or failed on one before writing the request.
		return failBackoff
	case notSent(err):
		return failBackoff
	}
	// A transport that reports nothing through the trace hooks, and an
	// error that does not prove the request stayed here.
	return failHalt
}

// notSent reports whether err proves that no request went out: a failed
// dial, name resolution or TLS handshake.
func notSent(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	var hdr tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &dns), errors.As(err, &hdr), errors.As(err, &cv),
		errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return true
	case errors.As(err, &op):
		return op.Op == "dial"
	}
	return false
}
