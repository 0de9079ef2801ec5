// Package conformance checks an OAuth 2.0 / OpenID Connect provider, and
// oauthkit against it, with a catalogue of scenarios.
//
// # Targets
//
// A provider under test is a [Target]: an issuer, whose metadata (RFC
// 8414; OpenID Connect Discovery 1.0) decides what can be tested; clients
// pre-registered there by role (client_secret_basic, client_secret_post,
// client_secret_jwt, private_key_jwt, public, device, dpop), each with its
// id, secret or key file, redirect URI and scopes; test users; and, when
// available, a [LoginAgent] that logs a user in and an [Administrator]
// that can end sessions and rotate keys. [LoadTarget] reads a target from
// a versioned JSON file (the format is documented on [Target]); secrets
// may come from environment variables instead of the file.
// [KeycloakTarget] provisions the same on a Keycloak realm, so that
// Keycloak and any other provider run the generic scenarios through one
// code path.
//
// # Scenarios
//
// Each [Scenario] has an ID, a title, the specification sections it
// checks, the name of the OpenID Foundation conformance suite's test
// module it corresponds to (Module, for the Basic OP plan's checks), what
// it needs of the target ([Need]: a grant in grant_types_supported, an
// endpoint in the metadata, a client role, a user, a login agent, an
// administration capability), and a Run function that uses only the
// public API of oauthkit's packages. A scenario whose needs are not met is
// skipped with the precise reason. There are three kinds, in files named
// by their kind:
//
//   - any_*.go: any provider, through the target alone;
//   - keycloak_*.go: Keycloak only, each in a realm of its own created
//     through its admin API ([Env.NewRealm], [Env.Admin]); they check
//     Keycloak's own behaviour and texts;
//   - hostile_*.go: oauthkit against misbehaving servers written in Go,
//     named by the IDs of the hostile-server catalogue.
//
// [Catalogue] lists them all. Adding a scenario is one entry in the group
// function of the right file.
//
// # Running and reporting
//
// A scenario runs in an [Env]: the [Provider] under test and a record of
// evidence. [Env.Record] is an oauth2.Config.Observer that keeps each
// exchange with its secrets redacted; [Env.AddSecret] names values that
// must never appear in the evidence, and a scenario whose evidence holds
// one fails. A scenario passes, fails, is skipped (a [*SkipError]), or
// ends with a warning (a SHOULD of the specification not met, [Warn]) or
// for review (a person must judge the evidence, [Review]).
//
// A [Runner] fetches the target's metadata once, runs scenarios in
// parallel with a bounded number of workers, serial scenarios one at a
// time, each with a deadline, recovering panics as failures. A [Report]
// is written as a text table, JSON (schema [ReportSchema], version
// [ReportSchemaVersion], documented there), JUnit XML, or one
// self-contained HTML page in which every scenario expands to its
// exchanges. The command conformance/cmd/conformance runs the catalogue
// against Keycloak by default, or against any issuer with -issuer and
// -config; "go test ./conformance/..." runs the same catalogue as subtests
// against the Keycloak target.
//
// Specifications checked:
//   - RFC 6749, The OAuth 2.0 Authorization Framework: sections 2.3, 3.1,
//     3.3, 4.1, 4.3, 4.4, 5.2, 6, 10.12
//   - RFC 6750, Bearer Token Usage: sections 2.1, 2.2
//   - RFC 7636, Proof Key for Code Exchange: sections 4.1-4.6
//   - RFC 7517, JSON Web Key: section 5
//   - RFC 7523, JWT Profile for Client Authentication: sections 2.2, 3
//   - RFC 7662, Token Introspection; RFC 7009, Token Revocation
//   - RFC 8414, Authorization Server Metadata: sections 2, 3
//   - RFC 8628, Device Authorization Grant
//   - RFC 8693, Token Exchange
//   - RFC 8707, Resource Indicators
//   - RFC 9126, Pushed Authorization Requests
//   - RFC 9207, Authorization Server Issuer Identification
//   - RFC 9449, Demonstrating Proof of Possession (DPoP)
//   - RFC 9700, OAuth 2.0 Security Best Current Practice: sections 2.1.1,
//     4.7, 4.14.2
//   - OpenID Connect Core 1.0: sections 2, 3.1.2.1, 3.1.2.6, 3.1.3.7,
//     3.1.3.8, 5.2-5.5, 6.1, 6.3, 9, 10.1, 12
//   - OpenID Connect Discovery 1.0: sections 3, 4
package conformance
