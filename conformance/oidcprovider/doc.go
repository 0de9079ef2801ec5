// Package oidcprovider runs node oidc-provider (npm; an OpenID Certified
// implementation of OpenID Connect and the OAuth 2.0 extensions) as a
// second real provider for oauthkit's conformance tests.
//
// The files beside this one are the harness's whole setup: package.json
// and package-lock.json pin the exact oidc-provider version, and
// provider.mjs configures it (clients for every role of the conformance
// target format, a test user, the development login and consent pages,
// device flow, introspection, revocation, DPoP, PAR, client credentials,
// userinfo (also as a JWT), RP-initiated and back-channel logout, refresh
// tokens rotated at each use). [Start] installs the packages once with
// "npm ci" into a cache directory keyed by the lockfile's hash, starts
// node on a free loopback port, waits for the discovery document and
// writes a conformance target configuration (version 1) naming the
// issuer, the clients, their secrets and keys, the user and the login
// agent's field names.
//
// Node.js 20.19 or later and npm are needed. oidc-provider 9 names Node.js
// 22 LTS as its supported runtime and prints a warning on 20, where the
// harness's tests pass. When they are missing, Start
// fails with an error wrapping [ErrUnavailable], and [Shared] skips the
// tests that need the provider, unless $OAUTHKIT_REQUIRE_PROVIDERS is set:
// then they fail, so a run in which they silently skipped cannot pass.
//
// Only the tests and the conformance command use this package.
package oidcprovider
