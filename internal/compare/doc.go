// Package compare measures oauthkit's token verification side by side with
// other Go libraries that do the same work: golang-jwt v5 for JWTs and
// go-oidc v3 for ID tokens. It is a module of its own, so that the peers it
// imports never become dependencies of oauthkit.
//
// Each benchmark verifies the same token in three ways within every
// iteration, in rotating order: the bare signature check (hash of the
// signing input plus rsa.VerifyPKCS1v15 or ecdsa.Verify), oauthkit, and the
// peer. It reports the median time of each and the ratio of each library to
// the bare check, so that load on a shared machine weighs on all three
// alike:
//
//	cd internal/compare && go test -run '^$' -bench . -benchtime 200ms
package compare
