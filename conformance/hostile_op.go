package conformance

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// The hostile OpenID Provider: a loopback server with discovery, a key set,
// an authorization endpoint that answers at once, a token endpoint and a
// userinfo endpoint. Each hostile scenario starts its own and sets how it
// misbehaves; it counts the requests of every endpoint, so a scenario can
// assert that a rejected token caused no request, or a bounded number.

// Paths of the hostile provider's endpoints.
const (
	opPathDiscovery = oidc.WellKnownPath
	opPathJWKS      = "/jwks"
	opPathAuthorize = "/authorize"
	opPathToken     = "/token"
	opPathUserinfo  = "/userinfo"
)

// Identities the hostile provider uses.
const (
	opClientID    = "hostile-rp"
	opSubject     = "248289761001"
	opKeyID       = "op-key-1"
	opRedirectURI = "http://127.0.0.1/hostile/callback"
)

// hostileOP is a misbehaving OpenID Provider on 127.0.0.1. Its zero
// behaviour is that of an honest provider: every hook below changes one
// endpoint. Hooks are set before the scenario's first request, or through
// the setters, which hold the lock.
type hostileOP struct {
	server *httptest.Server
	// Issuer is the provider's issuer identifier, its base URL.
	Issuer string
	// Key is the provider's RS256 signing key, published as opKeyID.
	Key *rsa.PrivateKey
	// JWK is Key's public half as the key set first publishes it: RS256
	// under opKeyID.
	JWK json.RawMessage

	mu sync.Mutex
	// hits counts the requests per path.
	hits map[string]int
	// jwksCacheControl keeps the Cache-Control header of each JWKS request.
	jwksCacheControl []string
	// keys are the JWKs the key set serves, as JSON.
	keys []json.RawMessage
	// jwks, when set, answers key set requests instead of keys.
	jwks http.HandlerFunc
	// editDiscovery, when set, changes the configuration document.
	editDiscovery func(doc map[string]any)
	// idToken, when set, mints the ID token of a token response from the
	// honest claims (nonce and at_hash filled in); it may return anything.
	idToken func(claims map[string]any) string
	// userinfo, when set, answers userinfo requests.
	userinfo http.HandlerFunc
	// pending maps each code issued to the authorization request's
	// parameters; tokenForms keeps the form of every token request.
	pending    map[string]url.Values
	tokenForms []url.Values
	// accessTokens are the access tokens issued, in order.
	accessTokens []string
}

// newHostileOP starts a hostile provider with a fresh 2048-bit RSA key,
// closed when the scenario ends.
func newHostileOP(e *Env) (*hostileOP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	op := &hostileOP{Key: key, hits: map[string]int{}, pending: map[string]url.Values{}}
	pub, err := publicJWK(opKeyID, jose.RS256, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	op.JWK = pub
	op.keys = []json.RawMessage{pub}
	srv, err := startLoopback(http.HandlerFunc(op.serve))
	if err != nil {
		return nil, err
	}
	op.server = srv
	op.Issuer = srv.URL
	e.Cleanup(func(context.Context) error { srv.Close(); return nil })
	return op, nil
}

// startLoopback starts an httptest server on 127.0.0.1 only.
func startLoopback(h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	srv.Start()
	return srv, nil
}

func (op *hostileOP) serve(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.hits[r.URL.Path]++
	op.mu.Unlock()
	switch r.URL.Path {
	case opPathDiscovery:
		op.serveDiscovery(w)
	case opPathJWKS:
		op.mu.Lock()
		op.jwksCacheControl = append(op.jwksCacheControl, r.Header.Get("Cache-Control"))
		h, keys := op.jwks, op.keys
		op.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		writeJSONResponse(w, http.StatusOK, map[string]any{"keys": keys})
	case opPathAuthorize:
		op.serveAuthorize(w, r)
	case opPathToken:
		op.serveToken(w, r)
	case opPathUserinfo:
		op.mu.Lock()
		h := op.userinfo
		op.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		writeJSONResponse(w, http.StatusOK, map[string]any{"sub": opSubject, "name": "Hostile Test"})
	default:
		http.NotFound(w, r)
	}
}

// discovery returns the honest configuration document.
func (op *hostileOP) discovery() map[string]any {
	return map[string]any{
		"issuer":                                         op.Issuer,
		"authorization_endpoint":                         op.Issuer + opPathAuthorize,
		"token_endpoint":                                 op.Issuer + opPathToken,
		"userinfo_endpoint":                              op.Issuer + opPathUserinfo,
		"jwks_uri":                                       op.Issuer + opPathJWKS,
		"response_types_supported":                       []string{"code"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{"RS256", "RS512", "PS256", "ES256", "ES384", "HS256"},
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
	}
}

func (op *hostileOP) serveDiscovery(w http.ResponseWriter) {
	doc := op.discovery()
	op.mu.Lock()
	edit := op.editDiscovery
	op.mu.Unlock()
	if edit != nil {
		edit(doc)
	}
	writeJSONResponse(w, http.StatusOK, doc)
}

// serveAuthorize plays an end-user who approves at once: it keeps the
// request's parameters under a fresh code and redirects back with code,
// state and iss (RFC 6749, section 4.1.2; RFC 9207).
func (op *hostileOP) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := "code-" + hostileRandomHex(16)
	op.mu.Lock()
	op.pending[code] = q
	op.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {op.Issuer}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// serveToken redeems a code: it checks the PKCE verifier against the
// challenge (RFC 7636, section 4.6), then answers with an access token and
// the ID token the scenario's hook mints.
func (op *hostileOP) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSONResponse(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	op.mu.Lock()
	op.tokenForms = append(op.tokenForms, r.PostForm)
	req, ok := op.pending[r.PostForm.Get("code")]
	delete(op.pending, r.PostForm.Get("code"))
	mint := op.idToken
	op.mu.Unlock()
	if !ok || req.Get("code_challenge") != s256(r.PostForm.Get("code_verifier")) {
		writeJSONResponse(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
		return
	}
	at := "at-" + hostileRandomHex(20)
	op.mu.Lock()
	op.accessTokens = append(op.accessTokens, at)
	op.mu.Unlock()
	claims := op.claims()
	if n := req.Get("nonce"); n != "" {
		claims["nonce"] = n
	}
	claims["at_hash"] = tokenHash(at)
	var idt string
	if mint != nil {
		idt = mint(claims)
	} else {
		idt = op.sign(claims)
	}
	writeJSONResponse(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": 300, "id_token": idt,
	})
}

// claims returns the claims of an honest ID token issued now.
func (op *hostileOP) claims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"iss": op.Issuer, "sub": opSubject, "aud": opClientID,
		"exp": now + 300, "iat": now, "auth_time": now,
	}
}

// sign signs claims with the provider's key under its kid, as an honest
// provider does.
func (op *hostileOP) sign(claims any) string {
	return forgeJWS(map[string]any{"alg": "RS256", "kid": opKeyID, "typ": "JWT"}, claims, rsaSigner(op.Key, crypto.SHA256, false))
}

// setKeys replaces the key set's keys.
func (op *hostileOP) setKeys(keys ...json.RawMessage) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.keys = keys
}

// setJWKS makes h answer key set requests.
func (op *hostileOP) setJWKS(h http.HandlerFunc) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.jwks = h
}

// setIDToken makes mint produce the ID token of the next token responses.
func (op *hostileOP) setIDToken(mint func(claims map[string]any) string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.idToken = mint
}

// setUserinfo makes h answer userinfo requests.
func (op *hostileOP) setUserinfo(h http.HandlerFunc) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.userinfo = h
}

// setDiscovery makes edit change the configuration document.
func (op *hostileOP) setDiscovery(edit func(doc map[string]any)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.editDiscovery = edit
}

// count returns how many requests path has received.
func (op *hostileOP) count(path string) int {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.hits[path]
}

// jwksRequestHeaders returns the Cache-Control header of each key set
// request.
func (op *hostileOP) jwksRequestHeaders() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	return append([]string(nil), op.jwksCacheControl...)
}

// forms returns the token requests' forms.
func (op *hostileOP) forms() []url.Values {
	op.mu.Lock()
	defer op.mu.Unlock()
	return append([]url.Values(nil), op.tokenForms...)
}

// provider discovers the hostile provider through hc, as a relying party
// does.
func (op *hostileOP) provider(ctx context.Context, hc *http.Client) (*oidc.Provider, error) {
	p, err := oidc.NewProvider(ctx, op.Issuer, oidc.ProviderConfig{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("discovering the hostile provider: %w", err)
	}
	return p, nil
}

// verifier discovers the provider and returns a verifier for opClientID
// with v's settings.
func (op *hostileOP) verifier(ctx context.Context, e *Env, v oidc.IDTokenVerifier) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	p, err := op.provider(ctx, e.RecordingClient())
	if err != nil {
		return nil, nil, err
	}
	if v.ClientID == "" {
		v.ClientID = opClientID
	}
	verifier, err := p.Verifier(v)
	if err != nil {
		return nil, nil, err
	}
	return p, verifier, nil
}

// newHostileVerifier starts a hostile provider and returns it with its
// discovered provider and a verifier for opClientID with default settings.
func newHostileVerifier(ctx context.Context, e *Env) (*hostileOP, *oidc.Provider, *oidc.IDTokenVerifier, error) {
	op, err := newHostileOP(e)
	if err != nil {
		return nil, nil, nil, err
	}
	p, v, err := op.verifier(ctx, e, oidc.IDTokenVerifier{})
	if err != nil {
		return nil, nil, nil, err
	}
	return op, p, v, nil
}

// newHostileRP starts a hostile provider and returns it with its
// discovered provider and a public client of it.
func newHostileRP(ctx context.Context, e *Env) (*hostileOP, *oidc.Provider, *oidc.RelyingParty, error) {
	op, err := newHostileOP(e)
	if err != nil {
		return nil, nil, nil, err
	}
	p, rp, err := op.relyingParty(ctx, e, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return op, p, rp, nil
}

// relyingParty returns a public client of the hostile provider.
func (op *hostileOP) relyingParty(ctx context.Context, e *Env, obs *exchanges) (*oidc.Provider, *oidc.RelyingParty, error) {
	p, err := op.provider(ctx, e.RecordingClient())
	if err != nil {
		return nil, nil, err
	}
	rp, err := oidc.NewRelyingParty(p, hostileConfig(e, obs), oidc.IDTokenVerifier{})
	if err != nil {
		return nil, nil, err
	}
	return p, rp, nil
}

// hostileAuthorize sends the login's authorization request to the provider and
// returns the parameters of its redirect back, without following it.
func hostileAuthorize(ctx context.Context, e *Env, authURL string) (url.Values, error) {
	hc := e.RecordingClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		return nil, fmt.Errorf("authorization endpoint answered HTTP %d without a redirect", res.StatusCode)
	}
	return url.ParseQuery(loc.RawQuery)
}

// hostileLogin runs a whole code flow with the hostile provider: authentication
// request, the provider's redirect back, and Finish.
func hostileLogin(ctx context.Context, e *Env, rp *oidc.RelyingParty) (*oidc.Login, *oidc.LoginResult, error) {
	l, err := rp.StartLogin(oidc.LoginOptions{})
	if err != nil {
		return nil, nil, err
	}
	e.AddSecret(l.Flow.CodeVerifier)
	params, err := hostileAuthorize(ctx, e, l.URL())
	if err != nil {
		return l, nil, err
	}
	e.AddSecret(params.Get("code"))
	res, err := l.Finish(ctx, rp, params)
	if res != nil {
		e.AddSecret(res.Token.AccessToken)
	}
	return l, res, err
}

// hostileNet maps host names (evil.test) to loopback listeners, so that a
// scenario can stand up "another host" without touching name resolution:
// Go keeps an Authorization header across ports of one host name.
type hostileNet struct {
	hosts map[string]string // host name -> 127.0.0.1:port
}

// client returns a client whose connections to the mapped names go to
// their listeners and whose requests are recorded as evidence. Any other
// name is refused, so nothing leaves the machine.
func (n *hostileNet) client(e *Env) *http.Client {
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if to, ok := n.hosts[host]; ok {
				return d.DialContext(ctx, network, to)
			}
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
				return d.DialContext(ctx, network, addr)
			}
			return nil, fmt.Errorf("hostile network: no route to %s", host)
		},
	}
	e.Cleanup(func(context.Context) error { tr.CloseIdleConnections(); return nil })
	return &http.Client{Timeout: 30 * time.Second, Transport: &recordingTransport{base: tr, log: e.log}}
}

// countingServer is a loopback listener that counts and refuses every
// request: the attacker's host, which must never be contacted.
type countingServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string
}

func newCountingServer(e *Env, body []byte) (*countingServer, error) {
	cs := &countingServer{}
	srv, err := startLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.reqs = append(cs.reqs, r.Method+" "+r.URL.Path)
		cs.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	if err != nil {
		return nil, err
	}
	cs.Server = srv
	e.Cleanup(func(context.Context) error { srv.Close(); return nil })
	return cs, nil
}

func (cs *countingServer) requests() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.reqs...)
}

// hostileConfig is the public client of the hostile provider.
func hostileConfig(e *Env, obs *exchanges) oauth2.Config {
	cfg := oauth2.Config{ClientID: opClientID, RedirectURL: opRedirectURI, HTTPClient: e.RecordingClient()}
	if obs != nil {
		cfg.Observer = obs.observe
	}
	return cfg
}

// Forging tokens. A hostile provider does not use a careful library: these
// helpers put any header and any claims into a compact JWS.

// jwsSigner signs a JWS signing input.
type jwsSigner func(signingInput []byte) []byte

// forgeJWS returns the compact JWS of header and claims (each a value to
// marshal, or json.RawMessage for exact bytes) signed with sign; a nil
// sign leaves the signature segment empty.
func forgeJWS(header, claims any, sign jwsSigner) string {
	input := b64url(mustMarshal(header)) + "." + b64url(mustMarshal(claims))
	if sign == nil {
		return input + "."
	}
	return input + "." + b64url(sign([]byte(input)))
}

func rsaSigner(k *rsa.PrivateKey, h crypto.Hash, pss bool) jwsSigner {
	return func(in []byte) []byte {
		d := hashInput(h, in)
		var sig []byte
		if pss {
			sig, _ = rsa.SignPSS(rand.Reader, k, h, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, _ = rsa.SignPKCS1v15(rand.Reader, k, h, d)
		}
		return sig
	}
}

// ecSigner signs with ECDSA in the JWS form: r and s as fixed-size
// big-endian integers (RFC 7518, section 3.4).
func ecSigner(k *ecdsa.PrivateKey, h crypto.Hash) jwsSigner {
	return func(in []byte) []byte {
		r, s, err := ecdsa.Sign(rand.Reader, k, hashInput(h, in))
		if err != nil {
			return nil
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out
	}
}

func hmacSigner(key []byte, h crypto.Hash) jwsSigner {
	return func(in []byte) []byte {
		m := hmac.New(h.New, key)
		m.Write(in)
		return m.Sum(nil)
	}
}

func hashInput(h crypto.Hash, in []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(in)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(in)
		return d[:]
	}
	d := sha256.Sum256(in)
	return d[:]
}

// publicJWK returns the public JWK of key as JSON.
func publicJWK(kid string, alg jose.Algorithm, key any) (json.RawMessage, error) {
	b, err := jose.JWK{KeyID: kid, Algorithm: alg, Use: "sig", Key: key}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encoding a public key: %w", err)
	}
	return b, nil
}

func newECKey(c elliptic.Curve) (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(c, rand.Reader) }

// newECKeyJWK returns a fresh EC key on c and its public JWK under kid and
// alg.
func newECKeyJWK(c elliptic.Curve, kid string, alg jose.Algorithm) (*ecdsa.PrivateKey, json.RawMessage, error) {
	k, err := newECKey(c)
	if err != nil {
		return nil, nil, err
	}
	jwk, err := publicJWK(kid, alg, &k.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return k, jwk, nil
}

// tokenHash is the at_hash / c_hash of value for an RS256 token (OpenID
// Connect Core, section 3.1.3.6), computed here independently of oidc.
func tokenHash(value string) string {
	d := sha256.Sum256([]byte(value))
	return b64url(d[:16])
}

// s256 is the PKCE S256 challenge of a verifier (RFC 7636, section 4.2).
func s256(verifier string) string {
	d := sha256.Sum256([]byte(verifier))
	return b64url(d[:])
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func bigB64(n *big.Int) string { return b64url(n.Bytes()) }

func mustMarshal(v any) []byte {
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the scenarios' own literal values are marshalled
	}
	return b
}

func writeJSONResponse(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func hostileRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claimsWith returns a copy of claims with the changes applied; a nil
// value deletes the claim.
func claimsWith(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims)+len(changes))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// Checking outcomes.

// wantErrorIs checks that err matches every target with errors.Is and that
// its text holds none of the secrets.
func wantErrorIs(err error, targets ...error) error {
	if err == nil {
		return fmt.Errorf("expected an error matching %v, got success", targets)
	}
	var missing []string
	for _, t := range targets {
		if !errors.Is(err, t) {
			missing = append(missing, t.Error())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("error %q does not match %s", firstLine(err.Error()), strings.Join(missing, ", "))
	}
	return nil
}

// noLeak reports an error when text holds any of the values.
func noLeak(text string, values ...string) error {
	for _, v := range values {
		if len(v) >= 6 && strings.Contains(text, v) {
			return errors.New("an error message holds a secret or token value")
		}
	}
	return nil
}

// hostileVariant is one hostile input of a scenario and what must come of it.
type hostileVariant struct {
	name string
	run  func() error // nil when the outcome is as expected
}

// runHostileVariants runs each variant, notes each outcome and returns the
// failures joined.
func runHostileVariants(e *Env, vs []hostileVariant) error {
	var errs []error
	for _, v := range vs {
		if err := v.run(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.name, err))
			continue
		}
		e.Notef("%s: as expected", v.name)
	}
	return errors.Join(errs...)
}

// expectVerify returns a variant run that verifies token with v and
// checks the error against targets.
func expectVerify(ctx context.Context, e *Env, v *oidc.IDTokenVerifier, token string, opts oidc.VerifyOptions, targets ...error) func() error {
	return func() error {
		if len(token) < 1<<16 {
			e.AddSecret(token)
		}
		_, err := v.Verify(ctx, token, opts)
		if err := wantErrorIs(err, targets...); err != nil {
			return err
		}
		e.Notef("rejected: %v", err)
		return nil
	}
}

// tokenCase is a token and the errors its verification must match; a case
// without targets must verify.
type tokenCase struct {
	name    string
	token   string
	targets []error
}

// tokenVariants returns a variant per case that verifies its token with v
// and opts: expectAccept for a case without targets, expectVerify
// otherwise.
func tokenVariants(ctx context.Context, e *Env, v *oidc.IDTokenVerifier, opts oidc.VerifyOptions, cases []tokenCase) []hostileVariant {
	vs := make([]hostileVariant, len(cases))
	for i, c := range cases {
		run := expectAccept(ctx, v, c.token, opts)
		if len(c.targets) > 0 {
			run = expectVerify(ctx, e, v, c.token, opts, c.targets...)
		}
		vs[i] = hostileVariant{c.name, run}
	}
	return vs
}

// expectAccept returns a variant run that requires token to verify.
func expectAccept(ctx context.Context, v *oidc.IDTokenVerifier, token string, opts oidc.VerifyOptions) func() error {
	return func() error {
		if _, err := v.Verify(ctx, token, opts); err != nil {
			return fmt.Errorf("expected the token to verify, got %w", err)
		}
		return nil
	}
}
