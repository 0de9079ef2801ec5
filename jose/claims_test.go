package jose

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseClaims(t *testing.T) {
	c, err := ParseClaims([]byte(`{"iss":"https://op.test","sub":"al\u0069ce","aud":["a","b"],"exp":1767326645,"nbf":1767323045.9,"iat":1767323045,"jti":"x","extra":{"nested":[1,2,{"k":null}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://op.test" || c.Subject != "alice" || c.ID != "x" {
		t.Errorf("strings: %+v", c)
	}
	if len(c.Audience) != 2 || c.Audience[1] != "b" {
		t.Errorf("aud = %v", c.Audience)
	}
	if *c.Expiry != 1767326645 || *c.NotBefore != 1767323045 || *c.IssuedAt != 1767323045 {
		t.Errorf("dates %v %v %v", *c.Expiry, *c.NotBefore, *c.IssuedAt)
	}
	if raw := c.Raw(); len(raw) != 8 || string(raw["extra"]) != `{"nested":[1,2,{"k":null}]}` || string(raw["iss"]) != `"https://op.test"` {
		t.Errorf("raw = %s", raw)
	}
	single, err := ParseClaims([]byte(`{"aud":"only"}`))
	if err != nil || len(single.Audience) != 1 || single.Audience[0] != "only" {
		t.Fatalf("single aud: %v %v", err, single)
	}
}

func TestParseClaims_OI04_Malformed(t *testing.T) {
	for _, s := range []string{
		`{"iss":"good","ISS":"evil"}`,
		`{"iss":"good","iss":"evil"}`,
		`{"aud":"a","Aud":"b"}`,
		`{"exp":"1767326645"}`,
		`{"exp":1e999}`,
		`{"exp":1e300}`,
		`{"exp":-1}`,
		`{"exp":null}`,
		`{"exp":true}`,
		`{"iat":[1]}`,
		`{"nbf":253402300800}`,
		`{"iss":1}`,
		`{"sub":null}`,
		`{"jti":{}}`,
		`{"aud":1}`,
		`{"aud":[1]}`,
		`{"aud":["a",null]}`,
		`[]`,
		`{"a":1`,
		`{"a":01}`,
		`{"a":1.}`,
		`{"a":"\x"}`,
		"{\"a\":\"\x01\"}",
		`{"a":tru}`,
		`{"a":1}{"b":2}`,
		strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100),
	} {
		if _, err := ParseClaims([]byte(s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseClaims(%.60s) = %v, want ErrMalformed", s, err)
		}
	}
}

func TestClaims_Validate_OI04(t *testing.T) {
	now := testNow
	leeway := 30 * time.Second
	nd := func(d time.Duration) *NumericDate { v := NewNumericDate(now.Add(d)); return &v }
	base := func() *Claims {
		return &Claims{Issuer: "https://op.test", Subject: "alice", Audience: Audience{"client-1", "api"},
			Expiry: nd(time.Hour), IssuedAt: nd(0)}
	}
	exp := Expected{Issuer: "https://op.test", Audience: "client-1", Subject: "alice", Leeway: leeway,
		Clock: func() time.Time { return now }, RequireExpiry: true, RequireIssuedAt: true}
	if err := base().Validate(exp); err != nil {
		t.Fatalf("valid claims: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*Claims)
		want   []error
	}{
		{"expired beyond leeway", func(c *Claims) { c.Expiry = nd(-leeway - time.Second) }, []error{ErrExpired}},
		{"exp exactly at now+leeway boundary", func(c *Claims) { c.Expiry = nd(-leeway) }, []error{ErrExpired}},
		{"nbf in future", func(c *Claims) { c.NotBefore = nd(leeway + time.Second) }, []error{ErrNotYetValid}},
		{"iat in future", func(c *Claims) { c.IssuedAt = nd(leeway + time.Second) }, []error{ErrIssuedInFuture}},
		{"no exp", func(c *Claims) { c.Expiry = nil }, []error{ErrMissingClaim}},
		{"no iat", func(c *Claims) { c.IssuedAt = nil }, []error{ErrMissingClaim}},
		{"issuer trailing slash", func(c *Claims) { c.Issuer = "https://op.test/" }, []error{ErrIssuer}},
		{"issuer case", func(c *Claims) { c.Issuer = "HTTPS://OP.TEST" }, []error{ErrIssuer}},
		{"issuer missing", func(c *Claims) { c.Issuer = "" }, []error{ErrIssuer, ErrMissingClaim}},
		{"audience other", func(c *Claims) { c.Audience = Audience{"other"} }, []error{ErrAudience}},
		{"audience empty array", func(c *Claims) { c.Audience = Audience{} }, []error{ErrAudience}},
		{"audience missing", func(c *Claims) { c.Audience = nil }, []error{ErrAudience, ErrMissingClaim}},
		{"subject", func(c *Claims) { c.Subject = "bob" }, []error{ErrSubject}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mutate(c)
			err := c.Validate(exp)
			for _, w := range tc.want {
				wantErr(t, err, w)
			}
		})
	}
	// Within the leeway passes.
	c := base()
	c.Expiry = nd(-leeway + time.Second)
	c.NotBefore = nd(leeway)
	c.IssuedAt = nd(leeway)
	if err := c.Validate(exp); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	// Zero Expected checks only the time claims present.
	if err := (&Claims{}).Validate(Expected{}); err != nil {
		t.Fatal(err)
	}
}

func TestNumericDate_JSON(t *testing.T) {
	var d NumericDate
	for in, want := range map[string]NumericDate{"0": 0, "1767326645": 1767326645, "1767326645.75": 1767326645, "1.7e9": 1700000000, "-0": 0} {
		if err := json.Unmarshal([]byte(in), &d); err != nil || d != want {
			t.Errorf("%s -> %v, %v", in, d, err)
		}
	}
	for _, in := range []string{`"1"`, "-5", "1e999", "1e300", "null", "01"} {
		if err := d.UnmarshalJSON([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err %v", in, err)
		}
	}
	if got := NumericDate(1767326645).Time(); !got.Equal(time.Unix(1767326645, 0)) {
		t.Errorf("Time() = %v", got)
	}
}

func TestAudience_JSON(t *testing.T) {
	var a Audience
	if err := json.Unmarshal([]byte(`"x"`), &a); err != nil || len(a) != 1 || a[0] != "x" {
		t.Fatalf("%v %v", a, err)
	}
	if err := json.Unmarshal([]byte(`["x","y"]`), &a); err != nil || len(a) != 2 {
		t.Fatalf("%v %v", a, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &a); err == nil {
		t.Fatal("number accepted")
	}
	b, _ := json.Marshal(Audience{"x"})
	if string(b) != `"x"` {
		t.Errorf("single aud marshals to %s", b)
	}
}

func TestClaims_MarshalJSONRoundTrip(t *testing.T) {
	exp := NumericDate(1767326645)
	parsed, err := ParseClaims([]byte(`{"iss":"old","nonce":"n"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := *parsed
	c.Issuer, c.Subject, c.Audience, c.Expiry, c.ID = "i", "s", Audience{"a"}, &exp, "j"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"aud":"a","exp":1767326645,"iss":"i","jti":"j","nonce":"n","sub":"s"}` {
		t.Fatalf("marshal = %s", b)
	}
	var back Claims
	if err := json.Unmarshal(b, &back); err != nil || back.Issuer != "i" || *back.Expiry != exp {
		t.Fatalf("unmarshal: %v %+v", err, back)
	}
}

func TestParseClaims_RawDoesNotAliasInput(t *testing.T) {
	in := []byte(`{"iss":"abc","x":"yyy"}`)
	c, err := ParseClaims(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = ' '
	}
	if c.Issuer != "abc" || string(c.Raw()["x"]) != `"yyy"` {
		t.Fatalf("claims changed with the input: %+v", c)
	}
}

func TestVerifyJWT(t *testing.T) {
	k := keys(t)
	key := JWK{KeyID: "k", Key: k.p256}
	ks := StaticKeySet{pubJWK(t, key)}
	exp := Expected{Issuer: "https://op.test", Audience: "client-1", Clock: fixedClock, RequireExpiry: true}
	tok := mustSign(t, key, ES256, claimsJSON(), SignOptions{Type: "JWT"})
	hdr, c, err := VerifyJWT(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{ES256}}, exp)
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Type != "JWT" || c.Subject != "alice" {
		t.Errorf("%+v %+v", hdr, c)
	}
	// Expired by the injected clock.
	late := exp
	late.Clock = func() time.Time { return testNow.Add(2 * time.Hour) }
	_, _, err = VerifyJWT(bg, tok, ks, VerifyOptions{Algorithms: []Algorithm{ES256}}, late)
	wantErr(t, err, ErrExpired)
	// Case-variant claims in a correctly signed token.
	dup := mustSign(t, key, ES256, `{"iss":"https://op.test","ISS":"https://evil.test","aud":"client-1","exp":`+itoa(testNow.Add(time.Hour).Unix())+`}`, SignOptions{})
	_, _, err = VerifyJWT(bg, dup, ks, VerifyOptions{Algorithms: []Algorithm{ES256}}, exp)
	wantErr(t, err, ErrMalformed)
	// Nested JWT content type.
	nested := mustSign(t, key, ES256, claimsJSON(), SignOptions{ExtraHeader: map[string]any{"cty": "JWT"}})
	_, _, err = VerifyJWT(bg, nested, ks, VerifyOptions{Algorithms: []Algorithm{ES256}}, exp)
	wantErr(t, err, ErrMalformed)
}

func TestParseClaims_CaseVariantOfRegisteredClaim(t *testing.T) {
	// encoding/json would read "ISS" into an "iss" field; reject instead of
	// ignoring it, so every reader agrees.
	for _, s := range []string{`{"ISS":"evil"}`, `{"Exp":1}`, `{"` + "\u017f" + `ub":"x"}`} {
		_, err := ParseClaims([]byte(s))
		wantErr(t, err, ErrMalformed)
	}
}

// TestParseClaims_DuplicatesAcrossScanPaths checks that short, long, escaped
// and non-ASCII spellings of one name are all caught as duplicates or case
// variants, whichever scanning path each name takes.
func TestParseClaims_DuplicatesAcrossScanPaths(t *testing.T) {
	for _, s := range []string{
		`{"abc":1,"ABC":2}`,
		`{"ab":1,"a\u0062":2}`,
		`{"ab":1,"a\u0042":2}`,
		`{"kid":1,"` + "\u212a" + `ID":2}`,
		`{"k":1,"\u212a":2}`,
		`{"preferred_username":1,"PREFERRED_username":2}`,
		`{"preferred_username":1,"preferred_user\u004eame":2}`,
		`{"session_state":1,"` + "\u017f" + `ession_state":2}`,
		`{"":1,"":2}`,
		`{"x":1,"y":2,"x":3}`,
	} {
		if _, err := ParseClaims([]byte(s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseClaims(%s) = %v, want ErrMalformed", s, err)
		}
	}
	for _, name := range []string{"", "a", "Ab", "abcdefg", "ABCDEFGH", "preferred_username", "a_B-c.d~E"} {
		h1, f1 := foldHash([]byte(name))
		h2, f2 := foldHashBytes([]byte(name))
		if h1 != h2 || f1 != f2 || f1 != (name == strings.ToLower(name)) {
			t.Errorf("foldHash(%q) = %x, %v; foldHashBytes %x, %v", name, h1, f1, h2, f2)
		}
		if len(name) < 8 {
			var x uint64
			for i := len(name) - 1; i >= 0; i-- {
				x = x<<8 | uint64(name[i])
			}
			if h3, f3 := foldWord(x, len(name)); h3 != h1 || f3 != f1 {
				t.Errorf("foldWord(%q) = %x, %v; foldHash %x, %v", name, h3, f3, h1, f1)
			}
		}
	}
	// The same names, distinct, parse.
	c, err := ParseClaims([]byte(`{"abc":1,"abd":2,"preferred_username":"p","preferred_usernamf":"q","a\u0062x":3}`))
	if err != nil || len(c.Raw()) != 5 {
		t.Fatalf("distinct names: %v", err)
	}
}

// TestClaims_Accessors reads members of a parsed claim set in place.
func TestClaims_Accessors(t *testing.T) {
	c, err := ParseClaims([]byte(`{"iss":"i","n\u006fnce":"n\"1","amr":["pwd","otp"],"auth_time":1767323045.5,` +
		`"email_verified":true,"nul":null,"bad_amr":["x",1],"obj":{"a":[1]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := c.StringClaim("nonce"); v != `n"1` || !ok || err != nil {
		t.Errorf("StringClaim(nonce) = %q, %v, %v", v, ok, err)
	}
	if _, ok, err := c.StringClaim("absent"); ok || err != nil {
		t.Errorf("StringClaim(absent) = %v, %v", ok, err)
	}
	for _, name := range []string{"email_verified", "nul", "amr", "obj"} {
		if _, ok, err := c.StringClaim(name); !ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("StringClaim(%s) = %v, %v; want ErrMalformed", name, ok, err)
		}
	}
	if d, ok, err := c.NumericDateClaim("auth_time"); d != 1767323045 || !ok || err != nil {
		t.Errorf("NumericDateClaim(auth_time) = %v, %v, %v", d, ok, err)
	}
	if _, ok, err := c.NumericDateClaim("iss"); !ok || !errors.Is(err, ErrMalformed) {
		t.Errorf("NumericDateClaim(iss) = %v, %v", ok, err)
	}
	if v, ok, err := c.StringsClaim("amr"); len(v) != 2 || v[1] != "otp" || !ok || err != nil {
		t.Errorf("StringsClaim(amr) = %q, %v, %v", v, ok, err)
	}
	if _, ok, err := c.StringsClaim("bad_amr"); !ok || !errors.Is(err, ErrMalformed) {
		t.Errorf("StringsClaim(bad_amr) = %v, %v", ok, err)
	}
	if !c.Has("nul") || c.Has("Nul") || c.Has("absent") {
		t.Error("Has")
	}
	m, ok := c.Member("obj")
	if !ok || string(m) != `{"a":[1]}` {
		t.Errorf("Member(obj) = %s, %v", m, ok)
	}
	m[0] = 'X' // the caller's copy
	if again, _ := c.Member("obj"); string(again) != `{"a":[1]}` {
		t.Error("Member returned shared bytes")
	}
	if raw := c.Raw(); len(raw) != 8 || string(raw["nonce"]) != `"n\"1"` {
		t.Errorf("Raw() = %s", raw)
	}
	var none *Claims
	if none.Has("x") || len(none.Raw()) != 0 {
		t.Error("nil Claims")
	}
	// A hand-built Claims has no members beyond its fields.
	if (&Claims{Issuer: "i"}).Has("iss") {
		t.Error("hand-built Claims reports members")
	}
}
