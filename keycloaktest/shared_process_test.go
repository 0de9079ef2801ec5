package keycloaktest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const envSharedHelper = "OAUTHKIT_TEST_SHARED_HELPER"

// The helper is this test binary run again: its TestMain joins the shared
// Keycloak, and this test prints what it joined.
func TestSharedHelper(t *testing.T) {
	if os.Getenv(envSharedHelper) == "" {
		t.Skip("helper process of TestShared_ProcessesShareOneServer")
	}
	srv := kc.Server(t)
	fmt.Printf("SHARED url=%s shared=%v pid=%d\n", srv.URL, srv.Shared, os.Getpid())
}

// Two more test processes join the Keycloak this one uses instead of
// starting their own, and leave no lease behind.
func TestShared_ProcessesShareOneServer(t *testing.T) {
	srv := kc.Server(t)
	if !srv.Shared {
		t.Skip("this process's Keycloak is not shared (KEYCLOAK_URL, Docker, or sharing off)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, exe, "-test.run=^TestSharedHelper$", "-test.v")
		cmd.Env = append(os.Environ(), envSharedHelper+"=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		began := time.Now()
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("helper %d: %v\n%s", i, err, out.String())
		}
		if !strings.Contains(out.String(), "SHARED url="+srv.URL+" shared=true") {
			t.Fatalf("helper %d did not join %s:\n%s", i, srv.URL, out.String())
		}
		if d := time.Since(began); d > 30*time.Second {
			t.Errorf("helper %d took %s: it should join, not start a server", i, d)
		}
		var pid int
		if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), " pid=")+5:], "%d", &pid); err != nil {
			t.Fatalf("helper pid: %v", err)
		}
		leases, _ := filepath.Glob(filepath.Join(filepath.Dir(srv.StateDir), "leases", fmt.Sprintf("%d-*", pid)))
		if len(leases) != 0 {
			t.Errorf("helper %d left its lease: %v", i, leases)
		}
	}
}
