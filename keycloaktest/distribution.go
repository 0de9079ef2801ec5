package keycloaktest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Distribution is a Keycloak server distribution on disk, built for this
// package ("kc.sh build" with a dev-file database, health checks and the
// features the oauthkit tests need) and holding a prepared data directory
// in which the master realm and its administrator already exist. Each
// start copies that data directory, so every server starts fresh.
type Distribution struct {
	// Version is the Keycloak version, e.g. "26.7.3".
	Version string
	// Home is the Keycloak home directory (it holds bin/kc.sh).
	Home string
	// Source is SourceCache or SourceHome.
	Source Source

	stateDir string // build stamp, build log, prepared data, lock
	opts     Options
}

// Layout of a state directory.
const (
	buildStampFile = "build.stamp"
	buildLogFile   = "build.log"
	goldenDir      = "data" // prepared data directory (holds h2/)
	goldenStamp    = "data.stamp"
	distDir        = "dist" // unpacked download (SourceCache only)
	downloadDir    = "download"
)

// Maven coordinates of the distribution; "copy" needs no project file.
const (
	mavenDependencyPlugin = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy"
	mavenArtifact         = "org.keycloak:keycloak-quarkus-dist"
)

var versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$`)

// EnsureDistribution makes a Keycloak distribution ready to start without
// starting a test server: it downloads the distribution when it is not
// cached (with Maven, as org.keycloak:keycloak-quarkus-dist:VERSION:zip),
// unpacks it, builds it once ("kc.sh build", recorded in a stamp file
// holding the build options, so later calls skip it) and prepares the data
// directory with the bootstrap administrator (one first start). With
// $KEYCLOAK_HOME set (or opts.Source == SourceHome) it builds and prepares
// that distribution instead. Processes preparing the same distribution
// wait for each other.
//
// Continuous integration calls it ahead of the tests, through
// keycloaktest/cmd/kcfetch.
func EnsureDistribution(ctx context.Context, opts Options) (*Distribution, error) {
	d, err := locateDistribution(opts)
	if err != nil {
		return nil, err
	}
	if _, err := findJava(ctx); err != nil {
		return nil, &StartError{Source: d.Source, Step: "prepare", Err: err}
	}
	if err := os.MkdirAll(d.stateDir, 0o755); err != nil {
		return nil, &StartError{Source: d.Source, Step: "prepare", Err: err}
	}
	unlock, err := lockDir(ctx, d.stateDir)
	if err != nil {
		return nil, &StartError{Source: d.Source, Step: "prepare", Err: fmt.Errorf("lock %s: %w", d.stateDir, err)}
	}
	defer unlock()

	if d.Source == SourceCache && !fileExists(filepath.Join(d.Home, "bin", "kc.sh")) {
		if err := d.download(ctx); err != nil {
			return nil, err
		}
	}
	if !fileExists(filepath.Join(d.Home, "bin", "kc.sh")) {
		return nil, &StartError{Source: d.Source, Step: "prepare", Err: fmt.Errorf("%s is not a Keycloak distribution (no bin/kc.sh)", d.Home)}
	}
	stamp := d.stamp()
	if readFile(filepath.Join(d.stateDir, buildStampFile)) != stamp ||
		!fileExists(filepath.Join(d.Home, "lib", "quarkus", "generated-bytecode.jar")) {
		if err := d.build(ctx, stamp); err != nil {
			return nil, err
		}
	}
	if readFile(filepath.Join(d.stateDir, goldenStamp)) != stamp {
		if err := d.prepareData(ctx, stamp); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// locateDistribution works out the home and state directories without
// touching the disk.
func locateDistribution(opts Options) (*Distribution, error) {
	cacheRoot := opts.CacheDir
	if cacheRoot == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, &StartError{Source: SourceCache, Step: "prepare", Err: fmt.Errorf("no user cache directory (set Options.CacheDir): %w", err)}
		}
		cacheRoot = filepath.Join(dir, "oauthkit")
	}
	home := os.Getenv(EnvHome)
	if opts.Source == SourceHome || (opts.Source == "" && home != "") {
		if home == "" {
			return nil, &StartError{Source: SourceHome, Step: "prepare", Err: errors.New("KEYCLOAK_HOME is not set")}
		}
		abs, err := filepath.Abs(home)
		if err != nil {
			return nil, &StartError{Source: SourceHome, Step: "prepare", Err: err}
		}
		sum := sha256.Sum256([]byte(abs))
		return &Distribution{
			Version:  homeVersion(abs),
			Home:     abs,
			Source:   SourceHome,
			stateDir: filepath.Join(cacheRoot, "keycloak-home-"+hex.EncodeToString(sum[:6])),
			opts:     opts,
		}, nil
	}
	v := opts.version()
	if !versionRE.MatchString(v) {
		return nil, &StartError{Source: SourceCache, Step: "prepare", Err: fmt.Errorf("invalid Keycloak version %q", v)}
	}
	state := filepath.Join(cacheRoot, "keycloak-"+v)
	return &Distribution{
		Version:  v,
		Home:     filepath.Join(state, distDir),
		Source:   SourceCache,
		stateDir: state,
		opts:     opts,
	}, nil
}

// homeVersion reads "Keycloak - Version 26.7.3" from version.txt.
func homeVersion(home string) string {
	s := readFile(filepath.Join(home, "version.txt"))
	if i := strings.LastIndex(s, "Version "); i >= 0 {
		return strings.TrimSpace(s[i+len("Version "):])
	}
	return ""
}

// buildArgs are the "kc.sh build" arguments.
func (d *Distribution) buildArgs() []string {
	// https-client-auth is a build-time option: the HTTPS listener of
	// keycloaktest/tls.go requests client certificates (RFC 8705).
	return []string{"build", "--db=dev-file", "--health-enabled=true", "--https-client-auth=request", "--features=" + featureList(d.opts)}
}

// featureList is the comma-separated list of features to enable. DPoP
// (RFC 9449) is always named: it was a preview feature before Keycloak
// 26.4, and naming a supported feature is harmless. Standard token
// exchange (RFC 8693) and the device grant (RFC 8628) are on by default in
// Keycloak 26 and enabled per client.
func featureList(opts Options) string {
	features := []string{"dpop"}
	for _, f := range opts.Features {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(features, f) {
			features = append(features, f)
		}
	}
	slices.Sort(features)
	return strings.Join(features, ",")
}

// stamp records what the build and the prepared data were made from.
func (d *Distribution) stamp() string {
	return fmt.Sprintf("oauthkit keycloaktest\nversion: %s\nhome: %s\nbuild: %s\n",
		d.Version, d.Home, strings.Join(d.buildArgs(), " "))
}

// download fetches the distribution archive with Maven and unpacks it.
func (d *Distribution) download(ctx context.Context) error {
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return &StartError{Source: d.Source, Step: "download", Err: ErrNoMaven}
	}
	dl := filepath.Join(d.stateDir, downloadDir)
	if err := os.RemoveAll(dl); err != nil {
		return &StartError{Source: d.Source, Step: "download", Err: err}
	}
	if err := os.MkdirAll(dl, 0o755); err != nil {
		return &StartError{Source: d.Source, Step: "download", Err: err}
	}
	defer os.RemoveAll(dl)
	fmt.Fprintf(d.opts.progress(), "keycloaktest: downloading Keycloak %s with Maven\n", d.Version)
	began := time.Now()
	out := &tailBuffer{max: 64 << 10}
	cmd := exec.CommandContext(ctx, mvn, "-q", "-B", mavenDependencyPlugin,
		"-Dartifact="+mavenArtifact+":"+d.Version+":zip", "-DoutputDirectory="+dl)
	cmd.Dir = dl
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return &StartError{Source: d.Source, Step: "download", Err: fmt.Errorf("%w: mvn: %v", ErrDownload, err), LogTail: tailLines(out.Bytes(), 40)}
	}
	zipPath := filepath.Join(dl, "keycloak-quarkus-dist-"+d.Version+".zip")
	if !fileExists(zipPath) {
		return &StartError{Source: d.Source, Step: "download", Err: fmt.Errorf("%w: mvn succeeded but %s is missing", ErrDownload, zipPath), LogTail: tailLines(out.Bytes(), 40)}
	}
	fmt.Fprintf(d.opts.progress(), "keycloaktest: downloaded in %s; unpacking\n", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	tmp := d.Home + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return &StartError{Source: d.Source, Step: "unpack", Err: err}
	}
	if err := unzipDistribution(zipPath, tmp); err != nil {
		os.RemoveAll(tmp)
		return &StartError{Source: d.Source, Step: "unpack", Err: err}
	}
	if err := os.RemoveAll(d.Home); err != nil {
		return &StartError{Source: d.Source, Step: "unpack", Err: err}
	}
	if err := os.Rename(tmp, d.Home); err != nil {
		return &StartError{Source: d.Source, Step: "unpack", Err: err}
	}
	fmt.Fprintf(d.opts.progress(), "keycloaktest: unpacked in %s\n", time.Since(began).Round(time.Millisecond))
	return nil
}

// build runs "kc.sh build" and records stamp once it succeeds.
func (d *Distribution) build(ctx context.Context, stamp string) error {
	_ = os.Remove(filepath.Join(d.stateDir, buildStampFile))
	_ = os.Remove(filepath.Join(d.stateDir, goldenStamp))
	fmt.Fprintf(d.opts.progress(), "keycloaktest: building Keycloak %s (kc.sh %s)\n", d.Version, strings.Join(d.buildArgs(), " "))
	began := time.Now()
	logPath := filepath.Join(d.stateDir, buildLogFile)
	_ = os.Remove(logPath)
	p, err := startProcess(filepath.Join(d.Home, "bin", "kc.sh"), d.buildArgs(), d.env(), d.Home, logPath)
	if err != nil {
		return &StartError{Source: d.Source, Step: "build", Err: fmt.Errorf("%w: %v", ErrBuild, err)}
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = p.stop(5 * time.Second)
		return &StartError{Source: d.Source, Step: "build", Err: ctx.Err(), LogTail: logTail(logPath)}
	}
	if p.waitErr != nil {
		return &StartError{Source: d.Source, Step: "build", Err: fmt.Errorf("%w: kc.sh build: %v", ErrBuild, p.waitErr), LogTail: logTail(logPath)}
	}
	if err := os.WriteFile(filepath.Join(d.stateDir, buildStampFile), []byte(stamp), 0o644); err != nil {
		return &StartError{Source: d.Source, Step: "build", Err: err}
	}
	fmt.Fprintf(d.opts.progress(), "keycloaktest: built in %s\n", time.Since(began).Round(time.Millisecond))
	return nil
}

// prepareData starts the server once on an empty database with the
// bootstrap administrator, stops it cleanly and keeps its data directory
// as the template for every later start.
func (d *Distribution) prepareData(ctx context.Context, stamp string) error {
	fmt.Fprintf(d.opts.progress(), "keycloaktest: first start, creating the master realm and administrator\n")
	began := time.Now()
	run, err := d.launchRetrying(ctx, false)
	if err != nil {
		return err
	}
	defer os.RemoveAll(run.dir)
	if err := run.proc.stop(time.Minute); err != nil {
		return &StartError{Source: d.Source, Step: "prepare", Err: err, LogTail: logTail(run.logPath)}
	}
	golden := filepath.Join(d.stateDir, goldenDir)
	tmp := golden + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := copyTree(filepath.Join(run.home, "data", "h2"), filepath.Join(tmp, "h2")); err != nil {
		os.RemoveAll(tmp)
		return &StartError{Source: d.Source, Step: "prepare", Err: err}
	}
	// H2's trace file is an error log, not data.
	traces, _ := filepath.Glob(filepath.Join(tmp, "h2", "*.trace.db"))
	for _, f := range traces {
		_ = os.Remove(f)
	}
	if err := os.RemoveAll(golden); err != nil {
		return &StartError{Source: d.Source, Step: "prepare", Err: err}
	}
	if err := os.Rename(tmp, golden); err != nil {
		return &StartError{Source: d.Source, Step: "prepare", Err: err}
	}
	if err := os.WriteFile(filepath.Join(d.stateDir, goldenStamp), []byte(stamp), 0o644); err != nil {
		return &StartError{Source: d.Source, Step: "prepare", Err: err}
	}
	fmt.Fprintf(d.opts.progress(), "keycloaktest: data directory prepared in %s\n", time.Since(began).Round(time.Millisecond))
	return nil
}

// env is the environment of kc.sh: the caller's, without Keycloak and
// Quarkus settings that would change the server, plus the heap size.
func (d *Distribution) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "KC_") || strings.HasPrefix(name, "KEYCLOAK_") ||
			strings.HasPrefix(name, "QUARKUS_") || name == "JAVA_OPTS_KC_HEAP" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "JAVA_OPTS_KC_HEAP="+d.opts.javaHeap())
	return append(env, extra...)
}

// copyTree copies the regular files and directories under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			return os.MkdirAll(target, 0o755)
		case !e.Type().IsRegular():
			return nil
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readFile returns the content of a small file, or "" when it cannot be
// read.
func readFile(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	return string(b)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if over := t.buf.Len() + len(p) - t.max; over > 0 {
		t.buf.Next(over)
	}
	t.buf.Write(p)
	return n, nil
}

func (t *tailBuffer) Bytes() []byte { return t.buf.Bytes() }
