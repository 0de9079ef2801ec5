package keycloaktest

import (
	"context"
	"errors"
	"testing"
)

// Only a server this package started can be stopped and started again; a
// server at $KEYCLOAK_URL belongs to someone else.
func TestRestart_NotLocal(t *testing.T) {
	s := &Server{URL: "http://127.0.0.1:1", Source: SourceURL}
	if err := s.Stop(context.Background()); !errors.Is(err, ErrNotRestartable) {
		t.Errorf("Stop: %v", err)
	}
	if err := s.Restart(context.Background()); !errors.Is(err, ErrNotRestartable) {
		t.Errorf("Restart: %v", err)
	}
}
