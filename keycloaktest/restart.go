package keycloaktest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotRestartable: [Server.Stop] and [Server.Restart] work only on a
// server this package started from a local distribution (SourceHome or
// SourceCache), whose process and data directory it owns.
var ErrNotRestartable = errors.New("keycloaktest: only a local server started by this package can be stopped and started again")

// restartTimeout bounds how long Restart waits for readiness when ctx has
// no earlier deadline.
const restartTimeout = 5 * time.Minute

// Stop stops the server's process as Close does (SIGTERM to its process
// group, SIGKILL after 30 seconds), but keeps its home and data directory,
// so that [Server.Restart] can start it again with the same realms, users,
// keys and sessions that Keycloak persists. URL stays the same. Stop on a
// stopped server does nothing.
//
// Stop, Restart and Close must not be called concurrently.
func (s *Server) Stop(ctx context.Context) error {
	if s.local == nil {
		return ErrNotRestartable
	}
	done := make(chan error, 1)
	go func() { done <- s.local.proc.stop(30 * time.Second) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Restart starts the server again on the same ports, home and data
// directory, stopping it first when it runs, and waits until it is ready.
// The command line and environment are those of the first start. A
// failure is a *StartError with the tail of the log.
func (s *Server) Restart(ctx context.Context) error {
	if s.local == nil {
		return ErrNotRestartable
	}
	if err := s.Stop(ctx); err != nil {
		return err
	}
	old := s.local.proc.cmd
	proc, err := startProcess(old.Path, old.Args[1:], old.Env, old.Dir, s.local.logPath)
	if err != nil {
		return &StartError{Source: s.Source, Step: "restart", Err: err}
	}
	s.local.proc = proc
	if err := waitReady(ctx, s.local.mgmtURL+"/health/ready", proc.done, restartTimeout); err != nil {
		tail := logTail(s.local.logPath)
		if portTaken(tail) {
			err = fmt.Errorf("%w: another process took a port while Keycloak was stopped", ErrPortTaken)
		}
		return &StartError{Source: s.Source, Step: "restart", Err: err, LogTail: tail}
	}
	return nil
}
