package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/htmlform"
)

// InteractiveOptions configure [NewInteractive]. The zero value prints to
// standard error and reads standard input.
type InteractiveOptions struct {
	// Out receives the instructions for the person: the authorization URL,
	// or the verification URI and the user code. Nil means os.Stderr.
	Out io.Writer
	// In is read for the line the person enters once a device is
	// approved. Nil means os.Stdin.
	In io.Reader
	// OpenBrowser also opens the authorization URL (or the verification
	// URI) in the desktop's browser: xdg-open, open or rundll32.
	OpenBrowser bool
	// Open, when set, replaces the browser opener.
	Open func(ctx context.Context, uri string) error
}

// Interactive asks a person to log in, for testing a provider whose pages
// no headless agent understands (multi-factor login, CAPTCHAs, a federated
// identity provider). It receives the authorization response on a
// loopback redirect URI (RFC 8252, section 7.3): the redirect URI must be
// http on 127.0.0.1 or [::1] with an explicit port, and Interactive
// listens there for the duration of one Authorize. It prints only http(s)
// URIs. Methods may be called from one goroutine at a time.
type Interactive struct {
	opts InteractiveOptions
}

// NewInteractive returns an interactive agent.
func NewInteractive(opts InteractiveOptions) *Interactive {
	if opts.Out == nil {
		opts.Out = os.Stderr
	}
	if opts.In == nil {
		opts.In = os.Stdin
	}
	return &Interactive{opts: opts}
}

// Authorize prints authURL (and opens it when asked) for the person, and
// waits until the browser is redirected to redirectURI, which it serves on
// its loopback address (RFC 8252, section 7.3). It returns the full
// redirect URL with its code, state and iss (or error) parameters
// (RFC 6749, section 4.1.2); the browser is told it may close the page.
// Requests to other paths get 404. The username is shown as a reminder,
// the password never: the person types it. It ends with ctx.
func (a *Interactive) Authorize(ctx context.Context, authURL, redirectURI, username, _ string) (*url.URL, error) {
	if err := checkShowable(authURL); err != nil {
		return nil, err
	}
	ru, err := url.Parse(redirectURI)
	if err != nil || ru.Scheme != "http" || ru.Port() == "" || !loopbackIP(ru.Hostname()) {
		return nil, fmt.Errorf("%w: %q: want http://127.0.0.1:PORT/path (RFC 8252, section 7.3)", ErrRedirectURI, htmlform.StripQuery(redirectURI))
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort(ru.Hostname(), ru.Port()))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRedirectURI, err)
	}
	got := make(chan *url.URL, 1)
	path := ru.Path
	if path == "" {
		path = "/"
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path || r.Method != http.MethodGet {
				http.NotFound(w, r)
				return
			}
			u := *ru
			u.RawQuery = r.URL.RawQuery
			select {
			case got <- &u:
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, "<!DOCTYPE html><title>Authorization received</title><p>The authorization response has been received. You may close this page.</p>")
			default:
				http.Error(w, "an authorization response was already received", http.StatusConflict)
			}
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	who := ""
	if username != "" {
		who = " as " + username
	}
	fmt.Fprintf(a.opts.Out, "Open this URL in a browser and log in%s:\n\n  %s\n\nWaiting for the redirect to %s ...\n", who, authURL, htmlform.StripQuery(redirectURI))
	if err := a.open(ctx, authURL); err != nil {
		fmt.Fprintf(a.opts.Out, "(could not open a browser: %v)\n", err)
	}
	select {
	case u := <-got:
		return u, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: no redirect to %s: %w", ErrLoginFailed, htmlform.StripQuery(redirectURI), ctx.Err())
	}
}

// ApproveDevice prints the verification URI and the user code (RFC 8628,
// section 3.3) and waits until the person enters a line on In, saying
// they approved, or ctx ends. A verificationURI that is not http(s) is
// neither printed nor opened (ErrUnsafeVerificationURI).
func (a *Interactive) ApproveDevice(ctx context.Context, verificationURI, userCode, username, _ string) error {
	if err := checkShowable(verificationURI); err != nil {
		return fmt.Errorf("%w: %.40q", ErrUnsafeVerificationURI, htmlform.StripQuery(verificationURI))
	}
	who := ""
	if username != "" {
		who = " as " + username
	}
	fmt.Fprintf(a.opts.Out, "Open this URL in a browser, log in%s", who)
	if userCode != "" {
		fmt.Fprintf(a.opts.Out, " and enter the code %s", userCode)
	}
	fmt.Fprintf(a.opts.Out, ":\n\n  %s\n\nPress Enter once the device is approved.\n", verificationURI)
	if err := a.open(ctx, verificationURI); err != nil {
		fmt.Fprintf(a.opts.Out, "(could not open a browser: %v)\n", err)
	}
	line := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(a.opts.In).ReadString('\n')
		line <- err
	}()
	select {
	case err := <-line:
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: reading the confirmation: %v", ErrLoginFailed, err)
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: input closed before the device was approved", ErrLoginFailed)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: device not approved: %w", ErrLoginFailed, ctx.Err())
	}
}

// open opens uri in a browser when asked.
func (a *Interactive) open(ctx context.Context, uri string) error {
	switch {
	case a.opts.Open != nil:
		return a.opts.Open(ctx, uri)
	case !a.opts.OpenBrowser:
		return nil
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", uri)
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", uri)
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", uri)
	}
	return cmd.Start()
}

// checkShowable accepts only absolute http(s) URIs: a hostile provider's
// javascript: or file: URI is never shown to a person or opened.
func checkShowable(uri string) error {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(uri, "\r\n") {
		return fmt.Errorf("%w: %.40q", ErrUnsafeURI, htmlform.StripQuery(uri))
	}
	return nil
}

// loopbackIP reports whether host is an IP literal of the loopback
// interface. RFC 8252, section 8.3 recommends the literal over
// "localhost", which a resolver may send elsewhere.
func loopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
