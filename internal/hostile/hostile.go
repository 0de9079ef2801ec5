// Package hostile is oauthkit's catalogue of hostile-server cases: the ways a
// malicious or broken authorization server, resource server or key host can
// misbehave, and what oauthkit does about each.
//
// Every case has an ID (TE-01, JW-13, …) that tests cite in their names
// ("TestToken_TE02_MissingOrInvalidAccessToken") and in comments, and that
// hostile conformance scenarios carry in lower case ("jw-01-alg-none"). The
// catalogue is the one place such an ID resolves to: a test of this package
// fails when any Go file of the module cites an ID that is not here.
//
// The pass criterion common to all cases: the client ends with a typed error
// (errors.Is or errors.As), leaks no secret into errors, logs or requests to
// another host, never hangs past its deadline, and stays within bounded
// memory and CPU.
package hostile

import "strings"

// Area groups cases by the part of the protocol the server attacks.
type Area string

// The areas of the catalogue; an ID's prefix names its area.
const (
	TokenEndpoint Area = "TE" // token endpoint responses, every grant
	JOSE          Area = "JW" // JWT, JWS and JWK Set handling
	OIDC          Area = "OI" // ID tokens and the OpenID Connect flow
	Transport     Area = "HT" // HTTP transport and automatic refresh
	Discovery     Area = "DM" // discovery, metadata, challenges, introspection
	DPoP          Area = "DP" // DPoP, PAR and other extensions
	FAPI          Area = "FA" // FAPI 2.0: JARM, request objects, mutual TLS
	Registration  Area = "RG" // dynamic client registration and management
	Resource      Area = "RS" // the resource-server side: tokens presented to an API
	JWE           Area = "JE" // encrypted ID tokens and userinfo
	CIBA          Area = "CB" // client-initiated backchannel authentication
)

// Title is the area's name as the conformance report prints it.
func (a Area) Title() string {
	switch a {
	case TokenEndpoint:
		return "Token endpoint"
	case JOSE:
		return "JWT, JWS and JWK Sets"
	case OIDC:
		return "ID token and OpenID Connect flow"
	case Transport:
		return "HTTP transport and automatic refresh"
	case Discovery:
		return "Discovery, metadata, challenges and introspection"
	case DPoP:
		return "DPoP, PAR and other extensions"
	case FAPI:
		return "FAPI 2.0: signed responses, request objects and mutual TLS"
	case Registration:
		return "Dynamic client registration"
	case Resource:
		return "Resource server: presented tokens and proofs"
	case JWE:
		return "Encrypted ID tokens and userinfo"
	case CIBA:
		return "Backchannel authentication (CIBA)"
	}
	return string(a)
}

// Case is one entry of the catalogue.
type Case struct {
	// ID is the case's identifier: the area's two letters, a hyphen and
	// two digits ("TE-01"). Numbers are never reused; gaps are cases that
	// were merged into others.
	ID string
	// Title names the case in a few words.
	Title string
	// Server is what the hostile server does.
	Server string
	// Client is what oauthkit must do: the case's pass criterion.
	Client string
	// Specs are the specification sections the case rests on.
	Specs []string
	// TestedIn lists the module's directories (relative to the module
	// root) whose Go files exercise the case; each of them cites the ID.
	TestedIn []string
}

// Area is the area the case's ID belongs to.
func (c Case) Area() Area {
	prefix, _, _ := strings.Cut(c.ID, "-")
	return Area(prefix)
}

// Lookup returns the case with the given ID, in upper or lower case.
func Lookup(id string) (Case, bool) {
	id = strings.ToUpper(id)
	for _, c := range Cases() {
		if c.ID == id {
			return c, true
		}
	}
	return Case{}, false
}
