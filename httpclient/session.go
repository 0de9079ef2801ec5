package httpclient

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/internal/wire"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Session holds an OAuth 2.0 token, renews it and authorizes requests with
// it: the counterpart of Authlib's OAuth2Session. [Session.FetchToken] gets
// a token with any grant; [Session.Client] hands out an ordinary
// *http.Client that sends it and refreshes it when it is due.
//
// A Session is safe for concurrent use. Concurrent requests that find the
// token due share one refresh.
type Session struct {
	cfg  *oauth2.Config
	set  settings
	opts Options
	rt   *transport

	// installMu serializes OnToken and the installation of a new token, so
	// that OnToken sees tokens in the order they are installed and a
	// refresh started before a FetchToken cannot overwrite its token.
	installMu sync.Mutex

	mu          sync.Mutex
	st          *tokenState  // current token, nil before the first
	gen         uint64       // installations so far
	grant       oauth2.Grant // grant to run again when there is no refresh token
	lastRefresh time.Time    // when the last token request began
	failures    int          // refreshes failed in a row
	retryAt     time.Time    // no automatic refresh before this
	lastErr     error        // error of the last failed refresh, while backing off
	refreshing  bool         // a shared refresh is running
	terminal    error        // invalid_grant or invalid_client: stop until FetchToken
	startErr    error        // Options.Token cannot be used

	flight group[*tokenState]
}

// New returns a Session for the client cfg. cfg is used as it is, not
// copied, and must not be modified afterwards; nil means an empty Config.
// With opts.Token set the Session starts from that token, else it has none
// until [Session.FetchToken].
func New(cfg *oauth2.Config, opts Options) *Session {
	if cfg == nil {
		cfg = &oauth2.Config{}
	}
	s := &Session{cfg: cfg, opts: opts, set: opts.settings(cfg)}
	base := http.DefaultTransport
	if opts.Base != nil && opts.Base.Transport != nil {
		base = opts.Base.Transport
	}
	if cfg.Observer != nil {
		// Resource requests are shown to the Config's Observer too.
		base = &wire.Transport{Base: base, Observe: cfg.Observer, Reveal: cfg.RevealSecrets, Clock: cfg.Clock}
	}
	s.rt = &transport{s: s, base: base}
	if opts.Token != nil {
		st, err := newTokenState(cloneToken(opts.Token), s.set.leeway, cfg.DPoP != nil)
		if err != nil {
			s.startErr = err
		} else {
			// A stored token counts as used: it is not new to its owner.
			st.used = true
			st.installed = s.set.now()
			s.gen = 1
			st.gen = 1
			s.st = st
		}
	}
	return s
}

// Client returns an *http.Client that authorizes each request with the
// Session's token, refreshing it first when it is due: "Authorization:
// Bearer" (RFC 6750, section 2.1), or "Authorization: DPoP" with a proof
// for a DPoP-bound token (RFC 9449, section 7.1). Its Timeout, Jar and
// CheckRedirect are those of [Options.Base]; without one, its Timeout is
// oauth2.DefaultTimeout. Each call returns a new *http.Client; they share
// one Transport.
//
// The token goes only to the origin (scheme, host and port) of the request
// the caller made: a redirect to another origin is sent without
// Authorization and DPoP headers. The token replaces any Authorization
// header of the request.
//
// The scheme is the token's type. A DPoP token is never sent as Bearer;
// a token the server issued as Bearer although oauth2.Config.DPoP is set
// is sent as Bearer, without a proof: a caller that requires binding
// checks [oauth2.Token.TokenType] after FetchToken.
func (s *Session) Client() *http.Client {
	c := &http.Client{Transport: s.rt}
	if b := s.opts.Base; b != nil {
		c.Timeout = b.Timeout
		c.Jar = b.Jar
		c.CheckRedirect = b.CheckRedirect
	} else {
		c.Timeout = oauth2.DefaultTimeout
	}
	return c
}

// FetchToken runs grant g at the token endpoint (RFC 6749, section 3.2 and
// the grant's own section) and makes the token the Session's, handing a
// copy to [Options.OnToken] first. It clears any stop after a terminal
// refresh error. A token obtained with oauth2.ClientCredentialsGrant and no
// refresh token is renewed by running the same grant again, extra
// parameters included (section 4.4.3). On error the Session keeps its
// previous token.
func (s *Session) FetchToken(ctx context.Context, g oauth2.Grant) (*oauth2.Token, error) {
	started := s.set.now()
	t, err := s.cfg.Token(ctx, g)
	if err != nil {
		return nil, err
	}
	st, err := s.install(ctx, t, nil, rerunnable(g), started)
	if err != nil {
		return nil, err
	}
	return cloneToken(st.tok), nil
}

// Token returns a copy of the current token, refreshed first when it is
// due (RFC 6749, section 6). It fails with [ErrNoToken] before the first
// token, with an [*ExpiredError] when the token has expired and cannot be
// renewed now, and with the refresh error itself when the refresh fails:
// an *oauth2.Error such as "invalid_grant: Session not active".
func (s *Session) Token(ctx context.Context) (*oauth2.Token, error) {
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return cloneToken(st.tok), nil
}

// Refresh renews the token now, whether it is due or not, ignoring
// [Options.MinRefreshInterval] and any back-off (RFC 6749, section 6). It
// joins a refresh already running. It fails with [ErrCannotRefresh] when
// there is no refresh token and no grant to run again.
func (s *Session) Refresh(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	st, err := s.usable()
	if err == nil && !s.canRenew(st) {
		err = ErrCannotRefresh
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	st, err = s.refresh(ctx, st.gen, true)
	if err != nil {
		return nil, err
	}
	s.markUsed(st)
	return cloneToken(st.tok), nil
}

// usable returns the current token state, or why there is none to use.
// Called with s.mu held.
func (s *Session) usable() (*tokenState, error) {
	switch {
	case s.terminal != nil:
		return nil, s.terminal
	case s.st != nil:
		return s.st, nil
	case s.startErr != nil:
		return nil, s.startErr
	}
	return nil, ErrNoToken
}

// current returns the token to send now, applying the schedule (see
// schedule.go): the token as it is, a refreshed one, or an error.
func (s *Session) current(ctx context.Context) (*tokenState, error) {
	s.mu.Lock()
	st, err := s.usable()
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if st.refreshAt.IsZero() {
		st.used = true
		s.mu.Unlock()
		return st, nil
	}
	now := s.set.now()
	if now.Before(st.refreshAt) {
		st.used = true
		s.mu.Unlock()
		return st, nil
	}
	act, err := s.decide(st, now)
	if act == actSend {
		st.used = true
	}
	s.mu.Unlock()
	switch act {
	case actSend:
		return st, nil
	case actFail:
		return nil, err
	}

	nst, err := s.refresh(ctx, st.gen, false)
	if err == nil {
		s.markUsed(nst)
		return nst, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	// The refresh failed. A token that has not expired is still good
	// (HT-08), unless the failure was terminal.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.terminal != nil {
		return nil, s.terminal
	}
	if cur := s.st; cur != nil && !cur.expiredAt(s.set.now()) {
		cur.used = true
		return cur, nil
	}
	return nil, err
}

// renew is the refresh after a resource server rejected st with
// invalid_token (RFC 6750, section 3.1). It returns the token to retry
// with: a newer one that is already there, or a refreshed one. It returns
// nil and no error when there is nothing to retry with: no way to renew,
// or a refresh is not allowed yet. A refresh that is running is joined.
func (s *Session) renew(ctx context.Context, st *tokenState) (*tokenState, error) {
	s.mu.Lock()
	cur, err := s.usable()
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if cur.gen != st.gen {
		cur.used = true
		s.mu.Unlock()
		return cur, nil
	}
	ok := s.canRenew(cur) && (s.refreshing || !s.set.now().Before(s.nextRefresh()))
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	nst, err := s.refresh(ctx, st.gen, false)
	if err != nil {
		return nil, err
	}
	s.markUsed(nst)
	return nst, nil
}

func (s *Session) markUsed(st *tokenState) {
	s.mu.Lock()
	st.used = true
	s.mu.Unlock()
}

// install makes t the Session's token: it hands a copy to OnToken, then
// swaps it in. When from is not nil, t is the result of refreshing from
// and is dropped (the current token is returned instead) if another token
// was installed meanwhile. grant is kept for re-fetching when from is nil.
func (s *Session) install(ctx context.Context, t *oauth2.Token, from *tokenState, grant oauth2.Grant, started time.Time) (*tokenState, error) {
	st, err := newTokenState(t, s.set.leeway, s.cfg.DPoP != nil)
	if err != nil {
		return nil, err
	}
	st.fresh = true

	s.installMu.Lock()
	defer s.installMu.Unlock()
	if from != nil {
		s.mu.Lock()
		cur := s.st
		s.mu.Unlock()
		if cur != from {
			return cur, nil
		}
	}
	if s.opts.OnToken != nil {
		s.opts.OnToken(ctx, cloneToken(t))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	st.gen = s.gen
	st.installed = s.set.now()
	s.st = st
	if from == nil {
		s.grant = grant
		s.lastRefresh = started
		s.terminal = nil
		s.startErr = nil
	}
	s.failures = 0
	s.retryAt = time.Time{}
	s.lastErr = nil
	return st, nil
}

// rerunnable returns a private copy of g when the Session may run it again
// to renew its token: only the client credentials grant, which involves
// no user (RFC 6749, section 4.4).
func rerunnable(g oauth2.Grant) oauth2.Grant {
	var cc oauth2.ClientCredentialsGrant
	switch v := g.(type) {
	case oauth2.ClientCredentialsGrant:
		cc = v
	case *oauth2.ClientCredentialsGrant:
		if v == nil {
			return nil
		}
		cc = *v
	default:
		return nil
	}
	cc.Scopes = slices.Clone(cc.Scopes)
	cc.Extra = cloneValues(cc.Extra)
	return cc
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// cloneToken returns a copy of t that shares nothing mutable with it.
func cloneToken(t *oauth2.Token) *oauth2.Token {
	c := *t
	if t.Extra != nil {
		c.Extra = maps.Clone(t.Extra)
		for k, v := range c.Extra {
			c.Extra[k] = slices.Clone(v)
		}
	}
	return &c
}
