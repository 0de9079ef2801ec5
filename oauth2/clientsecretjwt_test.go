package oauth2_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

func TestClientSecretJWT(t *testing.T) {
	const secret = "kc-generated-secret-0123456789abcdef0123456789abcdef0123"
	for _, tc := range []struct{ configured, want jose.Algorithm }{
		{"", jose.HS256}, {jose.HS384, jose.HS384}, {jose.HS512, jose.HS512},
	} {
		t.Run(string(tc.want), func(t *testing.T) {
			rec := &assertionRecorder{}
			cfg := startTokenEndpoint(t, rec.handler)
			cfg.ClientSecret = secret
			cfg.Endpoint.Issuer = "https://as.example"
			now := time.Unix(1_750_000_000, 0)
			cfg.Clock = func() time.Time { return now }
			cfg.AuthMethod = oauth2.ClientSecretJWT{Algorithm: tc.configured}
			if _, err := cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{}); err != nil {
				t.Fatal(err)
			}
			form := rec.forms[0]
			if strings.Contains(form.Encode(), secret) || rec.basic {
				t.Fatal("the client secret itself was sent")
			}
			h, c := checkAssertion(t, form, jose.NewSymmetricKey([]byte(secret)), tc.want)
			if h.Algorithm != tc.want || h.Type != "" {
				t.Errorf("header = %+v", h)
			}
			if c.Issuer != "client" || c.Subject != "client" || !c.Audience.Contains("https://as.example") || len(c.Audience) != 1 {
				t.Errorf("claims = %+v", c)
			}
			if err := c.Validate(jose.Expected{Issuer: "client", Audience: "https://as.example", Clock: func() time.Time { return now },
				RequireExpiry: true, RequireIssuedAt: true}); err != nil {
				t.Error(err)
			}
			// A wrong secret does not verify it.
			if _, _, err := jose.Verify(context.Background(), form.Get("client_assertion"),
				jose.StaticKeySet{jose.NewSymmetricKey([]byte(secret + "x"))}, jose.VerifyOptions{Algorithms: []jose.Algorithm{tc.want}}); err == nil {
				t.Error("verified with another secret")
			}
		})
	}
}

func TestClientSecretJWT_Errors(t *testing.T) {
	rec := &assertionRecorder{}
	cfg := startTokenEndpoint(t, rec.handler)
	ctx := context.Background()
	cfg.AuthMethod = oauth2.ClientSecretJWT{Algorithm: jose.RS256}
	if _, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{}); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("RS256: %v", err)
	}
	cfg.AuthMethod = oauth2.ClientSecretJWT{}
	cfg.ClientSecret = ""
	if _, err := cfg.Token(ctx, oauth2.ClientCredentialsGrant{}); !errors.Is(err, oauth2.ErrInvalidConfig) {
		t.Errorf("no secret: %v", err)
	}
	if len(rec.forms) != 0 {
		t.Errorf("%d requests sent", len(rec.forms))
	}
}
