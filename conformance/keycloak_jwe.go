package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Encrypted ID tokens and userinfo on Keycloak: a client registered
// (dynamically, with its encryption key in "jwks") to receive ID tokens and
// userinfo signed, then encrypted.
func jweScenarios() []Scenario {
	needs := []Need{NeedAdmin, NeedLogin}
	return []Scenario{
		{
			ID:    "kc-jwe-rsa-oaep-a128gcm",
			Title: "encrypted ID token and userinfo, RSA-OAEP with A128GCM, decrypted and verified with every check",
			Spec:  "OpenID Connect Core 1.0 §10.2, §3.1.3.7 step 1, §5.3.2; RFC 7516 §5.2",
			Needs: needs,
			Run:   runEncryptedTokens(jose.RSAOAEP, jose.A128GCM),
		},
		{
			ID:    "kc-jwe-rsa-oaep-256-a128cbc-hs256",
			Title: "encrypted ID token and userinfo, RSA-OAEP-256 with A128CBC-HS256",
			Spec:  "OpenID Connect Core 1.0 §10.2; RFC 7518 §4.3, §5.2.3",
			Needs: needs,
			Run:   runEncryptedTokens(jose.RSAOAEP256, jose.A128CBCHS256),
		},
		{
			ID:    "kc-jwe-ecdh-es-a256gcm",
			Title: "encrypted ID token and userinfo, ECDH-ES with A256GCM",
			Spec:  "OpenID Connect Core 1.0 §10.2; RFC 7518 §4.6, §5.3",
			Needs: needs,
			Run:   runEncryptedTokens(jose.ECDHES, jose.A256GCM),
		},
	}
}

// encryptionKey makes the client's key pair for alg, and its public JWKS.
func encryptionKey(alg jose.Algorithm) (jose.JWK, json.RawMessage, error) {
	var key jose.JWK
	if alg == jose.ECDHES || alg == jose.ECDHESA128KW || alg == jose.ECDHESA256KW {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return key, nil, err
		}
		key = jose.JWK{KeyID: uniqueName("enc"), Use: "enc", Algorithm: alg, Key: k}
	} else {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return key, nil, err
		}
		key = jose.JWK{KeyID: uniqueName("enc"), Use: "enc", Algorithm: alg, Key: k}
	}
	pub, err := key.Public()
	if err != nil {
		return key, nil, err
	}
	jwks, err := json.Marshal(jose.JWKSet{Keys: []jose.JWK{pub}})
	return key, jwks, err
}

func runEncryptedTokens(alg jose.Algorithm, enc jose.ContentEncryption) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
		if err != nil {
			return err
		}
		user, err := e.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
		if err != nil {
			return fmt.Errorf("creating the user: %w", err)
		}
		e.AddSecret(user.Password)
		key, jwks, err := encryptionKey(alg)
		if err != nil {
			return err
		}
		iat, err := newInitialAccessToken(ctx, e, realm, 1)
		if err != nil {
			return err
		}
		reg := &oauth2.Config{HTTPClient: e.HTTPClient(), Observer: e.Record}
		rc, err := reg.RegisterClient(ctx, oauth2.RegistrationRequest{
			Endpoint:           registrationEndpoint(realm),
			InitialAccessToken: iat,
			Metadata: oauth2.ClientMetadata{
				RedirectURIs:                 []string{redirectURI},
				JWKS:                         jwks,
				IDTokenSignedResponseAlg:     "RS256",
				IDTokenEncryptedResponseAlg:  string(alg),
				IDTokenEncryptedResponseEnc:  string(enc),
				UserinfoSignedResponseAlg:    "RS256",
				UserinfoEncryptedResponseAlg: string(alg),
				UserinfoEncryptedResponseEnc: string(enc),
			},
		})
		if err != nil {
			return fmt.Errorf("registering the client with its encryption key: %w", err)
		}
		e.AddSecret(rc.ClientSecret, rc.RegistrationAccessToken)
		if got := rc.Metadata.IDTokenEncryptedResponseAlg; got != string(alg) {
			return fmt.Errorf("registered id_token_encrypted_response_alg %q, asked %q", got, alg)
		}

		p, err := oidc.NewProvider(ctx, realm.Issuer, oidc.ProviderConfig{HTTPClient: e.RecordingClient()})
		if err != nil {
			return fmt.Errorf("discovering %s: %w", realm.Issuer, err)
		}
		decrypter := &oidc.Decrypter{Keys: []jose.JWK{key}, KeyAlgorithms: []jose.Algorithm{alg}, ContentEncryption: []jose.ContentEncryption{enc}}
		cfg := oauth2.Config{RedirectURL: redirectURI, Scopes: []string{"profile", "email"}, HTTPClient: e.HTTPClient(), Observer: e.Record}
		if err := rc.Apply(&cfg); err != nil {
			return err
		}
		rp, err := oidc.NewRelyingParty(p, cfg, oidc.IDTokenVerifier{Decrypter: decrypter})
		if err != nil {
			return err
		}
		l, err := rp.StartLogin(oidc.LoginOptions{})
		if err != nil {
			return err
		}
		e.AddSecret(l.Flow.CodeVerifier)
		params, err := headlessLogin(ctx, e, e.NewUserAgent(), l.URL(), user)
		if err != nil {
			return err
		}
		res, err := l.Finish(ctx, rp, params)
		if err != nil {
			return fmt.Errorf("completing the login with an encrypted ID token: %w", err)
		}
		e.AddSecret(res.Token.AccessToken, res.Token.RefreshToken, res.Token.IDToken)
		if !jose.IsEncrypted(res.Token.IDToken) {
			return errors.New("Keycloak sent the ID token in the clear although encryption was registered")
		}
		if res.IDToken.Subject != user.ID {
			return fmt.Errorf("the decrypted ID token's sub is %q, expected %q", res.IDToken.Subject, user.ID)
		}
		// Every check applies after decryption: the same token with another
		// nonce is refused.
		v, err := p.Verifier(oidc.IDTokenVerifier{ClientID: rc.ClientID, Decrypter: decrypter})
		if err != nil {
			return err
		}
		if _, err := v.Verify(ctx, res.Token.IDToken, oidc.VerifyOptions{Nonce: "another-nonce"}); !errors.Is(err, oidc.ErrNonce) {
			return fmt.Errorf("the decrypted ID token with another nonce: expected oidc.ErrNonce, got %v", err)
		}
		// Without the client's key it cannot be read.
		other, _, err := encryptionKey(alg)
		if err != nil {
			return err
		}
		v.Decrypter = &oidc.Decrypter{Keys: []jose.JWK{other}}
		if _, err := v.Verify(ctx, res.Token.IDToken, oidc.VerifyOptions{}); !errors.Is(err, jose.ErrDecryption) && !errors.Is(err, jose.ErrKeyMismatch) {
			return fmt.Errorf("decrypting with another key: expected jose.ErrDecryption or jose.ErrKeyMismatch, got %v", err)
		}

		// Userinfo, signed then encrypted (section 5.3.2).
		u, err := p.UserInfo(ctx, res.Token.AccessToken, oidc.UserInfoOptions{Subject: user.ID, ClientID: rc.ClientID, Decrypter: decrypter})
		if err != nil {
			return fmt.Errorf("encrypted userinfo: %w", err)
		}
		if !u.Signed || u.PreferredUsername != user.Username {
			return fmt.Errorf("userinfo signed=%v preferred_username %q, expected a signed response for %q", u.Signed, u.PreferredUsername, user.Username)
		}
		e.Notef("ID token and userinfo arrived as %s/%s JWEs, decrypted and verified", alg, enc)
		return nil
	}
}
