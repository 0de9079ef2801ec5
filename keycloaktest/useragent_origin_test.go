package keycloaktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A login page whose form action names another origin must not receive
// the password: the agent refuses before sending anything. The evil
// listener is reached both under another host name and on another port
// of the same host, since an origin includes the port (RFC 6454, section 4).
func TestUserAgent_CrossOriginFormAction(t *testing.T) {
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer evil.Close()
	evilPort := evil.Listener.Addr().String()[strings.LastIndexByte(evil.Listener.Addr().String(), ':')+1:]

	for name, action := range map[string]string{
		"other host": "http://localhost:" + evilPort + "/steal",
		"other port": evil.URL + "/steal",
	} {
		t.Run(name, func(t *testing.T) {
			op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `<html><form id="kc-form-login" action="%s" method="post">
<input name="username" type="text"><input name="password" type="password">
<button name="login" type="submit">Sign In</button></form></html>`, action)
			}))
			defer op.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := NewUserAgent(nil).Login(ctx, op.URL+"/auth?client_id=app", "http://127.0.0.1:1/cb", "alice", "SENTINEL-PW")
			if !errors.Is(err, ErrCrossOriginForm) {
				t.Fatalf("err = %v, want ErrCrossOriginForm", err)
			}
			var le *LoginError
			if !errors.As(err, &le) || strings.Contains(err.Error(), "SENTINEL-PW") {
				t.Errorf("err = %v: want a *LoginError without the password", err)
			}
			if n := stolen.Load(); n != 0 {
				t.Fatalf("the other origin received %d requests", n)
			}
		})
	}
}

// A same-origin relative action is followed as before.
func TestUserAgent_SameOriginFormAction(t *testing.T) {
	var posted atomic.Int32
	op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_ = r.ParseForm()
			if r.PostForm.Get("password") == "pw" {
				posted.Add(1)
			}
			http.Redirect(w, r, "http://127.0.0.1:1/cb?code=c&state=s", http.StatusFound)
			return
		}
		fmt.Fprint(w, `<form action="/login" method="post"><input name="username"><input name="password" type="password"></form>`)
	}))
	defer op.Close()
	got, err := NewUserAgent(nil).Login(context.Background(), op.URL+"/auth", "http://127.0.0.1:1/cb", "alice", "pw")
	if err != nil || got.Query().Get("code") != "c" || posted.Load() != 1 {
		t.Fatalf("Login = %v, %v (posted %d)", got, err, posted.Load())
	}
}
