package oauth2

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// HTTPExchange is one HTTP exchange with an authorization server, as shown to
// [Config.Observer]. Unless [Config.RevealSecrets] is set, every credential
// in it is replaced by "[redacted]": client secrets, passwords, codes, code
// verifiers, tokens and assertions, in the form, the headers and the
// response body alike.
type HTTPExchange struct {
	Method         string
	URL            string
	RequestHeader  http.Header
	Form           url.Values
	StatusCode     int // 0 when no response arrived
	ResponseHeader http.Header
	ResponseBody   []byte
	Duration       time.Duration
	Err            error
}

// isSecretParam reports whether a request parameter's value is a credential.
func isSecretParam(name string) bool {
	switch name {
	case "client_secret", "password", "code", "code_verifier", "refresh_token",
		"assertion", "client_assertion", "subject_token", "actor_token", "token",
		"device_code", "access_token", "id_token", "id_token_hint", "auth_req_id":
		return true
	}
	return false
}

// isSecretMember reports whether a response member's value is a credential.
func isSecretMember(name string) bool {
	switch name {
	case "access_token", "refresh_token", "id_token", "device_code",
		"client_secret", "registration_access_token", "auth_req_id":
		return true
	}
	return false
}

// secretValues lists the credential values a request carries, to be kept
// out of every error and observation: each value as sent, form-encoded and
// JSON-escaped, since a server may echo any of these forms back. Longer
// values come first, so a secret is redacted whole before any secret it
// contains.
func secretValues(form url.Values, h http.Header, clientSecret string) []string {
	var out []string
	add := func(v string) {
		if v == "" {
			return
		}
		out = append(out, v)
		if q := url.QueryEscape(v); q != v {
			out = append(out, q)
		}
		if j, err := json.Marshal(v); err == nil && len(j) >= 2 && string(j[1:len(j)-1]) != v {
			out = append(out, string(j[1:len(j)-1]))
		}
	}
	for k, vs := range form {
		if isSecretParam(k) {
			for _, v := range vs {
				add(v)
			}
		}
	}
	add(clientSecret)
	if a := h.Get("Authorization"); a != "" {
		if _, cred, ok := strings.Cut(a, " "); ok {
			add(cred)
			if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
				if _, pw, ok := strings.Cut(string(raw), ":"); ok {
					add(pw)
					if u, err := url.QueryUnescape(pw); err == nil {
						add(u)
					}
				}
			}
		}
	}
	if p := h.Get("DPoP"); p != "" {
		add(p)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// observe reports one exchange to the Observer, redacted unless asked not to.
func (c *Config) observe(req *http.Request, form url.Values, res *http.Response, body []byte, d time.Duration, err error) {
	if c.Observer == nil {
		return
	}
	ex := &HTTPExchange{
		Method:        req.Method,
		URL:           req.URL.String(),
		RequestHeader: req.Header.Clone(),
		Form:          cloneValues(form),
		Duration:      d,
		Err:           err,
	}
	if res != nil {
		ex.StatusCode = res.StatusCode
		ex.ResponseHeader = res.Header.Clone()
		ex.ResponseBody = bytes.Clone(body)
	}
	if !c.RevealSecrets {
		redactExchange(ex, secretValues(form, req.Header, c.ClientSecret))
	}
	c.Observer(ex)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func redactExchange(ex *HTTPExchange, secrets []string) {
	for k, vs := range ex.Form {
		if isSecretParam(k) {
			for i := range vs {
				vs[i] = "[redacted]"
			}
		}
	}
	for _, name := range []string{"Authorization", "Dpop", "Cookie"} {
		if v := ex.RequestHeader.Get(name); v != "" {
			scheme, _, ok := strings.Cut(v, " ")
			if ok && name == "Authorization" {
				ex.RequestHeader.Set(name, scheme+" [redacted]")
			} else {
				ex.RequestHeader.Set(name, "[redacted]")
			}
		}
	}
	ex.ResponseHeader = redactHeader(ex.ResponseHeader, secrets)
	if len(ex.ResponseBody) > 0 {
		ex.ResponseBody = redactJSONBody(ex.ResponseBody)
		ex.ResponseBody = []byte(redact(string(ex.ResponseBody), secrets))
	}
}

// redactJSONBody replaces the values of credential members of a JSON object
// body; a body that is not a JSON object is returned as it is.
func redactJSONBody(body []byte) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	changed := false
	for k := range obj {
		if isSecretMember(k) {
			obj[k] = json.RawMessage(`"[redacted]"`)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}
