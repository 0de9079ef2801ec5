package oidcprovider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// The roles of the conformance target format, as the keys of
// Server.Clients.
const (
	RoleClientSecretBasic = "client_secret_basic"
	RoleClientSecretPost  = "client_secret_post"
	RoleClientSecretJWT   = "client_secret_jwt"
	RolePrivateKeyJWT     = "private_key_jwt"
	RolePublic            = "public"
	RoleDevice            = "device"
	RoleDPoP              = "dpop"
)

// Client is one pre-registered client, as written to the target
// configuration.
type Client struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	RedirectURI  string   `json:"redirect_uri,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	// KeyFile is the absolute path of the PKCS #8 PEM private key of a
	// private_key_jwt client; Alg its signing algorithm (RFC 7523).
	KeyFile string `json:"key_file,omitempty"`
	Alg     string `json:"alg,omitempty"`
}

// User is a test user. The development login pages accept any password
// for a known user; Password is still what the agents type.
type User struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Server is a running oidc-provider, in the manner of httptest.Server.
type Server struct {
	// Issuer is the issuer identifier, "http://127.0.0.1:PORT".
	Issuer string
	// ConfigPath is the conformance target configuration (version 1)
	// written for this server: issuer, clients, users and login agent.
	ConfigPath string
	// Clients are the pre-registered clients by role (Role...).
	Clients map[string]Client
	// Users are the test users.
	Users []User
	// RedirectURI is registered for every client that uses one. Nothing
	// listens there: the login agents stop at the redirect.
	RedirectURI string
	// LogFile is node's output (removed by Close).
	LogFile string

	dir       string
	cmd       *exec.Cmd
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// target is the conformance target configuration, version 1.
type target struct {
	Version int               `json:"version"`
	Name    string            `json:"name"`
	Issuer  string            `json:"issuer"`
	Clients map[string]Client `json:"clients"`
	Users   []User            `json:"users"`
	Login   struct {
		Agent string `json:"agent"`
		Form  struct {
			UsernameField string `json:"username_field"`
			PasswordField string `json:"password_field"`
		} `json:"form"`
	} `json:"login"`
}

// setup is what provider.mjs reads at start.
type setup struct {
	Issuer      string                    `json:"issuer"`
	Port        int                       `json:"port"`
	RedirectURI string                    `json:"redirect_uri"`
	Clients     map[string]map[string]any `json:"clients"`
	Users       []User                    `json:"users"`
}

// Start installs the packages when needed (see [Prepare]), starts node
// with provider.mjs on a free port of 127.0.0.1 and returns once the
// discovery document (OpenID Connect Discovery 1.0, section 4) answers
// with the expected issuer. Fresh client secrets, a fresh private_key_jwt
// key and a fresh user password are made for each start. A failure is a
// *StartError wrapping ErrUnavailable (no node or npm), ErrInstall,
// ErrExited or ErrStartTimeout. Close stops the server.
func Start(ctx context.Context, opts Options) (*Server, error) {
	node, err := findNode(ctx, opts.node())
	if err != nil {
		return nil, err
	}
	pkgDir, err := Prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 {
		s, err := launch(ctx, opts, node, pkgDir)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, lastErr
}

// errPortTaken is the exit status 3 of provider.mjs: the port picked was
// taken in the meantime; Start retries with another.
var errPortTaken = errors.New("oidcprovider: port taken")

func launch(ctx context.Context, opts Options, node, pkgDir string) (*Server, error) {
	fail := func(step string, err error) (*Server, error) {
		return nil, &StartError{Step: step, Err: err}
	}
	dir, err := os.MkdirTemp("", "oauthkit-oidcprovider-")
	if err != nil {
		return fail("configure", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	ports, err := freePorts(2)
	if err != nil {
		return fail("configure", err)
	}
	s := &Server{
		Issuer:      "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		RedirectURI: "http://127.0.0.1:" + strconv.Itoa(ports[1]) + "/cb",
		LogFile:     filepath.Join(dir, "provider.log"),
		ConfigPath:  filepath.Join(dir, "target.json"),
		dir:         dir,
		done:        make(chan struct{}),
	}
	setupPath, err := s.configure(dir, ports[0])
	if err != nil {
		return fail("configure", err)
	}
	logFile, err := os.Create(s.LogFile)
	if err != nil {
		return fail("start", err)
	}
	cmd := exec.Command(node, filepath.Join(pkgDir, scriptName()), setupPath)
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "NODE_ENV=test")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fail("start", err)
	}
	s.cmd = cmd
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	if err := s.waitReady(ctx, opts.startTimeout()); err != nil {
		_ = s.stop()
		if s.cmd.ProcessState != nil && s.cmd.ProcessState.ExitCode() == 3 {
			err = errPortTaken
		}
		return nil, &StartError{Step: "start", Err: err, LogTail: logTail(s.LogFile)}
	}
	ok = true
	return s, nil
}

// configure makes the secrets and keys, and writes the setup read by
// provider.mjs and the target configuration.
func (s *Server) configure(dir string, port int) (setupPath string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	keyFile := filepath.Join(dir, "private_key_jwt.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", err
	}
	pub, err := key.PublicKey.ECDH()
	if err != nil {
		return "", err
	}
	point := pub.Bytes() // 0x04 || X || Y (SEC 1, section 2.3.3)
	b64 := base64.RawURLEncoding.EncodeToString
	thumb := sha256.Sum256(point)
	jwk := map[string]any{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
		"kid": hex.EncodeToString(thumb[:8]),
		"x":   b64(point[1:33]), "y": b64(point[33:]),
	}

	full := []string{"openid", "profile", "email", "address", "phone", "offline_access"}
	s.Clients = map[string]Client{
		RoleClientSecretBasic: {ClientID: "oauthkit-basic", ClientSecret: randomSecret(), RedirectURI: s.RedirectURI, Scopes: full},
		RoleClientSecretPost:  {ClientID: "oauthkit-post", ClientSecret: randomSecret(), RedirectURI: s.RedirectURI, Scopes: full},
		RoleClientSecretJWT:   {ClientID: "oauthkit-secret-jwt", ClientSecret: randomSecret(), RedirectURI: s.RedirectURI, Scopes: full, Alg: "HS256"},
		RolePrivateKeyJWT:     {ClientID: "oauthkit-private-key-jwt", KeyFile: keyFile, Alg: "ES256", RedirectURI: s.RedirectURI, Scopes: full},
		RolePublic:            {ClientID: "oauthkit-public", RedirectURI: s.RedirectURI, Scopes: full},
		RoleDevice:            {ClientID: "oauthkit-device", Scopes: []string{"openid", "profile", "email", "offline_access"}},
		RoleDPoP:              {ClientID: "oauthkit-dpop", ClientSecret: randomSecret(), RedirectURI: s.RedirectURI, Scopes: full},
	}
	s.Users = []User{{Username: "alice", Password: randomSecret()[:20]}}

	st := setup{Issuer: s.Issuer, Port: port, RedirectURI: s.RedirectURI, Users: s.Users, Clients: map[string]map[string]any{}}
	for role, c := range s.Clients {
		st.Clients[role] = map[string]any{"client_id": c.ClientID, "client_secret": c.ClientSecret}
	}
	st.Clients[RolePrivateKeyJWT]["public_jwk"] = jwk
	setupPath = filepath.Join(dir, "setup.json")
	if err := writeJSON(setupPath, st); err != nil {
		return "", err
	}

	t := target{Version: 1, Name: "oidc-provider " + Version, Issuer: s.Issuer, Clients: s.Clients, Users: s.Users}
	t.Login.Agent = "form"
	t.Login.Form.UsernameField = "login"
	t.Login.Form.PasswordField = "password"
	if err := writeJSON(s.ConfigPath, t); err != nil {
		return "", err
	}
	return setupPath, nil
}

// waitReady polls the discovery document until it names the issuer.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Issuer+"/.well-known/openid-configuration", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			var doc struct {
				Issuer string `json:"issuer"`
			}
			err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK && doc.Issuer == s.Issuer {
				return nil
			}
		}
		select {
		case <-s.done:
			return ErrExited
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w: no discovery document within %s", ErrStartTimeout, timeout)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close stops node (SIGTERM to its process group, SIGKILL after 5
// seconds) and removes its directory. It may be called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.stop()
		if err := os.RemoveAll(s.dir); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

func (s *Server) stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = terminate(s.cmd.Process)
	select {
	case <-s.done:
		return nil
	case <-time.After(5 * time.Second):
	}
	_ = kill(s.cmd.Process)
	<-s.done
	return errors.New("oidcprovider: node did not stop within 5s and was killed")
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o600)
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// logTail returns the last 30 lines of node's output.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(data) > 64<<10 {
		data = data[len(data)-64<<10:]
	}
	return tail(data, 30)
}
