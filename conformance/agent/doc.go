// Package agent holds login agents: what plays the user's part of an
// authorization request (RFC 6749, section 4.1.1) or a device
// authorization (RFC 8628, section 3.3) while the conformance suite tests
// a provider.
//
// Every agent has the two methods the suite calls:
//
//	Authorize(ctx, authURL, redirectURI, username, password string) (*url.URL, error)
//	ApproveDevice(ctx, verificationURI, userCode, username, password string) error
//
// Authorize returns the URL the provider redirected the browser to (the
// callback with code, state and iss, or an error response) without
// requesting it; ApproveDevice returns once the user has approved the
// device, after which the device's polling gets its token.
//
// Three agents:
//
//   - [Form] fills in and submits a provider's HTML login, consent and
//     device pages headlessly, with configurable field names; it submits
//     forms only to the issuer's origin.
//   - [Keycloak] is keycloaktest's agent for Keycloak's own pages.
//   - [Interactive] asks a person: it prints the authorization URL (or
//     opens a browser) and receives the callback on a loopback redirect URI
//     (RFC 8252, section 7.3); for a device it prints the verification URI
//     and the user code.
package agent
