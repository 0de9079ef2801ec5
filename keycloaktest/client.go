package keycloaktest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ClientAuth is how a client authenticates at the token endpoint
// (RFC 6749, section 2.3; RFC 7523, section 2.2), in the names of the
// OAuth registry (RFC 7591, section 2).
type ClientAuth string

// Client authentication methods.
const (
	// ClientSecretBasic and ClientSecretPost are Keycloak's
	// "client-secret" authenticator, which accepts both (RFC 6749,
	// section 2.3.1).
	ClientSecretBasic ClientAuth = "client_secret_basic"
	ClientSecretPost  ClientAuth = "client_secret_post"
	// ClientSecretJWT is an HMAC-signed assertion keyed with the secret
	// (RFC 7523; Keycloak's "client-secret-jwt").
	ClientSecretJWT ClientAuth = "client_secret_jwt"
	// PrivateKeyJWT is an assertion signed with the client's private key,
	// whose public key Keycloak reads from ClientOptions.JWKSURL or
	// ClientOptions.JWKS (RFC 7523; Keycloak's "client-jwt").
	PrivateKeyJWT ClientAuth = "private_key_jwt"
	// PublicClient is a public client, which does not authenticate.
	PublicClient ClientAuth = "none"
)

// ClientOptions describe an OpenID Connect client to create. Every grant
// is off unless asked for.
type ClientOptions struct {
	// ClientID is the client identifier; empty means a unique
	// "client-<random>".
	ClientID string
	// Auth is the authentication method; empty means ClientSecretBasic.
	Auth ClientAuth
	// Secret is the client secret of a confidential client; empty lets
	// Keycloak generate one, returned in Client.Secret.
	Secret string
	// RedirectURIs are the allowed redirection URIs (RFC 6749,
	// section 3.1.2); Keycloak allows a trailing "*".
	RedirectURIs []string
	// PostLogoutRedirectURIs are allowed after RP-initiated logout.
	PostLogoutRedirectURIs []string
	// StandardFlow enables the authorization code grant (RFC 6749,
	// section 4.1).
	StandardFlow bool
	// PKCE requires a code challenge with method S256 (RFC 7636).
	PKCE bool
	// DirectAccessGrants enables the password grant (RFC 6749, section 4.3).
	DirectAccessGrants bool
	// ServiceAccount enables the client credentials grant (RFC 6749,
	// section 4.4).
	ServiceAccount bool
	// DeviceGrant enables the device authorization grant (RFC 8628).
	DeviceGrant bool
	// TokenExchange enables standard token exchange (RFC 8693) for this
	// client as the requester.
	TokenExchange bool
	// DPoPBound requires DPoP-bound tokens (RFC 9449).
	DPoPBound bool
	// ConsentRequired makes the user approve the client's scopes.
	ConsentRequired bool
	// JWKSURL (or JWKS, an inline JSON Web Key Set) holds the public keys
	// of a PrivateKeyJWT client.
	JWKSURL string
	JWKS    string
	// SigningAlgorithm, when set, is the only algorithm Keycloak accepts
	// for the client's assertions (e.g. "RS256", "HS256").
	SigningAlgorithm string
	// Audiences are client IDs added to the "aud" of this client's access
	// tokens (with Keycloak's audience mapper); a token exchange target
	// must be in the subject token's audience.
	Audiences []string
	// Attributes are further client attributes.
	Attributes map[string]string
	// Representation holds further members of the client representation;
	// they are applied last and win over the fields above.
	Representation map[string]any
}

// Client is a client created in a realm.
type Client struct {
	// ID is Keycloak's internal id, used in admin API paths.
	ID string
	// ClientID is the OAuth client identifier.
	ClientID string
	// Secret is the client secret; empty for public and PrivateKeyJWT
	// clients.
	Secret string
	// Realm is the realm name.
	Realm string
}

// CreateClient creates an OpenID Connect client described by opts.
func (a *Admin) CreateClient(ctx context.Context, realm string, opts ClientOptions) (*Client, error) {
	rep, err := opts.representation()
	if err != nil {
		return nil, err
	}
	c, err := a.CreateClientRepresentation(ctx, realm, rep)
	if err != nil {
		return nil, err
	}
	switch opts.auth() {
	case PublicClient, PrivateKeyJWT:
		c.Secret = ""
	}
	return c, nil
}

func (o *ClientOptions) auth() ClientAuth {
	if o.Auth == "" {
		return ClientSecretBasic
	}
	return o.Auth
}

// representation builds Keycloak's ClientRepresentation.
func (o *ClientOptions) representation() (map[string]any, error) {
	clientID := o.ClientID
	if clientID == "" {
		clientID = uniqueName("client")
	}
	attrs := map[string]string{}
	rep := map[string]any{
		"clientId":                  clientID,
		"protocol":                  "openid-connect",
		"enabled":                   true,
		"publicClient":              false,
		"standardFlowEnabled":       o.StandardFlow,
		"implicitFlowEnabled":       false,
		"directAccessGrantsEnabled": o.DirectAccessGrants,
		"serviceAccountsEnabled":    o.ServiceAccount,
		"consentRequired":           o.ConsentRequired,
		"redirectUris":              nonNil(o.RedirectURIs),
	}
	switch o.auth() {
	case ClientSecretBasic, ClientSecretPost:
		rep["clientAuthenticatorType"] = "client-secret"
	case ClientSecretJWT:
		rep["clientAuthenticatorType"] = "client-secret-jwt"
	case PrivateKeyJWT:
		rep["clientAuthenticatorType"] = "client-jwt"
		switch {
		case o.JWKSURL != "":
			attrs["use.jwks.url"] = "true"
			attrs["jwks.url"] = o.JWKSURL
		case o.JWKS != "":
			attrs["use.jwks.url"] = "false"
			attrs["use.jwks.string"] = "true"
			attrs["jwks.string"] = o.JWKS
		default:
			return nil, fmt.Errorf("keycloaktest: client %s: private_key_jwt needs JWKSURL or JWKS", clientID)
		}
	case PublicClient:
		rep["publicClient"] = true
		if o.ServiceAccount {
			return nil, fmt.Errorf("keycloaktest: client %s: a public client cannot have a service account", clientID)
		}
	default:
		return nil, fmt.Errorf("keycloaktest: client %s: unknown authentication method %q", clientID, o.Auth)
	}
	if o.Secret != "" {
		rep["secret"] = o.Secret
	}
	if o.SigningAlgorithm != "" {
		attrs["token.endpoint.auth.signing.alg"] = o.SigningAlgorithm
	}
	if o.PKCE {
		attrs["pkce.code.challenge.method"] = "S256"
	}
	if o.DeviceGrant {
		attrs["oauth2.device.authorization.grant.enabled"] = "true"
	}
	if o.TokenExchange {
		attrs["standard.token.exchange.enabled"] = "true"
	}
	if o.DPoPBound {
		attrs["dpop.bound.access.tokens"] = "true"
	}
	if len(o.PostLogoutRedirectURIs) > 0 {
		attrs["post.logout.redirect.uris"] = strings.Join(o.PostLogoutRedirectURIs, "##")
	}
	for k, v := range o.Attributes {
		attrs[k] = v
	}
	rep["attributes"] = attrs
	var mappers []map[string]any
	for _, aud := range o.Audiences {
		mappers = append(mappers, map[string]any{
			"name":           "audience " + aud,
			"protocol":       "openid-connect",
			"protocolMapper": "oidc-audience-mapper",
			"config": map[string]string{
				"included.client.audience":  aud,
				"access.token.claim":        "true",
				"id.token.claim":            "false",
				"introspection.token.claim": "true",
			},
		})
	}
	if mappers != nil {
		rep["protocolMappers"] = mappers
	}
	for k, v := range o.Representation {
		rep[k] = v
	}
	return rep, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateClientRepresentation creates a client from a raw
// ClientRepresentation (it must hold "clientId") and returns it with its
// secret when it has one.
func (a *Admin) CreateClientRepresentation(ctx context.Context, realm string, rep map[string]any) (*Client, error) {
	clientID, _ := rep["clientId"].(string)
	h, err := a.Do(ctx, http.MethodPost, "/admin/realms/"+url.PathEscape(realm)+"/clients", rep, nil)
	if err != nil {
		return nil, err
	}
	c := &Client{ID: createdID(h), ClientID: clientID, Realm: realm}
	if public, _ := rep["publicClient"].(bool); !public {
		if c.Secret, err = a.ClientSecret(ctx, realm, c.ID); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ClientSecret returns the secret of the client with internal id.
func (a *Admin) ClientSecret(ctx context.Context, realm, id string) (string, error) {
	var cred struct {
		Value string `json:"value"`
	}
	_, err := a.Do(ctx, http.MethodGet, "/admin/realms/"+url.PathEscape(realm)+"/clients/"+url.PathEscape(id)+"/client-secret", nil, &cred)
	return cred.Value, err
}

// UpdateClient changes the members of the client representation given in
// rep and leaves the others. Attributes given replace those of the same
// name.
func (a *Admin) UpdateClient(ctx context.Context, realm, id string, rep map[string]any) error {
	path := "/admin/realms/" + url.PathEscape(realm) + "/clients/" + url.PathEscape(id)
	var cur map[string]any
	if _, err := a.Do(ctx, http.MethodGet, path, nil, &cur); err != nil {
		return err
	}
	for k, v := range rep {
		if k == "attributes" {
			merged, _ := cur["attributes"].(map[string]any)
			if merged == nil {
				merged = map[string]any{}
			}
			switch attrs := v.(type) {
			case map[string]string:
				for ak, av := range attrs {
					merged[ak] = av
				}
			case map[string]any:
				for ak, av := range attrs {
					merged[ak] = av
				}
			}
			cur["attributes"] = merged
			continue
		}
		cur[k] = v
	}
	_, err := a.Do(ctx, http.MethodPut, path, cur, nil)
	return err
}

// DeleteClient deletes the client with internal id.
func (a *Admin) DeleteClient(ctx context.Context, realm, id string) error {
	_, err := a.Do(ctx, http.MethodDelete, "/admin/realms/"+url.PathEscape(realm)+"/clients/"+url.PathEscape(id), nil, nil)
	return err
}
