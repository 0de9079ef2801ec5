package keycloaktest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// One Keycloak for all the test processes of a run. The test binaries of
// one "go test ./..." run in parallel; rather than a JVM each, [Shared]
// makes them share one server, in the manner of Testcontainers' reuse
// with its reaper:
//
//   - The state directory of a server (stateRoot/KEY, KEY a hash of the
//     start options) holds a lock file, state.json (the server's URLs,
//     administrator, pids, start options), one lease file per client
//     process and material/, where start extensions leave what other
//     processes read (certificates, ports).
//   - The first process, holding the lock, creates its lease and starts a
//     watchdog: the test binary again, detached in a session of its own,
//     which starts Keycloak as its child (Keycloak dies with it, see
//     sysProcAttr) and writes state.json once Keycloak is ready. The
//     others find state.json, check that the watchdog lives and Keycloak
//     answers, and add their lease.
//   - Every client touches its lease every heartbeatInterval and removes
//     it on Close. A lease older than leaseStale belongs to a process that
//     died.
//   - When no live lease is left, the watchdog waits Linger (for a test
//     binary that starts a moment later), then, under the lock and after
//     counting again, removes state.json and stops Keycloak. So the last
//     process to leave stops the server, and a run whose processes were
//     all killed stops it leaseStale + Linger later.
//
// $KEYCLOAK_URL, SourceDocker and Options.Private bypass all of this.
const (
	heartbeatInterval = 2 * time.Second
	leaseStale        = 12 * time.Second
	defaultLinger     = 15 * time.Second

	stateFile   = "state.json"
	leasesDir   = "leases"
	materialDir = "material"
	watchdogLog = "watchdog.log"
)

// Environment variables of the sharing machinery.
const (
	// EnvShare set to "0" or "false" makes [Shared] start a Keycloak of
	// the test binary's own, as [Start] does.
	EnvShare = "OAUTHKIT_KEYCLOAK_SHARE"
	// EnvLinger is how long the shared server outlives its last client,
	// as a Go duration ("15s" by default, "0" to stop at once).
	EnvLinger = "OAUTHKIT_KEYCLOAK_LINGER"
	// EnvStateDir replaces the directory that holds the shared servers'
	// state (default: the cache directory's "shared" folder).
	EnvStateDir = "OAUTHKIT_KEYCLOAK_STATE_DIR"

	// envWatchdog, set to a state directory, runs the test binary as the
	// watchdog of that directory's server; envWatchdogOptions carries the
	// start options as JSON.
	envWatchdog        = "OAUTHKIT_KEYCLOAK_WATCHDOG"
	envWatchdogOptions = "OAUTHKIT_KEYCLOAK_WATCHDOG_OPTIONS"
)

// ErrShared means the shared server could not be started or joined: the
// watchdog exited, or its state is unreadable. The *StartError wrapping
// it carries the watchdog's log.
var ErrShared = errors.New("keycloaktest: shared Keycloak unavailable")

// sharedState is state.json.
type sharedState struct {
	URL           string    `json:"url"`
	ManagementURL string    `json:"management_url"`
	AdminUser     string    `json:"admin_user"`
	AdminPassword string    `json:"admin_password"`
	Version       string    `json:"version"`
	Source        Source    `json:"source"`
	LogFile       string    `json:"log_file"`
	MaterialDir   string    `json:"material_dir"`
	HTTPSURL      string    `json:"https_url,omitempty"`
	TLSDir        string    `json:"tls_dir,omitempty"`
	WatchdogPID   int       `json:"watchdog_pid"`
	StartedAt     time.Time `json:"started_at"`
	Options       startKey  `json:"options"`
	// Error is set instead of the rest when the watchdog failed to start
	// Keycloak.
	Error string `json:"error,omitempty"`
}

// startKey is what makes two servers interchangeable: the options a
// watchdog is started with, and the hash naming their state directory.
type startKey struct {
	Version      string        `json:"version,omitempty"`
	Source       Source        `json:"source,omitempty"`
	Features     []string      `json:"features,omitempty"`
	CacheDir     string        `json:"cache_dir,omitempty"`
	JavaHeap     string        `json:"java_heap,omitempty"`
	StartTimeout time.Duration `json:"start_timeout,omitempty"`
	Home         string        `json:"home,omitempty"`
}

func keyOf(opts Options, src Source) startKey {
	k := startKey{Version: opts.version(), Source: src, Features: opts.Features, CacheDir: opts.CacheDir, JavaHeap: opts.javaHeap(), StartTimeout: opts.StartTimeout}
	if src == SourceHome {
		k.Home, k.Version = os.Getenv(EnvHome), ""
	}
	return k
}

func (k startKey) options() Options {
	return Options{Version: k.Version, Source: k.Source, Features: k.Features, CacheDir: k.CacheDir, JavaHeap: k.JavaHeap, StartTimeout: k.StartTimeout}
}

func (k startKey) dir(root string) string {
	data, _ := json.Marshal(k) // a struct of strings and a slice: never fails
	sum := sha256.Sum256(data)
	return filepath.Join(root, "keycloak-"+hex.EncodeToString(sum[:6]))
}

// shareable reports whether Shared should share, and from which source.
func shareable(ctx context.Context, opts Options) (Source, bool, error) {
	if opts.Private || !canShare || !envBool(EnvShare, true) || os.Getenv(EnvURL) != "" {
		return "", false, nil
	}
	src := opts.Source
	if src == "" {
		if os.Getenv(EnvHome) != "" {
			src = SourceHome
		} else {
			var err error
			if src, err = autoSource(ctx, opts); err != nil {
				return "", false, err
			}
		}
	}
	return src, src == SourceCache || src == SourceHome, nil
}

func stateRoot(opts Options) (string, error) {
	if d := os.Getenv(EnvStateDir); d != "" {
		return d, nil
	}
	root := opts.CacheDir
	if root == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		root = filepath.Join(base, "oauthkit")
	}
	return filepath.Join(root, "shared"), nil
}

// lease is one client process's hold on a shared server.
type lease struct {
	path string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startShared joins the shared server for opts, starting it through a
// watchdog when there is none.
func startShared(ctx context.Context, opts Options, src Source) (*Server, error) {
	fail := func(err error, tail string) (*Server, error) {
		return nil, &StartError{Source: src, Step: "start shared", Err: err, LogTail: tail}
	}
	// The distribution is built here, under its own lock, so that the
	// watchdog only starts it.
	if _, err := EnsureDistribution(ctx, opts); err != nil {
		return nil, err
	}
	root, err := stateRoot(opts)
	if err != nil {
		return fail(err, "")
	}
	key := keyOf(opts, src)
	dir := key.dir(root)
	if err := os.MkdirAll(filepath.Join(dir, leasesDir), 0o755); err != nil {
		return fail(err, "")
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return fail(fmt.Errorf("lock %s: %w", dir, err), "")
	}
	defer unlock()

	st, ok := readState(dir)
	if ok && !serverAlive(ctx, st) {
		ok = false
	}
	l, err := newLease(dir)
	if err != nil {
		return fail(err, "")
	}
	if !ok {
		// Anything left is from a watchdog that died: start afresh.
		os.Remove(filepath.Join(dir, stateFile))
		if st, err = spawnWatchdog(ctx, dir, key); err != nil {
			l.release()
			return fail(err, logTail(filepath.Join(dir, watchdogLog)))
		}
	}
	srv := &Server{
		URL:           st.URL,
		ManagementURL: st.ManagementURL,
		AdminUser:     st.AdminUser,
		AdminPassword: st.AdminPassword,
		Version:       st.Version,
		Source:        st.Source,
		LogFile:       st.LogFile,
		StateDir:      st.MaterialDir,
		HTTPSURL:      st.HTTPSURL,
		Shared:        true,
		lease:         l,
	}
	if st.TLSDir != "" {
		m, err := loadTLS(st.TLSDir)
		if err != nil {
			l.release()
			return fail(err, "")
		}
		srv.tls = m
	}
	return srv, nil
}

// spawnWatchdog starts the watchdog of dir and waits for its state.json.
// The caller holds the lock and a lease.
func spawnWatchdog(ctx context.Context, dir string, key startKey) (sharedState, error) {
	exe, err := os.Executable()
	if err != nil {
		return sharedState{}, err
	}
	opts, _ := json.Marshal(key)
	logFile, err := os.OpenFile(filepath.Join(dir, watchdogLog), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return sharedState{}, err
	}
	defer logFile.Close()
	cmd := exec.Command(exe)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envWatchdog+"="+dir, envWatchdogOptions+"="+string(opts))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = detached() // outlives this process
	if err := cmd.Start(); err != nil {
		return sharedState{}, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // reaps it if it ends while this process runs
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if st, ok := readState(dir); ok || st.Error != "" {
			if st.Error != "" {
				return st, fmt.Errorf("%w: %s", ErrShared, st.Error)
			}
			return st, nil
		}
		select {
		case <-exited:
			return sharedState{}, fmt.Errorf("%w: the watchdog exited before Keycloak was ready", ErrShared)
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return sharedState{}, ctx.Err()
		case <-tick.C:
		}
	}
}

// readState reads state.json; ok means a ready server (not an error
// record).
func readState(dir string) (st sharedState, ok bool) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil || json.Unmarshal(data, &st) != nil {
		return sharedState{}, false
	}
	return st, st.Error == "" && st.URL != ""
}

// serverAlive checks that the watchdog of st runs and Keycloak answers.
func serverAlive(ctx context.Context, st sharedState) bool {
	if !processAlive(st.WatchdogPID) {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.ManagementURL+"/health/ready", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// newLease creates this process's lease in dir and keeps it fresh.
func newLease(dir string) (*lease, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	path := filepath.Join(dir, leasesDir, strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(b))
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return nil, err
	}
	l := &lease{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(heartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case now := <-t.C:
				_ = os.Chtimes(path, now, now)
			}
		}
	}()
	return l, nil
}

// release ends the heartbeat and removes the lease; the watchdog sees
// it at its next look.
func (l *lease) release() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		if e := os.Remove(l.path); e != nil && !errors.Is(e, os.ErrNotExist) {
			err = e
		}
	})
	return err
}

// liveLeases counts the leases of dir touched within leaseStale, and
// removes the others.
func liveLeases(dir string, now time.Time) int {
	entries, _ := os.ReadDir(filepath.Join(dir, leasesDir))
	n := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		if now.Sub(info.ModTime()) <= leaseStale {
			n++
			continue
		}
		os.Remove(filepath.Join(dir, leasesDir, e.Name()))
	}
	return n
}

func envBool(name string, def bool) bool {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	return v != "0" && !strings.EqualFold(v, "false")
}

func linger() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(EnvLinger)); err == nil && d >= 0 {
		return d
	}
	if os.Getenv(EnvLinger) == "0" {
		return 0
	}
	return defaultLinger
}
