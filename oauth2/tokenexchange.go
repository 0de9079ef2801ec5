package oauth2

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// GrantTypeTokenExchange is the grant_type of a token exchange request
// (RFC 8693, section 2.1).
const GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// Token type identifiers: RFC 8693, section 3. They name the kind of token
// in subject_token_type, actor_token_type, requested_token_type and
// issued_token_type, not the token_type of section 5.1 of RFC 6749.
const (
	TokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeSAML1        = "urn:ietf:params:oauth:token-type:saml1"
	TokenTypeSAML2        = "urn:ietf:params:oauth:token-type:saml2"
	TokenTypeJWT          = "urn:ietf:params:oauth:token-type:jwt"
)

// ErrIssuedTokenType: a token exchange response without issued_token_type,
// which RFC 8693, section 2.2.1 requires, or with one other than the type
// requested. The token must not be used.
var ErrIssuedTokenType = errors.New("oauth2: token exchange issued an unexpected token type")

// TokenExchangeGrant is a token exchange request: RFC 8693, section 2.1.
// Use it with [Config.Exchange], which checks the issued token's type.
type TokenExchangeGrant struct {
	// SubjectToken is the token of the party on whose behalf the request
	// is made. Required.
	SubjectToken string
	// SubjectTokenType is SubjectToken's type identifier, such as
	// [TokenTypeAccessToken]. Required.
	SubjectTokenType string
	// ActorToken is the token of the acting party, for delegation.
	ActorToken string
	// ActorTokenType is ActorToken's type identifier; required with it.
	ActorTokenType string
	// RequestedTokenType is the type identifier of the token wanted.
	RequestedTokenType string
	// Audience lists the logical names of the target services; each is
	// sent as its own "audience" parameter.
	Audience []string
	// Resource lists the absolute URIs of the target services; each is
	// sent as its own "resource" parameter (RFC 8707).
	Resource []string
	// Scopes requested. Config.Scopes is not used as a fallback: a
	// token exchange asks for a scope relative to the subject token.
	Scopes []string
	// Extra parameters, sent as they are.
	Extra url.Values
}

// GrantType returns "urn:ietf:params:oauth:grant-type:token-exchange".
func (TokenExchangeGrant) GrantType() string { return GrantTypeTokenExchange }

// Form returns the request parameters of RFC 8693, section 2.1.
func (g TokenExchangeGrant) Form(_ context.Context, c *Config) (url.Values, error) {
	if g.SubjectToken == "" || g.SubjectTokenType == "" {
		return nil, fmt.Errorf("%w: token exchange needs a subject token and its type", ErrInvalidConfig)
	}
	if g.ActorToken != "" && g.ActorTokenType == "" {
		return nil, fmt.Errorf("%w: token exchange actor token without its type", ErrInvalidConfig)
	}
	if g.ActorToken == "" && g.ActorTokenType != "" {
		return nil, fmt.Errorf("%w: token exchange actor token type without an actor token", ErrInvalidConfig)
	}
	form := formWith(c, g.Scopes, false, g.Extra)
	form.Set("subject_token", g.SubjectToken)
	form.Set("subject_token_type", g.SubjectTokenType)
	if g.ActorToken != "" {
		form.Set("actor_token", g.ActorToken)
		form.Set("actor_token_type", g.ActorTokenType)
	}
	if g.RequestedTokenType != "" {
		form.Set("requested_token_type", g.RequestedTokenType)
	}
	for _, a := range g.Audience {
		form.Add("audience", a)
	}
	for _, r := range g.Resource {
		form.Add("resource", r)
	}
	return form, nil
}

// TokenExchange runs a token exchange (RFC 8693, section 2) and checks the
// response of section 2.2.1: issued_token_type must be present and, when
// g.RequestedTokenType is set, equal to it. Otherwise the error wraps
// [ErrIssuedTokenType] and no token is returned.
func (c *Config) TokenExchange(ctx context.Context, g TokenExchangeGrant) (*Token, error) {
	t, err := c.Token(ctx, g)
	if err != nil {
		return nil, err
	}
	if err := checkIssuedTokenType(t, g.RequestedTokenType); err != nil {
		return nil, err
	}
	return t, nil
}

// checkIssuedTokenType applies the rules of RFC 8693, section 2.2.1.
func checkIssuedTokenType(t *Token, requested string) error {
	if t.IssuedTokenType == "" {
		return fmt.Errorf("%w: issued_token_type is missing (RFC 8693, section 2.2.1)", ErrIssuedTokenType)
	}
	if requested != "" && t.IssuedTokenType != requested {
		return fmt.Errorf("%w: requested %q, issued %q", ErrIssuedTokenType,
			sanitize(requested, 128), sanitize(strings.TrimSpace(t.IssuedTokenType), 128))
	}
	return nil
}
