package keycloaktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/httpclient"
	"github.com/oauthkit/oauthkit/internal/bounded"
	"github.com/oauthkit/oauthkit/oauth2"
)

// Admin is a client of Keycloak's admin REST API (/admin/realms/...). It
// logs in to the master realm as an administrator with the password grant
// (RFC 6749, section 4.3) through client admin-cli, keeps its token in an
// [httpclient.Session], which refreshes it (RFC 6749, section 6), and logs
// in again when the session has ended. An Admin is safe for concurrent
// use.
type Admin struct {
	baseURL  string
	user     string
	password string
	hc       *http.Client

	mu      sync.Mutex
	session *httpclient.Session
}

// NewAdmin returns an admin client of the Keycloak at baseURL (for example
// Server.URL). hc sends every request; nil means a client with a 30 second
// timeout of 2 minutes (creating a realm on a busy machine is slow), made for this Admin. No request is made until the first call.
func NewAdmin(baseURL, user, password string, hc *http.Client) *Admin {
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	return &Admin{baseURL: strings.TrimRight(baseURL, "/"), user: user, password: password, hc: hc}
}

// BaseURL returns the server URL the Admin talks to.
func (a *Admin) BaseURL() string { return a.baseURL }

// login returns the logged-in session, logging in when there is none.
func (a *Admin) login(ctx context.Context) (*httpclient.Session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.session != nil {
		return a.session, nil
	}
	cfg := &oauth2.Config{
		ClientID: "admin-cli",
		Endpoint: oauth2.Endpoint{
			Issuer:   a.baseURL + "/realms/master",
			TokenURL: a.baseURL + "/realms/master/protocol/openid-connect/token",
		},
		HTTPClient: a.hc,
	}
	// The master realm issues one-minute access tokens: refresh 10 s
	// before expiry rather than on every call.
	s := httpclient.New(cfg, httpclient.Options{Leeway: 10 * time.Second, Base: a.hc})
	if _, err := s.FetchToken(ctx, oauth2.PasswordGrant{Username: a.user, Password: a.password}); err != nil {
		return nil, fmt.Errorf("keycloaktest: admin login as %q: %w", a.user, err)
	}
	a.session = s
	return s, nil
}

// dropSession forgets s so that the next call logs in again.
func (a *Admin) dropSession(s *httpclient.Session) {
	a.mu.Lock()
	if a.session == s {
		a.session = nil
	}
	a.mu.Unlock()
}

// Do sends one request with the administrator's token: method to
// a.BaseURL()+path (such as "/admin/realms/demo/users"; escape the parts
// with url.PathEscape), in marshalled to
// JSON as the body when non-nil, and a 2xx JSON answer decoded into out
// when non-nil. It returns the response headers (Location names what a
// POST created). A status outside 2xx gives an *APIError. Response bodies
// are read up to 1 MiB (ErrResponseTooLarge beyond).
func (a *Admin) Do(ctx context.Context, method, path string, in, out any) (http.Header, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("keycloaktest: admin API %s %s: encoding request: %w", method, path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		s, err := a.login(ctx)
		if err != nil {
			return nil, err
		}
		h, err := a.send(ctx, s, method, path, body, out)
		// A refresh that fails with invalid_grant means the admin session
		// ended (idle timeout, or deleted); an expired token the Session
		// cannot renew ends it too: log in again, once.
		if err != nil && attempt == 0 &&
			(errors.Is(err, &oauth2.Error{Code: "invalid_grant"}) || errors.Is(err, httpclient.ErrTokenExpired)) {
			a.dropSession(s)
			continue
		}
		return h, err
	}
}

func (a *Admin) send(ctx context.Context, s *httpclient.Session, method, path string, body []byte, out any) (http.Header, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.baseURL+path, r)
	if err != nil {
		return nil, fmt.Errorf("keycloaktest: admin API %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("keycloaktest: admin API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, readErr := bounded.ReadPartial(resp.Body, defaultMaxBody)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, newAPIError(method, path, resp.StatusCode, data)
	}
	if readErr != nil {
		return resp.Header, fmt.Errorf("keycloaktest: admin API %s %s: %w", method, path, readErr)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, fmt.Errorf("keycloaktest: admin API %s %s: decoding response: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: status}
	if len(body) > 4096 {
		body = body[:4096]
	}
	e.Body = bytes.Clone(body)
	var msg struct {
		ErrorMessage     string `json:"errorMessage"`
		ErrorDescription string `json:"error_description"`
		Error            string `json:"error"`
	}
	if json.Unmarshal(body, &msg) == nil {
		switch {
		case msg.ErrorMessage != "":
			e.Message = msg.ErrorMessage
		case msg.ErrorDescription != "":
			e.Message = msg.ErrorDescription
		default:
			e.Message = msg.Error
		}
	}
	if len(e.Message) > 200 {
		e.Message = e.Message[:200]
	}
	return e
}

// createdID returns the last path segment of the Location header a
// creating POST answers with.
func createdID(h http.Header) string {
	loc := h.Get("Location")
	if i := strings.LastIndexByte(loc, '/'); i >= 0 {
		return loc[i+1:]
	}
	return ""
}
