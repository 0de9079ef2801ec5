package oauth2

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

const extToken = "SENTINEL-AT"

func introspectionServer(t *testing.T, status int, body string) (*Config, *url.Values) {
	var got url.Values
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/introspect" {
			t.Errorf("path %s", r.URL.Path)
		}
		r.ParseForm()
		got = r.PostForm
		if u, p, _ := r.BasicAuth(); u != "client" || p != extSecret {
			t.Error("client not authenticated")
		}
		writeJSON(w, status, body)
	})
	return c, &got
}

func TestIntrospect_Active(t *testing.T) {
	clock := newExtClock()
	now := clock.Now().Unix()
	body := `{"active":true,"scope":"read write","client_id":"l238j323ds-23ij4","username":"jdoe","token_type":"Bearer",` +
		`"exp":` + strconv.FormatInt(now+300, 10) + `,"iat":` + strconv.FormatInt(now-60, 10) + `,"nbf":` + strconv.FormatInt(now-60, 10) +
		`,"sub":"Z5O3upPC88QrAjx00dis","aud":"https://protected.example.net/resource","iss":"https://server.example.com/","jti":"J1","extension_field":"twenty-seven"}`
	c, got := introspectionServer(t, 200, body)
	c.Clock = clock.Now
	in, err := c.Introspect(context.Background(), extToken, HintAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("token") != extToken || got.Get("token_type_hint") != HintAccessToken {
		t.Errorf("form %v", *got)
	}
	if !in.Active || in.Scope != "read write" || in.ClientID != "l238j323ds-23ij4" || in.Username != "jdoe" ||
		in.TokenType != "Bearer" || in.Sub != "Z5O3upPC88QrAjx00dis" || in.Iss != "https://server.example.com/" || in.Jti != "J1" ||
		in.Exp.Unix() != now+300 || in.Iat.Unix() != now-60 || in.Nbf.Unix() != now-60 {
		t.Errorf("introspection %+v", in)
	}
	if !in.HasAudience("https://protected.example.net/resource") || in.HasAudience("other") || !in.HasScope("write") || in.HasScope("admin") {
		t.Errorf("HasAudience or HasScope on %+v", in)
	}
	if string(in.Raw["extension_field"]) != `"twenty-seven"` {
		t.Errorf("raw %v", in.Raw)
	}
}

func TestIntrospect_DM06_OnlyBooleanTrueIsActive(t *testing.T) {
	for _, body := range []string{
		`{"active":"true"}`, `{"active":1}`, `{}`, `{"active":null}`, `{"active":false}`,
		`{"ACTIVE":true}`, `{"Active":true}`, `{"active":[true]}`, `{"active":{"active":true}}`,
		`{"active":false,"sub":123}`, // an inactive answer with a junk member is still inactive
	} {
		c, _ := introspectionServer(t, 200, body)
		in, err := c.Introspect(context.Background(), extToken, "")
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if in.Active {
			t.Errorf("%s: active", body)
		}
	}
}

func TestIntrospect_DM06_TimeChecks(t *testing.T) {
	clock := newExtClock()
	now := clock.Now().Unix()
	for _, tc := range []struct {
		members string
		active  bool
	}{
		{`"exp":` + strconv.FormatInt(now-1, 10), false},
		{`"exp":` + strconv.FormatInt(now, 10), false},
		{`"exp":` + strconv.FormatInt(now+1, 10), true},
		{`"exp":-5`, false},
		{`"exp":1e300`, true},
		{`"nbf":` + strconv.FormatInt(now+60, 10), false},
		{`"nbf":` + strconv.FormatInt(now-60, 10), true},
	} {
		c, _ := introspectionServer(t, 200, `{"active":true,`+tc.members+`}`)
		c.Clock = clock.Now
		in, err := c.Introspect(context.Background(), extToken, "")
		if err != nil {
			t.Errorf("%s: %v", tc.members, err)
			continue
		}
		if in.Active != tc.active {
			t.Errorf("%s: active = %v, want %v", tc.members, in.Active, tc.active)
		}
	}
}

func TestIntrospect_DM06_AudienceAndType(t *testing.T) {
	c, _ := introspectionServer(t, 200, `{"active":true,"aud":["account","other-client"],"typ":"Refresh","client_id":"other-client"}`)
	in, err := c.Introspect(context.Background(), extToken, "")
	if err != nil {
		t.Fatal(err)
	}
	// Active, but not for this resource server: the caller's checks see it.
	if !in.Active || in.HasAudience("my-api") || !in.HasAudience("other-client") || in.ClientID != "other-client" || string(in.Raw["typ"]) != `"Refresh"` {
		t.Errorf("introspection %+v", in)
	}
}

func TestIntrospect_DM06_MalformedActiveFailsClosed(t *testing.T) {
	for _, body := range []string{
		`{"active":true,"exp":"soon"}`, `{"active":true,"exp":"1700000000"}`, `{"active":true,"aud":5}`,
		`{"active":true,"aud":["a",5]}`, `{"active":true,"scope":["a"]}`, `{"active":true,"active":true}`,
		`{"active":false,"active":true}`, `not json`, `[]`, `null`,
	} {
		c, _ := introspectionServer(t, 200, body)
		in, err := c.Introspect(context.Background(), extToken, "")
		if !errors.Is(err, ErrMalformedResponse) || in != nil {
			t.Errorf("%s: in %+v, err %v; want ErrMalformedResponse", body, in, err)
		}
		assertNoSecret(t, err, extToken)
	}
}

func TestIntrospect_DM06_EndpointErrorsFailClosed(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{
		{401, `{"error":"invalid_client"}`},
		{200, `{"error":"invalid_request","active":true}`},
		{500, `<html>oops</html>`},
		{503, `{"active":true}`},
		{204, ``},
	} {
		c, _ := introspectionServer(t, tc.status, tc.body)
		in, err := c.Introspect(context.Background(), extToken, "")
		var e *Error
		var re *ResponseError
		if in != nil || !(errors.As(err, &e) || errors.As(err, &re)) {
			t.Errorf("%d %s: in %+v, err %v", tc.status, tc.body, in, err)
		}
		assertNoSecret(t, err, extToken)
	}
}

func TestIntrospect_EchoedTokenRedacted(t *testing.T) {
	c, _ := introspectionServer(t, 400, `{"error":"invalid_request","error_description":"bad token `+extToken+`"}`)
	_, err := c.Introspect(context.Background(), extToken, "")
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecret(t, err, extToken)
}

func TestIntrospect_NoToken(t *testing.T) {
	if _, err := (&Config{}).Introspect(context.Background(), "", ""); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("err = %v", err)
	}
}

func TestNumericDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{`1700000000`, time.Unix(1700000000, 0).UTC(), false},
		{`1700000000.5`, time.Unix(1700000000, 5e8).UTC(), false},
		{`null`, time.Time{}, false},
		{`-1`, time.Unix(0, 0).UTC(), false},
		{`1e999`, time.Unix(253402300799, 0).UTC(), false},
		{`"1700000000"`, time.Time{}, true},
		{`true`, time.Time{}, true},
	} {
		got, err := numericDate([]byte(tc.in))
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("%s: %v, %v", tc.in, got, err)
		}
	}
}
