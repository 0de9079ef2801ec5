package keycloaktest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// TestHTTPSListener checks the HTTPS listener of a started Keycloak: its
// certificate verifies with the test CA, a client certificate issued by
// that CA is accepted in the handshake, and the discovery document fetched
// over it names the HTTPS URL and the RFC 8705 aliases.
func TestHTTPSListener(t *testing.T) {
	srv := kc.Server(t)
	if srv.HTTPSURL == "" {
		t.Skip("this server has no HTTPS listener (KEYCLOAK_URL without KEYCLOAK_HTTPS_URL)")
	}
	cert, err := srv.ClientCertificate("listener-test")
	if err != nil {
		t.Fatal(err)
	}
	hc, err := srv.HTTPSClient(&cert)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.HTTPSURL+"/realms/master/.well-known/openid-configuration", nil)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Issuer  string            `json:"issuer"`
		Bound   bool              `json:"tls_client_certificate_bound_access_tokens"`
		Aliases map[string]string `json:"mtls_endpoint_aliases"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != srv.HTTPSURL+"/realms/master" || !doc.Bound || doc.Aliases["token_endpoint"] != srv.HTTPSURL+"/realms/master/protocol/openid-connect/token" {
		t.Errorf("discovery over HTTPS: %+v", doc)
	}
	if res.TLS == nil || len(res.TLS.PeerCertificates) == 0 {
		t.Fatal("no TLS")
	}
	sum := sha256.Sum256(cert.Leaf.Raw)
	t.Logf("client certificate x5t#S256 %s accepted", base64.RawURLEncoding.EncodeToString(sum[:]))
}
