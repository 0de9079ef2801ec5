// Package httpclient is an OAuth 2.0 client session: an *http.Client that
// carries an access token and renews it, the Go counterpart of Authlib's
// OAuth2Session.
//
// A [Session] fetches a token with any oauth2.Grant ([Session.FetchToken])
// or starts from a stored one ([Options.Token]). [Session.Client] returns
// an ordinary *http.Client whose requests carry the token: as
// "Authorization: Bearer", or as "Authorization: DPoP" with a proof when
// the token is DPoP-bound. Before a request, a token that is due is
// refreshed with the refresh token, or, for the client credentials grant
// and assertion grants, by running the grant again. Concurrent requests
// share one refresh; [Options.OnToken] receives each new token before any
// request uses it, to persist it; [Options.VerifyRefresh] may refuse a
// refreshed token (oidc's RefreshCheck keeps an OpenID Connect identity
// verified); [Session.Revoke] ends the grant (RFC 7009).
//
// The token goes only to the origin of the request the caller made, never
// across a redirect to another origin; host names are compared with ASCII
// case folding only. A 401 invalid_token is answered with one refresh and
// one retry, a DPoP use_dpop_nonce challenge with one retry and a new
// proof; a 401 without an error code only with
// [Options.RefreshOnUnauthorized]. Other 401 and 403 responses
// (insufficient_scope, a challenge of another scheme) are returned as they
// are, since no new token can fix them; oauth2.ChallengeError reads their
// error and required scope.
//
// # When a token is refreshed
//
// lifecycle.go applies these rules, in this order:
//
//   - A token is due at the later of Expiry minus [Options.Leeway] and
//     ReceivedAt plus half its lifetime: never before half the lifetime,
//     so a token that lives about as long as the leeway is not refreshed
//     on every request (Authlib's OAuth2Session does that). A token of
//     unknown expiry is never due; only a 401 invalid_token renews it.
//   - Every new token is sent at least once, even when it is due at once
//     or the server issued it already expired (expires_in 0).
//   - Automatic refreshes start at most once per
//     [Options.MinRefreshInterval] (1 s), and not while backing off after a
//     failure (1 s doubled per failure, or the server's Retry-After, capped
//     at [Options.MaxBackoff]). Meanwhile a due token is sent while it has
//     not expired.
//   - An expired token is never sent: once it cannot be renewed the
//     request fails at once with an [*ExpiredError] whose Reason says why,
//     without contacting the authorization server. During an outage that
//     is what every request gets, the network error as the Reason.
//
// # When a refresh fails
//
//   - invalid_grant or invalid_client stops the Session: every request
//     returns the *oauth2.Error (its text is the server's, e.g.
//     "invalid_grant: Session not active") until the next FetchToken.
//   - A 429, a 5xx, another error answer, or a network failure before the
//     request was sent (dial, DNS, TLS) backs off, as above.
//   - A refresh request that was sent but not answered (the connection
//     closed, the answer was cut or unreadable, the refresh timeout ran
//     out) is never repeated with the same refresh token: the server may
//     have rotated it, and with reuse detection presenting it again revokes
//     the whole session (RFC 9700, section 4.14.2). The Session keeps
//     sending its access token until it expires, then fails with an
//     [*ExpiredError] carrying [ErrRefreshUnanswered]. A refreshed token
//     that VerifyRefresh refuses stops automatic renewal the same way
//     ([ErrTokenRefused]). [Session.Refresh] or FetchToken starts again.
//   - [Options.OnRefreshError] hears of every failed automatic refresh,
//     also when the request that started it went on with the old token.
//   - A failed refresh is not retried within the call that needed it.
//
// Specifications:
//   - RFC 6749, The OAuth 2.0 Authorization Framework: sections 4.4 and 6
//     (renewal), 5.2 (errors)
//   - RFC 6750, Bearer Token Usage: sections 2.1 (Authorization header)
//     and 3 (WWW-Authenticate)
//   - RFC 7009, OAuth 2.0 Token Revocation: section 2.1
//   - RFC 7523, JWT Profile for OAuth 2.0 Client Authentication and
//     Authorization Grants: section 2.1
//   - RFC 9449, OAuth 2.0 Demonstrating Proof of Possession (DPoP):
//     sections 7.1 and 9
//   - RFC 9110, HTTP Semantics: sections 10.2.3 (Retry-After) and 11.6.1
//     (WWW-Authenticate)
//   - RFC 9700, OAuth 2.0 Security Best Current Practice: section 4.14.2
//     (refresh token rotation)
//   - RFC 6454, The Web Origin Concept
//   - OpenID Connect Core 1.0: section 12.2 (refreshed ID tokens)
package httpclient
