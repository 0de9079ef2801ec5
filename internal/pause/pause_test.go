package pause

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWait_FullWait(t *testing.T) {
	start := time.Now()
	if err := Wait(context.Background(), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("returned after %v, before the wait was over", d)
	}
}

func TestWait_EndedByContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := Wait(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestWait_NonPositive(t *testing.T) {
	if err := Wait(context.Background(), 0); err != nil {
		t.Errorf("zero wait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, -time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("negative wait on a cancelled context: %v", err)
	}
}
