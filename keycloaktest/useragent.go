package keycloaktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/bounded"
)

// maxAgentSteps bounds the pages one login may go through.
const maxAgentSteps = 12

// UserAgent is a headless browser for Keycloak's login pages: an
// http.Client with a cookie jar that fills in and submits the forms a
// person would (login, consent, device confirmation), so that the
// authorization code flow (RFC 6749, section 4.1) and the device flow
// (RFC 8628, section 3.3) run in tests without a browser. It keeps its
// cookies, so a second login in the same agent is single sign-on. Pages
// are read up to 1 MiB. A UserAgent is not safe for concurrent use.
type UserAgent struct {
	client      *http.Client
	redirectURI *url.URL // the redirect being waited for, during Login
}

// NewUserAgent returns an agent with an empty cookie jar. Its requests go
// through base's transport with base's timeout; nil means the default
// transport and a 30 second timeout.
func NewUserAgent(base *http.Client) *UserAgent {
	jar, _ := cookiejar.New(nil) // never fails without options
	ua := &UserAgent{}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if base != nil {
		c.Transport = base.Transport
		c.Timeout = base.Timeout
	}
	c.CheckRedirect = ua.checkRedirect
	ua.client = c
	return ua
}

// Jar returns the agent's cookies, Keycloak's session among them.
func (ua *UserAgent) Jar() http.CookieJar { return ua.client.Jar }

// checkRedirect follows redirects except the one to the client's
// redirection endpoint, which is returned unrequested.
func (ua *UserAgent) checkRedirect(req *http.Request, via []*http.Request) error {
	if ua.redirectURI != nil && sameEndpoint(req.URL, ua.redirectURI) {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// sameEndpoint compares scheme, host and path: the parts of a redirection
// URI that the authorization response keeps (RFC 6749, section 3.1.2).
func sameEndpoint(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host) && a.Path == b.Path
}

// Login runs the user's side of an authorization request (RFC 6749,
// section 4.1.1): it opens authURL (the full authorization request URL),
// logs in as username with password on Keycloak's login form, approves
// the consent page if one is shown, and follows redirects until Keycloak
// redirects to redirectURI. It returns that redirect URL, with its code,
// state and iss (or error) parameters (RFC 6749, section 4.1.2; RFC 9207),
// without requesting it.
//
// A failure is a *LoginError: wrong credentials, an error page (for
// example an invalid redirect_uri), or a page it does not understand.
func (ua *UserAgent) Login(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error) {
	ru, err := url.Parse(redirectURI)
	if err != nil || ru.Scheme == "" || ru.Host == "" {
		return nil, &LoginError{Step: "parse redirect URI", Err: fmt.Errorf("%w: %q is not an absolute URL", ErrLoginFailed, redirectURI)}
	}
	ua.redirectURI = ru
	defer func() { ua.redirectURI = nil }()
	loc, _, err := ua.browse(ctx, authURL, username, password, "")
	if err != nil {
		return nil, err
	}
	if loc == nil {
		return nil, &LoginError{Step: "log in", URL: stripQuery(authURL), Err: fmt.Errorf("%w: no redirect to %s", ErrLoginFailed, stripQuery(redirectURI))}
	}
	return loc, nil
}

// ApproveDevice runs the user's side of a device authorization (RFC 8628,
// section 3.3): it opens verificationURI (verification_uri_complete, or
// verification_uri with userCode given), enters the user code if asked,
// logs in as username with password and grants access on the consent
// page. It returns nil once Keycloak shows a page without further forms
// and without an error message; the device's polling then gets its token.
func (ua *UserAgent) ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error {
	if userCode == "" {
		if u, err := url.Parse(verificationURI); err == nil {
			userCode = u.Query().Get("user_code")
		}
	}
	_, page, err := ua.browse(ctx, verificationURI, username, password, userCode)
	if err != nil {
		return err
	}
	if msg := feedbackMessage(page); msg != "" && !strings.Contains(strings.ToLower(msg), "success") {
		return &LoginError{Step: "approve device", URL: stripQuery(verificationURI), Message: msg}
	}
	return nil
}

// browse opens start and submits forms until a redirect to the awaited
// redirect URI (returned as loc) or a page without forms (returned as
// page).
func (ua *UserAgent) browse(ctx context.Context, start, username, password, userCode string) (loc *url.URL, page []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	if err != nil {
		return nil, nil, &LoginError{Step: "open", URL: stripQuery(start), Err: err}
	}
	credentialsSent, codeSent := false, false
	step := "open " + stripQuery(start)
	for range maxAgentSteps {
		resp, err := ua.client.Do(req)
		if err != nil {
			return nil, nil, &LoginError{Step: step, URL: stripQuery(req.URL.String()), Err: err}
		}
		page, readErr := bounded.ReadPartial(resp.Body, defaultMaxBody)
		resp.Body.Close()
		pageURL := resp.Request.URL
		if ua.redirectURI != nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			if l, err := resp.Location(); err == nil && sameEndpoint(l, ua.redirectURI) {
				return l, nil, nil
			}
		}
		fail := func(what string) (*url.URL, []byte, error) {
			msg := feedbackMessage(page)
			if msg == "" {
				msg = pageTitle(page)
			}
			return nil, nil, &LoginError{Step: what, URL: stripQuery(pageURL.String()), StatusCode: resp.StatusCode, Message: msg}
		}
		if readErr != nil {
			return nil, nil, &LoginError{Step: step, URL: stripQuery(pageURL.String()), StatusCode: resp.StatusCode, Err: readErr}
		}
		if resp.StatusCode != http.StatusOK {
			return fail(step)
		}
		forms := parseForms(page)
		var form *htmlForm
		fields := url.Values{}
		submit := ""
		for i := range forms {
			f := &forms[i]
			switch {
			case len(f.passwords) > 0:
				if credentialsSent {
					return fail("log in as " + username) // the form came back: rejected
				}
				form, credentialsSent = f, true
				for _, name := range f.texts {
					if name == "username" || name == "email" {
						fields.Set(name, username)
					}
				}
				fields.Set(f.passwords[0], password)
				submit = "login"
			case f.hasInput("device_user_code") || f.hasInput("user_code"):
				if codeSent || userCode == "" {
					return fail("enter user code")
				}
				form, codeSent = f, true
				name := "device_user_code"
				if !f.hasInput(name) {
					name = "user_code"
				}
				fields.Set(name, userCode)
			case hasSubmit(f, "accept"):
				form = f
				submit = "accept"
			case len(f.texts) == 1 && f.texts[0] == "username" && !credentialsSent:
				form = f // username first, password on the next page
				fields.Set("username", username)
				submit = "login"
			}
			if form != nil {
				break
			}
		}
		if form == nil {
			if len(forms) > 0 {
				return fail("understand page")
			}
			return nil, page, nil
		}
		req, err = formRequest(ctx, pageURL, form, fields, submit)
		if err != nil {
			return nil, nil, &LoginError{Step: "submit form", URL: stripQuery(pageURL.String()), Err: err}
		}
		step = "submit form " + form.id
	}
	return nil, nil, &LoginError{Step: step, Err: fmt.Errorf("%w: more than %d pages", ErrLoginFailed, maxAgentSteps)}
}

func hasSubmit(f *htmlForm, name string) bool {
	_, ok := f.submit(name)
	return ok
}

// formRequest builds the submission of form from the page at base, with
// its own values overridden by fields and the named submit button (if
// the form has one) pressed.
func formRequest(ctx context.Context, base *url.URL, form *htmlForm, fields url.Values, submit string) (*http.Request, error) {
	action, err := base.Parse(form.action)
	if err != nil {
		return nil, err
	}
	if action.Scheme != "http" && action.Scheme != "https" {
		return nil, fmt.Errorf("%w: form action %q is not http(s)", ErrLoginFailed, action.Scheme)
	}
	values := url.Values{}
	for _, in := range form.inputs {
		if _, set := fields[in.name]; !set {
			values.Add(in.name, in.value)
		}
	}
	for name, v := range fields {
		values[name] = v
	}
	if b, ok := form.submit(submit); ok {
		values.Set(b.name, b.value)
	}
	if form.method == "get" {
		action.RawQuery = values.Encode()
		return http.NewRequestWithContext(ctx, http.MethodGet, action.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(values.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// stripQuery drops the query and fragment of a URL for error messages:
// they can hold codes and session identifiers.
func stripQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}
