package agent_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/conformance/agent"
)

// syncBuffer is an io.Writer the test reads while the agent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// The test plays the person: it waits for the printed URL, "logs in",
// and sends the browser to the loopback redirect URI with the response.
func TestInteractive_Authorize(t *testing.T) {
	redirect := "http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/callback"
	authURL := "https://op.test/authorize?client_id=app&state=s1"
	var out syncBuffer
	opened := make(chan string, 1)
	a := agent.NewInteractive(agent.InteractiveOptions{Out: &out, Open: func(_ context.Context, uri string) error {
		opened <- uri
		return nil
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	type result struct {
		u   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		u, err := a.Authorize(ctx, authURL, redirect, "alice", "SENTINEL-PW")
		if u != nil {
			done <- result{u.String(), err}
			return
		}
		done <- result{"", err}
	}()
	if got := <-opened; got != authURL {
		t.Fatalf("opened %q", got)
	}
	if !strings.Contains(out.String(), authURL) || strings.Contains(out.String(), "SENTINEL-PW") {
		t.Fatalf("printed %q: want the URL and never the password", out.String())
	}
	// A stray request to another path is not taken for the response.
	if resp, err := http.Get(strings.Replace(redirect, "/callback", "/favicon.ico", 1)); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("other path: HTTP %d, want 404", resp.StatusCode)
		}
	}
	resp, err := http.Get(redirect + "?code=c0de&state=s1&iss=https%3A%2F%2Fop.test")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("close this page")) {
		t.Errorf("callback page: HTTP %d %q", resp.StatusCode, page)
	}
	r := <-done
	if r.err != nil || r.u != redirect+"?code=c0de&state=s1&iss=https%3A%2F%2Fop.test" {
		t.Fatalf("Authorize = %q, %v", r.u, r.err)
	}
	// The listener is gone once Authorize returns.
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimSuffix(redirect, "/callback"), "http://"), time.Second); err == nil {
		t.Error("the loopback listener is still open")
	}
}

func TestInteractive_AuthorizeEndsWithContext(t *testing.T) {
	redirect := fmt.Sprintf("http://127.0.0.1:%d/cb", freePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := agent.NewInteractive(agent.InteractiveOptions{Out: io.Discard}).Authorize(ctx, "https://op.test/auth", redirect, "", "")
	if !errors.Is(err, agent.ErrLoginFailed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// RFC 8252, section 7.3: the redirect URI must be a loopback IP literal
// with a port, over http.
func TestInteractive_RedirectURIChecked(t *testing.T) {
	a := agent.NewInteractive(agent.InteractiveOptions{Out: io.Discard})
	for _, ru := range []string{"https://app.example/cb", "http://example.com:8080/cb", "http://127.0.0.1/cb", "com.example.app:/cb"} {
		if _, err := a.Authorize(context.Background(), "https://op.test/auth", ru, "", ""); !errors.Is(err, agent.ErrRedirectURI) {
			t.Errorf("%s: err = %v, want ErrRedirectURI", ru, err)
		}
	}
	if _, err := a.Authorize(context.Background(), "javascript:alert(1)", "http://127.0.0.1:1/cb", "", ""); !errors.Is(err, agent.ErrUnsafeURI) {
		t.Errorf("javascript: authorization URL: err = %v, want ErrUnsafeURI", err)
	}
}

func TestInteractive_ApproveDevice(t *testing.T) {
	pr, pw := io.Pipe()
	var out syncBuffer
	a := agent.NewInteractive(agent.InteractiveOptions{Out: &out, In: pr})
	done := make(chan error, 1)
	go func() {
		done <- a.ApproveDevice(context.Background(), "https://op.test/device", "WDJB-MJHT", "alice", "pw")
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !regexp.MustCompile(`(?s)WDJB-MJHT.*https://op.test/device`).MatchString(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("printed %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("returned before the person confirmed: %v", err)
	default:
	}
	fmt.Fprintln(pw)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TE-15: a javascript: or file: verification URI is neither shown nor
// opened.
func TestInteractive_TE15_UnsafeVerificationURI(t *testing.T) {
	var out syncBuffer
	opened := false
	a := agent.NewInteractive(agent.InteractiveOptions{Out: &out, In: strings.NewReader("\n"), Open: func(context.Context, string) error { opened = true; return nil }})
	for _, uri := range []string{"javascript:alert(document.cookie)", "file:///etc/passwd", "https://op.test/device\r\nX: y"} {
		if err := a.ApproveDevice(context.Background(), uri, "CODE", "", ""); !errors.Is(err, agent.ErrUnsafeVerificationURI) {
			t.Errorf("%q: err = %v, want ErrUnsafeVerificationURI", uri, err)
		}
	}
	if opened || out.String() != "" {
		t.Errorf("opened %v, printed %q", opened, out.String())
	}
}
