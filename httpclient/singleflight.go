package httpclient

import (
	"context"
	"sync"
)

// group runs one call at a time on behalf of any number of callers: the
// first caller starts it, later callers join it, and all of them receive
// its result. The call runs in its own goroutine, so a caller may leave
// through its context at any time without cancelling the call or the other
// callers' wait. The function a call runs must return on its own (it is
// given no caller's context); fn of a caller that joins a running call is
// not run.
//
// The zero value is ready to use.
type group[T any] struct {
	mu   sync.Mutex
	call *call[T] // the running call, nil when none
}

// call is one run of a function and its result. val and err are written
// before done is closed and only read after.
type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// do joins the running call, or starts fn as a new one, and waits until it
// ends or ctx is done. In the second case it returns ctx.Err() at once and
// the call goes on.
func (g *group[T]) do(ctx context.Context, fn func() (T, error)) (T, error) {
	g.mu.Lock()
	c := g.call
	if c == nil {
		c = &call[T]{done: make(chan struct{})}
		g.call = c
		go g.run(c, fn)
	}
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// run runs fn for c, then lets later callers start a new call before it
// releases the waiters.
func (g *group[T]) run(c *call[T], fn func() (T, error)) {
	defer close(c.done)
	defer func() {
		g.mu.Lock()
		g.call = nil
		g.mu.Unlock()
	}()
	c.val, c.err = fn()
}
