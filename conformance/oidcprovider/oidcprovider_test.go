package oidcprovider_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/conformance/agent"
	"github.com/oauthkit/oauthkit/conformance/oidcprovider"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

var op oidcprovider.Shared

func TestMain(m *testing.M) { os.Exit(op.Run(m, oidcprovider.Options{})) }

func setup(t *testing.T) (*oidcprovider.Server, *oauth2.Metadata, context.Context) {
	t.Helper()
	srv := op.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	md, err := oauth2.DiscoverMetadata(ctx, nil, srv.Issuer, oauth2.MetadataOptions{})
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return srv, md, ctx
}

func TestDiscovery(t *testing.T) {
	srv, md, _ := setup(t)
	ep := md.Endpoint()
	if ep.Issuer != srv.Issuer || ep.TokenURL == "" || ep.AuthorizationURL == "" || ep.DeviceAuthorizationURL == "" ||
		ep.PushedAuthorizationRequestURL == "" || ep.IntrospectionURL == "" || ep.RevocationURL == "" {
		t.Fatalf("endpoints = %+v", ep)
	}
	var extra struct {
		ISS  bool     `json:"authorization_response_iss_parameter_supported"`
		DPoP []string `json:"dpop_signing_alg_values_supported"`
	}
	if err := md.Decode(&extra); err != nil || !extra.ISS || len(extra.DPoP) == 0 {
		t.Errorf("iss parameter %v, DPoP algorithms %v (%v)", extra.ISS, extra.DPoP, err)
	}
}

func TestClientCredentials_ClientSecretBasic(t *testing.T) {
	srv, md, ctx := setup(t)
	c := srv.Clients[oidcprovider.RoleClientSecretBasic]
	cfg := &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: md.Endpoint(), AuthMethod: oauth2.ClientSecretBasic{}}
	tok, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
		t.Errorf("token = %+v", tok)
	}

	cfg.ClientSecret = "wrong"
	_, err = cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.Code != "invalid_client" {
		t.Errorf("wrong secret: err = %v, want invalid_client", err)
	}
}

// The form agent logs in on oidc-provider's development pages (login,
// then consent) and the code is redeemed with the PKCE verifier.
func TestAuthorizationCode_PKCE_FormAgent(t *testing.T) {
	srv, md, ctx := setup(t)
	c := srv.Clients[oidcprovider.RolePublic]
	user := srv.Users[0]
	cfg := &oauth2.Config{ClientID: c.ClientID, Endpoint: md.Endpoint(), RedirectURL: c.RedirectURI}
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{
		Scopes: []string{"openid", "profile", "email"}, Nonce: oauth2.NewNonce(), RequireIssuer: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := agent.NewForm(nil, srv.Issuer, agent.FormFields{Username: "login"})
	loc, err := a.Authorize(ctx, flow.URL, c.RedirectURI, user.Username, user.Password)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	if loc.Query().Get("iss") != srv.Issuer {
		t.Errorf("callback %s: want iss (RFC 9207)", loc.Redacted())
	}
	tok, err := flow.Complete(ctx, cfg, loc.Query())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if tok.AccessToken == "" || tok.IDToken == "" || tok.RefreshToken == "" {
		t.Errorf("token: access %t, ID %t, refresh %t", tok.AccessToken != "", tok.IDToken != "", tok.RefreshToken != "")
	}

	// Single sign-on: the second request of the same agent goes through
	// without a login page.
	again, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{Scopes: []string{"openid", "profile", "email"}, RequireIssuer: true})
	if err != nil {
		t.Fatal(err)
	}
	loc, err = a.Authorize(ctx, again.URL, c.RedirectURI, "", "")
	if err != nil {
		t.Fatalf("second Authorize: %v", err)
	}
	if _, err := again.Complete(ctx, cfg, loc.Query()); err != nil {
		t.Fatalf("second Complete: %v", err)
	}
}

func TestAuthorize_UnknownUserRefused(t *testing.T) {
	srv, md, ctx := setup(t)
	c := srv.Clients[oidcprovider.RolePublic]
	cfg := &oauth2.Config{ClientID: c.ClientID, Endpoint: md.Endpoint(), RedirectURL: c.RedirectURI}
	flow, err := cfg.AuthorizationRequest(oauth2.AuthorizationOptions{Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = agent.NewForm(nil, srv.Issuer, agent.FormFields{Username: "login"}).Authorize(ctx, flow.URL, c.RedirectURI, "mallory", "x")
	if !errors.Is(err, agent.ErrLoginFailed) {
		t.Fatalf("err = %v, want ErrLoginFailed", err)
	}
}

// The device flow (RFC 8628): the form agent enters the user code,
// confirms, logs in and consents; polling then gets the token.
func TestDevice_FormAgent(t *testing.T) {
	srv, md, ctx := setup(t)
	c := srv.Clients[oidcprovider.RoleDevice]
	user := srv.Users[0]
	cfg := &oauth2.Config{ClientID: c.ClientID, Endpoint: md.Endpoint()}
	da, err := cfg.DeviceAuthorization(ctx, []string{"openid", "profile"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := agent.NewForm(nil, srv.Issuer, agent.FormFields{Username: "login"})
	if err := a.ApproveDevice(ctx, da.VerificationURI, da.UserCode, user.Username, user.Password); err != nil {
		t.Fatalf("ApproveDevice: %v", err)
	}
	tok, err := cfg.PollDeviceToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.IDToken == "" {
		t.Errorf("token: access %t, ID %t", tok.AccessToken != "", tok.IDToken != "")
	}
}

// The target configuration written for the conformance suite.
func TestTargetConfiguration(t *testing.T) {
	srv := op.Server(t)
	data, err := os.ReadFile(srv.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int                            `json:"version"`
		Issuer  string                         `json:"issuer"`
		Clients map[string]oidcprovider.Client `json:"clients"`
		Users   []oidcprovider.User            `json:"users"`
		Login   struct {
			Agent string            `json:"agent"`
			Form  map[string]string `json:"form"`
		} `json:"login"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 1 || cfg.Issuer != srv.Issuer || len(cfg.Users) != 1 || cfg.Login.Agent != "form" || cfg.Login.Form["username_field"] != "login" {
		t.Errorf("config = %s", data)
	}
	for _, role := range []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "public", "device", "dpop"} {
		if cfg.Clients[role].ClientID == "" {
			t.Errorf("no %s client", role)
		}
	}
	if _, err := os.Stat(cfg.Clients["private_key_jwt"].KeyFile); err != nil {
		t.Errorf("private_key_jwt key file: %v", err)
	}
}

func TestStart_NoNode(t *testing.T) {
	_, err := oidcprovider.Start(context.Background(), oidcprovider.Options{Node: "/nonexistent/node"})
	if !errors.Is(err, oidcprovider.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var se *oidcprovider.StartError
	if !errors.As(err, &se) || se.Step != "find node" {
		t.Errorf("err = %#v", err)
	}
}

// Every confidential role of the target configuration authenticates
// with its method (RFC 6749 section 2.3.1, RFC 7523, OpenID Connect Core
// section 9), and the DPoP client's token is DPoP-bound (RFC 9449).
func TestClientRoles_ClientCredentials(t *testing.T) {
	srv, md, ctx := setup(t)
	pemData, err := os.ReadFile(srv.Clients[oidcprovider.RolePrivateKeyJWT].KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("no PEM block in the key file")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	dpopKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	prover, err := oauth2.NewDPoPProver(jose.JWK{Key: dpopKey}, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	for role, method := range map[string]oauth2.ClientAuthenticator{
		oidcprovider.RoleClientSecretPost: oauth2.ClientSecretPost{},
		oidcprovider.RoleClientSecretJWT:  oauth2.ClientSecretJWT{},
		oidcprovider.RolePrivateKeyJWT:    oauth2.PrivateKeyJWT{Key: jose.JWK{Key: key}, Algorithm: jose.ES256},
		oidcprovider.RoleDPoP:             oauth2.ClientSecretBasic{},
	} {
		t.Run(role, func(t *testing.T) {
			c := srv.Clients[role]
			cfg := &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: md.Endpoint(), AuthMethod: method}
			want := "Bearer"
			if role == oidcprovider.RoleDPoP {
				cfg.DPoP, want = prover, "DPoP"
			}
			tok, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{})
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.TokenType != want {
				t.Errorf("token type %q, want %q", tok.TokenType, want)
			}
		})
	}
}
