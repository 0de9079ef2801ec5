// Package oidc is the OpenID Connect layer of oauthkit, on top of package
// oauth2 (the OAuth 2.0 protocol) and package jose (keys and signatures).
//
// A client discovers its provider with [NewProvider] (the configuration
// document, whose issuer must match exactly, and a remote key set on its
// jwks_uri), verifies ID tokens with an [IDTokenVerifier] (every check of
// OpenID Connect Core 1.0, section 3.1.3.7, in the specification's order),
// runs the authorization code flow with PKCE, state and nonce through a
// [RelyingParty], checks the ID tokens of refresh responses
// ([CheckRefreshedIDToken]), fetches userinfo with the sub check
// ([Provider.UserInfo]), builds RP-initiated logout URLs ([LogoutURL]) and
// verifies back-channel logout tokens ([BackChannelLogoutHandler]).
//
// Every request goes through the caller's *http.Client with the caller's
// context, every response body read is bounded, and every failure is a
// typed error matchable with errors.Is (see the Err* variables); no error
// text holds a token, code, nonce or secret. [ProviderConfig.Observer] is
// shown every exchange (discovery, key set, userinfo, and, through the
// RelyingParty's oauth2.Config, the code redemption), redacted. Userinfo
// sends a DPoP-bound access token with a DPoP proof (RFC 9449, section
// 7.1), never as Bearer.
//
// Not supported: encrypted (JWE) ID tokens, userinfo responses and logout
// tokens; unsigned ID tokens (alg "none"); the implicit and hybrid flows
// beyond the at_hash and c_hash checks; front-channel and session
// management logout.
//
// Specifications:
//
//   - OpenID Connect Core 1.0 (errata set 2): sections 2 (ID token),
//     3.1.2.1 (authentication request), 3.1.3.3 and 3.1.3.7 (ID token
//     validation), 3.1.3.8, 3.2.2.9 and 3.3.2.11 (at_hash, c_hash), 5.3
//     (userinfo), 10.1 (signing keys), 12.2 (refresh)
//   - OpenID Connect Discovery 1.0: sections 3 and 4
//   - OpenID Connect RP-Initiated Logout 1.0: section 2
//   - OpenID Connect Back-Channel Logout 1.0: sections 2.4 to 2.8 and 4.1
//   - RFC 8414 (authorization server metadata), RFC 9207 (iss in the
//     authorization response), RFC 7636 (PKCE), RFC 6750 (bearer tokens),
//     RFC 8725 (JWT best current practices)
package oidc
