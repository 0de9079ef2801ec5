// Package httpclient is an OAuth 2.0 client session: an *http.Client that
// carries an access token and renews it, the Go counterpart of Authlib's
// OAuth2Session.
//
// A [Session] fetches a token with any oauth2.Grant ([Session.FetchToken])
// or starts from a stored one ([Options.Token]). [Session.Client] returns
// an ordinary *http.Client whose requests carry the token: as
// "Authorization: Bearer", or as "Authorization: DPoP" with a proof when
// the token is DPoP-bound. Before a request, a token that is due (it
// expires within the leeway, or half its lifetime has passed when the
// leeway is longer than that) is refreshed with the refresh token, or, for
// the client credentials grant, by running the grant again. Concurrent
// requests share one refresh; [Options.OnToken] receives each new token
// before any request uses it, to persist it.
//
// The token goes only to the origin of the request the caller made, never
// across a redirect to another origin. A 401 invalid_token is answered
// with one refresh and one retry, a DPoP use_dpop_nonce challenge with one
// retry and a new proof. A refresh rejected with invalid_grant or
// invalid_client stops the Session and every request returns the
// *oauth2.Error (its text is the server's, e.g. "invalid_grant: Session not
// active") until the next FetchToken; a 429, a 5xx or a network failure
// makes the Session back off, using the current token while it is still
// valid. Other 401 and 403 responses (insufficient_scope, a challenge
// without an error code) are returned as they are, since no new token can
// fix them; oauth2.ChallengeError reads their error and required scope.
//
// # When a token is refreshed
//
// Before each request the Session sends its token, refreshes it first, or
// fails:
//
//   - A token is due at Expiry minus [Options.Leeway] or, when the leeway is
//     as long as its lifetime or longer, once half its lifetime has passed.
//     A token of unknown expiry is never due; only a 401 invalid_token
//     renews it.
//   - Every new token is sent at least once, even when it is due at once
//     or the server issued it already expired (expires_in 0: if the
//     request comes within MinRefreshInterval, and at least a second, of
//     its arrival).
//   - Automatic refreshes start at most once per
//     [Options.MinRefreshInterval] (1 s), and not while backing off after a
//     failure (1 s doubled per failure, or the server's Retry-After, capped
//     at [Options.MaxBackoff]). Meanwhile a due token is sent while it has
//     not expired; an expired one never is: the request fails at once
//     with an [*ExpiredError] naming the reason, without contacting the
//     authorization server.
//   - A refresh that fails is not retried within the call that needed it:
//     with rotating refresh tokens, a retry after a timeout can cost the
//     whole session.
//
// Specifications:
//   - RFC 6749, The OAuth 2.0 Authorization Framework: sections 4.4 and 6
//     (renewal), 5.2 (errors)
//   - RFC 6750, Bearer Token Usage: sections 2.1 (Authorization header)
//     and 3 (WWW-Authenticate)
//   - RFC 9449, OAuth 2.0 Demonstrating Proof of Possession (DPoP):
//     sections 7.1 and 9
//   - RFC 9110, HTTP Semantics: sections 10.2.3 (Retry-After) and 11.6.1
//     (WWW-Authenticate)
//   - RFC 9700, OAuth 2.0 Security Best Current Practice: section 4.14.2
//     (refresh token rotation)
//   - RFC 6454, The Web Origin Concept
package httpclient
