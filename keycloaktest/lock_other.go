//go:build !unix

package keycloaktest

import "context"

// lockDir does not lock on systems without flock; run one preparation at
// a time there (for example "go run ./keycloaktest/cmd/kcfetch" first).
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	return func() {}, ctx.Err()
}
