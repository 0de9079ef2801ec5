package oauth2

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// The token endpoint's request and response: RFC 6749, sections 3.2, 5.1
// and 5.2. Every grant ends here.

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
	if err := c.fixTokenResponse(r); err != nil {
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
		return nil, r.secrets.Error(err)
	}
	return t, nil
}

// fixTokenResponse gives r to [Config.BeforeTokenResponse], when set, and
// takes back what it changed.
func (c *Config) fixTokenResponse(r *response) error {
	if c.BeforeTokenResponse == nil {
		return nil
	}
	raw := &RawResponse{StatusCode: r.status, Header: r.header.Clone(), Body: r.body}
	if err := c.BeforeTokenResponse(raw); err != nil {
		return err
	}
	if raw.Header == nil {
		raw.Header = http.Header{}
	}
	r.status, r.header, r.body = raw.StatusCode, raw.Header, raw.Body
	return nil
}
