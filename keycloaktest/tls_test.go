package keycloaktest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTLSMaterial(t *testing.T) {
	state := t.TempDir()
	m, err := loadOrCreateTLS(state)
	if err != nil {
		t.Fatal(err)
	}
	again, err := loadOrCreateTLS(state)
	if err != nil || !again.caCert.Equal(m.caCert) {
		t.Fatalf("a second process must reuse the CA: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(m.dir, caKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode: %v %v", fi, err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(m.dir, serverCert), filepath.Join(m.dir, serverKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: m.roots}); err != nil {
		t.Fatalf("server certificate for 127.0.0.1: %v", err)
	}
	cert, err := m.issue("fapi-client", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: m.roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("client certificate: %v", err)
	}
	if got := cert.Leaf.Subject.String(); got != "CN=fapi-client,O=oauthkit" {
		t.Errorf("subject %q", got)
	}
	self, err := SelfSignedCertificate("self")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := self.Leaf.Verify(x509.VerifyOptions{Roots: m.roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("a self-signed certificate verifies against the test CA")
	}
	args := m.keycloakArgs(8443)
	for _, want := range []string{"--https-port=8443", "--https-client-auth=request", "--http-management-scheme=http"} {
		if !slices.Contains(args, want) {
			t.Errorf("missing %s in %v", want, args)
		}
	}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--truststore-paths="+m.dir) }) {
		t.Errorf("no truststore in %v", args)
	}
}

func TestServerWithoutTLS(t *testing.T) {
	var s Server
	if _, err := s.ClientCertificate("x"); !errors.Is(err, ErrNoTLS) {
		t.Errorf("ClientCertificate: %v", err)
	}
	if _, err := s.HTTPSClient(nil); !errors.Is(err, ErrNoTLS) {
		t.Errorf("HTTPSClient: %v", err)
	}
	if s.RootCAs() != nil || s.CAFile() != "" || s.TLSDir() != "" {
		t.Error("TLS material on a server without TLS")
	}
}
