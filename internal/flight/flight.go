// Package flight lets concurrent callers share one run of a function
// instead of each starting their own (a single-flight).
//
// The function runs in a goroutine of its own, so every waiting caller may
// leave through its own context at any time without cancelling the run or
// the other callers' wait. The function is given no caller's context: it
// must end on its own (a timeout of its own, or a context detached with
// context.WithoutCancel).
package flight

import (
	"context"
	"sync"
)

// Group runs at most one call at a time on behalf of any number of callers:
// the first caller starts it, later callers join it, and all of them receive
// its result. Once a call ends, the next caller starts a new one.
//
// Who may call what: every method is safe for concurrent use and never
// blocks on the function, so Start and Running may be called with other
// locks held. The function MUST NOT wait on a call of the same Group (it
// would wait for itself).
//
// The zero value is ready to use. A Group must not be copied after first use.
type Group[T any] struct {
	mu   sync.Mutex
	call *Call[T] // the running call, nil when none
}

// Call is one run of a function and, once it has ended, its result.
type Call[T any] struct {
	done chan struct{}
	val  T     // written before done is closed, read only after
	err  error // likewise
}

// Do joins the running call, or starts fn as a new one, and waits until the
// call ends or ctx is done. In the second case it returns ctx.Err() at once
// and the call goes on for the others. fn of a caller that joins a running
// call is not run.
func (g *Group[T]) Do(ctx context.Context, fn func() (T, error)) (T, error) {
	return g.Start(fn).Wait(ctx)
}

// Start returns the running call, or starts fn as a new call and returns
// it. It does not wait.
func (g *Group[T]) Start(fn func() (T, error)) *Call[T] {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.call != nil {
		return g.call
	}
	c := &Call[T]{done: make(chan struct{})}
	g.call = c
	go g.run(c, fn)
	return c
}

// Running returns the running call, or nil when there is none.
func (g *Group[T]) Running() *Call[T] {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.call
}

// run runs fn for c. The call is cleared before its waiters are released,
// so a waiter that calls Start again starts a fresh call.
func (g *Group[T]) run(c *Call[T], fn func() (T, error)) {
	defer close(c.done)
	defer func() {
		g.mu.Lock()
		g.call = nil
		g.mu.Unlock()
	}()
	c.val, c.err = fn()
}

// Wait blocks until the call ends, returning its result, or until ctx is
// done, returning ctx.Err(). Leaving early does not stop the call.
func (c *Call[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Done is closed when the call has ended.
func (c *Call[T]) Done() <-chan struct{} { return c.done }
