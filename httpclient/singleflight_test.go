package httpclient

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

func TestGroup_OneCallForConcurrentCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g group[int]
		var runs atomic.Int32
		release := make(chan struct{})
		fn := func() (int, error) {
			runs.Add(1)
			<-release
			return 42, nil
		}
		var wg sync.WaitGroup
		results := make(chan int, 10)
		for range 10 {
			wg.Go(func() {
				v, err := g.do(context.Background(), fn)
				if err != nil {
					t.Error(err)
				}
				results <- v
			})
		}
		synctest.Wait() // every caller is waiting
		close(release)
		wg.Wait()
		close(results)
		for v := range results {
			if v != 42 {
				t.Errorf("got %d", v)
			}
		}
		if n := runs.Load(); n != 1 {
			t.Errorf("%d runs, want 1", n)
		}
		// A later call runs again.
		if v, _ := g.do(context.Background(), func() (int, error) { return 7, nil }); v != 7 {
			t.Errorf("second call = %d", v)
		}
	})
}

func TestGroup_CallerLeavesCallGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g group[int]
		release := make(chan struct{})
		boom := errors.New("boom")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := g.do(ctx, func() (int, error) { <-release; return 0, boom }); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		done := make(chan error)
		go func() {
			_, err := g.do(context.Background(), func() (int, error) { t.Error("second fn run"); return 0, nil })
			done <- err
		}()
		synctest.Wait()
		close(release)
		if err := <-done; !errors.Is(err, boom) {
			t.Errorf("joined caller got %v, want the call's error", err)
		}
	})
}
