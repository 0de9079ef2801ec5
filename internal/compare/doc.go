// Package compare measures oauthkit's token verification side by side with
// other Go libraries that do the same work: golang-jwt v5 for JWTs and
// go-oidc v3 for ID tokens. It also checks that tokens stored by
// x/oauth2 read back into oauth2.Token with their expiry. It is a
// module of its own, so that the peers it imports never become dependencies
// of oauthkit.
//
// Each benchmark verifies the same token with the bare signature check
// (hash of the signing input plus rsa.VerifyPKCS1v15 or ecdsa.Verify) and
// with a library in alternation within every iteration, and reports the
// median time of each and the library's ratio to the bare check, so that
// load on a shared machine weighs on both alike. The sub-benchmark "all"
// rotates through the bare check and every library in one loop; its ratios
// run higher, as each call finds the caches warmed by another:
//
//	cd internal/compare && go test -run '^$' -bench . -benchtime 200ms
package compare
