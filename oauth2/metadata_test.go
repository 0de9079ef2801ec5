package oauth2_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oauthkit/oauthkit/oauth2"
)

// metadataDoc is a metadata document for issuer, with overrides applied
// (a nil value deletes a member).
func metadataDoc(issuer string, overrides map[string]any) string {
	doc := map[string]any{
		"issuer":                                         issuer,
		"authorization_endpoint":                         issuer + "/authorize",
		"token_endpoint":                                 issuer + "/token",
		"jwks_uri":                                       issuer + "/jwks",
		"response_types_supported":                       []string{"code"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic", "private_key_jwt"},
		"revocation_endpoint":                            issuer + "/revoke",
		"introspection_endpoint":                         issuer + "/introspect",
		"device_authorization_endpoint":                  issuer + "/device",
		"pushed_authorization_request_endpoint":          issuer + "/par",
		"require_pushed_authorization_requests":          false,
		"authorization_response_iss_parameter_supported": true,
		"dpop_signing_alg_values_supported":              []string{"ES256"},
		"mtls_endpoint_aliases":                          map[string]string{"token_endpoint": issuer + "/mtls/token"},
		"x-vendor":                                       map[string]int{"n": 1},
	}
	for k, v := range overrides {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// metadataServer serves documents at the paths of docs (paths may hold
// "{base}", replaced by the server's URL) and 404 elsewhere.
func metadataServer(t *testing.T, docs func(base string) map[string]string) (string, *[]string) {
	t.Helper()
	var hits []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.URL.Path)
		if body, ok := docs(srv.URL)[r.URL.Path]; ok {
			replyJSON(w, 200, body)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &hits
}

func TestDiscoverMetadata_PathInsertion(t *testing.T) {
	base, hits := metadataServer(t, func(base string) map[string]string {
		return map[string]string{"/.well-known/oauth-authorization-server/tenant1": metadataDoc(base+"/tenant1", nil)}
	})
	issuer := base + "/tenant1"
	m, err := oauth2.DiscoverMetadata(context.Background(), nil, issuer, oauth2.MetadataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := oauth2.Endpoint{
		Issuer: issuer, AuthorizationURL: issuer + "/authorize", TokenURL: issuer + "/token",
		DeviceAuthorizationURL: issuer + "/device", PushedAuthorizationRequestURL: issuer + "/par",
		IntrospectionURL: issuer + "/introspect", RevocationURL: issuer + "/revoke",
	}
	if diff := cmp.Diff(want, m.Endpoint()); diff != "" {
		t.Errorf("Endpoint (-want +got):\n%s", diff)
	}
	if !m.AuthorizationResponseIssParameterSupported || m.JWKSURI != issuer+"/jwks" ||
		m.MTLSEndpointAliases["token_endpoint"] != issuer+"/mtls/token" || len(m.DPoPSigningAlgValuesSupported) != 1 ||
		string(m.Raw["x-vendor"]) != `{"n":1}` {
		t.Errorf("metadata = %+v", m)
	}
	if len(*hits) != 1 {
		t.Errorf("fetched %q", *hits)
	}
}

func TestDiscoverMetadata_Fallbacks(t *testing.T) {
	for _, path := range []string{"/realms/r/.well-known/oauth-authorization-server", "/realms/r/.well-known/openid-configuration"} {
		base, hits := metadataServer(t, func(base string) map[string]string {
			return map[string]string{path: metadataDoc(base+"/realms/r", nil)}
		})
		m, err := oauth2.DiscoverMetadata(context.Background(), nil, base+"/realms/r", oauth2.MetadataOptions{})
		if err != nil || m.Issuer != base+"/realms/r" {
			t.Fatalf("%s: %v", path, err)
		}
		if (*hits)[len(*hits)-1] != path {
			t.Errorf("hits %q", *hits)
		}
	}
	base, hits := metadataServer(t, func(string) map[string]string { return nil })
	_, err := oauth2.DiscoverMetadata(context.Background(), nil, base+"/realms/r/", oauth2.MetadataOptions{})
	var re *oauth2.ResponseError
	if !errors.Is(err, oauth2.ErrMetadataNotFound) || !errors.As(err, &re) || re.StatusCode != 404 {
		t.Errorf("err = %v", err)
	}
	want := []string{"/.well-known/oauth-authorization-server/realms/r", "/realms/r/.well-known/oauth-authorization-server",
		"/realms/r/.well-known/openid-configuration"}
	if strings.Join(*hits, " ") != strings.Join(want, " ") {
		t.Errorf("tried %q, want %q", *hits, want)
	}
}

func TestDiscoverMetadata_DM01_IssuerMismatch(t *testing.T) {
	for name, docIssuer := range map[string]func(string) string{
		"other host":     func(string) string { return "https://evil.example" },
		"trailing slash": func(iss string) string { return iss + "/" },
		"case":           func(iss string) string { return strings.ToUpper(iss) },
		"keycloak /auth": func(iss string) string { return strings.Replace(iss, "/realms/", "/auth/realms/", 1) },
		"other realm":    func(iss string) string { return strings.Replace(iss, "/realms/r", "/realms/master", 1) },
		"empty":          func(string) string { return "" },
	} {
		t.Run(name, func(t *testing.T) {
			base, _ := metadataServer(t, func(base string) map[string]string {
				return map[string]string{"/.well-known/oauth-authorization-server/realms/r": metadataDoc(docIssuer(base+"/realms/r"), nil)}
			})
			m, err := oauth2.DiscoverMetadata(context.Background(), nil, base+"/realms/r", oauth2.MetadataOptions{})
			if m != nil || !(errors.Is(err, oauth2.ErrIssuerMismatch) || (name == "empty" && errors.Is(err, oauth2.ErrInvalidMetadata))) {
				t.Errorf("metadata %v, err %v", m, err)
			}
		})
	}
}

func TestParseMetadata_DM02_Hostile(t *testing.T) {
	const iss = "https://as.example"
	cases := map[string]struct {
		doc  string
		want error
	}{
		"jwks_uri number":         {metadataDoc(iss, map[string]any{"jwks_uri": 123}), oauth2.ErrInvalidMetadata},
		"response_types string":   {metadataDoc(iss, map[string]any{"response_types_supported": "code"}), oauth2.ErrInvalidMetadata},
		"iss param flag string":   {metadataDoc(iss, map[string]any{"authorization_response_iss_parameter_supported": "true"}), oauth2.ErrInvalidMetadata},
		"issuer number":           {metadataDoc(iss, map[string]any{"issuer": 1}), oauth2.ErrInvalidMetadata},
		"no token_endpoint":       {metadataDoc(iss, map[string]any{"token_endpoint": nil}), oauth2.ErrInvalidMetadata},
		"file endpoint":           {metadataDoc(iss, map[string]any{"token_endpoint": "file:///etc/passwd"}), oauth2.ErrInsecureURL},
		"gopher endpoint":         {metadataDoc(iss, map[string]any{"userinfo_endpoint": "gopher://as.example:70/1"}), oauth2.ErrInsecureURL},
		"javascript endpoint":     {metadataDoc(iss, map[string]any{"authorization_endpoint": "javascript:alert(1)"}), oauth2.ErrInsecureURL},
		"http non-loopback":       {metadataDoc(iss, map[string]any{"jwks_uri": "http://as.example/jwks"}), oauth2.ErrInsecureURL},
		"unknown endpoint http":   {metadataDoc(iss, map[string]any{"backchannel_authentication_endpoint": "http://x.example/"}), oauth2.ErrInsecureURL},
		"unknown endpoint number": {metadataDoc(iss, map[string]any{"end_session_endpoint": 5}), oauth2.ErrInvalidMetadata},
		"mtls alias http":         {metadataDoc(iss, map[string]any{"mtls_endpoint_aliases": map[string]string{"token_endpoint": "http://x.example/t"}}), oauth2.ErrInsecureURL},
		"endpoint with userinfo":  {metadataDoc(iss, map[string]any{"token_endpoint": "https://user:pw@as.example/t"}), oauth2.ErrInsecureURL},
		"endpoint with fragment":  {metadataDoc(iss, map[string]any{"token_endpoint": "https://as.example/t#f"}), oauth2.ErrInsecureURL},
		"not an object":           {`["issuer"]`, oauth2.ErrInvalidMetadata},
		"null":                    {`null`, oauth2.ErrInvalidMetadata},
		"trailing data":           {metadataDoc(iss, nil) + `{}`, oauth2.ErrInvalidMetadata},
		"truncated":               {metadataDoc(iss, nil)[:40], oauth2.ErrInvalidMetadata},
		"duplicate issuer":        {`{"issuer":"https://as.example","token_endpoint":"https://as.example/t","issuer":"https://evil"}`, oauth2.ErrInvalidMetadata},
		"case-variant issuer":     {`{"issuer":"https://as.example","token_endpoint":"https://as.example/t","ISSUER":"https://evil"}`, oauth2.ErrInvalidMetadata},
		"deeply nested":           {`{"issuer":"https://as.example","x":` + strings.Repeat("[", 100000) + `}`, oauth2.ErrInvalidMetadata},
	}
	for name, tc := range cases {
		if _, err := oauth2.ParseMetadata([]byte(tc.doc), iss, oauth2.MetadataOptions{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	for _, issuer := range []string{"https://as.example?x=1", "https://as.example#f", "http://as.example", "ftp://as.example"} {
		doc := metadataDoc(issuer, map[string]any{"token_endpoint": "https://as.example/t"})
		if _, err := oauth2.ParseMetadata([]byte(doc), issuer, oauth2.MetadataOptions{}); !errors.Is(err, oauth2.ErrInsecureURL) {
			t.Errorf("issuer %q: err = %v, want ErrInsecureURL", issuer, err)
		}
	}
	// With AllowInsecureHTTP, http endpoints pass; other schemes still fail.
	doc := metadataDoc("http://as.example", nil)
	if _, err := oauth2.ParseMetadata([]byte(doc), "http://as.example", oauth2.MetadataOptions{AllowInsecureHTTP: true}); err != nil {
		t.Errorf("AllowInsecureHTTP: %v", err)
	}
	doc = metadataDoc("http://as.example", map[string]any{"jwks_uri": "file:///x"})
	if _, err := oauth2.ParseMetadata([]byte(doc), "http://as.example", oauth2.MetadataOptions{AllowInsecureHTTP: true}); !errors.Is(err, oauth2.ErrInsecureURL) {
		t.Errorf("file with AllowInsecureHTTP: %v", err)
	}
}

func TestFetchMetadata_DM02_TooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		pad := strings.Repeat(" ", 10<<20)
		w.Write([]byte(`{"issuer":"x",` + pad + `"token_endpoint":"y"}`))
	}))
	defer srv.Close()
	_, err := oauth2.FetchMetadata(context.Background(), srv.Client(), srv.URL+"/.well-known/openid-configuration", srv.URL, oauth2.MetadataOptions{})
	if !errors.Is(err, oauth2.ErrResponseTooLarge) {
		t.Errorf("err = %v, want ErrResponseTooLarge", err)
	}
}

func TestFetchMetadata_Redirects(t *testing.T) {
	vh := newVirtualHosts()
	evil := &countingHandler{}
	evilURL := vh.serve(t, "evil.test", evil)
	var asURL string
	asURL = vh.serve(t, "as.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/.well-known/openid-configuration", http.StatusFound)
		case "/away":
			http.Redirect(w, r, evilURL+"/.well-known/openid-configuration", http.StatusFound)
		case "/.well-known/openid-configuration":
			replyJSON(w, 200, metadataDoc(asURL, nil))
		}
	}))
	hc := vh.client(t)
	opts := oauth2.MetadataOptions{AllowInsecureHTTP: true}
	if _, err := oauth2.FetchMetadata(context.Background(), hc, asURL+"/moved", asURL, opts); err != nil {
		t.Errorf("same-origin redirect: %v", err)
	}
	if _, err := oauth2.FetchMetadata(context.Background(), hc, asURL+"/away", asURL, opts); !errors.Is(err, oauth2.ErrRedirect) {
		t.Errorf("cross-origin redirect: err = %v, want ErrRedirect", err)
	}
	if evil.n.Load() != 0 {
		t.Error("evil.test was contacted")
	}
	if _, err := oauth2.FetchMetadata(context.Background(), hc, asURL+"/x", asURL, oauth2.MetadataOptions{}); !errors.Is(err, oauth2.ErrInsecureURL) {
		t.Errorf("http to a non-loopback host without AllowInsecureHTTP: %v", err)
	}
}

func TestMetadata_Decode(t *testing.T) {
	const iss = "https://op.example"
	m, err := oauth2.ParseMetadata([]byte(metadataDoc(iss, map[string]any{
		"userinfo_endpoint":                     iss + "/userinfo",
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"backchannel_logout_supported":          true,
	})), iss, oauth2.MetadataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var oidc struct {
		oauth2.Metadata
		UserinfoEndpoint  string   `json:"userinfo_endpoint"`
		IDTokenAlgs       []string `json:"id_token_signing_alg_values_supported"`
		BackchannelLogout bool     `json:"backchannel_logout_supported"`
	}
	if err := m.Decode(&oidc); err != nil {
		t.Fatal(err)
	}
	if oidc.UserinfoEndpoint != iss+"/userinfo" || len(oidc.IDTokenAlgs) != 2 || !oidc.BackchannelLogout ||
		oidc.TokenEndpoint != iss+"/token" {
		t.Errorf("decoded %+v", oidc)
	}
	var wrong struct {
		Algs string `json:"id_token_signing_alg_values_supported"`
	}
	if err := m.Decode(&wrong); !errors.Is(err, oauth2.ErrInvalidMetadata) {
		t.Errorf("wrong type: %v", err)
	}
	if err := m.Decode(wrong); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("non-pointer: %v", err)
	}
}

func TestWellKnownURL(t *testing.T) {
	cases := map[string]string{
		"https://as.example":            "https://as.example/.well-known/oauth-authorization-server",
		"https://as.example/":           "https://as.example/.well-known/oauth-authorization-server",
		"https://as.example/issuer1":    "https://as.example/.well-known/oauth-authorization-server/issuer1",
		"https://as.example/a/b/":       "https://as.example/.well-known/oauth-authorization-server/a/b",
		"https://as.example:8443/t%2Fx": "https://as.example:8443/.well-known/oauth-authorization-server/t%2Fx",
	}
	for in, want := range cases {
		if got, err := oauth2.WellKnownURL(in, oauth2.WellKnownOAuthAuthorizationServer); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := oauth2.WellKnownURL("as.example", "x"); err == nil {
		t.Error("relative issuer accepted")
	}
}

func TestCheckEndpointURL(t *testing.T) {
	good := []string{"https://as.example/t", "http://127.0.0.1:8080/t", "http://127.9.9.9/", "http://[::1]:80/",
		"http://localhost/t", "http://LOCALHOST:1/", "https://as.example/t?x=1"}
	bad := []string{"", "/token", "http://as.example/t", "http://127.0.0.1.evil.example/", "http://localhost.evil.example/",
		"file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "https:opaque", "https://u:p@as.example/",
		"https://as.example/t#", "http://[::2]/", "ftp://as.example/"}
	for _, u := range good {
		if err := oauth2.CheckEndpointURL(u, false); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	for _, u := range bad {
		if err := oauth2.CheckEndpointURL(u, false); !errors.Is(err, oauth2.ErrInsecureURL) {
			t.Errorf("%q accepted", u)
		}
	}
}
