package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/jose"
	"github.com/oauthkit/oauthkit/oauth2"
)

// BackChannelLogoutEvent is the member of a logout token's "events" claim
// that makes it a logout token (OpenID Connect Back-Channel Logout 1.0,
// section 2.4).
const BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// LogoutTokenType is the "typ" header of an explicitly typed logout token
// (OpenID Connect Back-Channel Logout 1.0, sections 2.4 and 4.1).
const LogoutTokenType = "logout+jwt"

// LogoutToken is a verified back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0, section 2.4). It names the end-user (Subject),
// the provider session (SessionID), or both.
type LogoutToken struct {
	// Issuer is "iss".
	Issuer string
	// Subject is "sub"; empty when the token names a session only.
	Subject string
	// SessionID is "sid"; empty when the token names the end-user only:
	// then every session of the end-user at the client ends.
	SessionID string
	// Audience is "aud".
	Audience []string
	// ID is "jti", to detect a replayed token.
	ID string
	// IssuedAt is "iat".
	IssuedAt time.Time
	// Expiry is "exp"; zero when absent.
	Expiry time.Time
	// Raw is the compact token as received.
	Raw string

	payload []byte
}

// Claims decodes every claim of the token into v, with encoding/json rules.
func (t *LogoutToken) Claims(v any) error {
	if err := json.Unmarshal(t.payload, v); err != nil {
		return fmt.Errorf("oidc: decoding logout token claims: %w", err)
	}
	return nil
}

// LogoutTokenOptions tune logout token verification. The zero value is the
// strict default.
type LogoutTokenOptions struct {
	// AllowJWTType accepts the "typ" header "JWT" besides "logout+jwt" and
	// no "typ": Keycloak before version 25 sends "JWT". The "events" claim
	// and the absent "nonce" still tell the token apart from an ID token.
	AllowJWTType bool
	// RequireExpiry rejects a token without "exp". The final specification
	// (2022) requires "exp"; earlier drafts did not, so it is optional by
	// default and checked when present.
	RequireExpiry bool
}

// VerifyLogoutToken verifies a back-channel logout token: OpenID Connect
// Back-Channel Logout 1.0, section 2.6, with the verifier's client, issuer,
// keys, algorithms and leeway:
//
//  1. encrypted tokens are not supported (rejected as malformed);
//  2. the signature, as for ID tokens; the "typ" header, when present, is
//     "logout+jwt" (section 4.1, explicit typing);
//  3. "iss", "aud" and "iat" as in ID tokens (OpenID Connect Core, section
//     3.1.3.7, steps 2, 3 and 10), "exp" when present, "jti" present;
//  4. "sub" or "sid" present;
//  5. "events" is an object whose BackChannelLogoutEvent member is a JSON
//     object;
//  6. "nonce" is absent.
//
// Steps 7 and 8 of section 2.6 (jti replay, matching the session) are the
// caller's: use ID, Subject and SessionID.
func (v *IDTokenVerifier) VerifyLogoutToken(ctx context.Context, rawToken string, opts LogoutTokenOptions) (*LogoutToken, error) {
	// Step 2: the signature, then the explicit type.
	hdr, payload, claims, err := v.verifyToken(ctx, rawToken, "logout token")
	if err != nil {
		return nil, err
	}
	typ := strings.TrimPrefix(strings.ToLower(hdr.Type), "application/")
	if typ != "" && typ != LogoutTokenType && (!opts.AllowJWTType || typ != "jwt") {
		return nil, &checkError{errs: []error{ErrLogoutToken, ErrTokenType, jose.ErrType},
			detail: "header \"typ\" " + strconv.Quote(cut(hdr.Type)) + " is not \"logout+jwt\""}
	}

	// Step 3: iss, aud, iat, exp as for ID tokens; jti.
	if err := v.checkIssuer(claims); err != nil {
		return nil, err
	}
	if err := v.checkAudience(claims); err != nil {
		return nil, err
	}
	t, leeway := v.now(), v.leeway()
	iat, err := checkIssuedAt(claims, t, leeway)
	if err != nil {
		return nil, err
	}
	exp, err := checkExpiry(claims, t, leeway, opts.RequireExpiry)
	if err != nil {
		return nil, err
	}
	if claims.ID == "" {
		return nil, missing(ErrLogoutToken, "jti")
	}

	// Step 4: sub or sid.
	sid, hasSID, err := claimString(claims, "sid")
	if err != nil {
		return nil, err
	}
	if claims.Subject == "" && (!hasSID || sid == "") {
		return nil, missing(ErrLogoutToken, "sub or sid")
	}
	if claims.Subject != "" {
		if err := checkSubject(claims.Subject); err != nil {
			return nil, err
		}
	}

	// Step 5: the logout event.
	events, _ := claims.Member("events")
	if err := checkLogoutEvent(events); err != nil {
		return nil, err
	}

	// Step 6: no nonce, so that a logout token can never pass as an ID
	// token in a forged authentication response.
	if claims.Has("nonce") {
		return nil, &checkError{errs: []error{ErrLogoutToken, ErrNonce}, detail: "a logout token must not have a \"nonce\" claim"}
	}

	return &LogoutToken{
		Issuer:    claims.Issuer,
		Subject:   claims.Subject,
		SessionID: sid,
		Audience:  claims.Audience,
		ID:        claims.ID,
		IssuedAt:  iat,
		Expiry:    exp,
		Raw:       rawToken,
		payload:   payload,
	}, nil
}

// checkLogoutEvent is step 5 of section 2.6: "events" is a JSON object with
// a BackChannelLogoutEvent member whose value is a JSON object.
func checkLogoutEvent(events json.RawMessage) error {
	if events == nil {
		return missing(ErrLogoutToken, "events")
	}
	var members map[string]json.RawMessage
	if len(events) == 0 || events[0] != '{' || json.Unmarshal(events, &members) != nil {
		return fail(ErrLogoutToken, "claim \"events\" is not a JSON object")
	}
	ev, ok := members[BackChannelLogoutEvent]
	if !ok {
		return fail(ErrLogoutToken, "claim \"events\" lacks the back-channel logout event")
	}
	var obj map[string]json.RawMessage
	if len(ev) == 0 || ev[0] != '{' || json.Unmarshal(ev, &obj) != nil {
		return fail(ErrLogoutToken, "the back-channel logout event is not a JSON object")
	}
	return nil
}

// BackChannelLogoutHandler is the client's back-channel logout endpoint
// (OpenID Connect Back-Channel Logout 1.0, sections 2.5 and 2.8): it takes
// the logout_token of a form POST, verifies it with Verifier and calls
// Logout. It answers 200 when Logout returns nil and 400 otherwise, with
// "Cache-Control: no-store".
type BackChannelLogoutHandler struct {
	// Verifier verifies the tokens (client, issuer, keys, algorithms).
	// Required.
	Verifier *IDTokenVerifier
	// Options tune the verification.
	Options LogoutTokenOptions
	// Logout ends the sessions the token names (section 2.7) and may
	// refuse a replayed jti. Its error is not shown to the provider.
	// Required.
	Logout func(ctx context.Context, t *LogoutToken) error
	// MaxBodySize bounds the request body; zero means 1 MiB.
	MaxBodySize int64
}

// ServeHTTP implements the back-channel logout request: section 2.5.
func (h *BackChannelLogoutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		logoutError(w, http.StatusMethodNotAllowed, "invalid_request", "the back-channel logout request is a POST")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		logoutError(w, http.StatusUnsupportedMediaType, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if h.Verifier == nil || h.Logout == nil {
		logoutError(w, http.StatusInternalServerError, "server_error", "the logout endpoint is not configured")
		return
	}
	max := h.MaxBodySize
	if max <= 0 {
		max = oauth2.DefaultMaxBodySize
	}
	body, err := bounded.Read(http.MaxBytesReader(w, r.Body, max+1), max)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.Is(err, oauth2.ErrResponseTooLarge) || errors.As(err, &mbe) {
			logoutError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the request is too large")
			return
		}
		logoutError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		logoutError(w, http.StatusBadRequest, "invalid_request", "the body is not a valid form")
		return
	}
	tokens := form["logout_token"]
	if len(tokens) != 1 || tokens[0] == "" {
		logoutError(w, http.StatusBadRequest, "invalid_request", "exactly one logout_token is required")
		return
	}
	lt, err := h.Verifier.VerifyLogoutToken(r.Context(), tokens[0], h.Options)
	if err != nil {
		logoutError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if err := h.Logout(r.Context(), lt); err != nil {
		logoutError(w, http.StatusBadRequest, "logout_failed", "the logout could not be completed")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// logoutError writes a section 2.8 error response.
func logoutError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}
