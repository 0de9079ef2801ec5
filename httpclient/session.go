package httpclient

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/internal/flight"
	"github.com/oauthkit/oauthkit/internal/wire"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Session holds an OAuth 2.0 token, renews it and authorizes requests with
// it: the counterpart of Authlib's OAuth2Session. [Session.FetchToken] gets
// a token with any grant; [Session.Client] hands out an ordinary
// *http.Client that sends it and refreshes it when it is due. lifecycle.go
// holds the rules it applies.
//
// A Session is safe for concurrent use. Concurrent requests that find the
// token due share one refresh; requests with a token that is not due take
// no lock.
type Session struct {
	cfg  *oauth2.Config
	set  settings
	base *http.Client      // Options.Base
	next http.RoundTripper // its Transport, or http.DefaultTransport

	// cur is the token to send, nil when there is none (life.stop says
	// why). Requests read it without the lock; it is written only with mu
	// held.
	cur atomic.Pointer[tokenState]

	mu     sync.Mutex
	life   lifecycle // guarded by mu
	flight flight.Group[*tokenState]
}

// New returns a Session for the client cfg. cfg is used as it is, not
// copied, and must not be modified afterwards; nil means an empty Config.
// With opts.Token set the Session starts from a copy of that token, else it
// has none until [Session.FetchToken].
func New(cfg *oauth2.Config, opts Options) *Session {
	if cfg == nil {
		cfg = &oauth2.Config{}
	}
	s := &Session{cfg: cfg, set: opts.settings(cfg), base: opts.Base, next: http.DefaultTransport}
	if opts.Base != nil && opts.Base.Transport != nil {
		s.next = opts.Base.Transport
	}
	if cfg.Observer != nil {
		// Resource requests are observed like every other exchange, once
		// their response headers have arrived.
		s.next = &wire.Transport{Base: s.next, Observe: cfg.Observer, Reveal: cfg.RevealSecrets}
	}
	if opts.Token != nil {
		// A stored token is not new to its owner: no rule 3 window.
		st, err := newTokenState(cloneToken(opts.Token), s.set.leeway, cfg.DPoP != nil, time.Time{})
		if err != nil {
			s.life.stop = err
		} else {
			s.cur.Store(st)
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
	c := &http.Client{Transport: (*transport)(s)}
	if b := s.base; b != nil {
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
// copy to [Options.OnToken] first. It clears any stop: after a terminal
// refresh error, an unanswered refresh, a refused token or [Session.Revoke].
// A token without a refresh token is renewed by running the same grant
// again when that needs no user: oauth2.ClientCredentialsGrant (section
// 4.4.3) with its extra parameters, and an assertion grant that mints a
// new assertion each time (oauth2.AssertionGrant, oauth2.JWTBearerGrant
// with a Key; RFC 7523, section 2.1). On error the Session keeps its
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
	return cloneToken(&st.tok), nil
}

// Token returns a copy of the current token, refreshed first when it is
// due (RFC 6749, section 6). It fails with [ErrNoToken] before the first
// token, with an [*ExpiredError] when the token has expired and cannot be
// renewed now, and with a terminal refresh error itself: an *oauth2.Error
// such as "invalid_grant: Session not active".
func (s *Session) Token(ctx context.Context) (*oauth2.Token, error) {
	st, err := s.tokenFor(ctx)
	if err != nil {
		return nil, err
	}
	return cloneToken(&st.tok), nil
}

// Refresh renews the token now, whether it is due or not, ignoring
// [Options.MinRefreshInterval], any back-off, and a stop after an
// unanswered refresh ([ErrRefreshUnanswered]: it presents the same refresh
// token again, which the caller has decided to risk) or a refused token
// (RFC 6749, section 6). It joins a refresh already running. It fails with
// [ErrCannotRefresh] when there is no refresh token and no grant to run
// again.
func (s *Session) Refresh(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	st := s.cur.Load()
	var err error
	switch {
	case st == nil:
		err = s.noToken()
	case st.tok.RefreshToken == "" && s.life.grant == nil:
		err = ErrCannotRefresh
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	st, err = s.refresh(ctx, st, true)
	if err != nil {
		return nil, err
	}
	return cloneToken(&st.tok), nil
}

// Revoke ends the Session's grant: it revokes the refresh token, then the
// access token, at oauth2.Config's Endpoint.RevocationURL (RFC 7009,
// section 2.1; the refresh token first, since revoking it may revoke the
// access tokens issued with it, section 2.1, while the reverse is not
// required). The Session drops its token before it calls the server:
// whatever the outcome, requests fail with [ErrRevoked] until the next
// [Session.FetchToken], and the caller should delete any stored copy.
//
// The error, when the server could not be reached or refused, wraps every
// failed revocation (an *oauth2.Error, an *oauth2.UnavailableError, ...):
// the token may still be valid at the server, and the caller can retry with
// oauth2.Config.Revoke and the token it stored. A refresh running meanwhile
// is discarded when it ends.
func (s *Session) Revoke(ctx context.Context) error {
	s.mu.Lock()
	st := s.cur.Load()
	if st == nil {
		err := s.noToken()
		s.mu.Unlock()
		return err
	}
	s.cur.Store(nil)
	s.life = lifecycle{stop: ErrRevoked, refreshing: s.life.refreshing}
	s.mu.Unlock()

	var errs []error
	if rt := st.tok.RefreshToken; rt != "" {
		if err := s.cfg.Revoke(ctx, rt, oauth2.HintRefreshToken); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.cfg.Revoke(ctx, st.tok.AccessToken, oauth2.HintAccessToken); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// renew is the refresh after a resource server rejected st (RFC 6750,
// section 3.1). It returns the token to retry with: a newer one that is
// already there, or a refreshed one. It returns nil and no error when there
// is nothing to retry with: no way to renew, or a refresh may not start
// now. A refresh that is running is joined.
func (s *Session) renew(ctx context.Context, st *tokenState) (*tokenState, error) {
	s.mu.Lock()
	cur := s.cur.Load()
	if cur == nil {
		err := s.noToken()
		s.mu.Unlock()
		return nil, err
	}
	if cur != st {
		s.mu.Unlock()
		return cur, nil
	}
	reason, _ := s.whyNot(st, s.set.now())
	ok := s.life.refreshing || reason == nil
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return s.refresh(ctx, st, false)
}

// rerunnable returns a private copy of g when the Session may run it again
// to renew its token: grants that involve no user and present nothing a
// repeat could burn. The client credentials grant (RFC 6749, section 4.4)
// and assertion grants that mint a fresh assertion for each request (RFC
// 7523, section 2.1); a ready-made assertion may have expired or been used.
func rerunnable(g oauth2.Grant) oauth2.Grant {
	switch v := g.(type) {
	case oauth2.ClientCredentialsGrant:
		v.Scopes = slices.Clone(v.Scopes)
		v.Extra = cloneValues(v.Extra)
		return v
	case *oauth2.ClientCredentialsGrant:
		if v != nil {
			return rerunnable(*v)
		}
	case oauth2.AssertionGrant:
		if v.Mint != nil {
			v.Scopes = slices.Clone(v.Scopes)
			v.Extra = cloneValues(v.Extra)
			return v
		}
	case *oauth2.AssertionGrant:
		if v != nil {
			return rerunnable(*v)
		}
	case oauth2.JWTBearerGrant:
		if v.Assertion == "" && v.Key.Key != nil {
			v.Scopes = slices.Clone(v.Scopes)
			v.Extra = cloneValues(v.Extra)
			v.Claims = maps.Clone(v.Claims)
			return v
		}
	case *oauth2.JWTBearerGrant:
		if v != nil {
			return rerunnable(*v)
		}
	}
	return nil
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
