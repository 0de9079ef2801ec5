package oauth2

import (
	"github.com/oauthkit/oauthkit/internal/redact"

	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzParseToken(f *testing.F) {
	for _, seed := range []string{
		`{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","scope":"a b"}`,
		`{"access_token":"at","token_type":"bearer","expires_in":"3600","session_state":"s","not-before-policy":0}`,
		`{"access_token":"at","token_type":"DPoP","expires_in":-1}`,
		`{"access_token":"at","token_type":"mac"}`,
		`{"access_token":"","token_type":"Bearer"}`,
		`{"access_token":1,"token_type":"Bearer","expires_in":1e400}`,
		`{"access_token":"at","token_type":"Bearer","expires_in":"0x10","x":{"y":[1,"<&>"]}}`,
		`[[[[`, `null`, ``, `{}`,
	} {
		f.Add([]byte(seed), false)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, body []byte, dpop bool) {
		// The token endpoint's own path: decodeObject, then tokenFromMembers.
		var tok *Token
		members, err := decodeObject(body)
		if err == nil {
			tok, err = tokenFromMembers(members, now, dpop)
		}
		if err != nil {
			if tok != nil {
				t.Fatal("token and error")
			}
			if !errors.Is(err, ErrMalformedResponse) && !errors.Is(err, ErrUnsupportedTokenType) {
				t.Fatalf("untyped error %v", err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("line break in %q", err)
			}
			return
		}
		if tok.AccessToken == "" || (tok.TokenType != TokenTypeBearer && tok.TokenType != TokenTypeDPoP) ||
			(tok.TokenType == TokenTypeDPoP && !dpop) {
			t.Fatalf("accepted %+v", tok)
		}
		if d := tok.Lifetime(); d > maxSeconds*time.Second || d < -maxSeconds*time.Second {
			t.Fatalf("lifetime %v out of range", d)
		}
		b, err := json.Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		var back Token
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed the token:\n%s\n%s", b, b2)
		}
	})
}

func FuzzErrorResponse(f *testing.F) {
	for _, seed := range []string{
		`{"error":"invalid_grant","error_description":"Session not active"}`,
		`{"error":"invalid_client","error_uri":"https://as/e","error_description":"client_secret=SENTINEL-FZ"}`,
		`{"error":{"x":1}}`, `{"error":""}`, `<html>SENTINEL-FZ</html>`,
		"{\"error\":\"a\\nb\",\"error_description\":\"\\u001b[31m\"}", `[1]`,
	} {
		f.Add([]byte(seed), 400)
	}
	var secrets redact.Secrets
	secrets.Add("SENTINEL-FZ")
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		r := &response{status: status, header: http.Header{"X-Echo": {string(body)}}, body: body, secrets: secrets}
		err := errorFrom(r)
		var texts []string
		var e *Error
		var re *ResponseError
		switch {
		case errors.As(err, &e):
			if e.Code == "" || oauthError(r) == nil {
				t.Fatalf("empty or unstable code: %+v", e)
			}
			texts = append(texts, string(e.Body), strings.Join(e.Header["X-Echo"], ""))
		case errors.As(err, &re):
			if re.StatusCode != status || len(re.Excerpt) > 256+len("…") {
				t.Fatalf("response error %+v", re)
			}
			texts = append(texts, strings.Join(re.Header["X-Echo"], ""))
		default:
			t.Fatalf("untyped error %T", err)
		}
		texts = append(texts, err.Error())
		if strings.ContainsAny(err.Error(), "\r\n\x00\x1b") {
			t.Fatalf("control character in %q", err)
		}
		for _, s := range texts {
			if strings.Contains(s, "SENTINEL-FZ") {
				t.Fatalf("secret in %q", s)
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	const iss = "https://as.example/realms/r"
	for _, seed := range []string{
		`{"issuer":"https://as.example/realms/r","token_endpoint":"https://as.example/t","jwks_uri":"https://as.example/j"}`,
		`{"issuer":"https://as.example/realms/r","token_endpoint":"file:///etc/passwd"}`,
		`{"issuer":"https://as.example/realms/r","token_endpoint":"https://as.example/t","ISSUER":"x"}`,
		`{"issuer":"https://as.example/realms/r","token_endpoint":"https://as.example/t","mtls_endpoint_aliases":{"a":"http://x"}}`,
		`{"issuer":1}`, `[]`, `{"issuer":"https://as.example/realms/r",`, `{"a":[[[[[]]]]]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseMetadata(body, iss, MetadataOptions{})
		if err != nil {
			if !errors.Is(err, ErrInvalidMetadata) && !errors.Is(err, ErrIssuerMismatch) && !errors.Is(err, ErrInsecureURL) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if m.Issuer != iss || CheckEndpointURL(m.TokenEndpoint, false) != nil {
			t.Fatalf("accepted %+v", m)
		}
		for _, u := range []string{m.AuthorizationEndpoint, m.JWKSURI, m.RevocationEndpoint, m.IntrospectionEndpoint} {
			if u != "" && CheckEndpointURL(u, false) != nil {
				t.Fatalf("accepted endpoint %q", u)
			}
		}
	})
}

func FuzzCallback(f *testing.F) {
	const state = "state-0123456789"
	for _, seed := range []string{
		"code=c&state=state-0123456789&iss=https%3A%2F%2Fas.example",
		"code=c&state=state-0123456789&state=state-0123456789",
		"error=access_denied&error_description=no%0A&state=state-0123456789",
		"code=c&error=x&state=state-0123456789", "code=c;state=x", "%zz", "state=state-0123456789",
		"code=c&state=state-0123456789",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := ParseCallbackQuery(q)
		if err != nil {
			if !errors.Is(err, ErrInvalidCallback) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		fl := &Flow{State: state, Issuer: "https://as.example", RequireIssuer: true}
		code, err := fl.Callback(v)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && strings.ContainsAny(e.Error(), "\r\n") {
				t.Fatalf("line break in %q", e)
			}
			return
		}
		if code == "" || v.Get("state") != state || v.Get("iss") != "https://as.example" || v.Has("error") {
			t.Fatalf("accepted %v", v)
		}
		for _, vs := range v {
			if len(vs) != 1 {
				t.Fatalf("accepted repeated parameters %v", v)
			}
		}
		if _, err := fl.Callback(v); !errors.Is(err, ErrFlowUsed) {
			t.Fatalf("second callback: %v", err)
		}
	})
}
