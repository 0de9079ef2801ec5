package resource

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/safetext"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// AccessToken is an access token a resource server accepted: what it may
// know of the grant behind it.
type AccessToken struct {
	// Raw is the token as the client sent it.
	Raw string
	// Issuer, Subject, ClientID and ID are "iss", "sub", "client_id" and
	// "jti" (RFC 9068, section 2.2; RFC 7662, section 2.2).
	Issuer, Subject, ClientID, ID string
	// Audience is "aud".
	Audience []string
	// Scope is the space-delimited "scope" (RFC 9068, section 2.2.3).
	Scope string
	// Expiry, IssuedAt and AuthTime are "exp", "iat" and "auth_time";
	// zero when absent.
	Expiry, IssuedAt, AuthTime time.Time
	// JKT is the "jkt" member of "cnf": the JWK thumbprint of the key the
	// token is bound to (RFC 9449, section 6). Empty for an unbound token.
	JKT string
	// CertificateThumbprint is "x5t#S256" of "cnf": the SHA-256 of the
	// client certificate the token is bound to (RFC 8705, section 3.1).
	CertificateThumbprint string
	// Claims are the claims of a JWT access token; nil for an introspected
	// token.
	Claims *jose.Claims
	// Introspection is the introspection response of an introspected token;
	// nil for a JWT access token.
	Introspection *oauth2.Introspection
}

// Scopes returns the token's scopes.
func (t *AccessToken) Scopes() []string { return strings.Fields(t.Scope) }

// HasScope reports whether scope is among the token's scopes.
func (t *AccessToken) HasScope(scope string) bool { return slices.Contains(t.Scopes(), scope) }

// Validator validates an access token for one resource.
//
// ValidateAccessToken MUST return a token only when it is valid for the
// resource now (signature or introspection, issuer, audience, expiry); it
// MUST NOT check the scheme, DPoP proof or scope, which [Guard] checks. It
// must be safe for concurrent use and must return once ctx is done.
type Validator interface {
	ValidateAccessToken(ctx context.Context, token string) (*AccessToken, error)
}

// AccessTokenType is the "typ" header of a JWT access token: RFC 9068,
// section 2.1 ("application/at+jwt" is the same type).
const AccessTokenType = "at+jwt"

// defaultAlgorithms are the signature algorithms accepted when
// JWTValidator.Algorithms is empty: the asymmetric ones. RFC 9068, section
// 4 forbids "none"; a shared secret would let every resource server forge
// tokens for the others.
var defaultAlgorithms = []jose.Algorithm{jose.RS256, jose.PS256, jose.ES256}

// JWTValidator validates JWT access tokens: RFC 9068, section 4.
//
// The steps are the section's, in its order: "typ" is at+jwt; "iss" equals
// Issuer exactly; "aud" holds Resource; the signature verifies with a key
// of Keys and an algorithm of Algorithms (never "none"); "exp" is in the
// future. Then the claims section 2.2 requires are present: "sub",
// "client_id", "iat" and "jti".
//
// It does not check the scope (see [Guard.Scopes]), "auth_time" or "acr",
// and it does not decrypt encrypted access tokens.
type JWTValidator struct {
	// Issuer is the authorization server's issuer identifier. Required.
	Issuer string
	// Resource is the audience the tokens must name: the resource's
	// identifier at the authorization server (RFC 8707 resource indicator,
	// or a Keycloak client ID given by an audience mapper). Required.
	Resource string
	// Keys verify signatures; usually a jose.RemoteKeySet of the issuer's
	// jwks_uri. Required.
	Keys jose.KeySet
	// Algorithms are the accepted "alg" values; empty means RS256, PS256
	// and ES256.
	Algorithms []jose.Algorithm
	// Leeway is the clock skew allowed for exp, nbf and iat.
	Leeway time.Duration
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// AllowJWTType also accepts "typ" values of "JWT" and none, as Keycloak
	// issues unless its client attribute access.token.header.type.rfc9068
	// is on. The "typ" check is what keeps an ID token or another JWT of
	// the same issuer from passing as an access token (RFC 9068, section
	// 5): with it off, only the audience and client_id checks stand.
	AllowJWTType bool
	// AllowAzpAsClientID takes "azp" as the client_id when "client_id" is
	// absent, as in Keycloak's tokens for users.
	AllowAzpAsClientID bool
}

// ValidateAccessToken validates token as RFC 9068, section 4 says.
func (v *JWTValidator) ValidateAccessToken(ctx context.Context, token string) (*AccessToken, error) {
	if v.Issuer == "" || v.Resource == "" || v.Keys == nil {
		return nil, fmt.Errorf("%w: JWTValidator needs Issuer, Resource and Keys", oauth2.ErrInvalidConfig)
	}
	algs := v.Algorithms
	if len(algs) == 0 {
		algs = defaultAlgorithms
	}
	opts := jose.VerifyOptions{Algorithms: algs, Types: []string{AccessTokenType}}
	if v.AllowJWTType {
		opts.Types = nil
	}
	// Steps 3 to 6 (iss, aud, signature and alg, exp); step 1's typ is
	// checked with the signature, before any claim is read.
	hdr, claims, err := jose.VerifyJWT(ctx, token, v.Keys, opts, jose.Expected{
		Issuer:          v.Issuer,
		Audience:        v.Resource,
		Leeway:          v.Leeway,
		Clock:           v.Clock,
		RequireExpiry:   true,
		RequireIssuedAt: true,
	})
	if err != nil {
		return nil, err
	}
	if v.AllowJWTType && hdr.Type != "" && !strings.EqualFold(hdr.Type, "JWT") &&
		!strings.EqualFold(strings.TrimPrefix(strings.ToLower(hdr.Type), "application/"), AccessTokenType) {
		return nil, fmt.Errorf("%w: typ %q", jose.ErrType, truncate(hdr.Type))
	}
	// Keycloak marks its ID tokens and refresh tokens with a "typ" claim;
	// a JWT that says it is something else is not an access token.
	if typ, ok, _ := claims.StringClaim("typ"); ok && !strings.EqualFold(typ, "Bearer") && !strings.EqualFold(typ, "DPoP") {
		return nil, fmt.Errorf("%w: the token's typ claim is %q", jose.ErrType, truncate(typ))
	}
	at, err := fromClaims(token, claims, v.AllowAzpAsClientID)
	if err != nil {
		return nil, err
	}
	return at, nil
}

// fromClaims reads the RFC 9068 claims of a verified token, requiring those
// section 2.2 lists.
func fromClaims(token string, c *jose.Claims, azpAsClientID bool) (*AccessToken, error) {
	at := &AccessToken{
		Raw:      token,
		Issuer:   c.Issuer,
		Subject:  c.Subject,
		ID:       c.ID,
		Audience: c.Audience,
		Claims:   c,
	}
	if c.Expiry != nil {
		at.Expiry = c.Expiry.Time()
	}
	if c.IssuedAt != nil {
		at.IssuedAt = c.IssuedAt.Time()
	}
	var err error
	if at.ClientID, _, err = c.StringClaim("client_id"); err != nil {
		return nil, err
	}
	if at.ClientID == "" && azpAsClientID {
		if at.ClientID, _, err = c.StringClaim("azp"); err != nil {
			return nil, err
		}
	}
	if at.Scope, _, err = c.StringClaim("scope"); err != nil {
		return nil, err
	}
	if d, ok, err := c.NumericDateClaim("auth_time"); err != nil {
		return nil, err
	} else if ok {
		at.AuthTime = d.Time()
	}
	for _, c := range []struct{ name, value string }{{"sub", at.Subject}, {"client_id", at.ClientID}, {"jti", at.ID}} {
		if c.value == "" {
			return nil, fmt.Errorf("%w: %q (RFC 9068, section 2.2)", jose.ErrMissingClaim, c.name)
		}
	}
	if raw, ok := c.Member("cnf"); ok {
		if err := readConfirmation(raw, at); err != nil {
			return nil, err
		}
	}
	return at, nil
}

// readConfirmation reads the "cnf" claim (RFC 7800, section 3.1): the
// members "jkt" (RFC 9449, section 6.1) and "x5t#S256" (RFC 8705, section
// 3.1), each a string when present.
func readConfirmation(raw json.RawMessage, at *AccessToken) error {
	if string(raw) == "null" {
		return nil
	}
	var cnf map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cnf); err != nil {
		return fmt.Errorf("%w: cnf is not an object", jose.ErrMalformed)
	}
	for name, dst := range map[string]*string{"jkt": &at.JKT, "x5t#S256": &at.CertificateThumbprint} {
		v, ok := cnf[name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil || *dst == "" {
			return fmt.Errorf("%w: cnf.%s is not a non-empty string", jose.ErrMalformed, name)
		}
	}
	return nil
}

// truncate cuts an untrusted value for an error message: [safetext.Clip]
// to 64 bytes.
func truncate(s string) string { return safetext.Clip(s, 64) }
