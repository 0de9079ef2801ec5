// Package keycloaktest runs a real Keycloak for tests, administers it and
// logs users in without a browser, in the manner of net/http/httptest.
//
// # Where the server comes from
//
// [Start] takes the first available of: the server at $KEYCLOAK_URL (with
// $KEYCLOAK_ADMIN_USER and $KEYCLOAK_ADMIN_PASSWORD, default admin/admin);
// the distribution at $KEYCLOAK_HOME; the distribution cached under
// os.UserCacheDir()/oauthkit/keycloak-VERSION, downloaded with Maven
// (org.keycloak:keycloak-quarkus-dist:VERSION:zip) when absent; the
// container image quay.io/keycloak/keycloak:VERSION when "docker info"
// succeeds. The version is [DefaultVersion] unless [Options.Version] or
// $KEYCLOAK_VERSION says otherwise. The Docker path is implemented but is
// not exercised by this package's own tests, which run where no Docker
// engine is available.
//
// A local distribution is built once ("kc.sh build" with a dev-file
// database, health checks and DPoP), recorded in a stamp file with the
// build options, and started once on an empty database to create the
// master realm and its administrator (admin/admin). That data directory is
// kept as a template: each [Start] copies it into a temporary directory and
// runs "kc.sh start --optimized" on 127.0.0.1 with free HTTP and
// management ports, waiting for /health/ready. [Server.Close] sends
// SIGTERM to the server's process group, kills it after a grace period and
// removes the directory, so every start is fresh and no state leaks
// between test binaries. [EnsureDistribution], and the command
// keycloaktest/cmd/kcfetch built on it, do the download, build and
// template ahead of time; continuous integration runs kcfetch first.
//
// # One server per test binary
//
// Start one server in TestMain with [Shared] and give each test a realm of
// its own, deleted when the test ends:
//
//	var kc keycloaktest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(kc.Run(m, keycloaktest.Options{})) }
//
//	func TestPasswordGrant(t *testing.T) {
//		srv := kc.Server(t) // skips when Keycloak is unavailable or -short
//		realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
//		client, err := srv.Admin().CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{DirectAccessGrants: true})
//		...
//	}
//
// With $OAUTHKIT_REQUIRE_KEYCLOAK set, a server that cannot start fails the
// test binary instead of skipping its tests.
//
// # Administration
//
// [Admin] speaks Keycloak's admin REST API with a token it obtains through
// oauthkit's own httpclient.Session (password grant, client admin-cli,
// realm master). It creates and deletes realms with token lifetimes and
// refresh token rotation, clients of every kind ([ClientOptions]), users
// ready to log in, lists and deletes sessions, logs users out and rotates
// realm keys. Response bodies are read up to 1 MiB; failures are
// *[APIError] values with the HTTP status.
//
// # Headless login
//
// [UserAgent] follows Keycloak's login pages with a cookie jar: it submits
// the login form, approves consent, and returns the redirect to the
// client's redirection endpoint with its code, state and iss unrequested.
// It also approves device authorizations.
//
// # Specifications
//
//   - RFC 6749, The OAuth 2.0 Authorization Framework (sections 2.3, 3.1.2,
//     4.1, 4.3, 4.4, 6)
//   - RFC 7636, Proof Key for Code Exchange (client PKCE requirement)
//   - RFC 7523, JWT Profile for Client Authentication (client_secret_jwt,
//     private_key_jwt clients)
//   - RFC 8628, OAuth 2.0 Device Authorization Grant (section 3.3)
//   - RFC 8693, OAuth 2.0 Token Exchange (client setting)
//   - RFC 9207, Authorization Server Issuer Identification (iss in redirects)
//   - RFC 9449, OAuth 2.0 Demonstrating Proof of Possession (client setting)
//   - OpenID Connect Core 1.0, section 10.1.1 (signing key rotation)
package keycloaktest
