package agent_test

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

	"github.com/oauthkit/oauthkit/conformance/agent"
)

// A provider page whose form action names another origin (another host
// name, or another port of the same host) gets neither the username nor
// the password: the agent refuses before sending.
func TestForm_CrossOriginFormAction(t *testing.T) {
	var received atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { received.Add(1) }))
	defer evil.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(evil.URL, "http://"), ":")
	for name, action := range map[string]string{
		"other host":            "http://localhost:" + port + "/login",
		"other port":            evil.URL + "/login",
		"consent to other host": "http://localhost:" + port + "/consent",
	} {
		t.Run(name, func(t *testing.T) {
			op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(action, "consent") {
					fmt.Fprintf(w, `<form action="%s" method="post"><input type="hidden" name="prompt" value="consent"><button type="submit">Continue</button></form>`, action)
					return
				}
				fmt.Fprintf(w, `<form action="%s" method="post"><input name="login"><input name="password" type="password"></form>`, action)
			}))
			defer op.Close()
			a := agent.NewForm(nil, op.URL, agent.FormFields{Username: "login"})
			_, err := a.Authorize(context.Background(), op.URL+"/auth", "http://127.0.0.1:1/cb", "alice", "SENTINEL-PW")
			if !errors.Is(err, agent.ErrCrossOriginForm) {
				t.Fatalf("err = %v, want ErrCrossOriginForm", err)
			}
			if strings.Contains(err.Error(), "SENTINEL-PW") {
				t.Errorf("error holds the password: %v", err)
			}
			if n := received.Load(); n != 0 {
				t.Fatalf("the other origin received %d requests", n)
			}
		})
	}
}

// Refused credentials bring the login form back; the agent stops there
// with the page's message instead of submitting again.
func TestForm_CredentialsRefused(t *testing.T) {
	var posts atomic.Int32
	op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		fmt.Fprint(w, `<title>Sign-in</title><p class="red">Invalid login.</p><form action="/login" method="post"><input name="username"><input name="password" type="password"></form>`)
	}))
	defer op.Close()
	_, err := agent.NewForm(nil, op.URL, agent.FormFields{}).Authorize(context.Background(), op.URL+"/auth", "http://127.0.0.1:1/cb", "alice", "SENTINEL-PW")
	var ae *agent.Error
	if !errors.As(err, &ae) || !errors.Is(err, agent.ErrLoginFailed) || ae.Message != "Invalid login." {
		t.Fatalf("err = %#v, want *agent.Error with the page's message", err)
	}
	if posts.Load() != 1 || strings.Contains(err.Error(), "SENTINEL-PW") {
		t.Errorf("%d posts (want 1); err = %v", posts.Load(), err)
	}
}

// A provider that serves consent pages forever ends the agent after a
// bounded number of pages (HT-10: every call ends).
func TestForm_EndlessConsent(t *testing.T) {
	var pages atomic.Int32
	op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		fmt.Fprint(w, `<form action="/consent" method="post"><button name="deny">No</button><button name="accept">Yes</button></form>`)
	}))
	defer op.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := agent.NewForm(nil, op.URL, agent.FormFields{}).Authorize(ctx, op.URL+"/auth", "http://127.0.0.1:1/cb", "alice", "pw")
	if !errors.Is(err, agent.ErrLoginFailed) || pages.Load() > 20 {
		t.Fatalf("err = %v after %d pages", err, pages.Load())
	}
}

// TE-15: a verification URI that is not http(s) is not opened.
func TestForm_TE15_UnsafeVerificationURI(t *testing.T) {
	a := agent.NewForm(nil, "http://127.0.0.1:1", agent.FormFields{})
	for _, uri := range []string{"javascript:alert(1)", "file:///etc/passwd"} {
		if err := a.ApproveDevice(context.Background(), uri, "ABCD", "alice", "pw"); !errors.Is(err, agent.ErrUnsafeVerificationURI) {
			t.Errorf("%s: err = %v, want ErrUnsafeVerificationURI", uri, err)
		}
	}
}

func TestNew_Kinds(t *testing.T) {
	for kind, want := range map[string]string{"": "*agent.Form", "form": "*agent.Form", "keycloak": "*agent.Keycloak", "interactive": "*agent.Interactive"} {
		a, err := agent.New(kind, nil, "http://127.0.0.1:1", agent.FormFields{})
		if err != nil || fmt.Sprintf("%T", a) != want {
			t.Errorf("New(%q) = %T, %v; want %s", kind, a, err, want)
		}
	}
	if _, err := agent.New("selenium", nil, "http://127.0.0.1:1", agent.FormFields{}); !errors.Is(err, agent.ErrUnknownKind) {
		t.Errorf("unknown kind: err = %v", err)
	}
}
