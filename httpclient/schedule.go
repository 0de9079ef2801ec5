package httpclient

import (
	"fmt"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// The refresh schedule. Before each request the Session decides, under its
// lock, whether to send the current token, to refresh it first, or to fail:
//
//  1. A token is due at its refresh time: Expiry minus the leeway, or, when
//     the leeway is as long as the token's lifetime or longer, ReceivedAt
//     plus half the lifetime (a 60 s token with the default 60 s leeway is
//     refreshed after 30 s, not before every request). A token of unknown
//     expiry is never due; only a 401 invalid_token renews it.
//  2. A token that is not due is sent.
//  3. Every new token is sent at least once: a due token that no request
//     has used yet is sent, and so is a token the server issued already
//     expired (expires_in 0), when the request comes within the
//     MinRefreshInterval (at least one second) after it arrived (TE-08).
//  4. A request that finds the token due while a refresh runs waits for
//     it. Otherwise automatic refreshes start at most once per
//     MinRefreshInterval, and not while backing off after a failed refresh. A due token that has
//     not expired is sent meanwhile, and also when it cannot be renewed at
//     all, or when its refresh fails without a terminal error.
//  5. An expired token is never sent otherwise: the request fails with an
//     [*ExpiredError] when the token cannot be renewed now.

// tokenState is an installed token and what requests need of it. Every
// field but used is fixed once the state is installed.
type tokenState struct {
	tok       *oauth2.Token // never modified: copies go out
	gen       uint64        // installation count, to tell tokens apart
	auth      []string      // Authorization header value; shared, never modified
	dpop      bool          // sent with "DPoP" scheme and proof (RFC 9449, section 7.1)
	refreshAt time.Time     // zero: never refreshed before a 401
	expiry    time.Time     // zero: unknown
	installed time.Time     // by the Session's clock
	fresh     bool          // received by this Session, not a stored token
	used      bool          // sent at least once; guarded by Session.mu
}

// newTokenState checks that t can be sent and precomputes its header.
// RFC 6750, section 2.1 (Bearer) and RFC 9449, section 7.1 (DPoP).
func newTokenState(t *oauth2.Token, leeway time.Duration, haveProver bool) (*tokenState, error) {
	if t == nil || t.AccessToken == "" {
		return nil, ErrNoToken
	}
	if !validHeaderToken(t.AccessToken) {
		return nil, fmt.Errorf("%w: %w: the access token holds characters a header cannot carry", ErrMalformedToken, oauth2.ErrMalformedResponse)
	}
	st := &tokenState{tok: t, expiry: t.Expiry, refreshAt: refreshTime(t, leeway)}
	switch {
	case strings.EqualFold(t.TokenType, oauth2.TokenTypeBearer), t.TokenType == "" && !haveProver:
		st.auth = []string{oauth2.TokenTypeBearer + " " + t.AccessToken}
	case strings.EqualFold(t.TokenType, oauth2.TokenTypeDPoP) && haveProver:
		// A DPoP-bound token is never sent as Bearer (RFC 9449, section 7.1).
		st.dpop = true
		st.auth = []string{oauth2.TokenTypeDPoP + " " + t.AccessToken}
	case strings.EqualFold(t.TokenType, oauth2.TokenTypeDPoP):
		return nil, fmt.Errorf("%w: %w: a DPoP token needs oauth2.Config.DPoP", ErrMalformedToken, oauth2.ErrUnsupportedTokenType)
	default:
		return nil, fmt.Errorf("%w: %w: token type %q", ErrMalformedToken, oauth2.ErrUnsupportedTokenType, clip(t.TokenType, 32))
	}
	return st, nil
}

// refreshTime is when t becomes due (rule 1 above).
func refreshTime(t *oauth2.Token, leeway time.Duration) time.Time {
	if t.Expiry.IsZero() {
		return time.Time{}
	}
	life := t.Lifetime()
	switch {
	case leeway <= 0 || life <= 0:
		return t.Expiry
	case leeway < life:
		return t.Expiry.Add(-leeway)
	default:
		return t.ReceivedAt.Add(life / 2)
	}
}

// expiredAt reports whether the token has expired at now.
func (st *tokenState) expiredAt(now time.Time) bool {
	return !st.expiry.IsZero() && !now.Before(st.expiry)
}

// canRenew reports whether the Session has a way to renew st.
func (s *Session) canRenew(st *tokenState) bool {
	return st.tok.RefreshToken != "" || s.grant != nil
}

// nextRefresh is the earliest time an automatic refresh may start: one
// MinRefreshInterval after the last one began, and not before the
// back-off ends. Called with s.mu held.
func (s *Session) nextRefresh() time.Time {
	next := s.lastRefresh.Add(s.set.minInterval)
	if s.lastRefresh.IsZero() {
		next = time.Time{}
	}
	if s.retryAt.After(next) {
		next = s.retryAt
	}
	return next
}

// action is the outcome of the schedule for one request.
type action int

const (
	actSend    action = iota // send st as it is
	actRefresh               // refresh first
	actFail                  // return the error
)

// decide applies the schedule to st at now. Called with s.mu held, after
// the fast path found st due.
func (s *Session) decide(st *tokenState, now time.Time) (action, error) {
	expired := st.expiredAt(now)
	if !st.used && st.fresh && (!expired || now.Sub(st.installed) < max(s.set.minInterval, time.Second)) {
		return actSend, nil // rule 3
	}
	if s.refreshing {
		return actRefresh, nil // join it
	}
	next := s.nextRefresh()
	canRenew := s.canRenew(st)
	if !expired {
		if canRenew && !now.Before(next) {
			return actRefresh, nil
		}
		return actSend, nil // rule 4
	}
	if !canRenew {
		return actFail, &ExpiredError{Expiry: st.expiry, Reason: ErrCannotRefresh}
	}
	if now.Before(next) {
		return actFail, s.notYet(st, now, next)
	}
	return actRefresh, nil
}

// notYet is the error for an expired token whose refresh may not start
// before next. Called with s.mu held.
func (s *Session) notYet(st *tokenState, now, next time.Time) error {
	reason := ErrRefreshLimited
	if now.Before(s.retryAt) && s.lastErr != nil {
		reason = s.lastErr
	}
	return &ExpiredError{Expiry: st.expiry, RetryAt: next, Reason: reason, wait: next.Sub(now)}
}

// validHeaderToken reports whether v can follow the scheme in an
// Authorization header: printable ASCII without spaces, which covers the
// b64token of RFC 6750, section 2.1 and every token seen in practice.
func validHeaderToken(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// clip cuts a server-sent value for an error message and replaces
// control characters, so a hostile server cannot forge log lines.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}
