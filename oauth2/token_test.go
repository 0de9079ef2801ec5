package oauth2_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oauthkit/oauthkit/oauth2"
)

// fixedClock is the time every test token is received at.
var fixedClock = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// tokenFrom runs a client credentials grant against a server answering
// status and body.
func tokenFrom(t *testing.T, status int, body string) (*oauth2.Token, error) {
	t.Helper()
	cfg := startTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) { replyJSON(w, status, body) })
	cfg.Clock = func() time.Time { return fixedClock }
	return cfg.Token(context.Background(), oauth2.ClientCredentialsGrant{})
}

func TestToken_TE01_ErrorInside200(t *testing.T) {
	for _, body := range []string{
		`{"error":"invalid_grant","error_description":"bad code"}`,
		`{"error":"invalid_grant","error_description":"bad code","access_token":"looks-fine","token_type":"bearer"}`,
	} {
		_, err := tokenFrom(t, 200, body)
		var e *oauth2.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: err = %v, want *oauth2.Error", body, err)
		}
		if e.Code != "invalid_grant" || e.Description != "bad code" || e.StatusCode != 200 {
			t.Errorf("%s: error = %+v", body, e)
		}
		if !errors.Is(err, &oauth2.Error{Code: oauth2.ErrorInvalidGrant}) {
			t.Errorf("errors.Is by code failed")
		}
	}
}

func TestToken_TE02_MissingOrInvalidAccessToken(t *testing.T) {
	for _, body := range []string{
		`{"token_type":"Bearer"}`,
		`{"access_token":"","token_type":"Bearer"}`,
		`{"access_token":123,"token_type":"Bearer"}`,
		`{"access_token":{},"token_type":"Bearer"}`,
		`{"access_token":null,"token_type":"Bearer"}`,
		`{"access_token":["a"],"token_type":"Bearer"}`,
		`{}`,
		`{"error":"","access_token":""}`,
	} {
		tok, err := tokenFrom(t, 200, body)
		if !errors.Is(err, oauth2.ErrMalformedResponse) || tok != nil {
			t.Errorf("%s: token %v, err %v; want ErrMalformedResponse", body, tok, err)
		}
	}
}

func TestToken_TE03_MissingTokenType(t *testing.T) {
	// Policy: strict. token_type is REQUIRED (RFC 6749, section 5.1).
	for _, body := range []string{
		`{"access_token":"at"}`,
		`{"access_token":"at","token_type":null}`,
		`{"access_token":"at","token_type":""}`,
		`{"access_token":"at","token_type":1}`,
	} {
		if _, err := tokenFrom(t, 200, body); !errors.Is(err, oauth2.ErrMalformedResponse) {
			t.Errorf("%s: err = %v, want ErrMalformedResponse", body, err)
		}
	}
}

func TestToken_TE04_UnknownTokenType(t *testing.T) {
	for _, typ := range []string{"mac", "N_A", "pop", "DPoP", "dpop", "Bearer ", "Bearer\u0000", "Basic"} {
		body, _ := json.Marshal(map[string]string{"access_token": "at", "token_type": typ})
		tok, err := tokenFrom(t, 200, string(body))
		if !errors.Is(err, oauth2.ErrUnsupportedTokenType) || tok != nil {
			t.Errorf("token_type %q: token %v, err %v; want ErrUnsupportedTokenType", typ, tok, err)
		}
	}
}

func TestToken_TE05_TokenTypeCase(t *testing.T) {
	for _, typ := range []string{"bearer", "BEARER", "Bearer", "bEaReR"} {
		tok, err := tokenFrom(t, 200, `{"access_token":"at","token_type":"`+typ+`"}`)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if tok.TokenType != "Bearer" {
			t.Errorf("%s: TokenType = %q, want canonical Bearer", typ, tok.TokenType)
		}
	}
}

func TestToken_TE06_ExpiresInZoo(t *testing.T) {
	const unknown = time.Duration(-1 << 63)
	cases := []struct {
		raw      string
		lifetime time.Duration // unknown: no Expiry
		bad      bool
	}{
		{`3600`, time.Hour, false},
		{`"3600"`, time.Hour, false},
		{`" 3600 "`, time.Hour, false},
		{`3600.5`, time.Hour, false},
		{`"3600.9"`, time.Hour, false},
		{`3.6e3`, time.Hour, false},
		{`null`, unknown, false},
		{`0`, 0, false},
		{`-5`, -5 * time.Second, false},
		{`"abc"`, 0, true},
		{`""`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
		{`[3600]`, 0, true},
		{`"NaN"`, 0, true},
		{`"Inf"`, 0, true},
		{`"0x10"`, 0, true},
		{`1e400`, 0, true},
		{`9223372037`, 10 * 365 * 24 * time.Hour, false},
		{`1e300`, 10 * 365 * 24 * time.Hour, false},
		{`-1e300`, -10 * 365 * 24 * time.Hour, false},
	}
	for _, tc := range cases {
		tok, err := tokenFrom(t, 200, `{"access_token":"at","token_type":"Bearer","expires_in":`+tc.raw+`}`)
		if tc.bad {
			if !errors.Is(err, oauth2.ErrMalformedResponse) {
				t.Errorf("expires_in %s: err = %v, want ErrMalformedResponse", tc.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("expires_in %s: %v", tc.raw, err)
			continue
		}
		if tc.lifetime == unknown {
			if !tok.Expiry.IsZero() || tok.Expired(fixedClock.Add(100*365*24*time.Hour)) {
				t.Errorf("expires_in %s: Expiry = %v, want unknown", tc.raw, tok.Expiry)
			}
			continue
		}
		if got := tok.Expiry.Sub(fixedClock); got != tc.lifetime {
			t.Errorf("expires_in %s: lifetime %v, want %v", tc.raw, got, tc.lifetime)
		}
		if tc.lifetime <= 0 && !tok.Expired(fixedClock) {
			t.Errorf("expires_in %s: token not expired on arrival", tc.raw)
		}
		if tc.lifetime > 0 && tok.Expired(fixedClock) {
			t.Errorf("expires_in %s: token expired on arrival", tc.raw)
		}
	}
	// No member at all: unknown too.
	tok, err := tokenFrom(t, 200, `{"access_token":"at","token_type":"Bearer"}`)
	if err != nil || !tok.Expiry.IsZero() || tok.Lifetime() != 0 {
		t.Errorf("no expires_in: %v, %v", tok, err)
	}
}

// keycloakResponse is the shape of a Keycloak token response.
const keycloakResponse = `{"access_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":60,"refresh_expires_in":1800,` +
	`"refresh_token":"eyJhbGciOiJIUzUxMiJ9.e30.c2ln","token_type":"Bearer","id_token":"eyJ.e30.x",` +
	`"not-before-policy":0,"session_state":"5e1b7c0a-9f3c-4c2b-8d5e-2f6b7a1c9d3e","scope":"openid profile email",` +
	`"custom":{"nested": [1, 2, {"a":"<b>"}]}}`

func TestToken_KeycloakShape(t *testing.T) {
	tok, err := tokenFrom(t, 200, keycloakResponse)
	if err != nil {
		t.Fatal(err)
	}
	want := &oauth2.Token{
		AccessToken:  "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
		TokenType:    "Bearer",
		RefreshToken: "eyJhbGciOiJIUzUxMiJ9.e30.c2ln",
		Expiry:       fixedClock.Add(time.Minute),
		ReceivedAt:   fixedClock,
		Scope:        "openid profile email",
		IDToken:      "eyJ.e30.x",
		Extra: map[string]json.RawMessage{
			"refresh_expires_in": json.RawMessage(`1800`),
			"not-before-policy":  json.RawMessage(`0`),
			"session_state":      json.RawMessage(`"5e1b7c0a-9f3c-4c2b-8d5e-2f6b7a1c9d3e"`),
			"custom":             json.RawMessage(`{"nested":[1,2,{"a":"\u003cb\u003e"}]}`),
		},
	}
	if diff := cmp.Diff(want, tok); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
	if got := tok.ExtraString("session_state"); got != "5e1b7c0a-9f3c-4c2b-8d5e-2f6b7a1c9d3e" {
		t.Errorf("ExtraString(session_state) = %q", got)
	}
	if tok.ExtraString("refresh_expires_in") != "" || tok.ExtraString("absent") != "" {
		t.Errorf("ExtraString of a number or an absent member is not empty")
	}
	if tok.Lifetime() != time.Minute {
		t.Errorf("Lifetime = %v", tok.Lifetime())
	}
}

func TestToken_JSONRoundTrip(t *testing.T) {
	tok, err := tokenFrom(t, 200, keycloakResponse)
	if err != nil {
		t.Fatal(err)
	}
	// A token with an unknown expiry is stored without its ReceivedAt (see
	// TestToken_MarshalStoredForm); one already expired keeps both.
	tokens := []*oauth2.Token{tok, {AccessToken: "a", TokenType: "DPoP", ReceivedAt: fixedClock, Expiry: fixedClock.Add(-5 * time.Second)}}
	for _, tok := range tokens {
		b, err := json.Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		var back oauth2.Token
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tok, &back); diff != "" {
			t.Errorf("round trip (-want +got):\n%s\n%s", diff, b)
		}
		b2, _ := json.Marshal(back)
		if string(b2) != string(b) {
			t.Errorf("second encoding differs:\n%s\n%s", b, b2)
		}
	}
}

func TestToken_ErrorText(t *testing.T) {
	_, err := tokenFrom(t, 400, `{"error":"invalid_grant","error_description":"Session not active"}`)
	if err == nil || err.Error() != "invalid_grant: Session not active" {
		t.Fatalf("err = %v, want exactly %q", err, "invalid_grant: Session not active")
	}
	if !errors.Is(err, &oauth2.Error{Code: "invalid_grant"}) {
		t.Error("errors.Is(err, &Error{Code: invalid_grant}) = false")
	}
	if errors.Is(err, &oauth2.Error{Code: "invalid_client"}) {
		t.Error("matched another code")
	}
	if errors.Is(err, &oauth2.Error{Code: "invalid_grant", Description: "x"}) {
		t.Error("a target with a description matched")
	}
	var e *oauth2.Error
	if !errors.As(err, &e) || e.StatusCode != 400 || string(e.Body) == "" || e.Header.Get("Content-Type") != "application/json" {
		t.Errorf("error = %+v", e)
	}

	_, err = tokenFrom(t, 401, `{"error":"invalid_client"}`)
	if err == nil || err.Error() != "invalid_client" {
		t.Errorf("err = %v, want %q", err, "invalid_client")
	}
	// Control characters from the server never reach the error text.
	_, err = tokenFrom(t, 400, `{"error":"invalid_grant","error_description":"line1\nFAKE LOG LINE\r\u001b[0m"}`)
	if err == nil || err.Error() != "invalid_grant: line1 FAKE LOG LINE  [0m" {
		t.Errorf("err = %q", err)
	}
	// An "error" member that is not a string is not an OAuth error.
	_, err = tokenFrom(t, 400, `{"error":{"code":1}}`)
	var re *oauth2.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 400 {
		t.Errorf("err = %v, want *ResponseError", err)
	}
}

// Stored tokens written by oauthkit before the current form, by Authlib and
// by x/oauth2 keep their expiry and their other members.
func TestToken_UnmarshalStored(t *testing.T) {
	keycloakExtra := map[string]json.RawMessage{
		"refresh_expires_in": json.RawMessage(`1800`),
		"not-before-policy":  json.RawMessage(`0`),
		"session_state":      json.RawMessage(`"5e1b7c0a"`),
	}
	for _, tc := range []struct {
		name, stored string
		want         oauth2.Token
	}{{
		name: "current",
		stored: `{"access_token":"at","token_type":"Bearer","refresh_token":"rt","expires_in":60,` +
			`"scope":"openid","expires_at":1740830460,"not-before-policy":0,"refresh_expires_in":1800,"session_state":"5e1b7c0a"}`,
		want: oauth2.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Scope: "openid",
			Expiry: fixedClock.Add(time.Minute), ReceivedAt: fixedClock, Extra: keycloakExtra},
	}, {
		// Authlib's OAuth2Token, as json.dumps writes it.
		name: "authlib",
		stored: `{"access_token": "at", "expires_in": 60, "refresh_expires_in": 1800, "refresh_token": "rt", ` +
			`"token_type": "bearer", "not-before-policy": 0, "session_state": "5e1b7c0a", "scope": "openid", "expires_at": 1740830460}`,
		want: oauth2.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Scope: "openid",
			Expiry: fixedClock.Add(time.Minute), ReceivedAt: fixedClock, Extra: keycloakExtra},
	}, {
		// Written by Authlib 1.9.6 itself, with time.time() fixed at
		// fixedClock: json.dumps(OAuth2Token.from_dict(keycloak_response)).
		name: "authlib 1.9.6",
		stored: `{"access_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "expires_in": 60, "refresh_expires_in": 1800, ` +
			`"refresh_token": "eyJhbGciOiJIUzUxMiJ9.e30.c2ln", "token_type": "Bearer", "id_token": "eyJ.e30.x", ` +
			`"not-before-policy": 0, "session_state": "5e1b7c0a-9f3c-4c2b-8d5e-2f6b7a1c9d3e", "scope": "openid profile email", ` +
			`"expires_at": 1740830460}`,
		want: oauth2.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", TokenType: "Bearer",
			RefreshToken: "eyJhbGciOiJIUzUxMiJ9.e30.c2ln", IDToken: "eyJ.e30.x", Scope: "openid profile email",
			Expiry: fixedClock.Add(time.Minute), ReceivedAt: fixedClock, Extra: map[string]json.RawMessage{
				"refresh_expires_in": json.RawMessage(`1800`),
				"not-before-policy":  json.RawMessage(`0`),
				"session_state":      json.RawMessage(`"5e1b7c0a-9f3c-4c2b-8d5e-2f6b7a1c9d3e"`),
			}},
	}, {
		name:   "authlib without expires_in",
		stored: `{"access_token": "at", "token_type": "Bearer", "expires_at": 1740830460.5}`,
		want: oauth2.Token{AccessToken: "at", TokenType: "Bearer",
			Expiry: fixedClock.Add(time.Minute + 500*time.Millisecond)},
	}, {
		// x/oauth2's Token, which writes its expiry in local time.
		name:   "x/oauth2",
		stored: `{"access_token":"at","token_type":"Bearer","refresh_token":"rt","expiry":"2025-03-01T13:01:00+01:00","expires_in":60}`,
		want: oauth2.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt",
			Expiry: fixedClock.Add(time.Minute), ReceivedAt: fixedClock},
	}, {
		name:   "x/oauth2 without expiry",
		stored: `{"access_token":"at","token_type":"Bearer","expiry":"0001-01-01T00:00:00Z"}`,
		want:   oauth2.Token{AccessToken: "at", TokenType: "Bearer"},
	}, {
		name: "oauthkit earlier form",
		stored: `{"access_token":"at","token_type":"Bearer","refresh_token":"rt","expiry":"2025-03-01T12:01:00Z",` +
			`"received_at":"2025-03-01T12:00:00Z","scope":"openid",` +
			`"extra":{"not-before-policy":0,"refresh_expires_in":1800,"session_state":"5e1b7c0a"}}`,
		want: oauth2.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Scope: "openid",
			Expiry: fixedClock.Add(time.Minute), ReceivedAt: fixedClock, Extra: keycloakExtra},
	}, {
		name:   "oauthkit earlier form, unknown expiry",
		stored: `{"access_token":"a","token_type":"Bearer","received_at":"2025-03-01T12:00:00Z"}`,
		want:   oauth2.Token{AccessToken: "a", TokenType: "Bearer", ReceivedAt: fixedClock},
	}, {
		// A response member named "extra" is an ordinary member.
		name:   "extra member inline",
		stored: `{"access_token":"a","token_type":"DPoP","extra":{"a":1},"expires_at":"1740830460"}`,
		want: oauth2.Token{AccessToken: "a", TokenType: "DPoP", Expiry: fixedClock.Add(time.Minute),
			Extra: map[string]json.RawMessage{"extra": json.RawMessage(`{"a":1}`)}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var tok oauth2.Token
			if err := json.Unmarshal([]byte(tc.stored), &tok); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, tok); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
			// Stored again in the current form, the token reads back equal,
			// to the second.
			b, err := json.Marshal(tok)
			if err != nil {
				t.Fatal(err)
			}
			var back oauth2.Token
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.Expiry.Equal(tok.Expiry.Truncate(time.Second)) || !cmp.Equal(back.Extra, tok.Extra) {
				t.Errorf("stored again as %s, read back %+v", b, back)
			}
		})
	}
}

// The stored form is exactly the one MarshalJSON documents.
func TestToken_MarshalStoredForm(t *testing.T) {
	tok := oauth2.Token{
		AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Scope: "openid",
		ReceivedAt: fixedClock.Add(300 * time.Millisecond), Expiry: fixedClock.Add(time.Minute + 300*time.Millisecond),
		Extra: map[string]json.RawMessage{
			"session_state": json.RawMessage(`"s"`), "a": json.RawMessage(`[1, 2]`),
			// Members the fields own are never written from Extra.
			"expires_at": json.RawMessage(`1`), "access_token": json.RawMessage(`"other"`), "expiry": json.RawMessage(`"x"`),
		},
	}
	b, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"access_token":"at","token_type":"Bearer","refresh_token":"rt","expires_in":60,"scope":"openid",` +
		`"expires_at":1740830460,"a":[1,2],"session_state":"s"}`
	if string(b) != want {
		t.Errorf("stored form\n%s\nwant\n%s", b, want)
	}
	b, _ = json.Marshal(oauth2.Token{AccessToken: "at", TokenType: "Bearer", ReceivedAt: fixedClock})
	if string(b) != `{"access_token":"at","token_type":"Bearer"}` {
		t.Errorf("unknown expiry stored as %s", b)
	}
	tok.Extra = map[string]json.RawMessage{"bad": json.RawMessage(`{`)}
	if _, err := json.Marshal(tok); err == nil {
		t.Error("an extra member that is not JSON was stored")
	}
}

func TestToken_UnmarshalMalformed(t *testing.T) {
	for _, stored := range []string{
		`[]`, `null`, `"at"`,
		`{"access_token":1}`,
		`{"access_token":"a","expires_at":"soon"}`,
		`{"access_token":"a","expires_at":1e300}`,
		`{"access_token":"a","expires_at":true}`,
		`{"access_token":"a","expiry":"yesterday"}`,
		`{"access_token":"a","received_at":5}`,
		`{"access_token":"a","expires_in":"abc"}`,
	} {
		var tok oauth2.Token
		if err := json.Unmarshal([]byte(stored), &tok); !errors.Is(err, oauth2.ErrMalformedToken) {
			t.Errorf("%s: err = %v, want ErrMalformedToken", stored, err)
		}
	}
}

// RFC 8693, section 2.2.1: "N_A" is the token type of an exchanged token
// that is not an access token, and only there.
func TestToken_TokenTypeNA(t *testing.T) {
	ok := `{"access_token":"eyJ.x.y","token_type":"N_A","issued_token_type":"urn:ietf:params:oauth:token-type:id_token"}`
	tok, err := tokenFrom(t, 200, ok)
	if err != nil || tok.TokenType != oauth2.TokenTypeNA {
		t.Fatalf("N_A id_token exchange: got %+v, %v", tok, err)
	}
	for _, body := range []string{
		`{"access_token":"a","token_type":"N_A"}`,
		`{"access_token":"a","token_type":"N_A","issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}`,
	} {
		if _, err := tokenFrom(t, 200, body); !errors.Is(err, oauth2.ErrUnsupportedTokenType) {
			t.Errorf("%s: err = %v, want ErrUnsupportedTokenType", body, err)
		}
	}
}

// A token response that repeats a member is malformed: a parser that keeps
// the first value and one that keeps the last would disagree about it.
func TestToken_RepeatedMemberRefused(t *testing.T) {
	for _, body := range []string{
		`{"access_token":"a","token_type":"Bearer","access_token":"b"}`,
		`{"access_token":"a","token_type":"Bearer","expires_in":60,"expires_in":-1}`,
	} {
		if _, err := tokenFrom(t, 200, body); !errors.Is(err, oauth2.ErrMalformedResponse) {
			t.Errorf("%s: err = %v, want ErrMalformedResponse", body, err)
		}
	}
	if _, err := tokenFrom(t, 200, `{"access_token":"a","token_type":"Bearer","ACCESS_TOKEN":"b"}`); err != nil {
		t.Errorf("names differing in case are distinct members: %v", err)
	}
}

// FuzzUnmarshalToken: any input either fails with ErrMalformedToken or gives
// a token that is stored and read back to the same stored form.
func FuzzUnmarshalToken(f *testing.F) {
	for _, seed := range []string{
		`{"access_token":"at","token_type":"bearer","expires_in":60,"expires_at":1740830460,"session_state":"s"}`,
		`{"access_token":"at","expiry":"2025-03-01T13:01:00+01:00","expires_in":60}`,
		`{"access_token":"a","received_at":"2025-03-01T12:00:00Z","extra":{"x":[1,{"y":null}]}}`,
		`{"expires_at":"1e10","extra":{},"expiry":null}`, `[]`, `{"a":1,"a":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, stored []byte) {
		var tok oauth2.Token
		if err := json.Unmarshal(stored, &tok); err != nil {
			var syntax *json.SyntaxError
			if !errors.Is(err, oauth2.ErrMalformedToken) && !errors.As(err, &syntax) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		b, err := json.Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		var back oauth2.Token
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("stored form %s does not read back: %v", b, err)
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("stored form changed:\n%s\n%s", b, b2)
		}
	})
}
