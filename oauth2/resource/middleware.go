package resource

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Guard authenticates the requests to a protected resource and answers
// those it refuses with the challenges of RFC 6750, section 3 and RFC 9449,
// section 7.1. Its zero value is not usable: Validator is required.
//
// A request passes when:
//   - it carries exactly one Authorization header with the Bearer or DPoP
//     scheme (RFC 6750, section 2.1; tokens in the query or the body, section
//     2.2 and 2.3, are not read);
//   - Validator accepts the token;
//   - a token bound to a DPoP key (cnf.jkt) comes under the DPoP scheme with
//     one valid proof of that key (RFC 9449, sections 7.1 and 7.2), and a
//     Bearer token is refused when RequireDPoP is set;
//   - a token bound to a certificate (cnf["x5t#S256"]) comes over TLS with
//     that client certificate (RFC 8705, section 3);
//   - it holds every scope of Scopes.
//
// The handler it wraps finds the token with [TokenFromContext].
type Guard struct {
	// Validator validates tokens. Required.
	Validator Validator
	// DPoP verifies DPoP proofs; nil refuses the DPoP scheme.
	DPoP *DPoPVerifier
	// RequireDPoP refuses Bearer tokens: every token must be DPoP-bound.
	RequireDPoP bool
	// Scopes are required of every request.
	Scopes []string
	// Realm, when set, is the challenges' realm parameter (RFC 6750,
	// section 3).
	Realm string
	// ResourceMetadataURL, when set, is the resource_metadata parameter of
	// the challenges: the URL of the resource's RFC 9728 metadata (RFC
	// 9728, section 5.1).
	ResourceMetadataURL string
	// RequestURL returns the URL a client used for r, the DPoP proof's
	// htu. Nil means the scheme of r.TLS, r.Host and r.URL.Path: set it
	// behind a proxy that changes them.
	RequestURL func(r *http.Request) string
	// OnError, when set, is told why each request was refused; for logs.
	OnError func(r *http.Request, err error)
}

type tokenKey struct{}

// TokenFromContext returns the access token a [Guard] accepted for the
// request whose context ctx is.
func TokenFromContext(ctx context.Context) (*AccessToken, bool) {
	at, ok := ctx.Value(tokenKey{}).(*AccessToken)
	return at, ok
}

// Wrap returns a handler that serves next only the requests the Guard
// accepts.
func (g *Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, err := g.Authenticate(r)
		if err != nil {
			g.refuse(w, r, err, g.Scopes)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, at)))
	})
}

// RequireScopes returns a handler that serves next only the requests whose
// token, accepted by the Guard's Wrap before it, holds every scope of
// scopes; others get 403 with an insufficient_scope challenge naming them.
func (g *Guard) RequireScopes(next http.Handler, scopes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, ok := TokenFromContext(r.Context())
		if !ok {
			g.refuse(w, r, ErrNoToken, scopes)
			return
		}
		if err := checkScopes(at, scopes); err != nil {
			g.refuse(w, r, err, scopes)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Authenticate runs every check of the Guard on r and returns the accepted
// token.
func (g *Guard) Authenticate(r *http.Request) (*AccessToken, error) {
	if g.Validator == nil {
		return nil, fmt.Errorf("%w: Guard needs a Validator", oauth2.ErrInvalidConfig)
	}
	scheme, token, err := credentials(r)
	if err != nil {
		return nil, err
	}
	if scheme == oauth2.TokenTypeBearer && g.RequireDPoP {
		return nil, fmt.Errorf("%w: DPoP-bound tokens are required", ErrScheme)
	}
	if scheme == oauth2.TokenTypeDPoP && g.DPoP == nil {
		return nil, fmt.Errorf("%w: the DPoP scheme is not accepted here", ErrScheme)
	}
	at, err := g.Validator.ValidateAccessToken(r.Context(), token)
	if err != nil {
		return nil, err
	}
	switch {
	case scheme == oauth2.TokenTypeDPoP:
		proofs := r.Header.Values("DPoP")
		if len(proofs) != 1 {
			return nil, fmt.Errorf("%w: %d DPoP headers", ErrDPoPProof, len(proofs))
		}
		p, err := g.DPoP.Verify(r.Context(), proofs[0], r.Method, g.requestURL(r), token)
		if err != nil {
			return nil, err
		}
		// RFC 9449, section 7.1: the proof's key is the token's.
		if at.JKT == "" {
			return nil, fmt.Errorf("%w: the token is not DPoP-bound", ErrBinding)
		}
		if subtle.ConstantTimeCompare([]byte(at.JKT), []byte(p.JKT)) != 1 {
			return nil, fmt.Errorf("%w: the proof's key is not the token's cnf.jkt", ErrBinding)
		}
	case at.JKT != "":
		// Section 7.2: a DPoP-bound token under Bearer is refused.
		return nil, fmt.Errorf("%w: a DPoP-bound token was sent as a Bearer token", ErrScheme)
	}
	if err := checkCertificateBinding(r, at); err != nil {
		return nil, err
	}
	if err := checkScopes(at, g.Scopes); err != nil {
		return nil, err
	}
	return at, nil
}

// credentials reads the one Authorization header of r: its scheme,
// canonical, and its token (RFC 6750, section 2.1; RFC 9449, section 7.1).
func credentials(r *http.Request) (scheme, token string, err error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", "", ErrNoToken
	case 1:
	default:
		return "", "", fmt.Errorf("%w: %d Authorization headers", ErrMalformedRequest, len(values))
	}
	s, t, ok := strings.Cut(values[0], " ")
	switch {
	case strings.EqualFold(s, oauth2.TokenTypeBearer):
		scheme = oauth2.TokenTypeBearer
	case strings.EqualFold(s, oauth2.TokenTypeDPoP):
		scheme = oauth2.TokenTypeDPoP
	default:
		return "", "", ErrNoToken // another scheme carries no access token
	}
	t = strings.TrimLeft(t, " ")
	if !ok || !isB64Token(t) {
		return "", "", fmt.Errorf("%w: the %s credentials are not a b64token", ErrMalformedRequest, scheme)
	}
	return scheme, t, nil
}

// isB64Token checks RFC 6750, section 2.1: 1*( ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	if s == "" || len(s) > 64<<10 {
		return false
	}
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// checkCertificateBinding applies RFC 8705, section 3: a token with a
// cnf["x5t#S256"] is accepted only over TLS with the certificate whose
// SHA-256 that is.
func checkCertificateBinding(r *http.Request, at *AccessToken) error {
	if at.CertificateThumbprint == "" {
		return nil
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return fmt.Errorf("%w: the token is bound to a client certificate and the request has none", ErrBinding)
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(at.CertificateThumbprint)) != 1 {
		return fmt.Errorf("%w: the token is bound to another client certificate", ErrBinding)
	}
	return nil
}

func checkScopes(at *AccessToken, scopes []string) error {
	have := at.Scopes()
	for _, s := range scopes {
		if !slices.Contains(have, s) {
			return fmt.Errorf("%w: %q is required", ErrInsufficientScope, truncate(s))
		}
	}
	return nil
}

func (g *Guard) requestURL(r *http.Request) string {
	if g.RequestURL != nil {
		return g.RequestURL(r)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

// refuse answers a refused request: RFC 6750, section 3.1 and RFC 9449,
// section 7.1. The status and error code follow from err; the
// descriptions are fixed texts, so that nothing of the request or the
// token is echoed.
func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, err error, scopes []string) {
	if g.OnError != nil {
		g.OnError(r, err)
	}
	status, code, desc := http.StatusUnauthorized, oauth2.ErrorInvalidToken, "the access token is not valid here"
	dpopCode := ""
	switch {
	case errors.Is(err, ErrNoToken):
		code, desc = "", ""
	case errors.Is(err, ErrMalformedRequest):
		status, code, desc = http.StatusBadRequest, oauth2.ErrorInvalidRequest, "the credentials are malformed"
	case errors.Is(err, ErrInsufficientScope):
		status, code, desc = http.StatusForbidden, oauth2.ErrorInsufficientScope, "the access token lacks a required scope"
	case errors.Is(err, ErrDPoPNonce):
		code, desc, dpopCode = "", "", oauth2.ErrorUseDPoPNonce
		if g.DPoP != nil && g.DPoP.Nonces != nil {
			w.Header().Set("DPoP-Nonce", g.DPoP.Nonces.Nonce())
		}
	case errors.Is(err, ErrDPoPProof):
		code, desc, dpopCode = "", "", "invalid_dpop_proof"
	case errors.Is(err, ErrScheme):
		desc = "the access token was sent under the wrong scheme"
	case errors.Is(err, ErrBinding):
		desc = "the access token is bound to another key"
	case errors.Is(err, jose.ErrExpired), errors.Is(err, ErrInactive):
		desc = "the access token expired or was revoked"
	case errors.Is(err, oauth2.ErrInvalidConfig):
		status, code, desc = http.StatusInternalServerError, "", ""
	}
	if status == http.StatusInternalServerError {
		http.Error(w, http.StatusText(status), status)
		return
	}
	// The error goes in the challenge of the scheme the request used
	// (RFC 9449, section 7.1), or of the only scheme offered; a DPoP proof
	// error always in the DPoP challenge.
	usedDPoP := dpopCode != "" || g.RequireDPoP
	if s, _, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(s, oauth2.TokenTypeDPoP) {
		usedDPoP = true
	}
	if dpopCode != "" {
		code = dpopCode
	}
	var challenges []string
	if !g.RequireDPoP {
		if usedDPoP && g.DPoP != nil {
			challenges = append(challenges, challenge(oauth2.TokenTypeBearer, g.Realm, "", "", g.ResourceMetadataURL, nil))
		} else {
			challenges = append(challenges, challenge(oauth2.TokenTypeBearer, g.Realm, code, desc, g.ResourceMetadataURL, scopes))
		}
	}
	if g.DPoP != nil {
		algs := g.DPoP.Algorithms
		if len(algs) == 0 {
			algs = defaultProofAlgorithms
		}
		names := make([]string, len(algs))
		for i, a := range algs {
			names[i] = string(a)
		}
		c := challenge(oauth2.TokenTypeDPoP, g.Realm, "", "", g.ResourceMetadataURL, nil)
		if usedDPoP {
			c = challenge(oauth2.TokenTypeDPoP, g.Realm, code, desc, g.ResourceMetadataURL, scopes)
		}
		sep := ", "
		if c == oauth2.TokenTypeDPoP {
			sep = " "
		}
		challenges = append(challenges, c+sep+"algs="+quote(strings.Join(names, " ")))
	}
	for _, c := range challenges {
		w.Header().Add("WWW-Authenticate", c)
	}
	if code != "" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%s}`, strconv.Quote(code))
		return
	}
	w.WriteHeader(status)
}

// challenge builds one challenge of RFC 6750, section 3; scopes are named
// with an insufficient_scope error.
func challenge(scheme, realm, code, desc, metadata string, scopes []string) string {
	var params []string
	if realm != "" {
		params = append(params, "realm="+quote(realm))
	}
	if code != "" {
		params = append(params, "error="+quote(code))
	}
	if desc != "" {
		params = append(params, "error_description="+quote(desc))
	}
	if code == oauth2.ErrorInsufficientScope && len(scopes) > 0 {
		params = append(params, "scope="+quote(strings.Join(scopes, " ")))
	}
	if metadata != "" {
		params = append(params, "resource_metadata="+quote(metadata))
	}
	if len(params) == 0 {
		return scheme
	}
	return scheme + " " + strings.Join(params, ", ")
}

// quote makes a quoted-string (RFC 9110, section 5.6.4) of s, dropping
// the characters RFC 6750, section 3 excludes from its parameters.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}
