package wire

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/internal/bounded"
)

func post(t *testing.T, rawURL string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// HT-12: a server that echoes every credential, JSON-escaped, in its body
// and headers; the observer and the error text see none of them.
func TestDo_HT12_ObserverRedactsEscapedEcho(t *testing.T) {
	const secret = "s3cr/et€pw"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", echo="`+r.PostForm.Get("client_secret")+`"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		// PHP's default escaping of "/" and a \u escape of the euro sign.
		_, _ = w.Write([]byte(`{"error":"invalid_client","echo":"s3cr\/et\u20acpw","access_token":"at-123456"}`))
	}))
	defer srv.Close()
	var seen []*Exchange
	form := url.Values{"client_secret": {secret}, "grant_type": {"client_credentials"}}
	c := Call{Form: form, Observe: func(ex *Exchange) { seen = append(seen, ex) }}
	req := post(t, srv.URL, form)
	req.Header.Set("Authorization", "Basic "+"Y2xpZW50OnMzY3IlMkZldCVFMiU4MiVBQ3B3")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("%d exchanges observed", len(seen))
	}
	ex := seen[0]
	all := ex.URL + ex.Form.Encode() + string(ex.ResponseBody)
	for k, vs := range ex.RequestHeader {
		all += k + strings.Join(vs, ",")
	}
	for k, vs := range ex.ResponseHeader {
		all += k + strings.Join(vs, ",")
	}
	for _, leak := range []string{secret, `s3cr\/et\u20acpw`, url.QueryEscape(secret), "at-123456", "Y2xpZW50"} {
		if strings.Contains(all, leak) {
			t.Errorf("observed exchange shows %q:\n%s", leak, all)
		}
	}
	if got := ex.RequestHeader.Get("Authorization"); got != "Basic [redacted]" {
		t.Errorf("Authorization shown as %q", got)
	}
	if red := string(res.Secrets.Body(res.Body)); strings.Contains(red, "et\\u20acpw") || strings.Contains(red, "et€pw") {
		t.Errorf("response secrets do not redact the body: %s", red)
	}
}

func TestURLWithUserinfoRefused(t *testing.T) {
	c := Call{}
	req := post(t, "http://client:pw@127.0.0.1:1/token", nil)
	_, err := c.Do(req)
	if !errors.Is(err, ErrURL) || strings.Contains(err.Error(), "pw") {
		t.Errorf("got %v", err)
	}
}

func TestNoRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.test/steal?code=abcd1234", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	form := url.Values{"code": {"abcd1234"}}
	c := Call{Form: form}
	_, err := c.Do(post(t, srv.URL, form))
	if !errors.Is(err, ErrRedirect) || strings.Contains(err.Error(), "abcd1234") {
		t.Errorf("got %v", err)
	}
}

func TestSameOrigin(t *testing.T) {
	var other *httptest.Server
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			_, _ = w.Write([]byte(`{}`))
		case "/away":
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1), http.StatusFound)
		}
	}))
	defer srv.Close()
	other = srv
	c := Call{Redirects: SameOrigin}
	get := func(p string) (*Response, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
		return c.Do(req)
	}
	if res, err := get("/a"); err != nil || res.StatusCode != 200 || res.URL.Path != "/b" {
		t.Errorf("same origin: %v %v", res, err)
	}
	if _, err := get("/away"); !errors.Is(err, ErrRedirect) {
		t.Errorf("other origin: %v", err)
	}
}

// TE-13: a gzip bomb the caller's transport leaves encoded is capped on
// its decoded size.
func TestDo_TE13_GzipCappedAfterDecompression(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(bytes.Repeat([]byte("a"), 4<<20))
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(buf.Bytes())
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	c := Call{Client: hc, MaxBody: 1 << 20}
	if _, err := c.Do(req); !errors.Is(err, bounded.ErrTooLarge) {
		t.Errorf("got %v", err)
	}
}

func TestTransportObservesHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		_, _ = w.Write([]byte("body"))
	}))
	defer srv.Close()
	var seen []*Exchange
	hc := &http.Client{Transport: &Transport{Observe: func(ex *Exchange) { seen = append(seen, ex) }}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/r", nil)
	req.Header.Set("Authorization", "Bearer resource-token-1")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(seen) != 1 || seen[0].StatusCode != 200 || seen[0].RequestHeader.Get("Authorization") != "Bearer [redacted]" ||
		strings.Contains(seen[0].ResponseHeader.Get("X-Echo"), "resource-token-1") {
		t.Errorf("observed %+v", seen)
	}
	if req.Header.Get("Authorization") != "Bearer resource-token-1" {
		t.Error("caller's request modified")
	}
}

func TestASCIIEqualFold(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"AS.test:443", "as.TEST:443", true},
		{"straße.test", "straẞe.test", false},
		{"ς.test", "σ.test", false},
		{"\u212a.test", "k.test", false}, // Kelvin sign
	} {
		if got := asciiEqualFold(c.a, c.b); got != c.want {
			t.Errorf("asciiEqualFold(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestRequestBodyRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"client_id":"c1","client_secret":"generated-secret","registration_access_token":"rat-123456"}`))
	}))
	defer srv.Close()
	body := []byte(`{"redirect_uris":["https://app/cb"],"client_secret":"chosen-secret"}`)
	var seen *Exchange
	c := Call{Body: body, Observe: func(ex *Exchange) { seen = ex }}
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	text := string(seen.RequestBody) + string(seen.ResponseBody)
	for _, s := range []string{"chosen-secret", "generated-secret", "rat-123456"} {
		if strings.Contains(text, s) {
			t.Errorf("%q shown: %s", s, text)
		}
	}
	if !strings.Contains(string(seen.RequestBody), `"redirect_uris":["https://app/cb"]`) {
		t.Errorf("request body %s", seen.RequestBody)
	}
}

// A parameter that is not a credential is shown as sent, even when the
// password is part of it (Keycloak's admin-cli with the user admin/admin).
func TestFormRedactedByNameOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	form := url.Values{"client_id": {"admin-cli"}, "username": {"admin"}, "password": {"admin"}, "grant_type": {"password"}}
	var seen *Exchange
	c := Call{Form: form, Observe: func(ex *Exchange) { seen = ex }}
	if _, err := c.Do(post(t, srv.URL, form)); err != nil {
		t.Fatal(err)
	}
	if seen.Form.Get("client_id") != "admin-cli" || seen.Form.Get("username") != "admin" || seen.Form.Get("password") != "[redacted]" {
		t.Errorf("form shown as %v", seen.Form)
	}
	if form.Get("password") != "admin" {
		t.Error("caller's form modified")
	}
}
