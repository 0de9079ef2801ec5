package oauth2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Error codes of the client registration endpoint: RFC 7591, section 3.2.2.
const (
	ErrorInvalidRedirectURI          = "invalid_redirect_uri"
	ErrorInvalidClientMetadata       = "invalid_client_metadata"
	ErrorInvalidSoftwareStatement    = "invalid_software_statement"
	ErrorUnapprovedSoftwareStatement = "unapproved_software_statement"
)

var (
	// ErrRegistrationWidened: the registration endpoint registered more
	// than the client asked for (a redirect URI, grant type or response
	// type it did not request) or another client authentication method.
	// RFC 7591, section 3.2.1 lets a server narrow or replace what was
	// asked; a client that did not ask for a redirect URI must not accept
	// one it never controls.
	ErrRegistrationWidened = errors.New("oauth2: registered client metadata differs from the request")
	// ErrClientSecretExpired: a dynamically registered client's secret has
	// passed its client_secret_expires_at (RFC 7591, section 3.2.1).
	ErrClientSecretExpired = errors.New("oauth2: client secret expired")
)

// ClientMetadata is the metadata of a dynamically registered client: RFC
// 7591, section 2, with the members of OpenID Connect Dynamic Client
// Registration 1.0, section 2. Empty fields are not sent. Members this type
// does not name go in Extra.
type ClientMetadata struct {
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	Contacts                []string `json:"contacts,omitempty"`
	TOSURI                  string   `json:"tos_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	// JWKSURI and JWKS (a JSON Web Key Set document) carry the client's
	// public keys; RFC 7591 allows one of the two, never both.
	JWKSURI           string          `json:"jwks_uri,omitempty"`
	JWKS              json.RawMessage `json:"jwks,omitempty"`
	SoftwareID        string          `json:"software_id,omitempty"`
	SoftwareVersion   string          `json:"software_version,omitempty"`
	SoftwareStatement string          `json:"software_statement,omitempty"`

	// OpenID Connect Dynamic Client Registration 1.0, section 2.
	ApplicationType                 string   `json:"application_type,omitempty"`
	SubjectType                     string   `json:"subject_type,omitempty"`
	IDTokenSignedResponseAlg        string   `json:"id_token_signed_response_alg,omitempty"`
	IDTokenEncryptedResponseAlg     string   `json:"id_token_encrypted_response_alg,omitempty"`
	IDTokenEncryptedResponseEnc     string   `json:"id_token_encrypted_response_enc,omitempty"`
	UserinfoSignedResponseAlg       string   `json:"userinfo_signed_response_alg,omitempty"`
	UserinfoEncryptedResponseAlg    string   `json:"userinfo_encrypted_response_alg,omitempty"`
	UserinfoEncryptedResponseEnc    string   `json:"userinfo_encrypted_response_enc,omitempty"`
	TokenEndpointAuthSigningAlg     string   `json:"token_endpoint_auth_signing_alg,omitempty"`
	PostLogoutRedirectURIs          []string `json:"post_logout_redirect_uris,omitempty"`
	FrontchannelLogoutURI           string   `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelLogoutSessionReq    *bool    `json:"frontchannel_logout_session_required,omitempty"`
	BackchannelLogoutURI            string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionReq     *bool    `json:"backchannel_logout_session_required,omitempty"`
	BackchannelTokenDeliveryMode    string   `json:"backchannel_token_delivery_mode,omitempty"`
	BackchannelClientNotificationEP string   `json:"backchannel_client_notification_endpoint,omitempty"`

	// Extra holds further members, sent as they are. A name that is also
	// a field above is ignored here.
	Extra map[string]json.RawMessage `json:"-"`
}

// marshal encodes m with its Extra members.
func (m ClientMetadata) marshal(extra map[string]any) ([]byte, error) {
	type plain ClientMetadata
	b, err := json.Marshal(plain(m))
	if err != nil {
		return nil, fmt.Errorf("%w: client metadata: %v", ErrInvalidConfig, err)
	}
	if len(m.Extra) == 0 && len(extra) == 0 {
		return b, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("%w: client metadata: %v", ErrInvalidConfig, err)
	}
	for k, v := range m.Extra {
		if _, known := obj[k]; !known && json.Valid(v) {
			obj[k] = v
		}
	}
	for k, v := range extra {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: client metadata: %v", ErrInvalidConfig, err)
		}
		obj[k] = raw
	}
	return json.Marshal(obj)
}

// RegisteredClient is a client information response: RFC 7591, section
// 3.2.1, and RFC 7592, section 3. It holds the credentials of the client:
// store it as carefully as a client secret.
type RegisteredClient struct {
	// ClientID is the "client_id" member. Never empty.
	ClientID string
	// ClientSecret is the "client_secret" member; empty for a client that
	// does not use a secret.
	ClientSecret string
	// ClientIDIssuedAt is "client_id_issued_at"; zero when absent.
	ClientIDIssuedAt time.Time
	// ClientSecretExpiresAt is "client_secret_expires_at"; zero when the
	// secret never expires (the value 0 on the wire) or there is no secret.
	ClientSecretExpiresAt time.Time
	// RegistrationAccessToken is the bearer credential for RFC 7592's
	// read, update and delete; RegistrationClientURI is where they go.
	// Both empty when the server offers no management.
	RegistrationAccessToken string
	RegistrationClientURI   string
	// Metadata is the client's metadata as the server registered it.
	Metadata ClientMetadata
	// Raw holds every member of the response.
	Raw map[string]json.RawMessage
}

// SecretExpired reports whether the client secret has expired at now.
func (rc *RegisteredClient) SecretExpired(now time.Time) bool {
	return !rc.ClientSecretExpiresAt.IsZero() && !now.Before(rc.ClientSecretExpiresAt)
}

// Apply sets c's ClientID and ClientSecret to the registered client's,
// refusing with [ErrClientSecretExpired] a secret that has expired by
// c.Clock (RFC 7591, section 3.2.1).
func (rc *RegisteredClient) Apply(c *Config) error {
	if rc.ClientSecret != "" && rc.SecretExpired(c.now()) {
		return fmt.Errorf("%w: at %s", ErrClientSecretExpired, rc.ClientSecretExpiresAt.Format(time.RFC3339))
	}
	c.ClientID = rc.ClientID
	c.ClientSecret = rc.ClientSecret
	return nil
}

// RegistrationRequest is what [Config.RegisterClient] sends.
type RegistrationRequest struct {
	// Endpoint is the client registration endpoint (RFC 7591, section 3;
	// "registration_endpoint" in the server's metadata).
	Endpoint string
	// InitialAccessToken, when set, authorizes the request as a bearer
	// token (RFC 7591, section 3); empty for open registration.
	InitialAccessToken string
	// Metadata is the metadata asked for.
	Metadata ClientMetadata
	// AllowOtherManagementOrigin accepts a registration_client_uri on
	// another origin than Endpoint. Off by default: the registration access
	// token is sent there, and a server should not hand it elsewhere.
	AllowOtherManagementOrigin bool
}

// RegisterClient registers a client: RFC 7591, section 3.1. The response
// (section 3.2.1) is checked against the request: every redirect URI,
// grant type and response type registered must have been asked for, and
// an authentication method asked for must be the one registered, else
// [ErrRegistrationWidened]. An error response (section 3.2.2) is an
// *[Error] with Code such as [ErrorInvalidRedirectURI] or
// [ErrorInvalidClientMetadata]. The Config's client credentials are not
// used; its HTTPClient, Observer, Clock and MaxBodySize are.
func (c *Config) RegisterClient(ctx context.Context, r RegistrationRequest) (*RegisteredClient, error) {
	if r.Metadata.JWKSURI != "" && len(r.Metadata.JWKS) > 0 {
		return nil, fmt.Errorf("%w: jwks and jwks_uri are mutually exclusive (RFC 7591, section 2)", ErrInvalidConfig)
	}
	body, err := r.Metadata.marshal(nil)
	if err != nil {
		return nil, err
	}
	res, err := c.sendJSON(ctx, http.MethodPost, r.Endpoint, r.InitialAccessToken, body, nil)
	if err != nil {
		return nil, err
	}
	if err := checkSuccess(res, http.StatusCreated, http.StatusOK); err != nil {
		return nil, err
	}
	rc, err := parseRegisteredClient(res.body)
	if err != nil {
		return nil, err
	}
	if err := checkNotWidened(r.Metadata, rc.Metadata); err != nil {
		return nil, err
	}
	if err := checkManagementURI(r.Endpoint, rc.RegistrationClientURI, r.AllowOtherManagementOrigin); err != nil {
		return nil, err
	}
	return rc, nil
}

// ReadClient reads a registered client's current configuration: RFC 7592,
// section 2.1. The result replaces rc: a server may rotate the
// registration access token or the secret on any request, and then the
// old ones no longer work. An invalid or expired registration access token
// is an *[Error] with Code [ErrorInvalidToken] and StatusCode 401.
func (c *Config) ReadClient(ctx context.Context, rc *RegisteredClient) (*RegisteredClient, error) {
	return c.manageClient(ctx, http.MethodGet, rc, nil)
}

// UpdateClient replaces a registered client's metadata with md: RFC 7592,
// section 2.2. The request carries every member of md plus client_id (and
// client_secret when the client has one), as the section requires; fields
// left empty in md are asked to be removed. The response is checked as
// RegisterClient checks it.
func (c *Config) UpdateClient(ctx context.Context, rc *RegisteredClient, md ClientMetadata) (*RegisteredClient, error) {
	extra := map[string]any{"client_id": rc.ClientID}
	if rc.ClientSecret != "" {
		extra["client_secret"] = rc.ClientSecret
	}
	body, err := md.marshal(extra)
	if err != nil {
		return nil, err
	}
	out, err := c.manageClient(ctx, http.MethodPut, rc, body)
	if err != nil {
		return nil, err
	}
	if err := checkNotWidened(md, out.Metadata); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteClient deregisters a client: RFC 7592, section 2.3. Success is
// 204 No Content (200 is accepted too).
func (c *Config) DeleteClient(ctx context.Context, rc *RegisteredClient) error {
	if rc.RegistrationClientURI == "" || rc.RegistrationAccessToken == "" {
		return fmt.Errorf("%w: the client has no registration_client_uri or registration access token", ErrInvalidConfig)
	}
	res, err := c.sendJSON(ctx, http.MethodDelete, rc.RegistrationClientURI, rc.RegistrationAccessToken, nil, []string{rc.ClientSecret})
	if err != nil {
		return err
	}
	return checkSuccess(res, http.StatusNoContent, http.StatusOK)
}

// manageClient sends one RFC 7592 request and reads a client information
// response from it.
func (c *Config) manageClient(ctx context.Context, method string, rc *RegisteredClient, body []byte) (*RegisteredClient, error) {
	if rc.RegistrationClientURI == "" || rc.RegistrationAccessToken == "" {
		return nil, fmt.Errorf("%w: the client has no registration_client_uri or registration access token", ErrInvalidConfig)
	}
	res, err := c.sendJSON(ctx, method, rc.RegistrationClientURI, rc.RegistrationAccessToken, body, []string{rc.ClientSecret})
	if err != nil {
		return nil, err
	}
	if err := checkSuccess(res, http.StatusOK); err != nil {
		return nil, err
	}
	out, err := parseRegisteredClient(res.body)
	if err != nil {
		return nil, err
	}
	if out.ClientID != rc.ClientID {
		return nil, fmt.Errorf("%w: client_id %q in the response, %q expected", ErrMalformedResponse, sanitize(out.ClientID, 128), sanitize(rc.ClientID, 128))
	}
	// RFC 7592, section 3: the token and URI may be left out of a read
	// response; the ones in hand stay valid then.
	if out.RegistrationAccessToken == "" {
		out.RegistrationAccessToken = rc.RegistrationAccessToken
	}
	if out.RegistrationClientURI == "" {
		out.RegistrationClientURI = rc.RegistrationClientURI
	} else if err := checkManagementURI(rc.RegistrationClientURI, out.RegistrationClientURI, false); err != nil {
		return nil, err
	}
	if out.ClientSecret == "" && rc.ClientSecret != "" && !out.hasMember("client_secret") {
		out.ClientSecret = rc.ClientSecret
		out.ClientSecretExpiresAt = rc.ClientSecretExpiresAt
	}
	return out, nil
}

func (rc *RegisteredClient) hasMember(name string) bool {
	_, ok := rc.Raw[name]
	return ok
}

// parseRegisteredClient reads a client information response (RFC 7591,
// section 3.2.1): a JSON object with a non-empty client_id, and
// client_secret_expires_at whenever a client_secret is issued.
func parseRegisteredClient(body []byte) (*RegisteredClient, error) {
	members, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	rc := &RegisteredClient{Raw: members}
	rest := make(map[string]json.RawMessage, len(members))
	for k, v := range members {
		rest[k] = v
	}
	if err := takeString(rest, "client_id", &rc.ClientID, true); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"client_secret", &rc.ClientSecret},
		{"registration_access_token", &rc.RegistrationAccessToken},
		{"registration_client_uri", &rc.RegistrationClientURI},
	} {
		if err := takeString(rest, f.name, f.dst, false); err != nil {
			return nil, err
		}
	}
	issued, err := numericDate(rest["client_id_issued_at"])
	if err != nil {
		return nil, fmt.Errorf("%w: client_id_issued_at is not a number", ErrMalformedResponse)
	}
	if issued.Unix() > 0 {
		rc.ClientIDIssuedAt = issued
	}
	expRaw, hasExp := rest["client_secret_expires_at"]
	if rc.ClientSecret != "" && !hasExp {
		return nil, fmt.Errorf("%w: client_secret without client_secret_expires_at", ErrMalformedResponse)
	}
	exp, err := numericDate(expRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: client_secret_expires_at is not a number", ErrMalformedResponse)
	}
	if exp.Unix() > 0 { // 0 means the secret does not expire
		rc.ClientSecretExpiresAt = exp
	}
	type plain ClientMetadata
	var md plain
	metaBody, _ := json.Marshal(rest)
	if err := json.Unmarshal(metaBody, &md); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%w: client metadata member %q has the wrong type", ErrMalformedResponse, sanitize(te.Field, 64))
		}
		return nil, fmt.Errorf("%w: client metadata: %v", ErrMalformedResponse, err)
	}
	rc.Metadata = ClientMetadata(md)
	return rc, nil
}

// checkNotWidened compares the registered metadata with the requested.
func checkNotWidened(asked, got ClientMetadata) error {
	for _, f := range []struct {
		name       string
		asked, got []string
	}{
		{"redirect_uris", asked.RedirectURIs, got.RedirectURIs},
		{"grant_types", asked.GrantTypes, got.GrantTypes},
		{"response_types", asked.ResponseTypes, got.ResponseTypes},
		// A server may default the post-logout URIs to the redirect URIs
		// (Keycloak does); any other URI is one the client never named.
		{"post_logout_redirect_uris", slices.Concat(asked.PostLogoutRedirectURIs, asked.RedirectURIs), got.PostLogoutRedirectURIs},
	} {
		if len(f.asked) == 0 && f.name != "redirect_uris" && f.name != "post_logout_redirect_uris" {
			continue // the server's defaults apply (RFC 7591, section 2)
		}
		for _, v := range f.got {
			if !slices.Contains(f.asked, v) && !impliedGrant(f.name, v, f.asked) {
				return fmt.Errorf("%w: %s holds %q, not asked for", ErrRegistrationWidened, f.name, sanitize(v, 256))
			}
		}
	}
	if asked.TokenEndpointAuthMethod != "" && got.TokenEndpointAuthMethod != "" && asked.TokenEndpointAuthMethod != got.TokenEndpointAuthMethod {
		return fmt.Errorf("%w: token_endpoint_auth_method %q, %q asked for", ErrRegistrationWidened, sanitize(got.TokenEndpointAuthMethod, 64), asked.TokenEndpointAuthMethod)
	}
	return nil
}

// impliedGrant reports whether a registered grant type follows from one
// asked for: a server that issues refresh tokens with the code grant lists
// refresh_token beside it (RFC 7591, section 2: grant_types names what the
// client "will restrict itself to using", and the refresh grant only
// redeems tokens the other grants gave).
func impliedGrant(member, v string, asked []string) bool {
	return member == "grant_types" && v == "refresh_token" && len(asked) > 0
}

// checkManagementURI refuses a registration_client_uri that is not an
// http(s) URL on the origin of base, unless other origins are allowed.
func checkManagementURI(base, uri string, allowOther bool) error {
	if uri == "" {
		return nil
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: registration_client_uri %q is not an http(s) URL", ErrMalformedResponse, sanitize(uri, 256))
	}
	if allowOther {
		return nil
	}
	b, err := url.Parse(base)
	if err != nil || !strings.EqualFold(b.Scheme, u.Scheme) || !strings.EqualFold(b.Host, u.Host) {
		return fmt.Errorf("%w: registration_client_uri %q is on another origin than the registration endpoint", ErrInsecureURL, sanitize(u.Redacted(), 256))
	}
	return nil
}

// sendJSON sends a JSON request (body nil for none) with an optional
// bearer token (RFC 6750, section 2.1) and reads the response within the
// size cap. Like post, it never follows a redirect: the bearer token and
// the body carry credentials. secrets are further values to keep out of
// errors and observations.
func (c *Config) sendJSON(ctx context.Context, method, endpoint, bearer string, body []byte, secrets []string) (*response, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return nil, err
	}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, rdr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	call := c.call(nil)
	call.Body = body
	call.Secrets.Add(bearer)
	call.Secrets.Add(secrets...)
	res, err := call.Do(req)
	if err != nil {
		return nil, err
	}
	return &response{status: res.StatusCode, header: res.Header, body: res.Body, secrets: res.Secrets}, nil
}
