package oidcprovider

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The committed setup, embedded so that the harness works from any
// working directory (go test, go run of the conformance command).
var (
	//go:embed package.json
	packageJSON []byte
	//go:embed package-lock.json
	packageLock []byte
	//go:embed provider.mjs
	providerScript []byte
)

// Version is the oidc-provider version pinned by package.json.
const Version = "9.13.3"

// minNode is the oldest Node.js release oidc-provider 9 runs on.
var minNode = [3]int{20, 19, 0}

// Options configure [Start] and [Prepare]. The zero value is ready to use.
type Options struct {
	// CacheDir holds the installed packages, one directory per lockfile
	// hash. Empty means os.UserCacheDir()/oauthkit.
	CacheDir string
	// Node and Npm are the commands to run; empty means "node" and "npm"
	// on $PATH.
	Node, Npm string
	// StartTimeout bounds the wait for the discovery document after node
	// starts. Zero means 60 seconds.
	StartTimeout time.Duration
	// Progress receives a line per slow step (npm ci). Nil discards them.
	Progress io.Writer
}

func (o *Options) node() string { return cmp(o.Node, "node") }
func (o *Options) npm() string  { return cmp(o.Npm, "npm") }

func (o *Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return 60 * time.Second
}

func (o *Options) progress() io.Writer {
	if o.Progress != nil {
		return o.Progress
	}
	return io.Discard
}

func cmp(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// Prepare installs the pinned packages with "npm ci" into the cache, once
// per lockfile content, and returns the directory that holds them and the
// provider script. Concurrent callers (test binaries of one "go test
// ./...") each install into a directory of their own and rename it into
// place; the first rename wins and the others discard theirs. Node must be
// present; npm only when the cache is cold.
func Prepare(ctx context.Context, opts Options) (string, error) {
	if _, err := findNode(ctx, opts.node()); err != nil {
		return "", err
	}
	root := opts.CacheDir
	if root == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", &StartError{Step: "install", Err: err}
		}
		root = filepath.Join(base, "oauthkit")
	}
	sum := sha256.New()
	sum.Write(packageJSON)
	sum.Write(packageLock)
	dir := filepath.Join(root, "oidc-provider-"+Version+"-"+hex.EncodeToString(sum.Sum(nil))[:12])
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		if err := install(ctx, opts, root, dir); err != nil {
			return "", err
		}
	}
	if err := writeAtomically(filepath.Join(dir, scriptName()), providerScript); err != nil {
		return "", &StartError{Step: "install", Err: err}
	}
	return dir, nil
}

// scriptName names the provider script by its content, so that a changed
// configuration never runs with an older copy.
func scriptName() string {
	h := sha256.Sum256(providerScript)
	return "provider-" + hex.EncodeToString(h[:])[:12] + ".mjs"
}

func install(ctx context.Context, opts Options, root, dir string) error {
	npm, err := exec.LookPath(opts.npm())
	if err != nil {
		return &StartError{Step: "install", Err: fmt.Errorf("%w: npm not found: %v", ErrUnavailable, err)}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return &StartError{Step: "install", Err: err}
	}
	tmp, err := os.MkdirTemp(root, ".oidc-provider-install-")
	if err != nil {
		return &StartError{Step: "install", Err: err}
	}
	defer os.RemoveAll(tmp)
	for name, data := range map[string][]byte{"package.json": packageJSON, "package-lock.json": packageLock} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return &StartError{Step: "install", Err: err}
		}
	}
	fmt.Fprintf(opts.progress(), "oidcprovider: npm ci (oidc-provider %s) into %s\n", Version, dir)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev")
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return &StartError{Step: "install", Err: fmt.Errorf("%w: %v", ErrInstall, err), LogTail: tail(out.Bytes(), 30)}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr == nil {
			return nil // another process installed it first
		}
		return &StartError{Step: "install", Err: err}
	}
	return nil
}

// findNode checks that node runs and is recent enough.
func findNode(ctx context.Context, name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", &StartError{Step: "find node", Err: fmt.Errorf("%w: node not found: %v", ErrUnavailable, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "", &StartError{Step: "find node", Err: fmt.Errorf("%w: %s --version: %v", ErrUnavailable, path, err)}
	}
	v := strings.TrimSpace(string(out))
	if !atLeast(v, minNode) {
		return "", &StartError{Step: "find node", Err: fmt.Errorf("%w: %s is %s, older than %d.%d", ErrUnavailable, path, v, minNode[0], minNode[1])}
	}
	return path, nil
}

// atLeast reports whether a "vMAJOR.MINOR.PATCH" version is at least min.
func atLeast(v string, min [3]int) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	for i := range 3 {
		n := 0
		if i < len(parts) {
			var err error
			if n, err = strconv.Atoi(strings.TrimFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' })); err != nil {
				return false
			}
		}
		if n != min[i] {
			return n > min[i]
		}
	}
	return true
}

func writeAtomically(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// tail returns the last n lines of data.
func tail(data []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
