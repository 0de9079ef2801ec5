package httpclient

import (
	"io"
	"net/http"

	"github.com/oauthkit/oauthkit/oauth2"
)

// maxDrain bounds what is read of a rejected response before it is closed
// for a retry; reading lets the connection be reused.
const maxDrain = 64 << 10

// transport is the http.RoundTripper of [Session.Client]: the Session
// itself, seen as a transport. It follows the RoundTripper contract: the
// caller's request is never modified (a shallow copy with a new header map
// is sent), and its body is closed even when an error is returned before it
// is sent.
type transport Session

// RoundTrip authorizes req with the Session's token (RFC 6750, section 2.1,
// or RFC 9449, section 7.1 for DPoP) when req goes to the origin of the
// request the caller made, and sends it with the base transport. A 401
// that refreshing can cure is answered once: invalid_token with a refresh
// (RFC 6750, section 3.1), use_dpop_nonce with a new proof (RFC 9449,
// section 9), and, with Options.RefreshOnUnauthorized, a 401 without an
// error code with a refresh. Only a request whose body can be sent again is
// retried.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s := (*Session)(t)
	if req.Response != nil && !sameOrigin(firstRequest(req).URL, req.URL) {
		return t.send(withoutCredentials(req))
	}
	st, err := s.tokenFor(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out, err := t.authorize(req, st, req.Body)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	res, err := t.send(out)
	if err != nil {
		return nil, err
	}
	nonceRetry := st.dpop && oauth2.ResourceNonce(t.cfg.DPoP, req.URL.String(), res.StatusCode, res.Header)
	if res.StatusCode != http.StatusUnauthorized {
		return res, nil
	}
	return t.retry(req, st, res, nonceRetry)
}

// send is the one place a resource request leaves the Session: the seam
// where an observer of the exchanges would see it.
func (t *transport) send(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req)
}

// retry answers a 401 at most once; see RoundTrip. An insufficient_scope
// 403, challenges of another scheme and, by default, a 401 without an
// error code are returned as they are: a new token cannot fix them
// (HT-04).
// nonceRetry tells that the response is a use_dpop_nonce challenge with a
// nonce, recorded already (oauth2.ResourceNonce).
func (t *transport) retry(req *http.Request, st *tokenState, res *http.Response, nonceRetry bool) (*http.Response, error) {
	s := (*Session)(t)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return res, nil // the body is gone
	}
	scheme := oauth2.TokenTypeBearer
	if st.dpop {
		scheme = oauth2.TokenTypeDPoP
	}
	code := ""
	c, ok := oauth2.FindChallenge(res.Header, scheme)
	if ok {
		code = c.ErrorCode()
	}
	if !ok && !s.set.bare401 {
		return res, nil
	}
	next := st
	switch {
	case code == "invalid_token", code == "" && s.set.bare401:
		nst, err := s.renew(req.Context(), st)
		if err != nil {
			discard(res)
			return nil, err
		}
		if nst == nil {
			return res, nil
		}
		next = nst
	case code == oauth2.ErrorUseDPoPNonce:
		// A challenge without a nonce cannot be answered. The token is
		// not refreshed (DP-01).
		if !nonceRetry {
			return res, nil
		}
	default:
		return res, nil
	}

	body := req.Body
	if req.GetBody != nil && body != nil && body != http.NoBody {
		b, err := req.GetBody()
		if err != nil {
			return res, nil
		}
		body = b
	}
	out, err := t.authorize(req, next, body)
	if err != nil {
		if body != nil {
			body.Close()
		}
		discard(res)
		return nil, err
	}
	discard(res)
	res, err = t.send(out)
	if err == nil && next.dpop {
		oauth2.ResourceNonce(t.cfg.DPoP, req.URL.String(), res.StatusCode, res.Header)
	}
	return res, err
}

// authorize returns a shallow copy of req with body and the headers that
// carry st: the prepared "Authorization: Bearer" value, or, for a DPoP
// token, "Authorization: DPoP" and a fresh proof with the token's hash
// (oauth2.AuthorizeResource, the one copy of that step).
func (t *transport) authorize(req *http.Request, st *tokenState, body io.ReadCloser) (*http.Request, error) {
	out := new(http.Request)
	*out = *req
	out.Body = body
	out.Header = copyHeader(req.Header, 2)
	if st.dpop {
		if err := oauth2.AuthorizeResource(out, oauth2.TokenTypeDPoP, st.tok.AccessToken, t.cfg.DPoP); err != nil {
			return nil, err
		}
		return out, nil
	}
	out.Header["Authorization"] = st.auth[:]
	return out, nil
}

// discard reads a little of a response body and closes it.
func discard(res *http.Response) {
	_, _ = io.CopyN(io.Discard, res.Body, maxDrain)
	res.Body.Close()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
