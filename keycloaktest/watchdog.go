package keycloaktest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// The watchdog of a shared Keycloak (see reuse.go) is the test binary run
// again with envWatchdog set. It must take over before TestMain does
// anything else (a TestMain may start other servers first), so the switch
// is made when this package is initialized.
func init() {
	dir := os.Getenv(envWatchdog)
	if dir == "" {
		return
	}
	os.Exit(runWatchdog(dir, os.Getenv(envWatchdogOptions)))
}

// runWatchdog starts Keycloak for the state directory dir, publishes its
// state, and stops it once no client has held a lease for the linger
// time. Keycloak runs as its child and dies with it.
func runWatchdog(dir, rawOptions string) int {
	os.Unsetenv(envWatchdog)
	os.Unsetenv(envWatchdogOptions)
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s watchdog %d: %s\n", time.Now().UTC().Format(time.RFC3339), os.Getpid(), fmt.Sprintf(format, args...))
	}
	var key startKey
	if err := json.Unmarshal([]byte(rawOptions), &key); err != nil {
		logf("bad options: %v", err)
		return 2
	}
	opts := key.options()
	opts.Progress = os.Stderr
	opts.materialDir = filepath.Join(dir, materialDir)
	if err := os.RemoveAll(opts.materialDir); err != nil {
		logf("%v", err)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-sigs; cancel() }()

	began := time.Now()
	srv, err := startLocal(ctx, opts)
	if err != nil {
		logf("Keycloak did not start: %v", err)
		_ = writeJSONFile(filepath.Join(dir, stateFile), sharedState{Error: firstLine(err.Error()), WatchdogPID: os.Getpid()})
		return 1
	}
	st := sharedState{
		URL: srv.URL, ManagementURL: srv.ManagementURL, AdminUser: srv.AdminUser, AdminPassword: srv.AdminPassword,
		Version: srv.Version, Source: srv.Source, LogFile: srv.LogFile, MaterialDir: srv.StateDir,
		HTTPSURL: srv.HTTPSURL, TLSDir: srv.TLSDir(),
		WatchdogPID: os.Getpid(), StartedAt: time.Now().UTC(), Options: key,
	}
	if err := writeJSONFile(filepath.Join(dir, stateFile), st); err != nil {
		logf("writing state: %v", err)
		_ = srv.Close()
		return 1
	}
	logf("Keycloak %s at %s ready in %s", srv.Version, srv.URL, time.Since(began).Round(time.Millisecond))

	wait := linger()
	var idleSince time.Time
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			logf("signalled: stopping")
			return stopShared(dir, srv)
		case <-srv.local.proc.done:
			logf("Keycloak exited")
			os.Remove(filepath.Join(dir, stateFile))
			_ = srv.Close()
			return 1
		case now := <-tick.C:
			if liveLeases(dir, now) > 0 {
				idleSince = time.Time{}
				continue
			}
			if idleSince.IsZero() {
				idleSince = now
			}
			if now.Sub(idleSince) < wait {
				continue
			}
			// Count again under the lock: a client may be joining.
			unlock, err := lockDir(context.Background(), dir)
			if err != nil {
				logf("lock: %v", err)
				continue
			}
			if liveLeases(dir, time.Now()) > 0 {
				unlock()
				idleSince = time.Time{}
				continue
			}
			os.Remove(filepath.Join(dir, stateFile))
			unlock()
			logf("no client for %s: stopping", wait)
			return stopShared(dir, srv)
		}
	}
}

func stopShared(dir string, srv *Server) int {
	os.Remove(filepath.Join(dir, stateFile))
	if err := srv.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "watchdog: stopping Keycloak: %v\n", err)
		return 1
	}
	return 0
}

// writeJSONFile writes v to path atomically: readers see the old file or
// the whole new one.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
