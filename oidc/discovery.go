package oidc

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/oauth2"
)

// WellKnownPath is the path suffix of a provider's configuration document:
// OpenID Connect Discovery 1.0, section 4.
const WellKnownPath = "/.well-known/openid-configuration"

// Metadata is an OpenID Provider's configuration document: OpenID Connect
// Discovery 1.0, section 3, on top of the OAuth 2.0 members of RFC 8414
// (issuer, authorization_endpoint, token_endpoint, jwks_uri,
// end_session_endpoint, ... and Raw, with every member as sent).
type Metadata struct {
	oauth2.Metadata

	// UserInfoEndpoint is the userinfo endpoint (OpenID Connect Core,
	// section 5.3).
	UserInfoEndpoint string `json:"userinfo_endpoint"`
	// ACRValuesSupported lists the authentication context classes.
	ACRValuesSupported []string `json:"acr_values_supported"`
	// SubjectTypesSupported lists "public" and/or "pairwise".
	SubjectTypesSupported []string `json:"subject_types_supported"`
	// IDTokenSigningAlgValuesSupported lists the "alg" values of ID tokens.
	// It narrows the algorithms a verifier from [Provider.Verifier] accepts.
	IDTokenSigningAlgValuesSupported    []string `json:"id_token_signing_alg_values_supported"`
	IDTokenEncryptionAlgValuesSupported []string `json:"id_token_encryption_alg_values_supported"`
	IDTokenEncryptionEncValuesSupported []string `json:"id_token_encryption_enc_values_supported"`
	// UserInfoSigningAlgValuesSupported lists the "alg" values of signed
	// userinfo responses; it narrows [Provider.UserInfo]'s algorithms.
	UserInfoSigningAlgValuesSupported         []string `json:"userinfo_signing_alg_values_supported"`
	UserInfoEncryptionAlgValuesSupported      []string `json:"userinfo_encryption_alg_values_supported"`
	UserInfoEncryptionEncValuesSupported      []string `json:"userinfo_encryption_enc_values_supported"`
	RequestObjectSigningAlgValuesSupported    []string `json:"request_object_signing_alg_values_supported"`
	RequestObjectEncryptionAlgValuesSupported []string `json:"request_object_encryption_alg_values_supported"`
	RequestObjectEncryptionEncValuesSupported []string `json:"request_object_encryption_enc_values_supported"`
	DisplayValuesSupported                    []string `json:"display_values_supported"`
	ClaimTypesSupported                       []string `json:"claim_types_supported"`
	// ClaimsSupported lists the claims the provider may supply.
	ClaimsSupported                    []string `json:"claims_supported"`
	ClaimsLocalesSupported             []string `json:"claims_locales_supported"`
	ClaimsParameterSupported           bool     `json:"claims_parameter_supported"`
	RequestParameterSupported          bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported       *bool    `json:"request_uri_parameter_supported"` // absent means true
	RequireRequestURIRegistration      bool     `json:"require_request_uri_registration"`
	CheckSessionIframe                 string   `json:"check_session_iframe"`
	FrontchannelLogoutSupported        bool     `json:"frontchannel_logout_supported"`
	FrontchannelLogoutSessionSupported bool     `json:"frontchannel_logout_session_supported"`
	// BackchannelLogoutSupported and BackchannelLogoutSessionSupported are
	// OpenID Connect Back-Channel Logout 1.0, section 2.1.
	BackchannelLogoutSupported        bool `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported bool `json:"backchannel_logout_session_supported"`
}

// DiscoveryOptions tune discovery. The zero value is the safe default.
type DiscoveryOptions struct {
	// AllowInsecureHTTP accepts http:// issuer and endpoint URLs on any
	// host. Without it http is accepted only on loopback hosts (127.0.0.0/8,
	// ::1, localhost). Only for development setups.
	AllowInsecureHTTP bool
	// MaxBodySize bounds the document, counted after decompression. Zero
	// means 1 MiB.
	MaxBodySize int64
	// DiscoveryURL, when set, is where the document is fetched instead of
	// the issuer's well-known URL: for a provider reached through another
	// host name than its public one (Keycloak's back-channel hostname). The
	// document's issuer must still equal the issuer given, exactly.
	DiscoveryURL string
	// Observer, when set, is shown the exchange (see oauth2.HTTPExchange).
	Observer func(*oauth2.HTTPExchange)
	// RevealSecrets turns off redaction in what Observer is shown.
	RevealSecrets bool
}

// DiscoveryURL returns the configuration document URL of issuer: the
// issuer with any trailing "/" removed, then WellKnownPath (OpenID Connect
// Discovery 1.0, section 4.1).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + WellKnownPath
}

// Discover fetches and validates the configuration of the provider whose
// issuer identifier is issuer: OpenID Connect Discovery 1.0, sections 4 and
// 3. The GET goes through hc (nil means a client with a 30 s timeout) with
// the caller's ctx, follows redirects only within one origin, and reads at
// most opts.MaxBodySize bytes.
//
// The document's "issuer" must equal issuer exactly, with no case or
// trailing-slash normalization (section 4.3), else
// ErrIssuerMismatch and none of its endpoints is used. Members of the wrong
// JSON type, and a document without authorization_endpoint, token_endpoint
// or jwks_uri, fail with ErrInvalidMetadata; every endpoint must be
// https, or http on a loopback host (ErrInsecureURL). The other REQUIRED
// members of section 3 (response_types_supported, subject_types_supported,
// id_token_signing_alg_values_supported) are type-checked when present but
// not required.
//
// Errors match this package's sentinels and the oauth2 ones they come from
// (oauth2.ErrIssuerMismatch, oauth2.ErrInvalidMetadata,
// oauth2.ErrResponseTooLarge, *oauth2.ResponseError for a non-200 answer).
func Discover(ctx context.Context, hc *http.Client, issuer string, opts DiscoveryOptions) (*Metadata, error) {
	if issuer == "" {
		return nil, fmt.Errorf("%w: empty issuer", ErrInvalidConfig)
	}
	where := opts.DiscoveryURL
	if where == "" {
		where = DiscoveryURL(issuer)
	}
	base, err := oauth2.FetchMetadata(ctx, hc, where, issuer, oauth2.MetadataOptions{
		AllowInsecureHTTP: opts.AllowInsecureHTTP,
		MaxBodySize:       opts.MaxBodySize,
		Observer:          opts.Observer,
		RevealSecrets:     opts.RevealSecrets,
	})
	if err != nil {
		return nil, discoveryError(err)
	}
	m := &Metadata{}
	if err := base.Decode(m); err != nil {
		return nil, discoveryError(err)
	}
	m.Metadata = *base
	switch {
	case m.AuthorizationEndpoint == "":
		return nil, fail(ErrInvalidMetadata, "no authorization_endpoint")
	case m.JWKSURI == "":
		return nil, fail(ErrInvalidMetadata, "no jwks_uri")
	}
	return m, nil
}

// discoveryError names discovery as the step that failed; the sentinels
// of oauth2 are this package's too.
func discoveryError(err error) error {
	return fmt.Errorf("oidc: discovery: %w", err)
}
