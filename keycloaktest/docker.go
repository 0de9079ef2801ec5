package keycloaktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"time"
)

// dockerImage is the official Keycloak container image.
const dockerImage = "quay.io/keycloak/keycloak"

// dockerRun is a Keycloak container started by startDocker.
type dockerRun struct {
	docker string // path of the docker command
	name   string // container name
}

// dockerAvailable reports whether a docker command exists and its engine
// answers "docker info".
func dockerAvailable(ctx context.Context) bool {
	docker, err := exec.LookPath("docker")
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, docker, "info").Run() == nil
}

// startDocker runs quay.io/keycloak/keycloak:VERSION in development mode,
// with its HTTP and management ports published on 127.0.0.1 only, and
// waits for readiness. The container is removed when it stops.
//
// This path cannot be exercised where no Docker engine runs; it follows
// the image's documented interface (start-dev, KC_BOOTSTRAP_ADMIN_*,
// ports 8080 and 9000).
func startDocker(ctx context.Context, opts Options) (*Server, error) {
	fail := func(step string, err error, tail string) (*Server, error) {
		return nil, &StartError{Source: SourceDocker, Step: step, Err: err, LogTail: tail}
	}
	docker, err := exec.LookPath("docker")
	if err != nil {
		return fail("prepare", fmt.Errorf("%w: docker not on PATH", ErrDocker), "")
	}
	if !dockerAvailable(ctx) {
		return fail("prepare", fmt.Errorf("%w: \"docker info\" failed (no engine?)", ErrDocker), "")
	}
	v := opts.version()
	if !versionRE.MatchString(v) {
		return fail("prepare", fmt.Errorf("invalid Keycloak version %q", v), "")
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			return fail("start", err, "")
		}
		var rnd [6]byte
		_, _ = rand.Read(rnd[:])
		run := &dockerRun{docker: docker, name: "oauthkit-keycloak-" + hex.EncodeToString(rnd[:])}
		args := []string{"run", "-d", "--rm", "--name", run.name,
			"-p", "127.0.0.1:" + strconv.Itoa(ports[0]) + ":8080",
			"-p", "127.0.0.1:" + strconv.Itoa(ports[1]) + ":9000",
			"-e", "KC_BOOTSTRAP_ADMIN_USERNAME=" + defaultAdminUser,
			"-e", "KC_BOOTSTRAP_ADMIN_PASSWORD=" + defaultAdminPassword,
			"-e", "JAVA_OPTS_KC_HEAP=" + opts.javaHeap(),
			dockerImage + ":" + v,
			"start-dev", "--health-enabled=true", "--features=" + featureList(opts),
		}
		pullCtx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		out, err := exec.CommandContext(pullCtx, docker, args...).CombinedOutput()
		cancel()
		if err != nil {
			tail := tailLines(out, 40)
			if portTaken(tail) {
				lastErr = fmt.Errorf("%w: %w", ErrDocker, ErrPortTaken)
				continue
			}
			return fail("start", fmt.Errorf("%w: docker run: %v", ErrDocker, err), tail)
		}
		exited := make(chan struct{}) // a container that stops is removed; polling notices
		err = waitReady(ctx, "http://127.0.0.1:"+strconv.Itoa(ports[1])+"/health/ready", exited, opts.startTimeout())
		if err != nil {
			tail := run.logs()
			_ = run.stop()
			return fail("start", err, tail)
		}
		return &Server{
			URL:           "http://127.0.0.1:" + strconv.Itoa(ports[0]),
			ManagementURL: "http://127.0.0.1:" + strconv.Itoa(ports[1]),
			AdminUser:     defaultAdminUser,
			AdminPassword: defaultAdminPassword,
			Version:       v,
			Source:        SourceDocker,
			docker:        run,
		}, nil
	}
	return fail("start", lastErr, "")
}

// logs returns the tail of the container log.
func (r *dockerRun) logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, r.docker, "logs", "--tail", "200", r.name).CombinedOutput()
	return tailLines(out, 40)
}

// stop stops the container (SIGTERM, then SIGKILL after 20 seconds);
// --rm removes it.
func (r *dockerRun) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, r.docker, "stop", "-t", "20", r.name).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: docker stop %s: %v: %s", ErrDocker, r.name, err, tailLines(out, 5))
	}
	return nil
}
