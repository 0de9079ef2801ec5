package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/htmlform"
	"github.com/oauthkit/oauthkit/keycloaktest"
)

// maxPages bounds the pages one login or device approval may go through.
const maxPages = 16

// maxPage bounds the bytes read of one page.
const maxPage = 1 << 20

// FormFields names the inputs of a provider's login and device pages.
// Empty names take the defaults shown.
type FormFields struct {
	Username string // "username"; node oidc-provider's development pages use "login"
	Password string // "password"
	UserCode string // "user_code" (RFC 8628, section 3.3)
}

func (f FormFields) withDefaults() FormFields {
	if f.Username == "" {
		f.Username = "username"
	}
	if f.Password == "" {
		f.Password = "password"
	}
	if f.UserCode == "" {
		f.UserCode = "user_code"
	}
	return f
}

// Form is a headless browser for a provider's HTML pages: an http.Client
// with a cookie jar that fills in and submits the forms a person would,
// whatever the provider. On each page it takes, in this order: a form
// with a password input (the username and password fields filled in; once,
// a second one means the credentials were refused), a form with a text
// input for the user code (once), a form with the username input alone
// (username first, password on the next page; once), and else the first
// form with a submit control that is not a refusal (consent,
// confirmation), pressing its first button whose name or value is not
// cancel, deny, abort, reject or no.
//
// Form submits forms only to the issuer's origin (scheme, host and port,
// RFC 6454): a page whose form action names another origin gets nothing,
// and the agent fails with ErrCrossOriginForm. Redirects it follows
// anywhere, as a browser does, but the cookies stay per origin. Pages are
// read up to 1 MiB. It keeps its cookies, so a second login in the same
// agent is single sign-on. A Form is not safe for concurrent use.
type Form struct {
	client   *http.Client
	issuer   *url.URL
	fields   FormFields
	redirect *url.URL // the redirect being waited for, during Authorize
}

// NewForm returns a form agent for the provider whose issuer identifier
// is issuer, with an empty cookie jar. Its requests go through base's
// transport with base's timeout (nil: the default transport and 30
// seconds).
func NewForm(base *http.Client, issuer string, fields FormFields) *Form {
	jar, _ := cookiejar.New(nil) // never fails without options
	a := &Form{fields: fields.withDefaults()}
	a.issuer, _ = url.Parse(issuer) // checked by each call
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if base != nil {
		c.Transport = base.Transport
		c.Timeout = base.Timeout
	}
	c.CheckRedirect = a.checkRedirect
	a.client = c
	return a
}

// Jar returns the agent's cookies, the provider's session among them.
func (a *Form) Jar() http.CookieJar { return a.client.Jar }

// checkRedirect follows redirects except the one to the client's
// redirection endpoint, which is returned unrequested.
func (a *Form) checkRedirect(req *http.Request, via []*http.Request) error {
	if a.redirect != nil && htmlform.SameEndpoint(req.URL, a.redirect) {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// Authorize runs the user's side of an authorization request (RFC 6749,
// section 4.1.1): it opens authURL, logs in as username with password,
// approves consent, and follows redirects until the provider redirects to
// redirectURI. It returns that redirect URL, with its code, state and iss
// (or error) parameters (RFC 6749, section 4.1.2; RFC 9207), without
// requesting it. A failure is an *Error.
func (a *Form) Authorize(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error) {
	if err := a.checkIssuer(); err != nil {
		return nil, err
	}
	ru, err := url.Parse(redirectURI)
	if err != nil || ru.Scheme == "" || ru.Host == "" {
		return nil, &Error{Step: "parse redirect URI", Err: fmt.Errorf("%w: %q is not an absolute URL", ErrLoginFailed, htmlform.StripQuery(redirectURI))}
	}
	a.redirect = ru
	defer func() { a.redirect = nil }()
	loc, _, err := a.browse(ctx, authURL, username, password, "")
	if err != nil {
		return nil, err
	}
	if loc == nil {
		return nil, &Error{Step: "log in", URL: htmlform.StripQuery(authURL), Err: fmt.Errorf("%w: no redirect to %s", ErrLoginFailed, htmlform.StripQuery(redirectURI))}
	}
	return loc, nil
}

// ApproveDevice runs the user's side of a device authorization (RFC 8628,
// section 3.3): it opens verificationURI (verification_uri_complete, or
// verification_uri with userCode given), enters the user code if asked,
// logs in as username with password and confirms. It returns nil once the
// provider shows a page without forms.
func (a *Form) ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error {
	if err := a.checkIssuer(); err != nil {
		return err
	}
	if userCode == "" {
		if u, err := url.Parse(verificationURI); err == nil {
			userCode = u.Query().Get("user_code")
		}
	}
	if u, err := url.Parse(verificationURI); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return &Error{Step: "open", Err: ErrUnsafeVerificationURI}
	}
	_, _, err := a.browse(ctx, verificationURI, username, password, userCode)
	return err
}

func (a *Form) checkIssuer() error {
	if a.issuer == nil || (a.issuer.Scheme != "http" && a.issuer.Scheme != "https") || a.issuer.Host == "" {
		return &Error{Step: "check issuer", Err: fmt.Errorf("%w: the issuer is not an absolute http(s) URL", ErrLoginFailed)}
	}
	return nil
}

// browse opens start and submits forms until a redirect to the awaited
// redirect URI (returned as loc) or a page without forms (returned as
// page).
func (a *Form) browse(ctx context.Context, start, username, password, userCode string) (loc *url.URL, page []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	if err != nil {
		return nil, nil, &Error{Step: "open", URL: htmlform.StripQuery(start), Err: fmt.Errorf("%w: %v", ErrLoginFailed, err)}
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, nil, &Error{Step: "open", Err: ErrUnsafeURI}
	}
	credentialsSent, codeSent, usernameSent := false, false, false
	step := "open " + htmlform.StripQuery(start)
	for range maxPages {
		resp, err := a.client.Do(req)
		if err != nil {
			return nil, nil, &Error{Step: step, URL: htmlform.StripQuery(req.URL.String()), Err: err}
		}
		page, readErr := readPage(resp.Body)
		resp.Body.Close()
		pageURL := resp.Request.URL
		if a.redirect != nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			if l, err := resp.Location(); err == nil && htmlform.SameEndpoint(l, a.redirect) {
				return l, nil, nil
			}
		}
		fail := func(what string) (*url.URL, []byte, error) {
			return nil, nil, &Error{Step: what, URL: htmlform.StripQuery(pageURL.String()), StatusCode: resp.StatusCode, Message: pageMessage(page)}
		}
		if readErr != nil {
			return nil, nil, &Error{Step: step, URL: htmlform.StripQuery(pageURL.String()), StatusCode: resp.StatusCode, Err: readErr}
		}
		if resp.StatusCode != http.StatusOK {
			return fail(step)
		}
		forms := htmlform.Parse(page)
		if len(forms) == 0 {
			return nil, page, nil
		}
		var form *htmlform.Form
		fields := url.Values{}
		submit, what := "", ""
		for i := range forms {
			f := &forms[i]
			switch {
			case len(f.Passwords) > 0:
				if credentialsSent {
					return fail("log in as " + username) // the form came back: refused
				}
				form, credentialsSent, what = f, true, "login form"
				if slices.Contains(f.Texts, a.fields.Username) {
					fields.Set(a.fields.Username, username)
				} else if len(f.Texts) == 1 {
					fields.Set(f.Texts[0], username)
				}
				pw := a.fields.Password
				if !slices.Contains(f.Passwords, pw) {
					pw = f.Passwords[0]
				}
				fields.Set(pw, password)
			case slices.Contains(f.Texts, a.fields.UserCode):
				if codeSent || userCode == "" {
					return fail("enter user code")
				}
				form, codeSent, what = f, true, "user code form"
				fields.Set(a.fields.UserCode, userCode)
			case slices.Contains(f.Texts, a.fields.Username) && len(f.Texts) == 1:
				if usernameSent {
					return fail("enter username " + username)
				}
				form, usernameSent, what = f, true, "username form"
				fields.Set(a.fields.Username, username)
			}
			if form != nil {
				break
			}
		}
		if form == nil {
			for i := range forms {
				if b, ok := approval(&forms[i]); ok {
					form, submit, what = &forms[i], b, "confirmation form"
					break
				}
			}
		}
		if form == nil {
			return fail("understand page")
		}
		action, err := form.ActionURL(pageURL)
		if err != nil {
			return nil, nil, &Error{Step: "submit " + what, URL: htmlform.StripQuery(pageURL.String()), Err: fmt.Errorf("%w: %w", ErrLoginFailed, err)}
		}
		if !htmlform.SameOrigin(action, a.issuer) {
			return nil, nil, &Error{Step: "submit " + what + " to " + action.Scheme + "://" + action.Host, URL: htmlform.StripQuery(pageURL.String()), Err: ErrCrossOriginForm}
		}
		req, err = htmlform.NewRequest(ctx, action, form, fields, submit)
		if err != nil {
			return nil, nil, &Error{Step: "submit " + what, URL: htmlform.StripQuery(pageURL.String()), Err: err}
		}
		step = "submit " + what
	}
	return nil, nil, &Error{Step: step, Err: fmt.Errorf("%w: more than %d pages", ErrLoginFailed, maxPages)}
}

// approval returns the submit button to press on a consent or
// confirmation form ("" for a form whose only controls are unnamed or
// that has none, which a browser submits with Enter), and whether the
// form is one to submit at all: a form whose every named button is a
// refusal is not.
func approval(f *htmlform.Form) (string, bool) {
	for _, b := range f.Submits {
		if !refusal(b.Name) && !refusal(b.Value) {
			return b.Name, true
		}
	}
	if len(f.Submits) > 0 && f.Buttons == len(f.Submits) {
		return "", false // only refusals
	}
	return "", len(f.Inputs) > 0 || f.Buttons > 0
}

func refusal(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"cancel", "deny", "abort", "reject", "decline"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return s == "no"
}

// pageMessage returns the error a page shows, or its title.
func pageMessage(page []byte) string {
	for _, m := range []string{`role="alert"`, `class="red"`, `id="input-error"`, `id="kc-error-message"`, "<pre"} {
		if text := htmlform.TextAfter(page, m, 200); text != "" {
			return text
		}
	}
	return htmlform.Title(page)
}

// readPage reads a page up to maxPage bytes.
func readPage(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPage+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPage {
		return nil, fmt.Errorf("%w: page of more than %d bytes", keycloaktest.ErrResponseTooLarge, maxPage)
	}
	return b, nil
}
