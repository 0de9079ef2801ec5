package keycloaktest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/internal/pause"
)

// Keycloak's CIBA HTTP authentication channel (Keycloak Server
// Administration Guide, "Client Initiated Backchannel Authentication
// Grant"): for each backchannel authentication request, Keycloak POSTs the
// request to this URI, and whoever authenticates the user answers through
// the realm's callback endpoint. keycloaktest reserves a loopback port for
// it at every start, so that the channel can be served by whichever test
// needs it, in any process.

// cibaChannelOption is Keycloak's option for the channel's URI (the SPI
// option syntax of Keycloak 26.4 and later).
const cibaChannelOption = "--spi-ciba-auth-channel--ciba-http-auth-channel--http-authentication-channel-uri"

// cibaPortFile holds the channel's port, in the server's StateDir, where
// every process sharing the server reads it.
const cibaPortFile = "ciba-channel-port"

// EnvCIBAChannelPort names the channel's port for a server keycloaktest did
// not start ($KEYCLOAK_URL), when it was started with the channel option
// pointing at 127.0.0.1 on that port.
const EnvCIBAChannelPort = "KEYCLOAK_CIBA_CHANNEL_PORT"

// ErrNoCIBAChannel: the server has no CIBA authentication channel that
// keycloaktest knows of.
var ErrNoCIBAChannel = errors.New("keycloaktest: no CIBA authentication channel configured")

// cibaChannelArgs reserves a loopback port for the channel, writes it to
// dir and returns the Keycloak option pointing at it.
func cibaChannelArgs(dir string) ([]string, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(ports[0])
	if err := os.WriteFile(filepath.Join(dir, cibaPortFile), []byte(port), 0o644); err != nil {
		return nil, err
	}
	return []string{cibaChannelOption + "=http://127.0.0.1:" + port + "/ciba"}, nil
}

// CIBAChannelPort returns the loopback port Keycloak sends CIBA
// authentication requests to.
func (s *Server) CIBAChannelPort() (int, error) {
	var raw string
	switch {
	case s.StateDir != "":
		b, err := os.ReadFile(filepath.Join(s.StateDir, cibaPortFile))
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrNoCIBAChannel, err)
		}
		raw = string(b)
	case os.Getenv(EnvCIBAChannelPort) != "":
		raw = os.Getenv(EnvCIBAChannelPort)
	default:
		return 0, ErrNoCIBAChannel
	}
	port, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || port <= 0 || port > 65535 {
		return 0, fmt.Errorf("%w: bad port %q", ErrNoCIBAChannel, raw)
	}
	return port, nil
}

// AuthenticationRequest is one request Keycloak sent to the channel: the
// user to authenticate and what to show her.
type AuthenticationRequest struct {
	// LoginHint, BindingMessage, Scope and ConsentRequired are the members
	// "login_hint", "binding_message", "scope" and "is_consent_required".
	LoginHint, BindingMessage, Scope string
	ConsentRequired                  bool
	// Issuer is the realm's issuer, read from the callback token.
	Issuer string

	token string // the bearer token of the callback
}

// AuthenticationChannel serves Keycloak's CIBA authentication channel on
// the reserved port. Only one process can hold the port at a time: a
// channel is opened for as long as a test needs it, and Close frees it.
type AuthenticationChannel struct {
	ln       net.Listener
	srv      *http.Server
	requests chan *AuthenticationRequest
	hc       *http.Client
	once     sync.Once
}

// OpenAuthenticationChannel binds the channel's port, waiting while another
// test (in this process or another) holds it, until ctx ends.
func (s *Server) OpenAuthenticationChannel(ctx context.Context) (*AuthenticationChannel, error) {
	port, err := s.CIBAChannelPort()
	if err != nil {
		return nil, err
	}
	var ln net.Listener
	for {
		ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			break
		}
		if werr := pause.Wait(ctx, 200*time.Millisecond); werr != nil {
			return nil, fmt.Errorf("keycloaktest: CIBA channel port %d: %w (last: %v)", port, werr, err)
		}
	}
	c := &AuthenticationChannel{ln: ln, requests: make(chan *AuthenticationRequest, 16), hc: &http.Client{Timeout: 30 * time.Second}}
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// serve takes one request of Keycloak: a JSON body and the callback's
// bearer token. Keycloak expects 201 Created.
func (c *AuthenticationChannel) serve(w http.ResponseWriter, r *http.Request) {
	// One request per connection: a channel lives only as long as one
	// scenario, and Keycloak's HTTP client would otherwise keep the
	// connection of a closed channel and fail its next request on it
	// ("Failed to send authentication request").
	w.Header().Set("Connection", "close")
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if r.Method != http.MethodPost || !strings.EqualFold(scheme, "Bearer") || token == "" {
		http.Error(w, "expected a POST with a bearer token", http.StatusBadRequest)
		return
	}
	var body struct {
		LoginHint       string `json:"login_hint"`
		BindingMessage  string `json:"binding_message"`
		Scope           string `json:"scope"`
		ConsentRequired bool   `json:"is_consent_required"`
	}
	b, err := bounded.ReadPartial(r.Body, 64<<10)
	if err != nil || json.Unmarshal(b, &body) != nil {
		http.Error(w, "expected a JSON body", http.StatusBadRequest)
		return
	}
	req := &AuthenticationRequest{LoginHint: body.LoginHint, BindingMessage: body.BindingMessage, Scope: body.Scope,
		ConsentRequired: body.ConsentRequired, Issuer: tokenIssuer(token), token: token}
	select {
	case c.requests <- req:
		w.WriteHeader(http.StatusCreated)
	default:
		http.Error(w, "too many pending requests", http.StatusServiceUnavailable)
	}
}

// tokenIssuer reads "iss" from a JWT without verifying it: the token is
// Keycloak's own, received over loopback, and only names the callback.
func tokenIssuer(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(b, &c)
	return c.Iss
}

// Next returns the next request Keycloak sent, waiting until ctx ends.
func (c *AuthenticationChannel) Next(ctx context.Context) (*AuthenticationRequest, error) {
	select {
	case r := <-c.requests:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Approve tells Keycloak the user authenticated and consented.
func (c *AuthenticationChannel) Approve(ctx context.Context, r *AuthenticationRequest) error {
	return c.callback(ctx, r, "SUCCEED")
}

// Deny tells Keycloak the user refused; the client's next poll gets
// access_denied.
func (c *AuthenticationChannel) Deny(ctx context.Context, r *AuthenticationRequest) error {
	return c.callback(ctx, r, "UNAUTHORIZED")
}

// callback posts the outcome to the realm's CIBA callback endpoint.
func (c *AuthenticationChannel) callback(ctx context.Context, r *AuthenticationRequest, status string) error {
	if r.Issuer == "" {
		return errors.New("keycloaktest: the CIBA request names no realm")
	}
	body, _ := json.Marshal(map[string]string{"status": status})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Issuer+"/protocol/openid-connect/ext/ciba/auth/callback", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("keycloaktest: CIBA callback: %w", err)
	}
	defer res.Body.Close()
	b, _ := bounded.ReadPartial(res.Body, 64<<10)
	if res.StatusCode/100 != 2 {
		return newAPIError(http.MethodPost, "ciba callback", res.StatusCode, b)
	}
	return nil
}

// Close stops serving and frees the port.
func (c *AuthenticationChannel) Close() error {
	var err error
	c.once.Do(func() { err = c.srv.Close() })
	return err
}
