package oauth2

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseChallenges checks that WWW-Authenticate parsing never panics,
// returns only well-formed names, and stays within its caps.
func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Bearer realm="example", error="insufficient_scope", scope="a b"`,
		`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		`Negotiate YII/abc+d==, Basic realm=x`,
		`DPoP error="use_dpop_nonce", algs="ES256"`,
		` , ,Bearer,`, `Bearer realm="unterminated`, `Basic abc=`, `a=b`, `"`, "\\",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseChallenges(s, s)
		if len(cs) > maxChallenges {
			t.Fatalf("%d challenges", len(cs))
		}
		for _, c := range cs {
			if c.Scheme == "" || strings.ContainsAny(c.Scheme, " \t,=\"") {
				t.Fatalf("bad scheme %q", c.Scheme)
			}
			if len(c.Params) > maxChallengeParams || (c.Token68 != "" && c.Params != nil) {
				t.Fatalf("challenge %+v", c)
			}
			for k := range c.Params {
				if k != strings.ToLower(k) || k == "" {
					t.Fatalf("param name %q", k)
				}
			}
		}
		if err == nil && utf8.ValidString(s) && len(cs) == 0 && strings.Trim(s, " \t,") != "" {
			t.Fatalf("%q parsed to nothing without an error", s)
		}
	})
}

// FuzzParseIntrospection checks that hostile introspection bodies never
// panic and that an active result always came from the JSON literal true.
func FuzzParseIntrospection(f *testing.F) {
	for _, s := range []string{
		`{"active":true,"exp":1700000000,"aud":["a","b"],"scope":"x y"}`,
		`{"active":"true"}`, `{"active":1}`, `{}`, `{"active":true,"exp":1e999}`,
		`{"active":true,"active":false}`, `[`, `{"active":true,"aud":{"x":1}}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseIntrospection(b, now)
		if err != nil {
			return
		}
		if in.Active && string(in.Raw["active"]) != "true" {
			t.Fatalf("active from %s", in.Raw["active"])
		}
		if in.Active && !in.Exp.IsZero() && !now.Before(in.Exp) {
			t.Fatal("active past exp")
		}
	})
}

// FuzzParseDeviceAuthorization checks that a device authorization response
// never panics and never yields an unsafe URI or an interval out of bounds.
func FuzzParseDeviceAuthorization(f *testing.F) {
	for _, s := range []string{
		`{"device_code":"d","user_code":"u","verification_uri":"https://a/d","verification_uri_complete":"javascript:x","interval":1e9,"expires_in":"600"}`,
		`{"device_code":"d","user_code":"u","verification_url":"http://a"}`,
		`{"device_code":"d","user_code":"u","verification_uri":"file:///x"}`,
		`{"interval":-1}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		da, err := parseDeviceAuthorization(b, time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		if !isHTTPURL(da.VerificationURI) || (da.VerificationURIComplete != "" && !isHTTPURL(da.VerificationURIComplete)) {
			t.Fatalf("unsafe URI in %+v", da)
		}
		if da.Interval <= 0 || da.Interval > maxDeviceInterval {
			t.Fatalf("interval %v", da.Interval)
		}
		if da.DeviceCode == "" || da.UserCode == "" {
			t.Fatal("empty code accepted")
		}
	})
}

// FuzzParsePushedAuthorization checks the PAR response parser.
func FuzzParsePushedAuthorization(f *testing.F) {
	for _, s := range []string{`{"request_uri":"urn:x","expires_in":60}`, `{"request_uri":"urn:x","expires_in":"1e400"}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pa, err := parsePushedAuthorization(b, time.Unix(1700000000, 0))
		if err == nil && (pa.RequestURI == "" || pa.ExpiresIn <= 0) {
			t.Fatalf("accepted %+v", pa)
		}
	})
}

// FuzzDPoPNonce checks that only NQCHAR nonces reach a proof.
func FuzzDPoPNonce(f *testing.F) {
	for _, s := range []string{"abc", "a\r\nb", `"`, "", "\\", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validNonce(s) {
			return
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] == '"' || s[i] == '\\' || s[i] >= 0x7f {
				t.Fatalf("nonce %q accepted", s)
			}
		}
	})
}
