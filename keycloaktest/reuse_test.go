package keycloaktest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Leases touched within leaseStale count; older ones belong to dead
// processes and are removed, so that a run whose processes were all killed
// lets the watchdog stop Keycloak.
func TestLiveLeases_StaleRemoved(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, leasesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for name, age := range map[string]time.Duration{"1-fresh": time.Second, "2-edge": leaseStale - time.Second, "3-dead": leaseStale + time.Second, "4-long-dead": time.Hour} {
		p := filepath.Join(dir, leasesDir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if n := liveLeases(dir, now); n != 2 {
		t.Errorf("live leases = %d, want 2", n)
	}
	left, _ := os.ReadDir(filepath.Join(dir, leasesDir))
	if len(left) != 2 {
		t.Errorf("%d lease files left, want the 2 live ones", len(left))
	}
}

// A lease is kept fresh by its heartbeat and removed by release.
func TestLease_HeartbeatAndRelease(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, leasesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := newLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(l.path, old, old); err != nil {
		t.Fatal(err)
	}
	time.Sleep(heartbeatInterval + 500*time.Millisecond)
	if n := liveLeases(dir, time.Now()); n != 1 {
		t.Fatalf("live leases after a heartbeat = %d, want 1", n)
	}
	if err := l.release(); err != nil {
		t.Fatal(err)
	}
	if err := l.release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if _, err := os.Stat(l.path); !os.IsNotExist(err) {
		t.Fatalf("lease file after release: %v", err)
	}
}

// Different start options never share a server.
func TestStartKey_Dir(t *testing.T) {
	a := keyOf(Options{}, SourceCache).dir("/r")
	b := keyOf(Options{Features: []string{"token-exchange"}}, SourceCache).dir("/r")
	c := keyOf(Options{JavaHeap: "-Xmx2g"}, SourceCache).dir("/r")
	if a == b || a == c || a != keyOf(Options{}, SourceCache).dir("/r") {
		t.Errorf("dirs %s %s %s", a, b, c)
	}
}
