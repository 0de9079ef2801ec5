package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	regIAT    = "SENTINEL-IAT"
	regRAT    = "SENTINEL-RAT"
	regSecret = "SENTINEL-REG-CS"
)

// registrationServer serves a registration endpoint at /register whose
// client information response is respond's result, and records what it got.
type registrationServer struct {
	*httptest.Server
	gotAuth  atomic.Value
	gotBody  atomic.Value
	requests atomic.Int32
}

func newRegistrationServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, asked map[string]any)) *registrationServer {
	rs := &registrationServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.requests.Add(1)
		rs.gotAuth.Store(r.Header.Get("Authorization"))
		b, _ := io.ReadAll(r.Body)
		rs.gotBody.Store(string(b))
		var asked map[string]any
		_ = json.Unmarshal(b, &asked)
		respond(w, r, asked)
	}))
	t.Cleanup(rs.Close)
	return rs
}

// echoClient answers with the asked metadata plus credentials.
func echoClient(base string, extra map[string]any) func(w http.ResponseWriter, r *http.Request, asked map[string]any) {
	return func(w http.ResponseWriter, r *http.Request, asked map[string]any) {
		out := map[string]any{}
		for k, v := range asked {
			out[k] = v
		}
		out["client_id"] = "c1"
		out["client_secret"] = regSecret
		out["client_secret_expires_at"] = 0
		out["client_id_issued_at"] = 1700000000
		out["registration_access_token"] = regRAT
		out["registration_client_uri"] = base + "/register/c1"
		for k, v := range extra {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusCreated
		if r.Method != http.MethodPost {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(out)
	}
}

func regRequest(url string) RegistrationRequest {
	return RegistrationRequest{
		Endpoint:           url + "/register",
		InitialAccessToken: regIAT,
		Metadata: ClientMetadata{
			RedirectURIs:            []string{"https://app.example/cb"},
			GrantTypes:              []string{"authorization_code"},
			TokenEndpointAuthMethod: MethodClientSecretBasic,
			ClientName:              "app",
		},
	}
}

func TestRegisterClient_Echo(t *testing.T) {
	var base string
	rs := newRegistrationServer(t, func(w http.ResponseWriter, r *http.Request, asked map[string]any) {
		echoClient(base, map[string]any{"grant_types": []string{"authorization_code", "refresh_token"}})(w, r, asked)
	})
	base = rs.URL
	var seen []*HTTPExchange
	c := &Config{Observer: func(ex *HTTPExchange) { seen = append(seen, ex) }}
	rc, err := c.RegisterClient(context.Background(), regRequest(rs.URL))
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.gotAuth.Load(); got != "Bearer "+regIAT {
		t.Errorf("Authorization %q", got)
	}
	if !strings.Contains(rs.gotBody.Load().(string), `"redirect_uris":["https://app.example/cb"]`) {
		t.Errorf("body %s", rs.gotBody.Load())
	}
	if rc.ClientID != "c1" || rc.ClientSecret != regSecret || rc.RegistrationAccessToken != regRAT ||
		!rc.ClientSecretExpiresAt.IsZero() || rc.ClientIDIssuedAt.Unix() != 1700000000 || rc.Metadata.ClientName != "app" {
		t.Errorf("client %+v", rc)
	}
	if len(seen) != 1 {
		t.Fatalf("%d exchanges observed", len(seen))
	}
	if s := string(seen[0].ResponseBody) + seen[0].RequestHeader.Get("Authorization"); strings.Contains(s, "SENTINEL") {
		t.Errorf("observer saw a secret: %s", s)
	}
	var cfg Config
	if err := rc.Apply(&cfg); err != nil || cfg.ClientID != "c1" || cfg.ClientSecret != regSecret {
		t.Errorf("Apply: %v %+v", err, cfg)
	}
}

func TestRegisterClient_RG04_ErrorResponse(t *testing.T) {
	for _, code := range []string{ErrorInvalidRedirectURI, ErrorInvalidClientMetadata} {
		rs := newRegistrationServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"`+code+`","error_description":"no"}`)
		})
		_, err := (&Config{}).RegisterClient(context.Background(), regRequest(rs.URL))
		var oe *Error
		if !errors.As(err, &oe) || oe.Code != code || oe.StatusCode != 400 || !errors.Is(err, &Error{Code: code}) {
			t.Errorf("%s: got %v", code, err)
		}
	}
}

func TestRegisterClient_RG01_Widened(t *testing.T) {
	for name, extra := range map[string]map[string]any{
		"redirect_uris":  {"redirect_uris": []string{"https://app.example/cb", "https://evil.example/cb"}},
		"grant_types":    {"grant_types": []string{"authorization_code", "password"}},
		"auth_method":    {"token_endpoint_auth_method": "none"},
		"post_logout":    {"post_logout_redirect_uris": []string{"https://evil.example/"}},
		"response_types": {"response_types": []string{"code"}}, // allowed: none asked
	} {
		t.Run(name, func(t *testing.T) {
			var base string
			rs := newRegistrationServer(t, func(w http.ResponseWriter, r *http.Request, asked map[string]any) {
				echoClient(base, extra)(w, r, asked)
			})
			base = rs.URL
			_, err := (&Config{}).RegisterClient(context.Background(), regRequest(rs.URL))
			if name == "response_types" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrRegistrationWidened) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestRegisterClient_RG02_ManagementURIOtherOrigin(t *testing.T) {
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) }))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	rs := newRegistrationServer(t, echoClient("", map[string]any{"registration_client_uri": evilURL + "/c1"}))
	_, err := (&Config{}).RegisterClient(context.Background(), regRequest(rs.URL))
	if !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("got %v", err)
	}
	rc := &RegisteredClient{ClientID: "c1", RegistrationAccessToken: regRAT, RegistrationClientURI: rs.URL + "/register/c1"}
	rs2 := newRegistrationServer(t, echoClient("", map[string]any{"registration_client_uri": evilURL + "/c1"}))
	rc.RegistrationClientURI = rs2.URL + "/register/c1"
	if _, err := (&Config{}).ReadClient(context.Background(), rc); !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("read: got %v", err)
	}
	if evilHits.Load() != 0 {
		t.Error("the other origin was contacted")
	}
}

func TestRegisterClient_RG03_SecretExpiry(t *testing.T) {
	rs := newRegistrationServer(t, echoClient("", map[string]any{"client_secret_expires_at": nil, "registration_client_uri": nil}))
	if _, err := (&Config{}).RegisterClient(context.Background(), regRequest(rs.URL)); !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("missing client_secret_expires_at: got %v", err)
	}
	exp := time.Unix(1800000000, 0)
	rs = newRegistrationServer(t, echoClient("", map[string]any{"client_secret_expires_at": exp.Unix(), "registration_client_uri": nil}))
	rc, err := (&Config{}).RegisterClient(context.Background(), regRequest(rs.URL))
	if err != nil {
		t.Fatal(err)
	}
	if !rc.ClientSecretExpiresAt.Equal(exp) {
		t.Errorf("expires at %v", rc.ClientSecretExpiresAt)
	}
	before := &Config{Clock: func() time.Time { return exp.Add(-time.Second) }}
	if err := rc.Apply(before); err != nil {
		t.Errorf("before expiry: %v", err)
	}
	after := &Config{Clock: func() time.Time { return exp }}
	err = rc.Apply(after)
	if !errors.Is(err, ErrClientSecretExpired) || after.ClientSecret != "" {
		t.Fatalf("at expiry: %v, secret %q", err, after.ClientSecret)
	}
	if strings.Contains(err.Error(), "SENTINEL") {
		t.Error("secret in error")
	}
}

func TestRegisterClient_RG05_RedirectNotFollowed(t *testing.T) {
	var targetHits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetHits.Add(1) }))
	defer target.Close()
	rs := newRegistrationServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		http.Redirect(w, r, target.URL+"/steal", http.StatusTemporaryRedirect)
	})
	_, err := (&Config{}).RegisterClient(context.Background(), regRequest(rs.URL))
	if !errors.Is(err, ErrRedirect) || targetHits.Load() != 0 {
		t.Fatalf("got %v, %d requests to the target", err, targetHits.Load())
	}
}

func TestManageClient_ReadUpdateDelete(t *testing.T) {
	var base string
	var methods []string
	rotated := "SENTINEL-RAT-2"
	rs := newRegistrationServer(t, func(w http.ResponseWriter, r *http.Request, asked map[string]any) {
		methods = append(methods, r.Method)
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method == http.MethodPut {
			if asked["client_id"] != "c1" || asked["client_secret"] != regSecret {
				t.Errorf("update body lacks client_id/client_secret: %v", asked)
			}
		}
		echoClient(base, map[string]any{"registration_access_token": rotated, "client_secret": nil, "client_secret_expires_at": nil,
			"redirect_uris": []string{"https://app.example/cb"}})(w, r, asked)
	})
	base = rs.URL
	c := &Config{}
	rc := &RegisteredClient{ClientID: "c1", ClientSecret: regSecret, RegistrationAccessToken: regRAT, RegistrationClientURI: rs.URL + "/register/c1"}
	got, err := c.ReadClient(context.Background(), rc)
	if err != nil {
		t.Fatal(err)
	}
	if rs.gotAuth.Load() != "Bearer "+regRAT || got.RegistrationAccessToken != rotated || got.ClientSecret != regSecret {
		t.Errorf("read: auth %v, client %+v", rs.gotAuth.Load(), got)
	}
	md := got.Metadata
	md.ClientName = "renamed"
	got, err = c.UpdateClient(context.Background(), got, md)
	if err != nil {
		t.Fatal(err)
	}
	if rs.gotAuth.Load() != "Bearer "+rotated || got.Metadata.ClientName != "renamed" {
		t.Errorf("update: auth %v, client %+v", rs.gotAuth.Load(), got.Metadata)
	}
	if err := c.DeleteClient(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(methods, ",") != "GET,PUT,DELETE" {
		t.Errorf("methods %v", methods)
	}
}

func TestManageClient_RG06_OtherClientID(t *testing.T) {
	rs := newRegistrationServer(t, echoClient("", map[string]any{"client_id": "someone-else", "registration_client_uri": nil}))
	rc := &RegisteredClient{ClientID: "c1", RegistrationAccessToken: regRAT, RegistrationClientURI: rs.URL + "/register/c1"}
	if _, err := (&Config{}).ReadClient(context.Background(), rc); !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("got %v", err)
	}
	if _, err := (&Config{}).ReadClient(context.Background(), &RegisteredClient{ClientID: "c1"}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("no management: got %v", err)
	}
}

func TestManageClient_InvalidToken(t *testing.T) {
	rs := newRegistrationServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_token","error_description":"Failed decode token"}`)
	})
	rc := &RegisteredClient{ClientID: "c1", RegistrationAccessToken: regRAT, RegistrationClientURI: rs.URL + "/register/c1"}
	_, err := (&Config{}).ReadClient(context.Background(), rc)
	if !errors.Is(err, &Error{Code: ErrorInvalidToken}) {
		t.Fatalf("got %v", err)
	}
}

func TestRegisterClient_BadInput(t *testing.T) {
	c := &Config{}
	if _, err := c.RegisterClient(context.Background(), RegistrationRequest{Endpoint: "https://x/", Metadata: ClientMetadata{JWKSURI: "https://x/jwks", JWKS: json.RawMessage(`{"keys":[]}`)}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("jwks and jwks_uri: %v", err)
	}
	if _, err := c.RegisterClient(context.Background(), RegistrationRequest{}); !errors.Is(err, ErrMissingEndpoint) {
		t.Errorf("no endpoint: %v", err)
	}
	if _, err := c.RegisterClient(context.Background(), RegistrationRequest{Endpoint: "file:///register"}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("not an http(s) endpoint: %v", err)
	}
	if _, err := c.RegisterClient(context.Background(), RegistrationRequest{Endpoint: "https://user:pw@x/register"}); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("endpoint with user information: %v", err)
	}
	for _, body := range []string{`[]`, `{"client_id":""}`, `{"client_id":"a","client_id":"b"}`, `{"client_id":"a","redirect_uris":"x"}`, `{"client_id":"a","client_secret_expires_at":"soon"}`} {
		if _, err := parseRegisteredClient([]byte(body)); !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestClientMetadata_Extra(t *testing.T) {
	md := ClientMetadata{ClientName: "a", Extra: map[string]json.RawMessage{"x_custom": json.RawMessage(`1`), "client_name": json.RawMessage(`"b"`)}}
	b, err := md.marshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"client_name":"a","x_custom":1}` {
		t.Errorf("got %s", b)
	}
}

func FuzzParseRegisteredClient(f *testing.F) {
	f.Add([]byte(`{"client_id":"a","client_secret":"s","client_secret_expires_at":0,"redirect_uris":["https://a/"]}`))
	f.Add([]byte(`{"client_id":"a","jwks":{"keys":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rc, err := parseRegisteredClient(b)
		if err == nil && rc.ClientID == "" {
			t.Fatal("client without client_id")
		}
	})
}
