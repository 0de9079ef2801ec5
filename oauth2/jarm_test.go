package oauth2

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// jarmSetup returns a flow of a client "client" at issuer
// https://as.test, the server's signing key and a verifier with its
// public key, on a fixed clock.
func jarmSetup(t *testing.T) (*Flow, jose.JWK, JARMVerifier, time.Time) {
	t.Helper()
	c := &Config{ClientID: "client", Endpoint: Endpoint{Issuer: "https://as.test", AuthorizationURL: "https://as.test/auth", TokenURL: "https://as.test/token"}}
	f, err := c.AuthorizationRequest(AuthorizationOptions{RedirectURL: "https://client.test/cb", Extra: url.Values{"response_mode": {ResponseModeJWT}}})
	if err != nil {
		t.Fatal(err)
	}
	key := ecKey(t)
	now := time.Unix(1_800_000_000, 0)
	return f, key, JARMVerifier{Keys: publicSet(t, key), Clock: func() time.Time { return now }}, now
}

func jarmClaims(f *Flow, now time.Time) map[string]any {
	return map[string]any{
		"iss": "https://as.test", "aud": "client", "exp": now.Add(time.Minute).Unix(),
		"state": f.State, "code": "the-code",
	}
}

func signJARM(t *testing.T, key jose.JWK, claims map[string]any) url.Values {
	t.Helper()
	s, err := jose.SignClaims(key, jose.ES256, claims, jose.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"response": {s}}
}

func TestJARMCallback(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	if f.Params.Get("response_mode") != "jwt" {
		t.Fatal("response_mode not sent")
	}
	code, err := f.JARMCallback(context.Background(), v, signJARM(t, key, jarmClaims(f, now)))
	if err != nil || code != "the-code" {
		t.Fatalf("code %q, err %v", code, err)
	}
	if !f.Used() {
		t.Fatal("flow not consumed")
	}
	// An error response inside the JWT is an *Error.
	f2, _, _, _ := jarmSetup(t)
	claims := jarmClaims(f2, now)
	delete(claims, "code")
	claims["error"] = "access_denied"
	_, err = f2.JARMCallback(context.Background(), v, signJARM(t, key, claims))
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != ErrorAccessDenied {
		t.Fatalf("error response: %v", err)
	}
}

func TestJARMCallback_Malformed(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	jwt := signJARM(t, key, jarmClaims(f, now)).Get("response")
	for name, tc := range map[string]struct {
		params url.Values
		want   error
	}{
		"twice":        {url.Values{"response": {jwt, jwt}}, ErrInvalidCallback},
		"absent":       {url.Values{"code": {"c"}, "state": {f.State}}, ErrJARM},
		"plain error":  {url.Values{"error": {"access_denied"}, "state": {f.State}}, ErrJARM},
		"not a JWT":    {url.Values{"response": {"abc"}}, jose.ErrMalformed},
		"wrong key":    {signJARM(t, ecKey(t), jarmClaims(f, now)), jose.ErrSignature},
		"no keys":      {url.Values{"response": {jwt}}, nil},
		"missing exp":  {signJARM(t, key, without(jarmClaims(f, now), "exp")), jose.ErrMissingClaim},
		"missing iss":  {signJARM(t, key, without(jarmClaims(f, now), "iss")), jose.ErrMissingClaim},
		"state number": {signJARM(t, key, with(jarmClaims(f, now), "state", 5)), ErrStateMismatch},
	} {
		vv := v
		if name == "no keys" {
			vv.Keys = nil
			tc.want = ErrInvalidConfig
		}
		if _, err := f.JARMCallback(context.Background(), vv, tc.params); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if f.Used() {
		t.Fatal("a failed response consumed the flow")
	}
}

func without(m map[string]any, k string) map[string]any { delete(m, k); return m }
func with(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

// FA-01: a JARM response signed with "none" (any letter case) is refused.
func TestFA01_JARMAlgNone(t *testing.T) {
	f, _, v, now := jarmSetup(t)
	payload, _ := json.Marshal(jarmClaims(f, now))
	enc := base64.RawURLEncoding.EncodeToString
	for _, alg := range []string{"none", "None", "NONE"} {
		tok := enc([]byte(`{"alg":"`+alg+`"}`)) + "." + enc(payload) + "."
		_, err := f.JARMCallback(context.Background(), v, url.Values{"response": {tok}})
		if !errors.Is(err, ErrJARM) || !errors.Is(err, jose.ErrMalformed) {
			t.Errorf("%s, empty signature: %v", alg, err)
		}
		_, err = f.JARMCallback(context.Background(), v, url.Values{"response": {tok + "c2ln"}})
		if !errors.Is(err, ErrJARM) || !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
			t.Errorf("%s: %v", alg, err)
		}
	}
	if f.Used() {
		t.Fatal("flow consumed")
	}
}

// FA-02: a JARM response signed with HS256 keyed by the server's public
// key (PEM and DER) is refused, even when HS256 is (wrongly) allowed.
func TestFA02_JARMHMACWithPublicKey(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	pub, _ := key.Public()
	der, err := x509.MarshalPKIXPublicKey(pub.Key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for _, secret := range [][]byte{pemKey, der} {
		s, err := jose.SignClaims(jose.NewSymmetricKey(secret), jose.HS256, jarmClaims(f, now), jose.SignOptions{KeyID: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, algs := range [][]jose.Algorithm{nil, {jose.ES256, jose.HS256}} {
			vv := v
			vv.Algorithms = algs
			_, err := f.JARMCallback(context.Background(), vv, url.Values{"response": {s}})
			if !errors.Is(err, ErrJARM) || (!errors.Is(err, jose.ErrAlgorithmNotAllowed) && !errors.Is(err, jose.ErrKeyMismatch)) {
				t.Errorf("algs %v: %v", algs, err)
			}
		}
	}
}

// FA-03: a JARM response from another issuer.
func TestFA03_JARMOtherIssuer(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	for _, iss := range []string{"https://evil.test", "https://as.test/", "HTTPS://AS.TEST"} {
		_, err := f.JARMCallback(context.Background(), v, signJARM(t, key, with(jarmClaims(f, now), "iss", iss)))
		if !errors.Is(err, ErrJARM) || !errors.Is(err, ErrIssuerMismatch) || !errors.Is(err, jose.ErrIssuer) {
			t.Errorf("%s: %v", iss, err)
		}
	}
}

// FA-04: a JARM response for another audience.
func TestFA04_JARMOtherAudience(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	for _, aud := range []any{"other", []string{"other"}, []string{}} {
		_, err := f.JARMCallback(context.Background(), v, signJARM(t, key, with(jarmClaims(f, now), "aud", aud)))
		if !errors.Is(err, ErrJARM) || !errors.Is(err, jose.ErrAudience) {
			t.Errorf("%v: %v", aud, err)
		}
	}
}

// FA-05: an expired JARM response, beyond the leeway; within it, accepted.
func TestFA05_JARMExpired(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	_, err := f.JARMCallback(context.Background(), v, signJARM(t, key, with(jarmClaims(f, now), "exp", now.Add(-DefaultJARMLeeway-time.Second).Unix())))
	if !errors.Is(err, ErrJARM) || !errors.Is(err, jose.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := f.JARMCallback(context.Background(), v, signJARM(t, key, with(jarmClaims(f, now), "exp", now.Add(-DefaultJARMLeeway/2).Unix()))); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
}

// FA-06: a validly signed JARM response carrying another flow's state
// (a response injected into this flow) is refused, and the flow stays
// usable for its own response.
func TestFA06_JARMForgedState(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	_, err := f.JARMCallback(context.Background(), v, signJARM(t, key, with(jarmClaims(f, now), "state", "attacker-state")))
	if !errors.Is(err, ErrStateMismatch) || f.Used() {
		t.Fatalf("forged state: %v (used %v)", err, f.Used())
	}
	// The state outside the JWT is ignored: only the signed one counts.
	params := signJARM(t, key, with(jarmClaims(f, now), "state", "attacker-state"))
	params.Set("state", f.State)
	if _, err := f.JARMCallback(context.Background(), v, params); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("outer state: %v", err)
	}
	if code, err := f.JARMCallback(context.Background(), v, signJARM(t, key, jarmClaims(f, now))); err != nil || code != "the-code" {
		t.Fatalf("own response: %q %v", code, err)
	}
}

func TestCompleteJARM(t *testing.T) {
	c, srv := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("code") != "the-code" || r.PostForm.Get("code_verifier") == "" {
			t.Errorf("token request %v", r.PostForm)
		}
		writeJSON(w, 200, `{"access_token":"at","token_type":"Bearer","expires_in":60}`)
	})
	f, err := c.AuthorizationRequest(AuthorizationOptions{Extra: url.Values{"response_mode": {ResponseModeQueryJWT}}})
	if err != nil {
		t.Fatal(err)
	}
	key := ecKey(t)
	now := time.Now()
	claims := jarmClaims(f, now)
	claims["iss"] = srv.URL
	tok, err := f.CompleteJARM(context.Background(), c, JARMVerifier{Keys: publicSet(t, key)}, signJARM(t, key, claims))
	if err != nil || tok.AccessToken != "at" {
		t.Fatalf("token %v, err %v", tok, err)
	}
	other := *c
	other.Endpoint.TokenURL = "https://evil.test/token"
	if _, err := f.CompleteJARM(context.Background(), &other, JARMVerifier{Keys: publicSet(t, key)}, nil); !errors.Is(err, ErrIssuerMismatch) {
		t.Fatalf("other server: %v", err)
	}
}

// FA-11: a JARM claim set naming a member twice. The same value twice is
// what Keycloak 26 sends for "iss" and is accepted; two different values
// are ambiguous and refused, whichever comes first.
func TestFA11_JARMDuplicateMembers(t *testing.T) {
	f, key, v, now := jarmSetup(t)
	sign := func(payload string) url.Values {
		s, err := jose.Sign(key, jose.ES256, []byte(payload), jose.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"response": {s}}
	}
	exp := fmt.Sprint(now.Add(time.Minute).Unix())
	body := `"aud":"client","exp":` + exp + `,"state":"` + f.State + `","code":"the-code"`
	for _, bad := range []string{
		`{"iss":"https://evil.test",` + body + `,"iss":"https://as.test"}`,
		`{"iss":"https://as.test",` + body + `,"iss":"https://evil.test"}`,
		`{"iss":"https://as.test",` + body + `,"ISS":"https://evil.test"}`,
		`{"iss":"https://as.test",` + body + `,"state":"other"}`,
		`{"iss":"https://as.test",` + body + `} {}`,
	} {
		if _, err := f.JARMCallback(context.Background(), v, sign(bad)); !errors.Is(err, ErrJARM) || !errors.Is(err, jose.ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	code, err := f.JARMCallback(context.Background(), v, sign(`{"iss":"https://as.test",`+body+`, "iss": "https://as.test"}`))
	if err != nil || code != "the-code" {
		t.Fatalf("identical duplicate: %q %v", code, err)
	}
}
