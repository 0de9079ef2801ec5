package jose

import (
	"context"
	"sync"
)

// coalescer lets concurrent callers share one in-flight call instead of each
// starting their own (a minimal single-flight). The call runs in its own
// goroutine, so a caller that gives up (its context ends) leaves without
// cancelling the call for the others.
//
// Rules: begin may be called with other locks held (it never blocks on fn);
// fn must not call begin or join on the same coalescer synchronously.
type coalescer struct {
	mu  sync.Mutex
	cur *flight // the call in flight, nil when idle
}

// flight is one shared call. done is closed once err is set.
type flight struct {
	done chan struct{}
	err  error
}

// join returns the call in flight, or nil when there is none.
func (c *coalescer) join() *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// begin returns the call in flight, or starts fn in a new goroutine and
// returns its flight. The flight is cleared before done is closed, so a
// caller woken by done that calls begin again starts a fresh call.
func (c *coalescer) begin(fn func() error) *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		return c.cur
	}
	f := &flight{done: make(chan struct{})}
	c.cur = f
	go func() {
		err := fn()
		c.mu.Lock()
		f.err = err
		c.cur = nil
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

// wait blocks until the call ends, returning its error, or until ctx ends,
// returning ctx's error. Leaving early does not stop the call.
func (f *flight) wait(ctx context.Context) error {
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
