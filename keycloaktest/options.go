package keycloaktest

import (
	"io"
	"os"
	"time"
)

// DefaultVersion is the Keycloak version started when neither
// [Options.Version] nor $KEYCLOAK_VERSION names another.
const DefaultVersion = "26.7.3"

// Environment variables read by [Start] and [EnsureDistribution].
const (
	// EnvURL names an already running Keycloak (for example
	// http://127.0.0.1:8080). When set, nothing is downloaded or started.
	EnvURL = "KEYCLOAK_URL"
	// EnvAdminUser and EnvAdminPassword are the master realm administrator
	// of the server named by EnvURL; both default to "admin".
	EnvAdminUser     = "KEYCLOAK_ADMIN_USER"
	EnvAdminPassword = "KEYCLOAK_ADMIN_PASSWORD"
	// EnvHome names an unpacked Keycloak distribution to use instead of
	// the cached download. It is built in place on first use.
	EnvHome = "KEYCLOAK_HOME"
	// EnvVersion overrides DefaultVersion.
	EnvVersion = "KEYCLOAK_VERSION"
	// EnvRequire, when set to a non-empty value other than "0" or "false",
	// turns every "Keycloak unavailable, skipping" of [Shared] into a test
	// failure. Continuous integration sets it so that a run in which the
	// Keycloak-backed tests silently skipped cannot pass.
	EnvRequire = "OAUTHKIT_REQUIRE_KEYCLOAK"
	// EnvRequireProviders does what EnvRequire does for every real
	// provider the tests start: Keycloak, and node oidc-provider
	// (conformance/oidcprovider). It implies EnvRequire.
	EnvRequireProviders = "OAUTHKIT_REQUIRE_PROVIDERS"
)

// Default administrator of the servers this package starts.
const (
	defaultAdminUser     = "admin"
	defaultAdminPassword = "admin"
)

// Source says where a [Server] comes from.
type Source string

// The sources, in the order [Start] tries them when [Options.Source] is empty.
const (
	// SourceURL is an existing server named by $KEYCLOAK_URL.
	SourceURL Source = "url"
	// SourceHome is a local distribution named by $KEYCLOAK_HOME.
	SourceHome Source = "home"
	// SourceCache is the distribution downloaded with Maven into the user
	// cache directory (see [Options.CacheDir]).
	SourceCache Source = "cache"
	// SourceDocker is the official container image, run through the
	// docker command when a Docker engine answers.
	SourceDocker Source = "docker"
)

// Options configure [Start] and [EnsureDistribution]. The zero value is
// ready to use.
type Options struct {
	// Version of Keycloak to run. Empty means $KEYCLOAK_VERSION, else
	// DefaultVersion. Ignored for SourceURL and SourceHome.
	Version string

	// Source forces one source. Empty means the first available of
	// SourceURL, SourceHome, SourceCache and SourceDocker.
	Source Source

	// Features are Keycloak features enabled at build time besides dpop,
	// which is always enabled. Changing them rebuilds the distribution.
	Features []string

	// CacheDir holds downloaded distributions, build stamps and the
	// prepared data directory. Empty means os.UserCacheDir()/oauthkit.
	CacheDir string

	// StartTimeout bounds the wait for readiness of one start (not the
	// download or build). Zero means 5 minutes.
	StartTimeout time.Duration

	// JavaHeap holds the JVM heap options. Empty means "-Xms64m -Xmx1g".
	JavaHeap string

	// Progress receives one line per slow step (download, unpack, build,
	// first start). Nil discards them.
	Progress io.Writer

	// Private makes [Shared] start a Keycloak of this test binary's own
	// instead of sharing one with the other test processes of the run.
	// [Start] always starts a private one.
	Private bool

	// materialDir, when set, is the directory for start extensions'
	// material (see Server.StateDir); empty means one inside the run's
	// temporary directory.
	materialDir string
}

func (o *Options) version() string {
	if o.Version != "" {
		return o.Version
	}
	if v := os.Getenv(EnvVersion); v != "" {
		return v
	}
	return DefaultVersion
}

func (o *Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return 5 * time.Minute
}

func (o *Options) javaHeap() string {
	if o.JavaHeap != "" {
		return o.JavaHeap
	}
	return "-Xms64m -Xmx1g"
}

func (o *Options) progress() io.Writer {
	if o.Progress != nil {
		return o.Progress
	}
	return io.Discard
}
