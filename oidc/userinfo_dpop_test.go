package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

func dpopProver(t *testing.T) *oauth2.DPoPKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := oauth2.NewDPoPProver(jose.JWK{Key: k}, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A DPoP-bound access token from Keycloak is sent to its userinfo endpoint
// with the DPoP scheme and a proof carrying ath (RFC 9449, section 7.1).
func TestUserInfoDPoPKeycloak(t *testing.T) {
	srv := kc.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	realm := srv.NewRealm(t, keycloaktest.RealmOptions{})
	client, err := srv.Admin().CreateClient(ctx, realm.Name, keycloaktest.ClientOptions{DirectAccessGrants: true, DPoPBound: true})
	if err != nil {
		t.Fatal(err)
	}
	user, err := srv.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{Observer: func(ex *oauth2.HTTPExchange) {
		sent = append(sent, ex.RequestHeader.Get("Authorization"))
	}})
	if err != nil {
		t.Fatal(err)
	}
	prover := dpopProver(t)
	cfg := &oauth2.Config{ClientID: client.ClientID, ClientSecret: client.Secret, Endpoint: p.Endpoint(), DPoP: prover, Scopes: []string{"openid"}}
	tok, err := cfg.Token(ctx, oauth2.PasswordGrant{Username: user.Username, Password: user.Password})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(tok.TokenType, oauth2.TokenTypeDPoP) {
		t.Fatalf("token type %q, want DPoP", tok.TokenType)
	}
	u, err := p.UserInfo(ctx, tok.AccessToken, oidc.UserInfoOptions{Subject: user.ID, TokenType: tok.TokenType, DPoP: prover})
	if err != nil {
		t.Fatal(err)
	}
	if u.Subject != user.ID {
		t.Errorf("sub %q, want %q", u.Subject, user.ID)
	}
	if last := sent[len(sent)-1]; last != "DPoP [redacted]" {
		t.Errorf("userinfo sent with %q", last)
	}
	// A DPoP-bound token is never sent as Bearer.
	if _, err := p.UserInfo(ctx, tok.AccessToken, oidc.UserInfoOptions{Subject: user.ID, TokenType: tok.TokenType}); !errors.Is(err, oauth2.ErrDPoP) {
		t.Errorf("without a prover: got %v", err)
	}
}

// DP-01 for userinfo: a server that answers every request with a new
// use_dpop_nonce challenge gets one retry with its nonce, then the typed
// error; the token never appears in it.
func TestUserInfo_DP01_NonceLoop(t *testing.T) {
	const token = "SENTINEL-DPOP-AT"
	var hits atomic.Int32
	var nonces []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		nonces = append(nonces, proofNonce(r.Header.Get("DPoP")))
		w.Header().Set("DPoP-Nonce", "nonce-"+string(rune('a'+n)))
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="echo `+token+`"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	_, err := oidc.FetchUserInfo(context.Background(), srv.URL, token, oidc.UserInfoOptions{Subject: "s", TokenType: "DPoP", DPoP: dpopProver(t)})
	var e *oauth2.Error
	if !errors.As(err, &e) || e.Code != oauth2.ErrorUseDPoPNonce {
		t.Fatalf("got %v", err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2", hits.Load())
	}
	if len(nonces) == 2 && nonces[1] != "nonce-b" {
		t.Errorf("retry sent nonce %q, want the server's nonce-b", nonces[1])
	}
	if strings.Contains(err.Error(), token) || strings.Contains(e.Header.Get("WWW-Authenticate"), token) || strings.Contains(e.Description, token) {
		t.Errorf("token in the error: %v %v", err, e.Header)
	}
}

// proofNonce returns the "nonce" claim of a DPoP proof, unverified.
func proofNonce(proof string) string {
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Nonce string `json:"nonce"`
	}
	_ = json.Unmarshal(payload, &claims)
	return claims.Nonce
}
