package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// UserInfo is a verified userinfo response: OpenID Connect Core, section
// 5.3.2. Its "sub" equals the ID token's.
type UserInfo struct {
	// Subject is "sub".
	Subject string
	// Name, PreferredUsername, GivenName, FamilyName and Email are the
	// standard claims of section 5.1, empty when absent or not strings.
	Name, PreferredUsername, GivenName, FamilyName, Email string
	// EmailVerified is "email_verified" (a boolean, or the strings "true"
	// and "false" that some providers send).
	EmailVerified bool
	// Signed reports whether the response was a signed JWT
	// (application/jwt) whose signature, iss and aud were verified.
	Signed bool

	claims []byte // the claim set, for Claims
}

// Claims decodes every claim of the response into v, with encoding/json
// rules. The claim set was parsed strictly: no duplicate or case-variant
// names.
func (u *UserInfo) Claims(v any) error {
	if err := json.Unmarshal(u.claims, v); err != nil {
		return fmt.Errorf("oidc: decoding userinfo claims: %w", err)
	}
	return nil
}

// UserInfoOptions are the expectations of one userinfo request.
type UserInfoOptions struct {
	// Subject is the ID token's "sub"; the response's "sub" must equal it
	// (section 5.3.4). Required.
	Subject string
	// ClientID is the client's client_id, which a signed response's "aud"
	// must contain (section 5.3.2). Required to accept signed responses.
	ClientID string
	// Issuer is what a signed response's "iss" must equal. Provider.UserInfo
	// sets it.
	Issuer string
	// KeySet verifies signed responses. Provider.UserInfo sets it. Without
	// it, signed responses are refused.
	KeySet jose.KeySet
	// Algorithms allowed for signed responses; empty means RS256. HS* is
	// never accepted here.
	Algorithms []jose.Algorithm
	// HTTPClient sends the request; nil means a client with a 30 s timeout.
	// Redirects are not followed: the request carries the access token.
	HTTPClient *http.Client
	// MaxBodySize bounds the response, counted after decompression; zero
	// means 1 MiB.
	MaxBodySize int64
	// Decrypter, when set, decrypts encrypted responses (section 5.3.2);
	// the plaintext must be a signed JWT.
	Decrypter *Decrypter

	// noAlgorithm is set when the provider's metadata left none of the
	// client's algorithms: signed responses are then refused.
	noAlgorithm bool
}

// UserInfo fetches the end-user's claims with an access token from the
// provider's userinfo_endpoint (OpenID Connect Core, section 5.3). See
// [FetchUserInfo]. Signed responses are
// verified with the provider's keys and issuer, with opts.Algorithms
// narrowed to userinfo_signing_alg_values_supported.
func (p *Provider) UserInfo(ctx context.Context, accessToken string, opts UserInfoOptions) (*UserInfo, error) {
	if p.Metadata.UserInfoEndpoint == "" {
		return nil, fmt.Errorf("%w: the provider has no userinfo_endpoint", ErrInvalidConfig)
	}
	opts.Issuer = p.Metadata.Issuer
	if opts.KeySet == nil {
		opts.KeySet = p.KeySet
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = p.httpClient
	}
	if opts.MaxBodySize == 0 {
		opts.MaxBodySize = p.maxBodySize
	}
	algs := opts.Algorithms
	if len(algs) == 0 {
		algs = []jose.Algorithm{jose.RS256}
	}
	opts.Algorithms = narrow(algs, p.Metadata.UserInfoSigningAlgValuesSupported)
	opts.noAlgorithm = len(opts.Algorithms) == 0
	return FetchUserInfo(ctx, p.Metadata.UserInfoEndpoint, accessToken, opts)
}

// FetchUserInfo sends a userinfo request (OpenID Connect Core, section
// 5.3.1): a GET with "Authorization: Bearer" (RFC 6750, section 2.1) through
// the caller's client, and checks the response (section 5.3.2 to 5.3.4):
//
//   - 200 with application/json: one JSON object, parsed strictly;
//   - 200 with application/jwt: a JWS verified with opts.KeySet and
//     opts.Algorithms, whose "iss" equals opts.Issuer and whose "aud"
//     contains opts.ClientID; an encrypted one is decrypted first with
//     opts.Decrypter (see [Decrypter]);
//   - "sub" equals opts.Subject exactly, else ErrSubject;
//   - a 401 or 403 with a Bearer challenge is an *oauth2.Error with the
//     challenge's error code (RFC 6750, section 3.1) and the header; any
//     other failure an *oauth2.ResponseError; a body over the size cap
//     oauth2.ErrResponseTooLarge.
//
// Anything else fails with ErrUserInfo. The access token never appears in
// an error.
func FetchUserInfo(ctx context.Context, endpoint, accessToken string, opts UserInfoOptions) (*UserInfo, error) {
	if opts.Subject == "" {
		return nil, fmt.Errorf("%w: UserInfoOptions.Subject is required (the ID token's sub)", ErrInvalidConfig)
	}
	if accessToken == "" || strings.ContainsAny(accessToken, "\r\n") {
		return nil, fmt.Errorf("%w: empty or invalid access token", ErrInvalidConfig)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil || (req.URL.Scheme != "https" && req.URL.Scheme != "http") {
		return nil, fmt.Errorf("%w: userinfo endpoint is not an http(s) URL", ErrInvalidConfig)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json, application/jwt")
	res, err := noRedirects(opts.HTTPClient).Do(req)
	if err != nil {
		return nil, redactError(err, accessToken)
	}
	defer res.Body.Close()
	maxBody := opts.MaxBodySize
	if maxBody <= 0 {
		maxBody = oauth2.DefaultMaxBodySize
	}
	body, err := readBounded(res.Body, maxBody)
	if err != nil {
		return nil, redactError(err, accessToken)
	}
	if res.StatusCode != http.StatusOK {
		return nil, statusError(res, body, accessToken)
	}
	mediaType, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	var claims []byte
	signed := false
	switch mediaType {
	case "application/json":
		claims = body
	case "application/jwt":
		claims, err = openUserInfo(ctx, strings.TrimSpace(string(body)), opts)
		if err != nil {
			return nil, err
		}
		signed = true
	default:
		return nil, fail(ErrUserInfo, fmt.Sprintf("unexpected content type %q", cut(res.Header.Get("Content-Type"))))
	}
	parsed, err := jose.ParseClaims(claims)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
	}
	if !parsed.Has("sub") {
		return nil, missing(ErrSubject, "sub")
	}
	if parsed.Subject != opts.Subject {
		return nil, fail(ErrSubject, "the userinfo sub is not the ID token's sub")
	}
	u := &UserInfo{Subject: parsed.Subject, Signed: signed, claims: claims}
	for name, dst := range map[string]*string{
		"name": &u.Name, "preferred_username": &u.PreferredUsername,
		"given_name": &u.GivenName, "family_name": &u.FamilyName, "email": &u.Email,
	} {
		*dst, _, _ = claimString(parsed, name)
	}
	switch ev, _ := parsed.Member("email_verified"); string(ev) {
	case "true", `"true"`:
		u.EmailVerified = true
	}
	return u, nil
}

// verifySignedUserInfo verifies a signed userinfo response: section 5.3.2
// (signature, iss, aud). Its payload is returned for the checks common to
// both forms.
func verifySignedUserInfo(ctx context.Context, token string, opts UserInfoOptions) ([]byte, error) {
	if opts.KeySet == nil || opts.ClientID == "" || opts.Issuer == "" {
		return nil, fail(ErrUserInfo, "a signed response needs KeySet, ClientID and Issuer to be verified")
	}
	if opts.noAlgorithm {
		return nil, fail(ErrUserInfo, "the provider signs userinfo with none of the client's algorithms")
	}
	algs := opts.Algorithms
	if len(algs) == 0 {
		algs = []jose.Algorithm{jose.RS256}
	}
	algs = withoutHMAC(algs)
	_, payload, err := jose.Verify(ctx, token, opts.KeySet, jose.VerifyOptions{Algorithms: algs})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
	}
	c, err := jose.ParseClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
	}
	if c.Issuer != opts.Issuer {
		return nil, &checkError{errs: []error{ErrUserInfo, ErrIssuerMismatch, jose.ErrIssuer}, detail: "signed userinfo iss is not the provider's"}
	}
	if !c.Audience.Contains(opts.ClientID) {
		return nil, &checkError{errs: []error{ErrUserInfo, ErrAudience, jose.ErrAudience}, detail: "signed userinfo aud does not contain the client_id"}
	}
	return payload, nil
}

// withoutHMAC drops HS* algorithms: a userinfo response is never
// keyed by anything this package would accept as an HMAC key.
func withoutHMAC(algs []jose.Algorithm) []jose.Algorithm {
	out := make([]jose.Algorithm, 0, len(algs))
	for _, a := range algs {
		if !isHMAC(a) {
			out = append(out, a)
		}
	}
	return out
}

// statusError turns a non-200 userinfo response into an *oauth2.Error when
// it carries a Bearer challenge with an error code (RFC 6750, section 3),
// else into an *oauth2.ResponseError.
func statusError(res *http.Response, body []byte, accessToken string) error {
	if ch, ok := oauth2.BearerChallenge(res.Header); ok && ch.ErrorCode() != "" {
		return &oauth2.Error{
			Code:        clean(ch.ErrorCode(), accessToken, 128),
			Description: clean(ch.ErrorDescription(), accessToken, 1024),
			URI:         clean(ch.ErrorURI(), accessToken, 1024),
			StatusCode:  res.StatusCode,
			Header:      res.Header,
			Body:        []byte(redact(string(body), accessToken)),
		}
	}
	return &oauth2.ResponseError{
		StatusCode:  res.StatusCode,
		ContentType: res.Header.Get("Content-Type"),
		Excerpt:     clean(string(body), accessToken, 256),
		Header:      res.Header,
	}
}
