package oauth2

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// FuzzCertificateBinding feeds arbitrary access tokens to the cnf reader:
// it must never panic, and a token it calls bound must carry a thumbprint.
func FuzzCertificateBinding(f *testing.F) {
	enc := base64.RawURLEncoding.EncodeToString
	for _, p := range []string{`{"cnf":{"x5t#S256":"abc"}}`, `{"cnf":null}`, `{"cnf":[1]}`, `{}`, `[]`, `{"cnf":{"x5t#S256":5}}`} {
		f.Add(enc([]byte(`{"alg":"PS256"}`)) + "." + enc([]byte(p)) + ".c2ln")
	}
	f.Add("opaque")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		thumb, isJWT, err := tokenCertificateThumbprint(token)
		if err == nil && thumb != "" && !isJWT {
			t.Fatalf("thumbprint %q from a non-JWT", thumb)
		}
		_ = CheckCertificateBinding(&Token{AccessToken: token + "x"}, nil)
	})
}

// FuzzJARMClaims feeds arbitrary claim sets to the duplicate merger: it
// must never panic, and what it returns is a JSON object without a
// repeated name.
func FuzzJARMClaims(f *testing.F) {
	for _, s := range []string{`{"iss":"a","iss":"a"}`, `{"iss":"a","iss":"b"}`, `{"a":{"b":1}}`, `{}`, `[]`, `{"a":1} x`, `{"a":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := mergeIdenticalMembers(payload)
		if err != nil {
			return
		}
		if bytes.Equal(out, payload) {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("merged %q into invalid JSON %q: %v", payload, out, err)
		}
	})
}
