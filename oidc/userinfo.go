package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/internal/safetext"
	"github.com/oauthkit/oauthkit/internal/wire"
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
	// TokenType is the access token's token_type: "Bearer" (or empty) sends
	// it as a Bearer token, "DPoP" with the DPoP scheme and a proof from
	// DPoP (RFC 9449, section 7.1). Pass the oauth2.Token's TokenType.
	TokenType string
	// DPoP makes the proofs for a DPoP-bound token; the same prover as the
	// oauth2.Config's, so that nonces are shared. A use_dpop_nonce
	// challenge is answered once with a new proof (RFC 9449, section 9).
	DPoP oauth2.DPoPProver
	// HTTPClient sends the request; nil means a client with a 30 s timeout.
	// Redirects are not followed: the request carries the access token.
	HTTPClient *http.Client
	// MaxBodySize bounds the response, counted after decompression; zero
	// means 1 MiB.
	MaxBodySize int64
	// Observer, when set, is shown each exchange (see oauth2.HTTPExchange);
	// Provider.UserInfo sets the provider's when it is nil.
	Observer func(*oauth2.HTTPExchange)
	// RevealSecrets turns off redaction in what Observer is shown.
	RevealSecrets bool
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
	if opts.Observer == nil {
		opts.Observer, opts.RevealSecrets = p.observer, p.revealSecrets
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
// 5.3.1): a GET with "Authorization: Bearer" (RFC 6750, section 2.1), or
// with the DPoP scheme and a proof for a DPoP-bound token (RFC 9449,
// section 7.1, see [oauth2.AuthorizeResource]), through the caller's
// client, and checks the response (section 5.3.2 to 5.3.4):
//
//   - 200 with application/json: one JSON object, parsed strictly;
//   - 200 with application/jwt: a JWS verified with opts.KeySet and
//     opts.Algorithms, whose "iss" equals opts.Issuer and whose "aud"
//     contains opts.ClientID; an encrypted one is decrypted first with
//     opts.Decrypter (see [Decrypter]);
//   - "sub" equals opts.Subject exactly, else ErrSubject;
//   - a 401 or 403 with a challenge of the token's scheme is an
//     *oauth2.Error with the challenge's error code (RFC 6750, section
//     3.1) and the headers, echoed token redacted; a DPoP use_dpop_nonce
//     challenge is first answered once with a new proof; any
//     other failure an *oauth2.ResponseError; a body over the size cap
//     oauth2.ErrResponseTooLarge.
//
// Anything else fails with ErrUserInfo. The access token never appears in
// an error.
func FetchUserInfo(ctx context.Context, endpoint, accessToken string, opts UserInfoOptions) (*UserInfo, error) {
	if opts.Subject == "" {
		return nil, fmt.Errorf("%w: UserInfoOptions.Subject is required (the ID token's sub)", ErrInvalidConfig)
	}
	maxBody := opts.MaxBodySize
	if maxBody <= 0 {
		maxBody = oauth2.DefaultMaxBodySize
	}
	call := wire.Call{Client: opts.HTTPClient, Redirects: wire.NoRedirects, MaxBody: maxBody, Observe: opts.Observer, Reveal: opts.RevealSecrets}
	call.Secrets.Add(accessToken)
	var res *wire.Response
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil || (req.URL.Scheme != "https" && req.URL.Scheme != "http") {
			return nil, fmt.Errorf("%w: userinfo endpoint is not an http(s) URL", ErrInvalidConfig)
		}
		if err := oauth2.AuthorizeResource(req, opts.TokenType, accessToken, opts.DPoP); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, call.Secrets.Error(err))
		}
		req.Header.Set("Accept", "application/json, application/jwt")
		res, err = call.Do(req)
		if err != nil {
			return nil, err
		}
		dpop := strings.EqualFold(opts.TokenType, oauth2.TokenTypeDPoP)
		if dpop && oauth2.ResourceNonce(opts.DPoP, endpoint, res.StatusCode, res.Header) && attempt == 0 {
			continue
		}
		break
	}
	body := res.Body
	var err error
	if res.StatusCode != http.StatusOK {
		return nil, statusError(res)
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
// it carries a Bearer or DPoP challenge with an error code (RFC 6750,
// section 3; RFC 9449, section 7.1; see oauth2.ChallengeError), else into
// an *oauth2.ResponseError. Headers, texts and body are redacted of the
// token.
func statusError(res *wire.Response) error {
	secrets := res.Secrets
	header := secrets.Header(res.Header)
	if e := oauth2.ChallengeError(res.StatusCode, res.Header); e != nil {
		e.Code = safetext.Clip(secrets.String(e.Code), 128)
		e.Description = safetext.Clip(secrets.String(e.Description), 1024)
		e.URI = safetext.Clip(secrets.String(e.URI), 1024)
		e.Header = header
		e.Body = secrets.Body(res.Body)
		return e
	}
	return &oauth2.ResponseError{
		StatusCode:  res.StatusCode,
		ContentType: safetext.Clip(res.Header.Get("Content-Type"), 128),
		Excerpt:     safetext.Clip(string(secrets.Body(res.Body)), 256),
		Header:      header,
	}
}
