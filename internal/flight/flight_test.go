package flight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDoShares(t *testing.T) {
	var g Group[int]
	var runs atomic.Int32
	release := make(chan struct{})
	fn := func() (int, error) { runs.Add(1); <-release; return 7, nil }
	var wg sync.WaitGroup
	c := g.Start(fn)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := g.Do(context.Background(), fn); v != 7 || err != nil {
				t.Errorf("got %d, %v", v, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	<-c.Done()
	if n := runs.Load(); n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
	if g.Running() != nil {
		t.Error("call still registered after it ended")
	}
}

func TestWaiterLeaves(t *testing.T) {
	var g Group[int]
	release := make(chan struct{})
	c := g.Start(func() (int, error) { <-release; return 1, nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
	close(release)
	if v, err := c.Wait(context.Background()); v != 1 || err != nil {
		t.Errorf("others still get the result: %d, %v", v, err)
	}
}
