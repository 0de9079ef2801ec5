// Package pause waits for a while on behalf of a caller that may give up:
// the wait between polls of the device grant (RFC 8628, section 3.5) and of
// CIBA (OpenID Connect CIBA Core 1.0, section 7.3), and the pauses of tests
// that must let a server's clock move on.
package pause

import (
	"context"
	"time"
)

// Wait waits d, or until ctx is done, whichever comes first. It returns
// nil after a full wait and ctx.Err() when ctx ended it. A d of zero or
// less returns at once (with ctx.Err() when ctx is already done).
//
// The timer is stopped on return, so a wait ended by ctx leaves nothing
// behind.
func Wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
