//go:build unix

package keycloaktest

import (
	"context"
	"os"
	"syscall"
	"time"

	"github.com/oauthkit/oauthkit/internal/pause"
)

// lockDir takes an exclusive lock on dir/.lock, shared by every process
// that prepares the same distribution (test binaries of one "go test ./..."
// run in parallel). It polls so that ctx can end the wait.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(dir+"/.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			f.Close()
			return nil, err
		}
		if err := pause.Wait(ctx, 250*time.Millisecond); err != nil {
			f.Close()
			return nil, err
		}
	}
}
