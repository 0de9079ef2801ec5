package conformance

import (
	"context"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Keycloak's built-in client profiles for FAPI 2.0 (listed by GET
// /admin/realms/{realm}/client-policies/profiles?include-global-profiles=true).
// Each is a list of executors run on client registration and on every
// authorization and token request of a client the policy applies to:
//
//   - fapi-2-security-profile: confidential-client, secure-client-authenticator
//     (client-jwt or client-x509 only), secure-client-uris (https redirect
//     URIs), secure-signature-algorithm (default PS256),
//     secure-signature-algorithm-signed-jwt, consent-required,
//     full-scope-disabled, reject-implicit-grant, holder-of-key-enforcer
//     (certificate-bound tokens, RFC 8705), pkce-enforcer (S256),
//     secure-client-authentication-assertion, secure-par-content;
//   - fapi-2-dpop-security-profile: the same with dpop-bind-enforcer in
//     place of holder-of-key-enforcer;
//   - fapi-2-message-signing and fapi-2-dpop-message-signing: the above
//     plus secure-request-object (verify-nbf, available-period 3600 s).
const (
	kcFAPI2Security           = "fapi-2-security-profile"
	kcFAPI2DPoPSecurity       = "fapi-2-dpop-security-profile"
	kcFAPI2DPoPMessageSigning = "fapi-2-dpop-message-signing"
)

// fapiRedirectURI is the redirect URI of the FAPI clients: https, as
// secure-client-uris demands (FAPI 2.0 Security Profile, section 5.3.2.2,
// item 8). The user agent stops at it without requesting it.
const fapiRedirectURI = "https://client.oauthkit.test/cb"

func keycloakFAPIScenarios() []Scenario {
	needs := []Need{NeedAdmin, NeedLogin}
	return []Scenario{
		{
			ID:    "fapi2-pkjwt-dpop",
			Title: "FAPI 2.0: private_key_jwt, PAR, PKCE, DPoP-bound token, userinfo with a proof; Bearer, no PKCE and client secrets refused",
			Spec:  "FAPI 2.0 Security Profile §5.3.3; RFC 9449 §7",
			Needs: needs,
			Run:   func(ctx context.Context, e *Env) error { return runFAPI2(ctx, e, fapiDPoP) },
		},
		{
			ID:    "fapi2-pkjwt-mtls",
			Title: "FAPI 2.0: private_key_jwt with a certificate-bound token, userinfo with and without the certificate",
			Spec:  "FAPI 2.0 Security Profile §5.3.3; RFC 8705 §3, §5",
			Needs: needs,
			Run:   func(ctx context.Context, e *Env) error { return runFAPI2(ctx, e, fapiPKJWTMTLS) },
		},
		{
			ID:    "fapi2-mtls-mtls",
			Title: "FAPI 2.0: tls_client_auth with a certificate-bound token, userinfo with and without the certificate",
			Spec:  "FAPI 2.0 Security Profile §5.3.3; RFC 8705 §2.1, §3, §5",
			Needs: needs,
			Run:   func(ctx context.Context, e *Env) error { return runFAPI2(ctx, e, fapiMTLSMTLS) },
		},
		{
			ID:    "fapi2-message-signing",
			Title: "FAPI 2.0 Message Signing: signed request object pushed through PAR, JARM response verified, DPoP-bound token",
			Spec:  "FAPI 2.0 Message Signing §5.3.2, §5.4.2; RFC 9101; JARM §2",
			Needs: needs,
			Run:   func(ctx context.Context, e *Env) error { return runFAPI2(ctx, e, fapiMessageSigning) },
		},
	}
}

// fapiVariant is one way of meeting the profile.
type fapiVariant int

const (
	fapiDPoP fapiVariant = iota
	fapiPKJWTMTLS
	fapiMTLSMTLS
	fapiMessageSigning
)

// fapiRig is a realm under a FAPI client policy with one client and user.
type fapiRig struct {
	srv      *keycloaktest.Server
	realm    string
	issuer   string
	md       *oauth2.Metadata
	cfg      *oauth2.Config
	profile  oauth2.FAPI2
	user     *keycloaktest.User
	cert     *tls.Certificate
	noCert   *http.Client // trusts the CA, presents no certificate
	userinfo string
}

func runFAPI2(ctx context.Context, e *Env, v fapiVariant) error {
	r, err := newFAPIRig(ctx, e, v)
	if err != nil {
		return err
	}
	// The authorization request, pushed (Security Profile, section
	// 5.3.3.2, items 1 to 3 and 5).
	flow, authURL, err := r.profile.AuthorizationRequest(ctx, r.cfg, oauth2.AuthorizationOptions{Scopes: []string{"openid"}})
	if err != nil {
		return fmt.Errorf("pushed authorization request: %w", err)
	}
	if q, _ := url.Parse(authURL); len(q.Query()) != 2 {
		return fmt.Errorf("the authorization URL carries more than client_id and request_uri: %s", authURL)
	}
	ua := keycloaktest.NewUserAgent(r.noCert)
	loc, err := ua.Login(ctx, authURL, fapiRedirectURI, r.user.Username, r.user.Password)
	if err != nil {
		return fmt.Errorf("headless login: %w", err)
	}
	params, err := oauth2.ParseCallbackQuery(loc.RawQuery)
	if err != nil {
		return fmt.Errorf("parsing the redirect: %w", err)
	}
	if v == fapiMessageSigning && !params.Has("response") {
		return fmt.Errorf("the response is not JWT-secured: %v", paramNames(params))
	}
	e.AddSecret(params.Get("code"), params.Get("response"))
	tok, err := r.profile.Complete(ctx, r.cfg, flow, params)
	if err != nil {
		return fmt.Errorf("completing the flow: %w", err)
	}
	e.AddSecret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	e.Notef("token type %s", tok.TokenType)

	// The resource call with the bound token (section 5.3.3.1, items 1
	// and 3), then without its proof or certificate: refused.
	if err := r.checkUserinfo(ctx, e, tok); err != nil {
		return err
	}
	// Refresh (section 5.3.3.1, item 6): the new token is bound the same
	// way, and works for the resource call.
	if tok.RefreshToken == "" {
		return errors.New("no refresh token issued")
	}
	refreshed, err := r.cfg.Token(ctx, oauth2.RefreshTokenGrant{RefreshToken: tok.RefreshToken})
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	e.AddSecret(refreshed.AccessToken, refreshed.RefreshToken, refreshed.IDToken)
	if err := r.profile.CheckToken(r.cfg, refreshed); err != nil {
		return fmt.Errorf("the refreshed token: %w", err)
	}
	if err := r.checkUserinfo(ctx, e, refreshed); err != nil {
		return fmt.Errorf("with the refreshed token: %w", err)
	}
	return r.negatives(ctx, e, v)
}

func paramNames(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func newFAPIRig(ctx context.Context, e *Env, v fapiVariant) (*fapiRig, error) {
	srv := e.Provider.Keycloak
	if srv == nil || srv.HTTPSURL == "" {
		return nil, Skip("the provider has no HTTPS listener with client-certificate requests")
	}
	realm, err := e.NewRealm(ctx, keycloaktest.RealmOptions{})
	if err != nil {
		return nil, err
	}
	profile := map[fapiVariant]string{fapiDPoP: kcFAPI2DPoPSecurity, fapiPKJWTMTLS: kcFAPI2Security, fapiMTLSMTLS: kcFAPI2Security, fapiMessageSigning: kcFAPI2DPoPMessageSigning}[v]
	policies := map[string]any{"policies": []any{map[string]any{
		"name": "fapi", "enabled": true,
		"conditions": []any{map[string]any{"condition": "any-client", "configuration": map[string]any{}}},
		"profiles":   []string{profile},
	}}}
	if _, err := e.Admin().Do(ctx, http.MethodPut, "/admin/realms/"+url.PathEscape(realm.Name)+"/client-policies/policies", policies, nil); err != nil {
		return nil, fmt.Errorf("applying the %s client profile: %w", profile, err)
	}
	e.Notef("client policy of realm %s applies %s", realm.Name, profile)
	user, err := e.Admin().CreateUser(ctx, realm.Name, keycloaktest.UserOptions{})
	if err != nil {
		return nil, err
	}
	e.AddSecret(user.Password)

	r := &fapiRig{srv: srv, realm: realm.Name, user: user, issuer: srv.HTTPSURL + "/realms/" + url.PathEscape(realm.Name)}
	if r.noCert, err = srv.HTTPSClient(nil); err != nil {
		return nil, err
	}
	// ES256, and PS256 for message signing. FAPI 2.0 also allows EdDSA
	// (Security Profile, section 5.4), but Keycloak 26.7's
	// secure-signature-algorithm executor refuses to register a client
	// whose assertions are EdDSA ("not allowed signature algorithm").
	alg := jose.ES256
	if v == fapiMessageSigning {
		alg = jose.PS256
	}
	key, err := newFAPIKey(alg)
	if err != nil {
		return nil, err
	}
	jwks, err := publicJWKS(key)
	if err != nil {
		return nil, err
	}
	opts := keycloaktest.ClientOptions{
		Auth: keycloaktest.PrivateKeyJWT,
		JWKS: string(jwks),
		// secure-signature-algorithm-signed-jwt would otherwise set
		// PS256, its default, as the only assertion algorithm.
		SigningAlgorithm: string(alg),
		RedirectURIs:     []string{fapiRedirectURI},
		StandardFlow:     true,
		PKCE:             true,
		Attributes:       map[string]string{"require.pushed.authorization.requests": "true"},
	}
	hc := r.noCert
	var auth oauth2.ClientAuthenticator = oauth2.PrivateKeyJWT{Key: key}
	var dpop oauth2.DPoPProver
	switch v {
	case fapiDPoP, fapiMessageSigning:
		opts.DPoPBound = true
		if v == fapiMessageSigning {
			// The request object's algorithm (secure-signature-algorithm
			// would set PS256, its default) and JARM's, both allowed by
			// FAPI 2.0 (Security Profile, section 5.4).
			opts.Attributes["request.object.signature.alg"] = string(alg)
			opts.Attributes["authorization.signed.response.alg"] = string(jose.PS256)
		}
		if dpop, err = oauth2.NewDPoPProver(key, alg); err != nil {
			return nil, err
		}
	case fapiPKJWTMTLS, fapiMTLSMTLS:
		cn := uniqueName("fapi-client")
		cert, err := srv.ClientCertificate(cn)
		if err != nil {
			return nil, err
		}
		r.cert = &cert
		if hc, err = oauth2.NewMTLSClient(r.noCert, cert); err != nil {
			return nil, err
		}
		opts.Attributes["tls.client.certificate.bound.access.tokens"] = "true"
		if v == fapiMTLSMTLS {
			opts.Auth = keycloaktest.ClientSecretBasic // replaced by the representation below
			opts.Representation = map[string]any{"clientAuthenticatorType": "client-x509"}
			opts.Attributes["x509.subjectdn"] = "CN=" + cn + ",O=oauthkit"
			opts.Attributes["x509.allow.regex.pattern.comparison"] = "false"
			auth = oauth2.TLSClientAuth{Certificate: &cert}
		}
	}
	client, err := e.Admin().CreateClient(ctx, realm.Name, opts)
	if err != nil {
		return nil, fmt.Errorf("creating the FAPI client: %w", err)
	}
	// Discovery over HTTPS: Keycloak builds the issuer and the RFC 8705
	// aliases from the request, so all name the HTTPS listener.
	r.md, err = oauth2.FetchMetadata(ctx, hc, r.issuer+"/.well-known/openid-configuration", r.issuer, oauth2.MetadataOptions{})
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	endpoint := r.md.Endpoint()
	if err := json.Unmarshal(r.md.Raw["userinfo_endpoint"], &r.userinfo); err != nil || r.userinfo == "" {
		return nil, fmt.Errorf("discovery: no userinfo_endpoint")
	}
	if r.cert != nil {
		// Section 5.3.3.1, item 7: the mutual-TLS aliases (RFC 8705,
		// section 5), which Keycloak advertises with the binding.
		if !r.md.TLSClientCertificateBoundAccessTokens || r.md.MTLSEndpointAliases["token_endpoint"] == "" {
			return nil, fmt.Errorf("discovery: no certificate-bound tokens or token_endpoint alias advertised")
		}
		e.Notef("mtls_endpoint_aliases: %v", r.md.MTLSEndpointAliases)
		if endpoint, err = r.md.MTLSEndpoint(false); err != nil {
			return nil, err
		}
		if alias, err := r.md.MTLSEndpointURL("userinfo_endpoint", false); err != nil {
			return nil, err
		} else if alias != "" {
			r.userinfo = alias
		}
	}
	r.cfg = &oauth2.Config{
		ClientID:    client.ClientID,
		Endpoint:    endpoint,
		RedirectURL: fapiRedirectURI,
		AuthMethod:  auth,
		DPoP:        dpop,
		HTTPClient:  hc,
		Observer:    e.Record,
	}
	if v == fapiMessageSigning {
		r.profile = oauth2.FAPI2{
			MessageSigning: true,
			RequestObject:  oauth2.RequestObject{Key: key},
			JARM:           oauth2.JARMVerifier{Keys: jose.NewRemoteKeySet(r.md.JWKSURI, jose.RemoteKeySetConfig{HTTPClient: r.noCert})},
		}
	}
	return r, nil
}

// newFAPIKey makes a client key for alg: ES256 (P-256), PS256 (RSA 2048)
// or EdDSA (Ed25519), the algorithms FAPI 2.0 allows (Security Profile,
// section 5.4).
func newFAPIKey(alg jose.Algorithm) (jose.JWK, error) {
	var k any
	var err error
	switch alg {
	case jose.PS256:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.EdDSA:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		k, err = newECKey(elliptic.P256())
	}
	if err != nil {
		return jose.JWK{}, err
	}
	return jose.JWK{KeyID: uniqueName("fapi"), Key: k, Algorithm: alg, Use: "sig"}, nil
}

// checkUserinfo calls userinfo with the bound token as the profile says,
// then without its proof or certificate, which Keycloak must refuse.
func (r *fapiRig) checkUserinfo(ctx context.Context, e *Env, tok *oauth2.Token) error {
	// send makes the call; a refusal must carry an RFC 6750 (or RFC 9449)
	// challenge with error="invalid_token", which oauthkit parses.
	send := func(hc *http.Client, scheme string, proof bool) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.userinfo, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", scheme+" "+tok.AccessToken)
		if proof {
			p, err := r.cfg.DPoP.Proof(http.MethodGet, r.userinfo, tok.AccessToken)
			if err != nil {
				return 0, err
			}
			req.Header.Set("DPoP", p)
		}
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		e.Notef("GET %s (%s, proof %v, certificate %v): HTTP %d", r.userinfo, scheme, proof, hc != r.noCert, res.StatusCode)
		if res.StatusCode == http.StatusUnauthorized {
			ch, ok := oauth2.BearerChallenge(res.Header)
			if !ok {
				ch, ok = oauth2.DPoPChallenge(res.Header)
			}
			if !ok || ch.ErrorCode() != "invalid_token" {
				return res.StatusCode, fmt.Errorf("the refusal has no invalid_token challenge: %q", res.Header.Values("WWW-Authenticate"))
			}
			e.Notef("challenge %s error=%s: %s", ch.Scheme, ch.ErrorCode(), ch.ErrorDescription())
		}
		return res.StatusCode, nil
	}
	// The Session makes the resource call as a user of oauthkit would:
	// "Authorization: DPoP" with a proof for a DPoP token; over the client
	// that presents the certificate for a certificate-bound one.
	base := r.noCert
	if r.cert != nil {
		base = r.cfg.HTTPClient
	}
	session := httpclient.New(r.cfg, httpclient.Options{Base: base, Token: tok})
	status, _, err := get(ctx, session.Client(), r.userinfo)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("userinfo through the Session with the bound token: HTTP %d, %v", status, err)
	}
	e.Notef("userinfo through the Session: HTTP %d", status)
	if r.cfg.DPoP != nil {
		if st, err := send(r.noCert, "DPoP", true); err != nil || st != http.StatusOK {
			return fmt.Errorf("userinfo with the DPoP token and a proof: HTTP %d, %v", st, err)
		}
		if st, err := send(r.noCert, "Bearer", false); err != nil || st != http.StatusUnauthorized {
			return fmt.Errorf("userinfo with the DPoP-bound token as Bearer: expected HTTP 401, got %d, %v", st, err)
		}
		return nil
	}
	if err := oauth2.CheckCertificateBinding(tok, r.cert.Leaf); err != nil {
		return err
	}
	e.Notef("access token cnf x5t#S256 = %s", oauth2.CertificateThumbprint(r.cert.Leaf))
	if st, err := send(r.cfg.HTTPClient, "Bearer", false); err != nil || st != http.StatusOK {
		return fmt.Errorf("userinfo with the certificate-bound token and its certificate: HTTP %d, %v", st, err)
	}
	if st, err := send(r.noCert, "Bearer", false); err != nil || st != http.StatusUnauthorized {
		return fmt.Errorf("userinfo with the certificate-bound token but no certificate: expected HTTP 401, got %d, %v", st, err)
	}
	return nil
}

// negatives checks what Keycloak's profile refuses and oauthkit reports.
func (r *fapiRig) negatives(ctx context.Context, e *Env, v fapiVariant) error {
	// Without PKCE: pkce-enforcer refuses the pushed request.
	f, err := r.cfg.AuthorizationRequest(oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	noPKCE := url.Values{}
	for k, vs := range f.Params {
		if k != "code_challenge" && k != "code_challenge_method" {
			noPKCE[k] = vs
		}
	}
	if v == fapiMessageSigning {
		jwt, err := r.cfg.SignRequestObject(noPKCE, r.profile.RequestObject)
		if err != nil {
			return err
		}
		noPKCE = url.Values{"client_id": {r.cfg.ClientID}, "request": {jwt}}
	}
	_, err = r.cfg.PushAuthorizationRequest(ctx, noPKCE)
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.Code != oauth2.ErrorInvalidRequest {
		return fmt.Errorf("a pushed request without PKCE: expected invalid_request, got %v", err)
	}
	e.Notef("without PKCE: %v", err)

	// Without PAR: the authorization endpoint refuses a request whose
	// parameters were not pushed (require.pushed.authorization.requests).
	direct := f.URL
	if v == fapiMessageSigning {
		if direct, err = f.RequestObjectURL(r.cfg, r.profile.RequestObject); err != nil {
			return err
		}
	}
	noRedirect := *r.noCert
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noRedirect.Get(direct)
	if err != nil {
		return err
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	switch {
	case res.StatusCode >= 400:
	case loc != nil && strings.HasPrefix(loc.String(), fapiRedirectURI) && (loc.Query().Get("error") != "" || loc.Query().Get("response") != ""):
	default:
		return fmt.Errorf("an authorization request without PAR was not refused: HTTP %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	e.Notef("without PAR: HTTP %d %s", res.StatusCode, res.Header.Get("Location"))

	// client_secret_basic: oauthkit's profile refuses it before sending
	// (section 5.3.3.1, item 2), and Keycloak refuses it too.
	withSecret := *r.cfg
	withSecret.AuthMethod, withSecret.ClientSecret = oauth2.ClientSecretBasic{}, "not-the-secret"
	withSecret.HTTPClient = r.noCert // a certificate would authenticate the client anyway
	if _, _, err := r.profile.AuthorizationRequest(ctx, &withSecret, oauth2.AuthorizationOptions{}); !errors.Is(err, oauth2.ErrFAPIProfile) {
		return fmt.Errorf("client_secret_basic under the profile: expected ErrFAPIProfile, got %v", err)
	}
	f2, _ := withSecret.AuthorizationRequest(oauth2.AuthorizationOptions{})
	_, err = withSecret.PushAuthorizationRequest(ctx, f2.Params)
	if !errors.As(err, &oe) || (oe.Code != oauth2.ErrorInvalidClient && oe.Code != oauth2.ErrorInvalidRequest && oe.Code != oauth2.ErrorUnauthorizedClient) {
		return fmt.Errorf("client_secret_basic at Keycloak: expected invalid_client, got %v", err)
	}
	e.Notef("client_secret_basic: %v", err)
	return nil
}
