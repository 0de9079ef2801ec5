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
	"github.com/oauthkit/oauthkit/internal/htmlform"
)

// ErrCrossOriginForm means a page asked the headless user agent to submit
// a form to an origin other than the provider's (the origin of the
// authorization or verification URL it was given). The agent refuses
// before sending anything: a page that names another origin in its
// form action would otherwise receive the user's password. The
// *LoginError wrapping it names the page; it never holds the action URL's
// query.
var ErrCrossOriginForm = errors.New("keycloaktest: form action names another origin than the provider's; credentials not sent")

// maxAgentSteps bounds the pages one login may go through.
const maxAgentSteps = 12

// UserAgent is a headless browser for Keycloak's login pages: an
// http.Client with a cookie jar that fills in and submits the forms a
// person would (login, consent, device confirmation), so that the
// authorization code flow (RFC 6749, section 4.1) and the device flow
// (RFC 8628, section 3.3) run in tests without a browser. It keeps its
// cookies, so a second login in the same agent is single sign-on. Pages
// are read up to 1 MiB. It submits forms only to the origin (scheme, host
// and port) of the URL that Login or ApproveDevice was given, and fails
// with ErrCrossOriginForm otherwise. A UserAgent is not safe for
// concurrent use.
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
	if ua.redirectURI != nil && htmlform.SameEndpoint(req.URL, ua.redirectURI) {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
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
		return nil, &LoginError{Step: "log in", URL: htmlform.StripQuery(authURL), Err: fmt.Errorf("%w: no redirect to %s", ErrLoginFailed, htmlform.StripQuery(redirectURI))}
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
		return &LoginError{Step: "approve device", URL: htmlform.StripQuery(verificationURI), Message: msg}
	}
	return nil
}

// browse opens start and submits forms until a redirect to the awaited
// redirect URI (returned as loc) or a page without forms (returned as
// page).
func (ua *UserAgent) browse(ctx context.Context, start, username, password, userCode string) (loc *url.URL, page []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	if err != nil {
		return nil, nil, &LoginError{Step: "open", URL: htmlform.StripQuery(start), Err: err}
	}
	origin := req.URL
	credentialsSent, codeSent := false, false
	step := "open " + htmlform.StripQuery(start)
	for range maxAgentSteps {
		resp, err := ua.client.Do(req)
		if err != nil {
			return nil, nil, &LoginError{Step: step, URL: htmlform.StripQuery(req.URL.String()), Err: err}
		}
		page, readErr := bounded.ReadPartial(resp.Body, defaultMaxBody)
		resp.Body.Close()
		pageURL := resp.Request.URL
		if ua.redirectURI != nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			if l, err := resp.Location(); err == nil && htmlform.SameEndpoint(l, ua.redirectURI) {
				return l, nil, nil
			}
		}
		fail := func(what string) (*url.URL, []byte, error) {
			msg := feedbackMessage(page)
			if msg == "" {
				msg = pageTitle(page)
			}
			return nil, nil, &LoginError{Step: what, URL: htmlform.StripQuery(pageURL.String()), StatusCode: resp.StatusCode, Message: msg}
		}
		if readErr != nil {
			return nil, nil, &LoginError{Step: step, URL: htmlform.StripQuery(pageURL.String()), StatusCode: resp.StatusCode, Err: readErr}
		}
		if resp.StatusCode != http.StatusOK {
			return fail(step)
		}
		forms := htmlform.Parse(page)
		var form *htmlform.Form
		fields := url.Values{}
		submit := ""
		for i := range forms {
			f := &forms[i]
			switch {
			case len(f.Passwords) > 0:
				if credentialsSent {
					return fail("log in as " + username) // the form came back: rejected
				}
				form, credentialsSent = f, true
				for _, name := range f.Texts {
					if name == "username" || name == "email" {
						fields.Set(name, username)
					}
				}
				fields.Set(f.Passwords[0], password)
				submit = "login"
			case f.HasInput("device_user_code") || f.HasInput("user_code"):
				if codeSent || userCode == "" {
					return fail("enter user code")
				}
				form, codeSent = f, true
				name := "device_user_code"
				if !f.HasInput(name) {
					name = "user_code"
				}
				fields.Set(name, userCode)
			case hasSubmit(f, "accept"):
				form = f
				submit = "accept"
			case len(f.Texts) == 1 && f.Texts[0] == "username" && !credentialsSent:
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
		action, err := form.ActionURL(pageURL)
		if err != nil {
			return nil, nil, &LoginError{Step: "submit form", URL: htmlform.StripQuery(pageURL.String()), Err: fmt.Errorf("%w: %w", ErrLoginFailed, err)}
		}
		if !htmlform.SameOrigin(action, origin) {
			return nil, nil, &LoginError{Step: "submit form " + form.ID + " to " + action.Scheme + "://" + action.Host, URL: htmlform.StripQuery(pageURL.String()), Err: ErrCrossOriginForm}
		}
		req, err = htmlform.NewRequest(ctx, action, form, fields, submit)
		if err != nil {
			return nil, nil, &LoginError{Step: "submit form", URL: htmlform.StripQuery(pageURL.String()), Err: err}
		}
		step = "submit form " + form.ID
	}
	return nil, nil, &LoginError{Step: step, Err: fmt.Errorf("%w: more than %d pages", ErrLoginFailed, maxAgentSteps)}
}

func hasSubmit(f *htmlform.Form, name string) bool {
	_, ok := f.Submit(name)
	return ok
}
