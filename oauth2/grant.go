package oauth2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Grant is the grant-specific part of a token request (RFC 6749, section
// 4). Implementations are small structs; see [PasswordGrant],
// [ClientCredentialsGrant], [RefreshTokenGrant], [AuthorizationCodeGrant]
// and [CustomGrant].
type Grant interface {
	// GrantType returns the "grant_type" value.
	GrantType() string
	// Form returns the grant's request parameters, grant_type and client
	// authentication excluded. It is called once for each request, so an
	// implementation may mint a fresh assertion each time. It must not
	// modify c.
	Form(ctx context.Context, c *Config) (url.Values, error)
}

// Token runs grant g at the token endpoint and returns the issued token
// (RFC 6749, section 3.2 and the grant's own section). The client
// authenticates with c.AuthMethod. An error response is an [*Error]; a
// response that is not OAuth is a [*ResponseError].
func (c *Config) Token(ctx context.Context, g Grant) (*Token, error) {
	form, err := g.Form(ctx, c)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("grant_type", g.GrantType())
	return c.requestToken(ctx, form, nil)
}

// requestToken posts a complete token request and reads the response:
// section 5.1 for success, section 5.2 for errors. With DPoP, a
// "use_dpop_nonce" error is retried once with the server's nonce
// (RFC 9449, section 8).
func (c *Config) requestToken(ctx context.Context, form url.Values, header http.Header) (*Token, error) {
	if c.DPoP == nil {
		return c.requestTokenOnce(ctx, form, header)
	}
	for attempt := 0; ; attempt++ {
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		proof, err := c.DPoP.Proof(http.MethodPost, c.Endpoint.TokenURL, "")
		if err != nil {
			return nil, err
		}
		h.Set("DPoP", proof)
		t, err := c.requestTokenOnce(ctx, cloneValues(form), h)
		var e *Error
		if attempt == 0 && errors.As(err, &e) && e.Code == ErrorUseDPoPNonce && e.Header.Get("DPoP-Nonce") != "" {
			continue
		}
		return t, err
	}
}

// requestTokenOnce is one token request. An error object is an error
// whatever the status, since some servers send one with 200 (RFC 6749,
// section 5.2 says 400; GitHub and Slack say 200). Anything else that is not
// a 2xx JSON object is a *ResponseError. The body is parsed once.
func (c *Config) requestTokenOnce(ctx context.Context, form url.Values, header http.Header) (*Token, error) {
	r, err := c.post(ctx, c.Endpoint.TokenURL, form, true, header)
	if err != nil {
		return nil, err
	}
	if c.DPoP != nil {
		if n := r.header.Get("DPoP-Nonce"); n != "" {
			c.DPoP.UpdateNonce(c.Endpoint.TokenURL, n)
		}
	}
	members, perr := decodeObject(r.body)
	if e := errorFromMembers(r, members); e != nil {
		return nil, e
	}
	if r.status < 200 || r.status > 299 || (perr != nil && !errors.Is(perr, errRepeatedMember)) {
		return nil, errorFrom(r)
	}
	if perr != nil {
		return nil, perr
	}
	t, err := tokenFromMembers(members, c.now(), header.Get("DPoP") != "")
	if err != nil {
		return nil, redactErr(err, r.secrets)
	}
	return t, nil
}

// CustomGrant is any grant type by its absolute URI or registered name
// (RFC 6749, section 4.5), with its parameters as given.
type CustomGrant struct {
	// Type is the grant_type value.
	Type string
	// Params are the grant's parameters; repeated values are sent repeated.
	Params url.Values
}

// GrantType returns g.Type.
func (g CustomGrant) GrantType() string { return g.Type }

// Form returns a copy of g.Params.
func (g CustomGrant) Form(context.Context, *Config) (url.Values, error) {
	if g.Type == "" {
		return nil, fmt.Errorf("%w: CustomGrant without a grant type", ErrInvalidConfig)
	}
	return cloneValues(g.Params), nil
}

// formWith returns a form holding the extra parameters (repeated ones
// kept, as RFC 8707 "resource" needs) and the scope: the grant's own scopes,
// or the Config's when fallback is set and the grant names none
// (RFC 6749, section 3.3).
func formWith(c *Config, scopes []string, fallback bool, extra url.Values) url.Values {
	form := cloneValues(extra)
	if len(scopes) == 0 && fallback {
		scopes = c.Scopes
	}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return form
}
