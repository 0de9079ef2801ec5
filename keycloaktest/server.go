package keycloaktest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
)

// Server is a running Keycloak, in the manner of httptest.Server: start it
// with [Start], use URL and the administrator, and Close it when done.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41235", without a
	// trailing slash. Realms live at URL + "/realms/NAME".
	URL string
	// ManagementURL serves /health/ready; empty for SourceURL.
	ManagementURL string
	// HTTPSURL is the HTTPS listener, which requests (does not require)
	// client certificates issued by the test CA (see ClientCertificate,
	// HTTPSClient). Empty when the server has none: SourceURL, SourceDocker.
	HTTPSURL string
	// AdminUser and AdminPassword log in to the master realm (client
	// admin-cli).
	AdminUser     string
	AdminPassword string
	// Version is the Keycloak version, when known.
	Version string
	// Source says where the server comes from.
	Source Source
	// LogFile is the server log of a local server (removed by Close);
	// empty for other sources.
	LogFile string
	// StateDir holds what start extensions leave for other processes to
	// read (the HTTPS listener's CA and client certificates, the CIBA
	// channel's port): for a shared server, the material directory of
	// its shared state; for a private local server, a directory removed
	// by Close; empty for SourceURL and SourceDocker.
	StateDir string
	// Shared reports a server shared with other test processes (see
	// [Shared]): Close releases this process's lease, and the last
	// process to release stops it.
	Shared bool

	local  *localRun
	docker *dockerRun
	tls    *tlsMaterial
	lease  *lease

	adminOnce sync.Once
	admin     *Admin

	closeOnce sync.Once
	closeErr  error
}

// Start returns a running Keycloak. It takes the first available of:
//
//  1. the server at $KEYCLOAK_URL, administered as $KEYCLOAK_ADMIN_USER /
//     $KEYCLOAK_ADMIN_PASSWORD (default admin/admin); Close leaves it
//     running;
//  2. the distribution at $KEYCLOAK_HOME;
//  3. the distribution cached under Options.CacheDir, downloaded with
//     Maven when absent (this needs Java 17+ and mvn);
//  4. the container image quay.io/keycloak/keycloak:VERSION, when
//     "docker info" succeeds. This path is implemented but not exercised
//     by this package's tests, which run without a Docker engine.
//
// Options.Source forces one of them. Local servers listen on 127.0.0.1
// with free ports, start from a copy of a prepared data directory (see
// [EnsureDistribution]) and are ready when Start returns. A failed start
// returns a *StartError that wraps the cause (ErrNoJava, ErrDownload,
// ErrPortTaken, ErrStartTimeout, ...) and carries the tail of the log.
func Start(ctx context.Context, opts Options) (*Server, error) {
	src := opts.Source
	if src == "" {
		switch {
		case os.Getenv(EnvURL) != "":
			src = SourceURL
		case os.Getenv(EnvHome) != "":
			src = SourceHome
		default:
			var err error
			if src, err = autoSource(ctx, opts); err != nil {
				return nil, err
			}
		}
	}
	switch src {
	case SourceURL:
		return startExternal(ctx)
	case SourceHome, SourceCache:
		opts.Source = src
		return startLocal(ctx, opts)
	case SourceDocker:
		return startDocker(ctx, opts)
	}
	return nil, &StartError{Source: src, Step: "prepare", Err: fmt.Errorf("unknown source %q", src)}
}

// autoSource picks the cache when Java is present and the distribution is
// cached or Maven can fetch it, else Docker when an engine answers.
func autoSource(ctx context.Context, opts Options) (Source, error) {
	_, javaErr := findJava(ctx)
	if javaErr == nil {
		d, err := locateDistribution(Options{Version: opts.Version, CacheDir: opts.CacheDir, Source: SourceCache})
		if err != nil {
			return "", err
		}
		if fileExists(d.Home) {
			return SourceCache, nil
		}
		if _, err := exec.LookPath("mvn"); err == nil {
			return SourceCache, nil
		}
	}
	if dockerAvailable(ctx) {
		return SourceDocker, nil
	}
	cause := javaErr
	if cause == nil {
		cause = ErrNoMaven
	}
	return "", &StartError{Source: SourceCache, Step: "prepare", Err: fmt.Errorf("%w: %w", ErrNoSource, cause)}
}

func startLocal(ctx context.Context, opts Options) (*Server, error) {
	d, err := EnsureDistribution(ctx, opts)
	if err != nil {
		return nil, err
	}
	run, err := d.launchRetrying(ctx, true)
	if err != nil {
		return nil, err
	}
	return &Server{
		URL:           run.url,
		ManagementURL: run.mgmtURL,
		AdminUser:     defaultAdminUser,
		AdminPassword: defaultAdminPassword,
		Version:       d.Version,
		Source:        d.Source,
		LogFile:       run.logPath,
		HTTPSURL:      run.httpsURL,
		StateDir:      run.material,
		local:         run,
		tls:           run.tls,
	}, nil
}

// startExternal checks that $KEYCLOAK_URL answers its master realm's
// discovery document.
func startExternal(ctx context.Context) (*Server, error) {
	base := strings.TrimRight(os.Getenv(EnvURL), "/")
	if base == "" {
		return nil, &StartError{Source: SourceURL, Step: "start", Err: fmt.Errorf("%w: KEYCLOAK_URL is not set", ErrUnreachable)}
	}
	s := &Server{
		URL:           base,
		AdminUser:     envOr(EnvAdminUser, defaultAdminUser),
		AdminPassword: envOr(EnvAdminPassword, defaultAdminPassword),
		Source:        SourceURL,
	}
	if err := s.externalTLS(); err != nil {
		return nil, &StartError{Source: SourceURL, Step: "start", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/realms/master/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, &StartError{Source: SourceURL, Step: "start", Err: fmt.Errorf("%w: %v", ErrUnreachable, err)}
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, &StartError{Source: SourceURL, Step: "start", Err: fmt.Errorf("%w: %v", ErrUnreachable, err)}
	}
	defer resp.Body.Close()
	_, _ = bounded.ReadPartial(resp.Body, defaultMaxBody)
	if resp.StatusCode != http.StatusOK {
		return nil, &StartError{Source: SourceURL, Step: "start", Err: fmt.Errorf("%w: %s answered HTTP %d", ErrUnreachable, req.URL, resp.StatusCode)}
	}
	return s, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Close stops a server this package started: SIGTERM to its process
// group, SIGKILL after 30 seconds, then removal of its directory. A server
// from $KEYCLOAK_URL keeps running; for a shared server, Close releases
// this process's lease (see [Shared]). Close may be called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		switch {
		case s.lease != nil:
			s.closeErr = s.lease.release()
		case s.local != nil:
			s.closeErr = s.local.proc.stop(30 * time.Second)
			if err := os.RemoveAll(s.local.dir); err != nil && s.closeErr == nil {
				s.closeErr = err
			}
		case s.docker != nil:
			s.closeErr = s.docker.stop()
		}
	})
	return s.closeErr
}

// Admin returns the administration client of this server, logged in as
// AdminUser on first use. Every call returns the same *Admin.
func (s *Server) Admin() *Admin {
	s.adminOnce.Do(func() {
		s.admin = NewAdmin(s.URL, s.AdminUser, s.AdminPassword, nil)
	})
	return s.admin
}
