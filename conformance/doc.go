// Package conformance checks an OAuth 2.0 / OpenID Connect provider, and
// oauthkit against it, with a catalogue of scenarios.
//
// Each [Scenario] has an ID, a title, the specification section it checks,
// what it needs of the provider ([Need]), and a Run function that uses
// only the public API of oauthkit's packages: oauth2, oidc, jose,
// httpclient, and keycloaktest for provisioning. [Catalogue] lists them all;
// each file of this package contributes one group (seed.go,
// clientcredentials.go, authcode.go, errors.go, rotation.go, extensions.go,
// oidc_scenarios.go, hostile_scenarios.go).
//
// A scenario runs in an [Env]: the [Provider] under test (Keycloak by
// default), a realm of its own created through the admin API and deleted
// afterwards ([Env.NewRealm]), and a record of evidence. [Env.Record] is an
// oauth2.Config.Observer that keeps each exchange with its secrets
// redacted; [Env.AddSecret] names values that must never appear in the
// evidence, and a scenario whose evidence holds one fails.
//
// A [Runner] runs scenarios in parallel with a bounded number of workers,
// serial scenarios (those sharing the master realm's sessions) one at a
// time, each with a deadline, recovering panics as failures. A [Report]
// is written as a text table, JSON or JUnit XML. The command
// conformance/cmd/conformance starts Keycloak, runs the catalogue and
// writes the reports; "go test ./conformance/..." runs the same catalogue
// as subtests against a Keycloak started once for the test binary.
//
// A scenario passes when the provider and oauthkit behave as the cited
// section says, is skipped (a [*SkipError]) when it cannot be made, and
// otherwise fails with what was expected and what was seen.
//
// Specifications checked:
//   - RFC 6749, The OAuth 2.0 Authorization Framework: sections 2.3, 4.1,
//     4.3, 4.4, 5.2, 6, 10.12
//   - RFC 6750, Bearer Token Usage: section 2.1
//   - RFC 7636, Proof Key for Code Exchange: sections 4.1-4.6
//   - RFC 7523, JWT Profile for Client Authentication: sections 2.2, 3
//   - RFC 7662, Token Introspection; RFC 7009, Token Revocation
//   - RFC 8628, Device Authorization Grant
//   - RFC 8693, Token Exchange
//   - RFC 8707, Resource Indicators
//   - RFC 9207, Authorization Server Issuer Identification
//   - RFC 9449, Demonstrating Proof of Possession (DPoP)
//   - RFC 9700, OAuth 2.0 Security Best Current Practice: sections 4.7,
//     4.14.2
package conformance
