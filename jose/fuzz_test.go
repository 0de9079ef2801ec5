package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary compact tokens to Verify and VerifyJWT: no
// panics, and nothing but the seed tokens ever verifies.
func FuzzVerify(f *testing.F) {
	k := keys(f)
	rsaKey, ecKey, hsKey := JWK{KeyID: "r", Key: k.rsa}, JWK{KeyID: "e", Key: k.p256}, JWK{KeyID: "h", Key: k.hmac}
	set := StaticKeySet{pubJWK(f, rsaKey), pubJWK(f, ecKey), hsKey}
	valid := map[string]bool{}
	for _, tok := range []string{
		mustSign(f, rsaKey, RS256, claimsJSON(), SignOptions{Type: "JWT"}),
		mustSign(f, ecKey, ES256, claimsJSON(), SignOptions{}),
		mustSign(f, hsKey, HS256, `{"a":[1,{"b":null}],"exp":1e3}`, SignOptions{}),
		mustSign(f, rsaKey, PS256, "not json", SignOptions{KeyID: "r"}),
	} {
		valid[tok] = true
		f.Add(tok)
	}
	f.Add(b64s(`{"alg":"none"}`) + "." + b64s("{}") + ".")
	f.Add("e30.e30.e30.e30.e30")
	f.Add(b64s(`{"alg":"RS256","crit":["b64"],"b64":false}`) + ".e30.c2ln")
	opts := VerifyOptions{Algorithms: []Algorithm{RS256, PS256, ES256, HS256, EdDSA}}
	f.Fuzz(func(t *testing.T, tok string) {
		hdr, payload, err := Verify(bg, tok, set, opts)
		if err == nil {
			if !valid[tok] {
				t.Fatalf("unexpected token verified: %q", tok)
			}
			if hdr.Algorithm == "" || payload == nil {
				t.Fatalf("empty result for a verified token")
			}
		}
		_, claims, err := VerifyJWT(bg, tok, set, opts, Expected{Clock: fixedClock})
		if err == nil && claims == nil {
			t.Fatal("nil claims without error")
		}
	})
}

// FuzzParseJWKSet checks that parsing never panics and that every key kept
// survives an encode/decode round trip.
func FuzzParseJWKSet(f *testing.F) {
	k := keys(f)
	f.Add(jwksJSON(f, JWK{KeyID: "a", Key: k.rsa}, JWK{KeyID: "b", Key: k.p256}, JWK{KeyID: "c", Key: k.ed}))
	f.Add(`{"keys":[{"kty":"AKP"},{"kty":"oct","k":"AAAA"},{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]}`)
	f.Add(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"PS256","use":"sig"}]}`)
	f.Add(rfc7638Key)
	f.Fuzz(func(t *testing.T, data string) {
		set, err := ParseJWKSet([]byte(data))
		if err != nil {
			if _, err := ParseJWK([]byte(data)); err == nil {
				// A single key parsed with the caller's rules must encode.
				return
			}
			return
		}
		if len(set.Keys) == 0 || len(set.Keys) > DefaultMaxKeys {
			t.Fatalf("%d keys", len(set.Keys))
		}
		out, err := set.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParseJWKSet(out)
		if err != nil || len(back.Keys) != len(set.Keys) {
			t.Fatalf("round trip: %v (%d vs %d keys)", err, len(back.Keys), len(set.Keys))
		}
		for i := range set.Keys {
			if set.Keys[i].IsPrivate() {
				t.Fatal("private key kept from a network key set")
			}
			a, _ := set.Keys[i].Thumbprint()
			b, _ := back.Keys[i].Thumbprint()
			if a != b {
				t.Fatalf("thumbprint changed in the round trip")
			}
		}
	})
}

// FuzzParseClaims checks the strict scanner against encoding/json: whatever
// ParseClaims accepts is valid JSON that encoding/json reads the same way,
// with no member name that encoding/json would confuse with another.
func FuzzParseClaims(f *testing.F) {
	f.Add(claimsJSON())
	f.Add(`{"iss":"a","ISS":"b"}`)
	f.Add(`{"aud":["a","b"],"exp":1.5e9,"nbf":0,"x":{"y":[true,false,null,"\u00e9\ud83d\ude00"]}}`)
	f.Add(`{"\u212aid":"x","kid":"y"}`)
	f.Add(`{"exp":1e999}`)
	f.Add(" {\"a\" : -0.0e+1 } ")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := ParseClaims([]byte(data))
		if err != nil {
			return
		}
		if !json.Valid([]byte(data)) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var generic map[string]any
		dec := json.NewDecoder(strings.NewReader(data))
		dec.UseNumber() // numbers such as 1e700 are valid JSON but overflow float64
		if err := dec.Decode(&generic); err != nil {
			t.Fatalf("encoding/json rejects accepted claims: %v", err)
		}
		raw := c.Raw()
		if len(generic) != len(raw) {
			t.Fatalf("member count %d vs %d", len(generic), len(raw))
		}
		for name, v := range raw {
			m, ok := c.Member(name)
			if !ok || !bytes.Equal(m, v) || !json.Valid(v) {
				t.Fatalf("member %q: Raw %s, Member %s", name, v, m)
			}
			if _, ok := generic[name]; !ok {
				t.Fatalf("member %q unknown to encoding/json", name)
			}
			var want string
			got, _, err := c.StringClaim(name)
			if (json.Unmarshal(v, &want) == nil && v[0] == '"') != (err == nil) || got != want {
				t.Fatalf("StringClaim(%q) = %q, %v; encoding/json reads %q", name, got, err, want)
			}
		}
		var std struct {
			Iss string `json:"iss"`
			Sub string `json:"sub"`
			Jti string `json:"jti"`
		}
		if err := json.Unmarshal([]byte(data), &std); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if std.Iss != c.Issuer || std.Sub != c.Subject || std.Jti != c.ID {
			t.Fatalf("encoding/json reads iss/sub/jti %q/%q/%q, ParseClaims %q/%q/%q", std.Iss, std.Sub, std.Jti, c.Issuer, c.Subject, c.ID)
		}
		if c.Expiry != nil && (*c.Expiry < 0 || *c.Expiry > maxNumericDate) {
			t.Fatalf("exp out of range: %d", *c.Expiry)
		}
	})
}

// FuzzDecodeSegment checks the hot-path base64url decoder against
// encoding/base64's strict raw URL decoder: the same bytes for canonical
// input, and rejection of everything else (line breaks included, which
// encoding/base64 skips).
func FuzzDecodeSegment(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9")
	f.Add("abc")
	f.Add("ab")
	f.Add("abd")
	f.Add("ab\ncd")
	f.Add("abc=")
	f.Add("abcdefghijklmnopqrstuvwxyz-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+/")
	f.Fuzz(func(t *testing.T, s string) {
		enc := base64.RawURLEncoding.Strict()
		want, err := enc.DecodeString(s)
		canonical := err == nil && !strings.ContainsAny(s, "\r\n")
		dst := make([]byte, enc.DecodedLen(len(s)))
		n, ok := decodeSegment(dst, s)
		if ok != canonical || ok != strictB64(s) || (ok && !bytes.Equal(dst[:n], want)) {
			t.Fatalf("%q: decodeSegment %v %x; encoding/base64 %v %x", s, ok, dst[:n], canonical, want)
		}
	})
}
