package conformance

import (
	"encoding/json"
	"slices"
	"strings"
)

// Needs of generic scenarios are written in the terms of the target: what
// the issuer's metadata advertises (RFC 8414, section 2; OpenID Connect
// Discovery 1.0, section 3), which client roles the target configuration
// registers, whether users can log in, and what its administration API
// can do. Each is a Need of the form "kind:value"; [Provider] says which
// it meets and, for the others, why not.
const (
	// NeedMetadata: the issuer's metadata could be fetched and validated.
	NeedMetadata Need = "metadata"
	// NeedOpenID: the issuer is an OpenID Provider (its OpenID Connect
	// Discovery document could be fetched and validated).
	NeedOpenID Need = "openid"
	// NeedUser: the target names a test user with a password.
	NeedUser Need = "user"
	// NeedCodeClient: the target has a client with a redirect URI for the
	// authorization code flow ([RoleClientSecretBasic], else
	// [RoleClientSecretPost], else [RolePublic]).
	NeedCodeClient Need = "client:code"
)

// The capabilities of an [Administrator], for [NeedAdminCapability].
const (
	AdminCreateClient = "create-client"
	AdminCreateUser   = "create-user"
	AdminEndSession   = "end-session"
	AdminRotateKeys   = "rotate-keys"
	AdminSetLifetimes = "set-lifetimes"
)

// NeedClient is the need of a client registered for role (see
// [RoleClientSecretBasic] and the other roles).
func NeedClient(role string) Need { return Need("client:" + role) }

// NeedGrant is the need of a grant type in the metadata's
// grant_types_supported, whose absence means ["authorization_code",
// "implicit"] (RFC 8414, section 2).
func NeedGrant(grantType string) Need { return Need("grant:" + grantType) }

// NeedEndpoint is the need of an endpoint in the metadata, named by its
// member ("userinfo_endpoint", "revocation_endpoint", ...).
func NeedEndpoint(member string) Need { return Need("endpoint:" + member) }

// NeedMetadataTrue is the need of a boolean metadata member set to true
// ("claims_parameter_supported", "request_parameter_supported", ...).
func NeedMetadataTrue(member string) Need { return Need("true:" + member) }

// NeedScope is the need of a scope the metadata's scopes_supported lists,
// or does not rule out by being absent.
func NeedScope(scope string) Need { return Need("scope:" + scope) }

// NeedAuthMethod is the need of a token endpoint authentication method in
// token_endpoint_auth_methods_supported, whose absence means
// ["client_secret_basic"] (RFC 8414, section 2).
func NeedAuthMethod(method string) Need { return Need("auth-method:" + method) }

// NeedAdminCapability is the need of an administration API that can do
// capability ([AdminEndSession], [AdminRotateKeys], ...).
func NeedAdminCapability(capability string) Need { return Need("admin:" + capability) }

// codeRoles are the roles that may run the authorization code flow, in
// order of preference.
var codeRoles = []string{RoleClientSecretBasic, RoleClientSecretPost, RolePublic}

// codeRole returns the role of the client for code flow scenarios, or "".
func codeRole(t *Target) string {
	for _, r := range codeRoles {
		if c := t.Client(r); c != nil && c.RedirectURI != "" {
			return r
		}
	}
	return ""
}

// whyTarget returns why p does not meet a need of the target, or "" when
// it does. It reports handled false for the needs it does not know.
func (p *Provider) whyTarget(n Need) (reason string, handled bool) {
	kind, value, _ := strings.Cut(string(n), ":")
	t := p.Target
	switch kind {
	case string(NeedMetadata), "grant", "endpoint", "true", "scope", "auth-method", string(NeedOpenID):
		if t == nil {
			return "no target issuer configured", true
		}
		if p.metaErr != nil {
			return "the issuer's metadata is unavailable: " + p.metaErr.Error(), true
		}
		if p.oauthMeta == nil {
			return "the issuer's metadata has not been fetched", true
		}
	}
	switch kind {
	case string(NeedMetadata):
		return "", true
	case string(NeedOpenID):
		if p.oidcMeta == nil {
			return "the issuer has no OpenID Connect Discovery document", true
		}
		return "", true
	case string(NeedUser):
		if t.User() == nil {
			return "the target names no test user", true
		}
		return "", true
	case "client":
		if t == nil {
			return "no target configured", true
		}
		if value == "code" {
			if codeRole(t) == "" {
				return "the target has no client with a redirect_uri (roles " + strings.Join(codeRoles, ", ") + ")", true
			}
			return "", true
		}
		if t.Client(value) == nil {
			return "the target has no " + value + " client", true
		}
		return "", true
	case "grant":
		supported := p.oauthMeta.GrantTypesSupported
		if len(supported) == 0 {
			supported = []string{"authorization_code", "implicit"}
		}
		if !slices.Contains(supported, value) {
			return "the metadata's grant_types_supported lacks " + value, true
		}
		return "", true
	case "endpoint":
		var s string
		if raw, ok := p.oauthMeta.Raw[value]; ok {
			_ = json.Unmarshal(raw, &s)
		}
		if s == "" {
			return "the metadata has no " + value, true
		}
		return "", true
	case "true":
		var b bool
		if raw, ok := p.oauthMeta.Raw[value]; ok {
			_ = json.Unmarshal(raw, &b)
		}
		if !b {
			return "the metadata's " + value + " is not true", true
		}
		return "", true
	case "scope":
		if s := p.oauthMeta.ScopesSupported; len(s) > 0 && !slices.Contains(s, value) {
			return "the metadata's scopes_supported lacks " + value, true
		}
		return "", true
	case "auth-method":
		supported := p.oauthMeta.TokenEndpointAuthMethodsSupported
		if len(supported) == 0 {
			supported = []string{"client_secret_basic"}
		}
		if !slices.Contains(supported, value) {
			return "the metadata's token_endpoint_auth_methods_supported lacks " + value, true
		}
		return "", true
	case "admin":
		if p.Administrator == nil {
			return "the target has no administration API", true
		}
		if !slices.Contains(p.Administrator.Capabilities(), value) {
			return "the administration API cannot " + value, true
		}
		return "", true
	}
	return "", false
}
