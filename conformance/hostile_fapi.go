package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// hostileFAPIScenarios are the FA cases of the hostile-server catalogue:
// a FAPI 2.0 authorization server in Go that signs bad JWT-secured
// authorization responses (JARM), advertises mutual-TLS aliases on another
// host, issues tokens with a binding the client did not ask for (or none),
// and echoes the pushed request object in an error.
func hostileFAPIScenarios() []Scenario {
	const jarm = "JARM §2.4; FAPI 2.0 Message Signing §5.4.2"
	return []Scenario{
		hostile("fa-01-jarm-alg-none", "a JARM response signed with none (any case) is refused before the code is redeemed", jarm+"; FAPI 2.0 Security Profile §5.4", runFA01),
		hostile("fa-02-jarm-hs256-public-key", "a JARM response HMAC'd with the server's public key is refused", jarm+"; RFC 8725 §3.1", runFA02),
		hostile("fa-03-jarm-other-issuer", "a JARM response of another issuer is refused", jarm+"; RFC 9207 §2.4", runFA03),
		hostile("fa-04-jarm-other-audience", "a JARM response for another client is refused", jarm, runFA04),
		hostile("fa-05-jarm-expired", "an expired JARM response is refused", jarm+"; RFC 7519 §4.1.4", runFA05),
		hostile("fa-06-jarm-forged-state", "a signed JARM response carrying another state is refused and the flow stays unused", jarm+"; RFC 6749 §10.12", runFA06),
		hostile("fa-07-mtls-alias-other-host", "an mtls_endpoint_aliases entry on another host is refused; that host gets nothing", "RFC 8705 §5; FAPI 2.0 Security Profile §5.3.3.1", runFA07),
		hostile("fa-08-unrequested-binding", "a DPoP token without a proof, or a certificate-bound token without a certificate, is refused", "RFC 9449 §5; RFC 8705 §3.1", runFA08),
		hostile("fa-09-request-object-echoed", "a PAR error echoing the request object and assertion leaks no credential", "RFC 9126 §2.3; RFC 6749 §10.3", runFA09),
		hostile("fa-10-bearer-downgrade", "a Bearer token issued for a DPoP request is refused under the profile", "FAPI 2.0 Security Profile §5.3.3.1", runFA10),
		hostile("fa-11-jarm-conflicting-duplicate", "a JARM claim set naming iss twice with different values is refused", jarm+"; RFC 8259 §4", runFA11),
	}
}

// fapiOP is a hostile FAPI 2.0 authorization server on TLS: it publishes
// an ES256 key, accepts pushed requests, answers the authorization
// request with a redirect carrying whatever response mint makes, and
// counts the token requests it receives.
type fapiOP struct {
	srv    *httptest.Server
	key    jose.JWK
	mu     sync.Mutex
	mint   func(op *fapiOP, state string) url.Values
	token  string // token endpoint response body
	par    func(w http.ResponseWriter, body []byte)
	pushed url.Values
	tokens atomic.Int32
}

func newFapiOP() (*fapiOP, error) {
	k, err := newECKey(elliptic.P256())
	if err != nil {
		return nil, err
	}
	op := &fapiOP{key: jose.JWK{KeyID: "op-1", Key: k, Algorithm: jose.ES256, Use: "sig"}}
	op.token = `{"access_token":"at-SENTINEL","token_type":"DPoP","expires_in":60}`
	op.srv = httptest.NewTLSServer(http.HandlerFunc(op.serve))
	return op, nil
}

func (op *fapiOP) issuer() string { return op.srv.URL }

func (op *fapiOP) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/jwks":
		jwks, _ := publicJWKS(op.key)
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	case "/par":
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		form, _ := url.ParseQuery(string(body))
		op.mu.Lock()
		op.pushed = form
		par := op.par
		op.mu.Unlock()
		if par != nil {
			par(w, body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"request_uri":"urn:ietf:params:oauth:request_uri:h1","expires_in":60}`)
	case "/authorize":
		op.mu.Lock()
		pushed := op.pushed
		op.mu.Unlock()
		state := ""
		if pushed != nil {
			if _, payload, ok := strings.Cut(pushed.Get("request"), "."); ok {
				seg, _, _ := strings.Cut(payload, ".")
				var ro struct {
					State       string `json:"state"`
					RedirectURI string `json:"redirect_uri"`
				}
				if b, err := base64.RawURLEncoding.DecodeString(seg); err == nil {
					_ = json.Unmarshal(b, &ro)
				}
				state = ro.State
			}
		}
		u, _ := url.Parse(fapiRedirectURI)
		u.RawQuery = op.mint(op, state).Encode()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	case "/token":
		op.tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, op.token)
	default:
		http.NotFound(w, r)
	}
}

// signed returns a JARM response JWT over claims, signed with the OP key.
func (op *fapiOP) signed(claims map[string]any) url.Values {
	s, err := jose.SignClaims(op.key, jose.ES256, claims, jose.SignOptions{})
	if err != nil {
		return url.Values{"error": {"server_error"}}
	}
	return url.Values{"response": {s}}
}

// goodClaims are the claims of a valid JARM response for state.
func (op *fapiOP) goodClaims(state string) map[string]any {
	return map[string]any{
		"iss": op.issuer(), "aud": "fapi-client", "exp": time.Now().Add(time.Minute).Unix(),
		"state": state, "code": "code-SENTINEL",
	}
}

// client is a FAPI 2.0 message-signing client of the OP, with DPoP.
func (op *fapiOP) client(e *Env) (*oauth2.Config, oauth2.FAPI2, error) {
	key, err := newFAPIKey(jose.ES256)
	if err != nil {
		return nil, oauth2.FAPI2{}, err
	}
	dpop, err := oauth2.NewDPoPProver(key, jose.ES256)
	if err != nil {
		return nil, oauth2.FAPI2{}, err
	}
	cfg := &oauth2.Config{
		ClientID: "fapi-client",
		Endpoint: oauth2.Endpoint{
			Issuer:                        op.issuer(),
			AuthorizationURL:              op.issuer() + "/authorize",
			TokenURL:                      op.issuer() + "/token",
			PushedAuthorizationRequestURL: op.issuer() + "/par",
		},
		RedirectURL: fapiRedirectURI,
		AuthMethod:  oauth2.PrivateKeyJWT{Key: key},
		DPoP:        dpop,
		HTTPClient:  op.srv.Client(),
		Observer:    e.Record,
	}
	p := oauth2.FAPI2{
		MessageSigning: true,
		RequestObject:  oauth2.RequestObject{Key: key},
		JARM:           oauth2.JARMVerifier{Keys: jose.NewRemoteKeySet(op.issuer()+"/jwks", jose.RemoteKeySetConfig{HTTPClient: op.srv.Client()})},
	}
	return cfg, p, nil
}

// runJARMCase runs a message-signing flow against an OP minting mint and
// checks that completing it fails with every one of want, before any
// token request, leaving the flow unused when unused is set.
func runJARMCase(ctx context.Context, e *Env, mint func(op *fapiOP, state string) url.Values, unused bool, want ...error) error {
	op, err := newFapiOP()
	if err != nil {
		return err
	}
	defer op.srv.Close()
	op.mint = mint
	cfg, p, err := op.client(e)
	if err != nil {
		return err
	}
	flow, authURL, err := p.AuthorizationRequest(ctx, cfg, oauth2.AuthorizationOptions{})
	if err != nil {
		return fmt.Errorf("pushed authorization request: %w", err)
	}
	hc := *op.srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Get(authURL)
	if err != nil {
		return err
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		return err
	}
	params, err := oauth2.ParseCallbackQuery(loc.RawQuery)
	if err != nil {
		return err
	}
	_, err = p.Complete(ctx, cfg, flow, params)
	if err == nil {
		return errors.New("the hostile response was accepted")
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			return fmt.Errorf("expected %v, got %v", w, err)
		}
	}
	if n := op.tokens.Load(); n != 0 {
		return fmt.Errorf("the code was redeemed %d times despite the bad response", n)
	}
	if unused && flow.Used() {
		return errors.New("the bad response consumed the flow")
	}
	if strings.Contains(err.Error(), "SENTINEL") {
		return fmt.Errorf("the error leaks the code: %v", err)
	}
	e.Notef("refused: %v", err)
	return nil
}

func runFA01(ctx context.Context, e *Env) error {
	for _, alg := range []string{"none", "None", "NONE"} {
		err := runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
			payload, _ := json.Marshal(op.goodClaims(state))
			enc := base64.RawURLEncoding.EncodeToString
			return url.Values{"response": {enc([]byte(`{"alg":"`+alg+`"}`)) + "." + enc(payload) + ".c2ln"}}
		}, true, oauth2.ErrJARM, jose.ErrAlgorithmNotAllowed)
		if err != nil {
			return fmt.Errorf("alg %s: %w", alg, err)
		}
	}
	return nil
}

func runFA02(ctx context.Context, e *Env) error {
	return runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
		der, _ := x509.MarshalPKIXPublicKey(&op.key.Key.(*ecdsa.PrivateKey).PublicKey)
		s, _ := jose.SignClaims(jose.NewSymmetricKey(der), jose.HS256, op.goodClaims(state), jose.SignOptions{KeyID: "op-1"})
		return url.Values{"response": {s}}
	}, true, oauth2.ErrJARM, jose.ErrAlgorithmNotAllowed)
}

func runFA03(ctx context.Context, e *Env) error {
	return runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
		c := op.goodClaims(state)
		c["iss"] = op.issuer() + "/"
		return op.signed(c)
	}, true, oauth2.ErrJARM, oauth2.ErrIssuerMismatch)
}

func runFA04(ctx context.Context, e *Env) error {
	return runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
		c := op.goodClaims(state)
		c["aud"] = []string{"another-client"}
		return op.signed(c)
	}, true, oauth2.ErrJARM, jose.ErrAudience)
}

func runFA05(ctx context.Context, e *Env) error {
	return runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
		c := op.goodClaims(state)
		c["exp"] = time.Now().Add(-time.Minute).Unix()
		return op.signed(c)
	}, true, oauth2.ErrJARM, jose.ErrExpired)
}

func runFA06(ctx context.Context, e *Env) error {
	return runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
		c := op.goodClaims("attacker-state")
		v := op.signed(c)
		v.Set("state", state) // an unsigned copy of the right state counts for nothing
		return v
	}, true, oauth2.ErrStateMismatch)
}

func runFA11(ctx context.Context, e *Env) error {
	return runJARMCase(ctx, e, func(op *fapiOP, state string) url.Values {
		c := op.goodClaims(state)
		delete(c, "iss")
		body, _ := json.Marshal(c)
		payload := `{"iss":"https://evil.example",` + string(body[1:len(body)-1]) + `,"iss":` + fmt.Sprintf("%q", op.issuer()) + `}`
		s, _ := jose.Sign(op.key, jose.ES256, []byte(payload), jose.SignOptions{})
		return url.Values{"response": {s}}
	}, true, oauth2.ErrJARM, jose.ErrMalformed)
}

func runFA07(ctx context.Context, e *Env) error {
	var evilHits atomic.Int32
	evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) }))
	defer evil.Close()
	evilURL, _ := url.Parse(evil.URL)
	evilURL.Host = "localhost:" + evilURL.Port() // another host name than the issuer's 127.0.0.1
	var issuer string
	op := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
			"mtls_endpoint_aliases": map[string]string{"token_endpoint": evilURL.String() + "/token"},
		})
	}))
	defer op.Close()
	issuer = op.URL
	md, err := oauth2.FetchMetadata(ctx, op.Client(), issuer+"/.well-known/oauth-authorization-server", issuer, oauth2.MetadataOptions{})
	if err != nil {
		return err
	}
	if _, err := md.MTLSEndpoint(false); !errors.Is(err, oauth2.ErrMTLSAlias) {
		return fmt.Errorf("an alias on another host: expected ErrMTLSAlias, got %v", err)
	}
	if n := evilHits.Load(); n != 0 {
		return fmt.Errorf("the other host received %d requests", n)
	}
	e.Notef("alias %s refused", evilURL)
	return nil
}

func runFA08(ctx context.Context, e *Env) error {
	op, err := newFapiOP()
	if err != nil {
		return err
	}
	defer op.srv.Close()
	cfg, _, err := op.client(e)
	if err != nil {
		return err
	}
	cfg.DPoP = nil
	cfg.AuthMethod = oauth2.PrivateKeyJWT{Key: op.key} // any key: the hostile server does not check
	if _, err := cfg.Token(ctx, oauth2.AuthorizationCodeGrant{Code: "c", CodeVerifier: oauth2.NewCodeVerifier()}); !errors.Is(err, oauth2.ErrUnsupportedTokenType) {
		return fmt.Errorf("a DPoP token without a proof: expected ErrUnsupportedTokenType, got %v", err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	bound := &oauth2.Token{AccessToken: enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(`{"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}`)) + ".c2ln", TokenType: oauth2.TokenTypeBearer}
	if err := oauth2.CheckCertificateBinding(bound, nil); !errors.Is(err, oauth2.ErrCertificateBinding) {
		return fmt.Errorf("a certificate-bound token without a certificate: expected ErrCertificateBinding, got %v", err)
	}
	return nil
}

func runFA09(ctx context.Context, e *Env) error {
	op, err := newFapiOP()
	if err != nil {
		return err
	}
	defer op.srv.Close()
	op.par = func(w http.ResponseWriter, body []byte) {
		msg, _ := json.Marshal(map[string]string{"error": "invalid_request_object", "error_description": "rejected: " + string(body)})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", string(body))
		w.WriteHeader(http.StatusBadRequest)
		w.Write(msg)
	}
	cfg, p, err := op.client(e)
	if err != nil {
		return err
	}
	_, _, err = p.AuthorizationRequest(ctx, cfg, oauth2.AuthorizationOptions{})
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.Code != "invalid_request_object" {
		return fmt.Errorf("expected the invalid_request_object error, got %v", err)
	}
	op.mu.Lock()
	assertion := op.pushed.Get("client_assertion")
	op.mu.Unlock()
	if assertion == "" {
		return errors.New("no client assertion was pushed")
	}
	for _, leak := range []string{err.Error(), oe.Description, string(oe.Body), strings.Join(oe.Header.Values("X-Echo"), "")} {
		if strings.Contains(leak, assertion) {
			return errors.New("the client assertion leaks through the error")
		}
	}
	return nil
}

func runFA10(ctx context.Context, e *Env) error {
	op, err := newFapiOP()
	if err != nil {
		return err
	}
	defer op.srv.Close()
	op.token = `{"access_token":"at-SENTINEL","token_type":"Bearer","expires_in":60}`
	op.mint = func(op *fapiOP, state string) url.Values { return op.signed(op.goodClaims(state)) }
	cfg, p, err := op.client(e)
	if err != nil {
		return err
	}
	flow, authURL, err := p.AuthorizationRequest(ctx, cfg, oauth2.AuthorizationOptions{})
	if err != nil {
		return err
	}
	hc := *op.srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Get(authURL)
	if err != nil {
		return err
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	params, _ := oauth2.ParseCallbackQuery(loc.RawQuery)
	if _, err := p.Complete(ctx, cfg, flow, params); !errors.Is(err, oauth2.ErrFAPIProfile) {
		return fmt.Errorf("a Bearer token for a DPoP request: expected ErrFAPIProfile, got %v", err)
	}
	return nil
}
