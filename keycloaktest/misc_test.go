package keycloaktest

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestTailBufferKeepsEnd(t *testing.T) {
	tb := &tailBuffer{max: 8}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("ab"))
	if got := string(tb.Bytes()); got != "456789ab" {
		t.Fatalf("tail = %q", got)
	}
}

func TestTailLinesDropsHealthNoise(t *testing.T) {
	log := "start\nINFO SRHCK01001: Reporting health down status\nERROR Port 8080 seems to be in use by another process\n"
	got := tailLines([]byte(log), 40)
	if strings.Contains(got, "SRHCK01001") || !strings.Contains(got, "seems to be in use") {
		t.Fatalf("tail = %q", got)
	}
	if !portTaken(got) {
		t.Error("port taken not recognised")
	}
}

func TestBuildArgsNameFeatures(t *testing.T) {
	d := &Distribution{opts: Options{Features: []string{"par", " dpop ", ""}}}
	got := strings.Join(d.buildArgs(), " ")
	if got != "build --db=dev-file --health-enabled=true --https-client-auth=request --features=dpop,par" {
		t.Fatalf("build args = %q", got)
	}
}

func TestStart_HomeWithoutDistribution(t *testing.T) {
	home := t.TempDir()
	t.Setenv(EnvURL, "")
	t.Setenv(EnvHome, home)
	_, err := Start(context.Background(), Options{CacheDir: t.TempDir()})
	var se *StartError
	if !errors.As(err, &se) || se.Source != SourceHome {
		t.Fatalf("err = %v, want *StartError from SourceHome", err)
	}
}

func TestStart_NoJava(t *testing.T) {
	t.Setenv(EnvURL, "")
	t.Setenv(EnvHome, "")
	t.Setenv("JAVA_HOME", filepath.Join(t.TempDir(), "no-jdk"))
	_, err := EnsureDistribution(context.Background(), Options{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrNoJava) {
		t.Fatalf("err = %v, want ErrNoJava", err)
	}
}

func TestStart_UnreachableURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	t.Setenv(EnvURL, "http://"+addr)
	_, err = Start(context.Background(), Options{})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
}

func TestLocateDistribution_RejectsBadVersion(t *testing.T) {
	t.Setenv(EnvHome, "")
	for _, v := range []string{"../../etc", "1.0/x", "-1"} {
		if _, err := locateDistribution(Options{Version: v, CacheDir: t.TempDir()}); err == nil {
			t.Errorf("version %q accepted", v)
		}
	}
	t.Setenv(EnvVersion, "25.0.6")
	d, err := locateDistribution(Options{CacheDir: "/c"})
	if err != nil || d.Version != "25.0.6" || d.Home != filepath.Join("/c", "keycloak-25.0.6", "dist") {
		t.Fatalf("got %+v, %v", d, err)
	}
}

func TestEnvDropsKeycloakSettings(t *testing.T) {
	t.Setenv("KC_DB", "postgres")
	t.Setenv("JAVA_OPTS_KC_HEAP", "-Xmx64g")
	d := &Distribution{}
	env := strings.Join(d.env("EXTRA=1"), "\n")
	if strings.Contains(env, "KC_DB=") || strings.Contains(env, "-Xmx64g") {
		t.Fatal("caller's Keycloak settings leaked into the server environment")
	}
	if !strings.Contains(env, "JAVA_OPTS_KC_HEAP=-Xms64m -Xmx1g") || !strings.Contains(env, "EXTRA=1") {
		t.Fatal("heap or extra variables missing")
	}
}
