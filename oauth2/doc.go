// Package oauth2 is the OAuth 2.0 protocol as a client speaks it: endpoints,
// client authentication, grants, tokens and errors.
//
// A [Config] names the client and its authorization server. [Config.Token]
// runs any [Grant] at the token endpoint and returns a [Token] or a typed
// error: an [*Error] when the server sent an RFC 6749 error response, a
// [*ResponseError] when it sent something that is not OAuth at all, and
// sentinel errors such as [ErrMalformedResponse] for a success response that
// breaks the rules.
//
// Every request goes through the caller's *http.Client with the caller's
// context, never follows a redirect, and reads at most [Config.MaxBodySize]
// bytes of any response, counted after decompression. [Config.Observer]
// sees each exchange as an [HTTPExchange], with its request headers and
// secrets redacted, which is what a protocol tester or a learner wants to
// read; oidc and jose take the same observer function, so one observer
// shows a whole login (discovery, code redemption, key set, userinfo) and
// a Session's resource requests.
//
// Providers that bend the specification are fixed up with two hooks:
// [Config.BeforeRequest] adjusts each request before it is sent, and
// [Config.BeforeTokenResponse] rewrites a token-endpoint response before it
// is parsed (a form-encoded body, a missing token_type, "expires" for
// "expires_in").
//
// A [Token] is stored as JSON in the form [Token.MarshalJSON] documents (the
// token response plus "expires_at", as Authlib stores it), and tokens stored
// by x/oauth2 and Authlib read back with their expiry.
//
// Where to find each protocol step:
//   - the token endpoint's request and response: tokenrequest.go; the one
//     path of every request: request.go;
//   - grants: password.go, clientcredentials.go, refresh.go, authcode.go,
//     device.go, tokenexchange.go, jwtbearer.go, and [CustomGrant];
//   - client authentication: clientsecretbasic.go, clientsecretpost.go,
//     none.go, clientsecretjwt.go, privatekeyjwt.go;
//   - the authorization code flow: [Config.AuthorizationRequest] builds the
//     URL with PKCE and state, [Flow.Complete] checks the callback (state,
//     RFC 9207 iss, error responses) and redeems the code;
//   - metadata: [DiscoverMetadata]; introspection, revocation, PAR, DPoP
//     and WWW-Authenticate challenges each in a file of their own;
//   - FAPI 2.0: fapi.go ([FAPI2]), with mutual TLS in mtls.go and
//     tlsclientauth.go, request objects in requestobject.go, JARM in jarm.go.
//
// Specifications:
//   - RFC 6749, The OAuth 2.0 Authorization Framework
//   - RFC 6750, Bearer Token Usage (WWW-Authenticate challenges)
//   - RFC 7636, Proof Key for Code Exchange
//   - RFC 7523, JWT Profile for Client Authentication and Authorization Grants
//   - RFC 8414, Authorization Server Metadata
//   - RFC 8628, Device Authorization Grant
//   - RFC 8693, Token Exchange
//   - RFC 7662, Token Introspection
//   - RFC 7009, Token Revocation
//   - RFC 9126, Pushed Authorization Requests
//   - RFC 9207, Authorization Server Issuer Identification
//   - RFC 9449, Demonstrating Proof of Possession (DPoP)
//   - RFC 8705, Mutual-TLS Client Authentication and Certificate-Bound Access Tokens
//   - RFC 9101, JWT-Secured Authorization Request (JAR)
//   - JWT Secured Authorization Response Mode for OAuth 2.0 (JARM)
//   - FAPI 2.0 Security Profile and FAPI 2.0 Message Signing
//   - RFC 9110, section 11.6.1, WWW-Authenticate challenges
//   - RFC 9728, Protected Resource Metadata (the resource_metadata parameter)
package oauth2
