package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrFrontChannelLogout: a front-channel logout request that cannot be
	// honoured: iss or sid missing although required, iss not the
	// provider's, repeated parameters (OpenID Connect Front-Channel Logout
	// 1.0, section 2).
	ErrFrontChannelLogout = errors.New("oidc: invalid front-channel logout request")
	// ErrUnknownSession: the logout names a session (sid) the program does
	// not hold. A SessionLogout implementation returns it.
	ErrUnknownSession = errors.New("oidc: no such session")
)

// FrontChannelLogout is a logout request the provider sent through the
// user agent: OpenID Connect Front-Channel Logout 1.0, section 2.
type FrontChannelLogout struct {
	// Issuer and SessionID are the "iss" and "sid" query parameters; both
	// empty when the provider sends neither.
	Issuer, SessionID string
}

// ParseFrontChannelLogout reads the logout request r, a GET of the
// client's frontchannel_logout_uri (section 2). With requireSession (the
// client registered frontchannel_logout_session_required), "iss" and
// "sid" must both be present; whenever "iss" is present it must equal
// issuer exactly, else [ErrIssuerMismatch]. Each parameter may appear once.
func ParseFrontChannelLogout(r *http.Request, issuer string, requireSession bool) (*FrontChannelLogout, error) {
	q := r.URL.Query()
	for _, name := range []string{"iss", "sid"} {
		if len(q[name]) > 1 {
			return nil, fmt.Errorf("%w: %q repeated", ErrFrontChannelLogout, name)
		}
	}
	l := &FrontChannelLogout{Issuer: q.Get("iss"), SessionID: q.Get("sid")}
	// Section 2: iss and sid come together or not at all.
	if (l.Issuer == "") != (l.SessionID == "") {
		return nil, fmt.Errorf("%w: iss and sid must be sent together", ErrFrontChannelLogout)
	}
	if requireSession && l.SessionID == "" {
		return nil, fmt.Errorf("%w: iss and sid are required", ErrFrontChannelLogout)
	}
	if l.Issuer != "" && l.Issuer != issuer {
		return nil, fail(ErrIssuerMismatch, "front-channel logout iss is not the provider's")
	}
	if len(l.SessionID) > 256 {
		return nil, fmt.Errorf("%w: sid of %d bytes", ErrFrontChannelLogout, len(l.SessionID))
	}
	return l, nil
}

// FrontChannelLogoutHandler serves the client's frontchannel_logout_uri:
// OpenID Connect Front-Channel Logout 1.0, section 2. It checks the
// request with [ParseFrontChannelLogout] and calls Logout with the session
// it names, then answers with an empty page that no cache keeps (section
// 2: the response SHOULD carry Cache-Control no-cache, no-store). A refused
// request gets 400 and Logout is not called.
type FrontChannelLogoutHandler struct {
	// Issuer is the provider's issuer identifier. Required.
	Issuer string
	// RequireSession requires iss and sid: set it when the client
	// registered frontchannel_logout_session_required (the default of
	// Keycloak's clients).
	RequireSession bool
	// Logout ends the program's session for l.SessionID of the provider
	// (l.SessionID empty: the user's sessions, as the program can tell
	// them from its own cookie in r). It returns [ErrUnknownSession] when
	// it holds no such session. Required.
	Logout func(ctx context.Context, r *http.Request, l *FrontChannelLogout) error
	// OnError, when set, is told why a request was refused.
	OnError func(r *http.Request, err error)
}

// ServeHTTP handles one front-channel logout request.
func (h *FrontChannelLogoutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.Header().Set("Pragma", "no-cache")
	refuse := func(err error) {
		if h.OnError != nil {
			h.OnError(r, err)
		}
		http.Error(w, "logout refused", http.StatusBadRequest)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		refuse(fmt.Errorf("%w: method %s", ErrFrontChannelLogout, r.Method))
		return
	}
	if h.Issuer == "" || h.Logout == nil {
		refuse(fmt.Errorf("%w: FrontChannelLogoutHandler needs Issuer and Logout", ErrInvalidConfig))
		return
	}
	l, err := ParseFrontChannelLogout(r, h.Issuer, h.RequireSession)
	if err != nil {
		refuse(err)
		return
	}
	if err := h.Logout(r.Context(), r, l); err != nil {
		refuse(err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<!DOCTYPE html><title>Logged out</title>"))
}
