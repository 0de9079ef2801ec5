package keycloaktest

import (
	"context"
	"net/http"
	"net/url"
)

// UserOptions describe a user to create. The account is complete: enabled,
// e-mail verified, a permanent password and no required actions, so a
// login goes straight through. Empty names get defaults, because Keycloak's
// user profile asks for missing ones at login.
type UserOptions struct {
	// Username; empty means a unique "user-<random>".
	Username string
	// Password; empty means a random one, returned in User.Password.
	Password string
	// Email; empty means USERNAME@example.org. It is marked verified.
	Email string
	// FirstName and LastName; empty means "Test" and the username.
	FirstName string
	LastName  string
	// Attributes are user attributes.
	Attributes map[string][]string
	// Representation holds further members of the user representation;
	// they are applied last and win over the fields above.
	Representation map[string]any
}

// User is a user created in a realm.
type User struct {
	// ID is Keycloak's user id (the "sub" of its tokens).
	ID string
	// Username and Password log the user in.
	Username string
	Password string
	// Email is the user's verified email address.
	Email string
	// Realm is the name of the user's realm.
	Realm string
}

// CreateUser creates a user ready to log in.
func (a *Admin) CreateUser(ctx context.Context, realm string, opts UserOptions) (*User, error) {
	u := &User{Username: opts.Username, Password: opts.Password, Email: opts.Email, Realm: realm}
	if u.Username == "" {
		u.Username = uniqueName("user")
	}
	if u.Password == "" {
		u.Password = uniqueName("pw")
	}
	if u.Email == "" {
		u.Email = u.Username + "@example.org"
	}
	first, last := opts.FirstName, opts.LastName
	if first == "" {
		first = "Test"
	}
	if last == "" {
		last = u.Username
	}
	rep := map[string]any{
		"username":        u.Username,
		"enabled":         true,
		"email":           u.Email,
		"emailVerified":   true,
		"firstName":       first,
		"lastName":        last,
		"requiredActions": []string{},
		"credentials": []map[string]any{{
			"type":      "password",
			"value":     u.Password,
			"temporary": false,
		}},
	}
	if len(opts.Attributes) > 0 {
		rep["attributes"] = opts.Attributes
	}
	for k, v := range opts.Representation {
		rep[k] = v
	}
	h, err := a.Do(ctx, http.MethodPost, "/admin/realms/"+url.PathEscape(realm)+"/users", rep, nil)
	if err != nil {
		return nil, err
	}
	u.ID = createdID(h)
	return u, nil
}

// DeleteUser deletes the user with id.
func (a *Admin) DeleteUser(ctx context.Context, realm, id string) error {
	_, err := a.Do(ctx, http.MethodDelete, userPath(realm, id), nil, nil)
	return err
}

// UserSession is one of a user's active sessions.
type UserSession struct {
	// ID is the session id (the "sid" of its tokens); Username, UserID
	// and IPAddress describe who opened it, from where.
	ID        string `json:"id"`
	Username  string `json:"username"`
	UserID    string `json:"userId"`
	IPAddress string `json:"ipAddress"`
	// Start and LastAccess are Unix times in milliseconds.
	Start      int64 `json:"start"`
	LastAccess int64 `json:"lastAccess"`
	// Clients maps the internal id of each client in the session to its
	// client ID.
	Clients map[string]string `json:"clients"`
}

// UserSessions lists the active sessions of the user with id.
func (a *Admin) UserSessions(ctx context.Context, realm, userID string) ([]UserSession, error) {
	var sessions []UserSession
	_, err := a.Do(ctx, http.MethodGet, userPath(realm, userID)+"/sessions", nil, &sessions)
	return sessions, err
}

// DeleteSession ends one session: its refresh tokens stop working
// (invalid_grant "Session not active").
func (a *Admin) DeleteSession(ctx context.Context, realm, sessionID string) error {
	_, err := a.Do(ctx, http.MethodDelete, "/admin/realms/"+url.PathEscape(realm)+"/sessions/"+url.PathEscape(sessionID), nil, nil)
	return err
}

// LogoutUser ends every session of the user with id.
func (a *Admin) LogoutUser(ctx context.Context, realm, userID string) error {
	_, err := a.Do(ctx, http.MethodPost, userPath(realm, userID)+"/logout", nil, nil)
	return err
}

func userPath(realm, id string) string {
	return "/admin/realms/" + url.PathEscape(realm) + "/users/" + url.PathEscape(id)
}
