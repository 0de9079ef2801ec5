package keycloaktest

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCIBAChannel_ReserveServeCallback(t *testing.T) {
	dir := t.TempDir()
	args, err := cibaChannelArgs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 1 || !strings.HasPrefix(args[0], cibaChannelOption+"=http://127.0.0.1:") {
		t.Fatalf("args %q", args)
	}
	srv := &Server{StateDir: dir}
	port, err := srv.CIBAChannelPort()
	if err != nil || !strings.Contains(args[0], ":"+strconv.Itoa(port)+"/") {
		t.Fatalf("port %d, %v", port, err)
	}

	// The realm's callback endpoint, as Keycloak serves it.
	var gotStatus, gotAuth string
	realm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/realms/r/protocol/openid-connect/ext/ciba/auth/callback" {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		gotStatus, gotAuth = string(b), r.Header.Get("Authorization")
		w.WriteHeader(http.StatusOK)
	}))
	defer realm.Close()
	token := "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+realm.URL+`/realms/r"}`)) + ".sig"

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := srv.OpenAuthenticationChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	// A second opener waits for the port and gives up with its context.
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	if _, err := srv.OpenAuthenticationChannel(short); err == nil {
		t.Error("a second channel bound the same port")
	}
	cancelShort()

	// Keycloak's request to the channel.
	req, _ := http.NewRequest("POST", "http://127.0.0.1:"+strconv.Itoa(port)+"/ciba", strings.NewReader(`{"login_hint":"alice","binding_message":"W4SCT","scope":"openid","is_consent_required":false}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("channel answered %d", res.StatusCode)
	}
	// A channel closes each connection after its answer, so that
	// Keycloak never reuses a connection to a channel that has closed.
	if !res.Close {
		t.Error("the channel keeps the connection open")
	}
	ar, err := ch.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ar.LoginHint != "alice" || ar.BindingMessage != "W4SCT" || ar.Issuer != realm.URL+"/realms/r" {
		t.Errorf("request %+v", ar)
	}
	if err := ch.Deny(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if gotStatus != `{"status":"UNAUTHORIZED"}` || gotAuth != "Bearer "+token {
		t.Errorf("callback %s %s", gotStatus, gotAuth)
	}
	if err := ch.Approve(ctx, ar); err != nil || gotStatus != `{"status":"SUCCEED"}` {
		t.Errorf("approve: %v %s", err, gotStatus)
	}
	// Without a bearer token the channel refuses.
	res, err = http.Post("http://127.0.0.1:"+strconv.Itoa(port)+"/ciba", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("no token: %d", res.StatusCode)
	}
	ch.Close()
	// Freed: the port can be bound again.
	ch2, err := srv.OpenAuthenticationChannel(ctx)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	ch2.Close()
}

func TestCIBAChannelPort_None(t *testing.T) {
	t.Setenv(EnvCIBAChannelPort, "")
	if _, err := (&Server{}).CIBAChannelPort(); err == nil {
		t.Error("a port without a channel")
	}
	t.Setenv(EnvCIBAChannelPort, "4711")
	if p, err := (&Server{}).CIBAChannelPort(); err != nil || p != 4711 {
		t.Errorf("from the environment: %d %v", p, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, cibaPortFile), []byte("junk"), 0o644)
	if _, err := (&Server{StateDir: dir}).CIBAChannelPort(); err == nil {
		t.Error("a junk port accepted")
	}
}
