package keycloaktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoTLS: the server has no HTTPS listener (a server named by
// $KEYCLOAK_URL, or one started from a container), so it cannot serve
// mutual-TLS tests.
var ErrNoTLS = errors.New("keycloaktest: server has no HTTPS listener")

// Files of the TLS material under a distribution's state directory. Every
// process that uses the same Keycloak reads them: the CA to trust the
// server and to issue client certificates, the server's pair to start it.
const (
	tlsDir        = "tls"
	caCertFile    = "ca.pem"
	caKeyFile     = "ca-key.pem"
	serverCert    = "server.pem"
	serverKeyFile = "server-key.pem"
)

// Environment variables that give a server named by $KEYCLOAK_URL its
// HTTPS listener: its URL and the directory holding the test CA (ca.pem and
// ca-key.pem, as this package writes them under a distribution's state
// directory: "<state>/tls").
const (
	EnvHTTPSURL = "KEYCLOAK_HTTPS_URL"
	EnvTLSDir   = "KEYCLOAK_TLS_DIR"
)

// externalTLS sets s's HTTPS listener from $KEYCLOAK_HTTPS_URL and
// $KEYCLOAK_TLS_DIR when both are set.
func (s *Server) externalTLS() error {
	u, dir := os.Getenv(EnvHTTPSURL), os.Getenv(EnvTLSDir)
	if u == "" || dir == "" {
		return nil
	}
	m, err := loadTLS(dir)
	if err != nil {
		return fmt.Errorf("keycloaktest: %s: %w", EnvTLSDir, err)
	}
	s.HTTPSURL, s.tls = strings.TrimRight(u, "/"), m
	return nil
}

// TLSDir is the directory of the test CA's files, for [EnvTLSDir]; ""
// when the server has no HTTPS listener.
func (s *Server) TLSDir() string {
	if s.tls == nil {
		return ""
	}
	return s.tls.dir
}

// tlsMaterial is the test CA and the directory its files are in.
type tlsMaterial struct {
	dir    string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	roots  *x509.CertPool
}

// loadOrCreateTLS returns the TLS material under stateDir, creating it on
// first use: a CA, and a server certificate for 127.0.0.1 and localhost
// signed by it. The files are written to a temporary directory renamed
// into place, so concurrent processes see all of them or none.
func loadOrCreateTLS(stateDir string) (*tlsMaterial, error) {
	dir := filepath.Join(stateDir, tlsDir)
	if m, err := loadTLS(dir); err == nil {
		return m, nil
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(stateDir, "tls-new-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := createTLS(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil && !fileExists(filepath.Join(dir, serverKeyFile)) {
		return nil, err
	}
	return loadTLS(dir)
}

// createTLS writes a fresh CA and server pair into dir.
func createTLS(dir string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "oauthkit test CA", Organization: []string{"oauthkit"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1", Organization: []string{"oauthkit"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, caCertFile), "CERTIFICATE", caDER, 0o644); err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, caKeyFile), caKey); err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, serverCert), "CERTIFICATE", srvDER, 0o644); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, serverKeyFile), srvKey)
}

// loadTLS reads the CA written by createTLS.
func loadTLS(dir string) (*tlsMaterial, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, err
	}
	if !fileExists(filepath.Join(dir, serverKeyFile)) {
		return nil, fmt.Errorf("keycloaktest: %s is incomplete", dir)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("keycloaktest: reading the test CA: %w", err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("keycloaktest: the test CA key is not ECDSA")
	}
	roots := x509.NewCertPool()
	roots.AddCert(pair.Leaf)
	return &tlsMaterial{dir: dir, caCert: pair.Leaf, caKey: key, roots: roots}, nil
}

// keycloakArgs are the start options of an HTTPS listener on port that
// requests (does not require) client certificates and trusts the test CA
// for them. No --hostname is needed: with --hostname-strict=false Keycloak
// builds every URL it advertises (issuer, endpoints and the RFC 8705
// mtls_endpoint_aliases, which are the same URLs) from the request, so the
// discovery document fetched over HTTPS names the HTTPS listener. The
// management interface would inherit HTTPS (and the client-certificate
// request) from the main one; it stays plain http, where readiness is
// polled.
func (m *tlsMaterial) keycloakArgs(port int) []string {
	return []string{
		"--http-management-scheme=http",
		"--https-port=" + strconv.Itoa(port),
		"--https-certificate-file=" + filepath.Join(m.dir, serverCert),
		"--https-certificate-key-file=" + filepath.Join(m.dir, serverKeyFile),
		"--https-client-auth=request",
		"--truststore-paths=" + filepath.Join(m.dir, caCertFile),
	}
}

// issue makes a client certificate for subject, signed by the test CA
// unless selfSigned.
func (m *tlsMaterial) issue(subject string, selfSigned bool) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: subject, Organization: []string{"oauthkit"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	parent, signer := m.caCert, any(m.caKey)
	if selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// ClientCertificate returns a new client certificate whose subject is
// "CN=<commonName>,O=oauthkit", issued by the CA the server trusts, for
// tls_client_auth (RFC 8705, section 2.1) and certificate-bound tokens.
// Keycloak's X.509 client authenticator matches the subject DN against
// the client's configured one. It fails with [ErrNoTLS] when the server
// has no HTTPS listener.
func (s *Server) ClientCertificate(commonName string) (tls.Certificate, error) {
	if s.tls == nil {
		return tls.Certificate{}, ErrNoTLS
	}
	return s.tls.issue(commonName, false)
}

// SelfSignedCertificate returns a new self-signed client certificate
// (RFC 8705, section 2.2) with subject "CN=<commonName>,O=oauthkit".
func SelfSignedCertificate(commonName string) (tls.Certificate, error) {
	var m tlsMaterial
	return m.issue(commonName, true)
}

// RootCAs returns a pool holding the CA that signed the server's HTTPS
// certificate, or nil when the server has no HTTPS listener.
func (s *Server) RootCAs() *x509.CertPool {
	if s.tls == nil {
		return nil
	}
	return s.tls.roots
}

// CAFile is the PEM file of the test CA, for tools outside Go; "" when the
// server has no HTTPS listener.
func (s *Server) CAFile() string {
	if s.tls == nil {
		return ""
	}
	return filepath.Join(s.tls.dir, caCertFile)
}

// HTTPSClient returns a client for HTTPSURL that trusts the test CA and,
// when cert is not nil, presents it to every server that asks. It has a
// timeout of one minute and no cookie jar.
func (s *Server) HTTPSClient(cert *tls.Certificate) (*http.Client, error) {
	if s.tls == nil {
		return nil, ErrNoTLS
	}
	cfg := &tls.Config{RootCAs: s.tls.roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr, Timeout: time.Minute}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}
