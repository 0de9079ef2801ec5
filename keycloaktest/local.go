package keycloaktest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
)

// localRun is one Keycloak process started from a Distribution, with a
// home directory of its own: bin/kc.sh copied (kc.sh derives the home from
// its own resolved path), lib, conf, themes and providers linked to the
// distribution, and a private data directory.
type localRun struct {
	dir          string // temporary directory; removed by Close
	home         string
	material     string // Server.StateDir
	logPath      string
	proc         *process
	url, mgmtURL string
	httpsURL     string       // the HTTPS listener (keycloaktest/tls.go)
	tls          *tlsMaterial // its CA and server certificate
}

// launchRetrying launches the server, retrying with other ports when the
// free ports picked were taken in the meantime.
func (d *Distribution) launchRetrying(ctx context.Context, fromTemplate bool) (*localRun, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var run *localRun
		run, err = d.launch(ctx, fromTemplate)
		if err == nil {
			return run, nil
		}
		if !errors.Is(err, ErrPortTaken) {
			return nil, err
		}
	}
	return nil, err
}

// launch starts one server on free loopback ports and waits until it is
// ready. With fromTemplate, its data directory is a copy of the prepared
// one; otherwise the server creates its database and the bootstrap
// administrator.
func (d *Distribution) launch(ctx context.Context, fromTemplate bool) (*localRun, error) {
	fail := func(err error, tail string) (*localRun, error) {
		return nil, &StartError{Source: d.Source, Step: "start", Err: err, LogTail: tail}
	}
	dir, err := os.MkdirTemp("", "oauthkit-keycloak-")
	if err != nil {
		return fail(err, "")
	}
	run := &localRun{dir: dir, home: filepath.Join(dir, "home"), logPath: filepath.Join(dir, "server.log"), material: d.opts.materialDir}
	if run.material == "" {
		run.material = filepath.Join(dir, "material")
	}
	if err := d.makeHome(run.home, fromTemplate); err != nil {
		os.RemoveAll(dir)
		return fail(err, "")
	}
	// Start extensions (certificates, ports other processes must know)
	// write into run.material before the server starts; the test CA lives
	// in the distribution's state directory, shared by every run.
	if err := os.MkdirAll(run.material, 0o755); err != nil {
		os.RemoveAll(dir)
		return fail(err, "")
	}
	ports, err := freePorts(3)
	if err == nil {
		run.tls, err = loadOrCreateTLS(d.stateDir)
	}
	if err != nil {
		os.RemoveAll(dir)
		return fail(err, "")
	}
	run.httpsURL = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	run.url = "http://127.0.0.1:" + strconv.Itoa(ports[0])
	run.mgmtURL = "http://127.0.0.1:" + strconv.Itoa(ports[1])
	args := []string{
		"start", "--optimized",
		"--cache=local",
		"--http-enabled=true",
		"--http-host=127.0.0.1",
		"--http-port=" + strconv.Itoa(ports[0]),
		"--http-management-host=127.0.0.1",
		"--http-management-port=" + strconv.Itoa(ports[1]),
		"--hostname-strict=false",
		"--log-console-color=false",
	}
	args = append(args, run.tls.keycloakArgs(ports[2])...)
	ciba, err := cibaChannelArgs(run.material)
	if err != nil {
		os.RemoveAll(dir)
		return fail(err, "")
	}
	args = append(args, ciba...)
	var extra []string
	if !fromTemplate {
		extra = []string{
			"KC_BOOTSTRAP_ADMIN_USERNAME=" + defaultAdminUser,
			"KC_BOOTSTRAP_ADMIN_PASSWORD=" + defaultAdminPassword,
		}
	}
	run.proc, err = startProcess(filepath.Join(run.home, "bin", "kc.sh"), args, d.env(extra...), run.home, run.logPath)
	if err != nil {
		os.RemoveAll(dir)
		return fail(err, "")
	}
	timeout := d.opts.startTimeout()
	if !fromTemplate {
		timeout *= 2 // creating the database takes longer
	}
	if err := waitReady(ctx, run.mgmtURL+"/health/ready", run.proc.done, timeout); err != nil {
		_ = run.proc.stop(10 * time.Second)
		tail := logTail(run.logPath)
		os.RemoveAll(dir)
		if portTaken(tail) {
			err = fmt.Errorf("%w (ports %d, %d)", ErrPortTaken, ports[0], ports[1])
		}
		return fail(err, tail)
	}
	return run, nil
}

// makeHome lays out a private Keycloak home directory.
func (d *Distribution) makeHome(home string, fromTemplate bool) error {
	if err := os.MkdirAll(filepath.Join(home, "bin"), 0o755); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(d.Home, "bin", "kc.sh"), filepath.Join(home, "bin", "kc.sh")); err != nil {
		return err
	}
	for _, name := range []string{"lib", "conf", "themes", "providers"} {
		if err := os.Symlink(filepath.Join(d.Home, name), filepath.Join(home, name)); err != nil {
			return err
		}
	}
	if fromTemplate {
		return copyTree(filepath.Join(d.stateDir, goldenDir), filepath.Join(home, "data"))
	}
	return nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitReady polls healthURL until it answers 200, the process exits
// (exited closes), ctx ends or timeout passes.
func waitReady(ctx context.Context, healthURL string, exited <-chan struct{}, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthURL, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = bounded.ReadPartial(resp.Body, 64<<10)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return ErrExited
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%w: %s did not answer 200 within %s", ErrStartTimeout, healthURL, timeout)
		case <-tick.C:
		}
	}
}
