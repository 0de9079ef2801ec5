package conformance

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/oauth2"
)

// Bounds on what one scenario records, so that a scenario making thousands
// of requests still gives a report a person can read.
const (
	maxEvidence     = 200
	maxEvidenceBody = 1024
)

// Evidence is one thing a scenario saw: an HTTP exchange, or a note the
// scenario wrote. Secrets never appear in it: form values and response
// members that are credentials are replaced by "[redacted]", and of an
// Authorization header only the scheme is kept.
type Evidence struct {
	// Note is a remark of the scenario; empty for an exchange.
	Note string `json:"note,omitempty"`
	// Method and URL of the request.
	Method string `json:"method,omitempty"`
	URL    string `json:"url,omitempty"`
	// Authorization is the request's authorization scheme followed by
	// "[redacted]", e.g. "Bearer [redacted]".
	Authorization string `json:"authorization,omitempty"`
	// RequestHeader holds the request's headers, credentials redacted
	// (Authorization keeps its scheme; Cookie and DPoP proofs are
	// replaced).
	RequestHeader http.Header `json:"request_header,omitempty"`
	// Form holds the request's form parameters, secret values redacted.
	Form url.Values `json:"form,omitempty"`
	// Status is the HTTP status of the response; 0 when none arrived.
	Status int `json:"status,omitempty"`
	// ResponseHeader holds the response's headers, cookies redacted.
	ResponseHeader http.Header `json:"response_header,omitempty"`
	// Body is the start of the response body, secrets redacted.
	Body string `json:"body,omitempty"`
	// Error is the transport error, when the exchange failed.
	Error string `json:"error,omitempty"`
	// DurationMS is how long the exchange took, in milliseconds.
	DurationMS int64 `json:"duration_ms,omitempty"`
}

// evidenceLog collects a scenario's evidence; it is safe for concurrent use.
type evidenceLog struct {
	mu      sync.Mutex
	items   []Evidence
	dropped int
}

func (l *evidenceLog) add(ev Evidence) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.items) >= maxEvidence {
		l.dropped++
		return
	}
	l.items = append(l.items, ev)
}

func (l *evidenceLog) snapshot() []Evidence {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.items)
	if l.dropped > 0 {
		out = append(out, Evidence{Note: "further exchanges not recorded: " + strconv.Itoa(l.dropped)})
	}
	return out
}

// exchangeEvidence turns an observed exchange into evidence. It redacts
// again what the oauth2 package redacts already, so that evidence stays
// clean even for a Config with RevealSecrets set.
func exchangeEvidence(ex *oauth2.HTTPExchange) Evidence {
	ev := Evidence{
		Method:         ex.Method,
		URL:            redactURL(ex.URL),
		Authorization:  redactAuthorization(ex.RequestHeader),
		RequestHeader:  redactHeader(ex.RequestHeader),
		Status:         ex.StatusCode,
		ResponseHeader: redactHeader(ex.ResponseHeader),
		DurationMS:     ex.Duration.Milliseconds(),
	}
	if len(ex.Form) > 0 {
		ev.Form = make(url.Values, len(ex.Form))
		for k, vs := range ex.Form {
			if secretName(k) {
				ev.Form[k] = []string{"[redacted]"}
				continue
			}
			ev.Form[k] = slices.Clone(vs)
		}
	}
	if len(ex.ResponseBody) > 0 {
		ev.Body = redactBody(ex.ResponseBody)
	}
	if ex.Err != nil {
		ev.Error = ex.Err.Error()
	}
	return ev
}

// secretName reports whether a form parameter, query parameter or JSON
// member of that name holds a credential.
func secretName(name string) bool {
	switch name {
	case "client_secret", "password", "code", "code_verifier", "refresh_token",
		"assertion", "client_assertion", "subject_token", "actor_token", "token",
		"device_code", "access_token", "id_token", "id_token_hint", "secret",
		"registration_access_token", "value", "credentials":
		return true
	}
	return false
}

// redactHeader returns a copy of h with credentials redacted: of
// Authorization only the scheme is kept; cookies, DPoP proofs and other
// credential headers are replaced. Location is redacted as a URL (an
// authorization response carries the code in it).
func redactHeader(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization":
			out[k] = []string{redactAuthorization(http.Header{"Authorization": vs})}
		case "Cookie", "Set-Cookie", "Dpop", "Dpop-Nonce", "X-Api-Key":
			out[k] = []string{"[redacted]"}
		case "Location":
			out[k] = []string{redactURL(strings.Join(vs, ""))}
		default:
			out[k] = slices.Clone(vs)
		}
	}
	return out
}

func redactAuthorization(h http.Header) string {
	v := h.Get("Authorization")
	if v == "" {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			return v[:i] + " [redacted]"
		}
	}
	return "[redacted]"
}

// redactURL hides credential query parameters (an authorization response
// carries the code in its query).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretName(k) {
				q[k] = []string{"[redacted]"}
			}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	return u.String()
}

// redactBody replaces credential members of a JSON object and cuts the
// body to maxEvidenceBody bytes. A body that is not a JSON object is kept
// only when it holds nothing that looks like a token.
func redactBody(body []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		for k := range obj {
			if secretName(k) {
				obj[k] = json.RawMessage(`"[redacted]"`)
			}
		}
		if b, err := json.Marshal(obj); err == nil {
			body = b
		}
	} else if looksLikeJWT(body) {
		return "[redacted]"
	}
	s := string(body)
	if len(s) > maxEvidenceBody {
		s = s[:maxEvidenceBody] + "…"
	}
	return s
}

// looksLikeJWT reports whether b holds a run of 3 dot-separated base64url
// segments, the shape of a JWT (a signed userinfo or introspection answer).
func looksLikeJWT(b []byte) bool {
	dots, run := 0, 0
	for _, c := range b {
		switch {
		case c == '.':
			if run > 0 {
				dots++
			}
			run = 0
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			run++
		default:
			if dots >= 2 && run > 0 {
				return true
			}
			dots, run = 0, 0
		}
	}
	return dots >= 2 && run > 0
}

// recordingTransport records every request sent through it as evidence.
type recordingTransport struct {
	base http.RoundTripper
	log  *evidenceLog
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	ev := Evidence{
		Method:        req.Method,
		URL:           redactURL(req.URL.String()),
		Authorization: redactAuthorization(req.Header),
		RequestHeader: redactHeader(req.Header),
	}
	res, err := t.base.RoundTrip(req)
	ev.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		ev.Error = err.Error()
	} else {
		ev.Status = res.StatusCode
		ev.ResponseHeader = redactHeader(res.Header)
	}
	t.log.add(ev)
	return res, err
}

// scrub replaces every occurrence of a secret in the result's reason and
// evidence with "[redacted]" and reports whether there was any.
func scrub(res *Result, secrets []string) bool {
	if len(secrets) == 0 {
		return false
	}
	leaked := false
	clean := func(s *string) {
		for _, v := range secrets {
			if strings.Contains(*s, v) {
				*s = strings.ReplaceAll(*s, v, "[redacted]")
				leaked = true
			}
		}
	}
	clean(&res.Reason)
	for i := range res.Evidence {
		ev := &res.Evidence[i]
		for _, f := range []*string{&ev.Note, &ev.URL, &ev.Authorization, &ev.Body, &ev.Error} {
			clean(f)
		}
		for _, m := range []map[string][]string{ev.Form, ev.RequestHeader, ev.ResponseHeader} {
			for _, vs := range m {
				for j := range vs {
					clean(&vs[j])
				}
			}
		}
	}
	return leaked
}
