package keycloaktest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/keycloaktest"
)

const envSharedHelper = "OAUTHKIT_TEST_SHARED_HELPER"

// The helper is this test binary run again: its TestMain joins the shared
// Keycloak, and this test prints what it joined.
func TestSharedHelper(t *testing.T) {
	if os.Getenv(envSharedHelper) == "" {
		t.Skip("helper process of TestShared_ProcessesShareOneServer")
	}
	srv := kc.Server(t)
	fmt.Printf("SHARED url=%s mgmt=%s shared=%v pid=%d\n", srv.URL, srv.ManagementURL, srv.Shared, os.Getpid())
	if d, err := time.ParseDuration(os.Getenv(envSharedHelper)); err == nil {
		time.Sleep(d) // held until killed
	}
}

// When every client process dies without releasing its lease, the
// watchdog stops Keycloak once the leases are stale and the linger time
// has passed. This starts a Keycloak of its own (in a private state
// directory), so it runs only when $OAUTHKIT_TEST_REAPER is set; run it
// with -short so that this process starts none:
//
//	OAUTHKIT_TEST_REAPER=1 go test -short -run Reaper ./keycloaktest/
func TestShared_ReaperStopsKeycloakWhenClientsDie(t *testing.T) {
	if os.Getenv("OAUTHKIT_TEST_REAPER") == "" || os.Getenv(keycloaktest.EnvURL) != "" {
		t.Skip("set OAUTHKIT_TEST_REAPER=1 (and no KEYCLOAK_URL) to start a Keycloak for this test")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestSharedHelper$", "-test.v")
	cmd.Env = append(os.Environ(), envSharedHelper+"=1h", keycloaktest.EnvStateDir+"="+state, keycloaktest.EnvLinger+"=2s", keycloaktest.EnvShare+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mgmt string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "SHARED url="); ok {
			_, mgmt, _ = strings.Cut(after, " mgmt=")
			mgmt, _, _ = strings.Cut(mgmt, " ")
			break
		}
	}
	if mgmt == "" || !strings.Contains(sc.Text(), "shared=true") {
		_ = cmd.Process.Kill()
		t.Fatalf("the helper did not join a shared Keycloak: %q", sc.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if !ready(mgmt) {
		t.Fatal("Keycloak not ready while its client lives")
	}
	_ = cmd.Process.Kill() // no release: the lease goes stale
	_ = cmd.Wait()
	killed := time.Now()
	for ready(mgmt) {
		if time.Since(killed) > 2*time.Minute {
			t.Fatal("Keycloak still running 2 minutes after its only client died")
		}
		time.Sleep(time.Second)
	}
	t.Logf("Keycloak stopped %s after its only client was killed", time.Since(killed).Round(time.Second))
	if left, _ := filepath.Glob(filepath.Join(state, "keycloak-*", "state.json")); len(left) != 0 {
		t.Errorf("state left behind: %v", left)
	}
}

func ready(mgmt string) bool {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(mgmt + "/health/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
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
		if !strings.Contains(out.String(), "SHARED url="+srv.URL+" mgmt="+srv.ManagementURL+" shared=true") {
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
