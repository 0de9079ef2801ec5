package oauth2

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

func rsaKey(t testing.TB) jose.JWK {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JWK{KeyID: "rsa1", Key: k}
}

func TestSignRequestObject(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	c := &Config{ClientID: "client", Endpoint: Endpoint{Issuer: "https://as.test"}, Clock: func() time.Time { return now }}
	params := url.Values{
		"response_type": {"code"}, "state": {"s1"}, "scope": {"openid"},
		"resource": {"https://a.test", "https://b.test"},
		"claims":   {`{"userinfo":{"email":null}}`},
	}
	for _, tc := range []struct {
		key jose.JWK
		alg jose.Algorithm
	}{
		{rsaKey(t), jose.PS256},
		{ecKey(t), jose.ES256},
		{jose.JWK{Key: edKey}, jose.EdDSA},
	} {
		jwt, err := c.SignRequestObject(params, RequestObject{Key: tc.key})
		if err != nil {
			t.Fatal(err)
		}
		hdr, claims, err := jose.VerifyJWT(context.Background(), jwt, publicSet(t, tc.key),
			jose.VerifyOptions{Algorithms: []jose.Algorithm{tc.alg}, Types: []string{RequestObjectType}},
			jose.Expected{Issuer: "client", Audience: "https://as.test", Clock: func() time.Time { return now }, RequireExpiry: true, RequireIssuedAt: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if hdr.Algorithm != tc.alg {
			t.Errorf("alg %s", hdr.Algorithm)
		}
		raw := claims.Raw()
		var aud string
		if json.Unmarshal(raw["aud"], &aud) != nil {
			t.Errorf("aud is not one string: %s", raw["aud"])
		}
		if string(raw["state"]) != `"s1"` || string(raw["client_id"]) != `"client"` || string(raw["response_type"]) != `"code"` ||
			string(raw["resource"]) != `["https://a.test","https://b.test"]` || string(raw["claims"]) != `{"userinfo":{"email":null}}` {
			t.Errorf("claims %s", claims.Raw())
		}
		if claims.NotBefore == nil || int64(*claims.NotBefore) != now.Unix() || int64(*claims.Expiry) != now.Add(DefaultRequestObjectLifetime).Unix() ||
			len(claims.ID) < 20 {
			t.Errorf("nbf/exp/jti %v %v %q", claims.NotBefore, claims.Expiry, claims.ID)
		}
	}
	a, _ := c.SignRequestObject(params, RequestObject{Key: ecKey(t)})
	b, _ := c.SignRequestObject(params, RequestObject{Key: ecKey(t)})
	if a == b {
		t.Fatal("two request objects are equal: jti not fresh")
	}
}

func TestSignRequestObject_Refused(t *testing.T) {
	c := &Config{ClientID: "client", Endpoint: Endpoint{Issuer: "https://as.test"}}
	rk := rsaKey(t)
	for name, tc := range map[string]struct {
		c      *Config
		params url.Values
		ro     RequestObject
	}{
		"RS256 not asked":   {c, nil, RequestObject{Key: rk, Algorithm: jose.RS256}},
		"too long":          {c, nil, RequestObject{Key: rk, Lifetime: 61 * time.Minute}},
		"negative lifetime": {c, nil, RequestObject{Key: rk, Lifetime: -time.Second}},
		"nested request":    {c, url.Values{"request_uri": {"urn:x"}}, RequestObject{Key: rk}},
		"no issuer":         {&Config{ClientID: "client"}, nil, RequestObject{Key: rk}},
		"no client":         {&Config{Endpoint: c.Endpoint}, nil, RequestObject{Key: rk}},
		"symmetric key":     {c, nil, RequestObject{Key: jose.NewSymmetricKey(make([]byte, 32))}},
	} {
		if _, err := tc.c.SignRequestObject(tc.params, tc.ro); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.SignRequestObject(nil, RequestObject{Key: rk, Algorithm: jose.RS256, AllowRS256: true, Lifetime: MaxRequestObjectLifetime}); err != nil {
		t.Errorf("RS256 when asked: %v", err)
	}
}

func TestFlowPushSignedRequest(t *testing.T) {
	key := ecKey(t)
	var pushed url.Values
	c, srv := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		pushed = r.PostForm
		writeJSON(w, 201, `{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}`)
	})
	c.AuthMethod = PrivateKeyJWT{Key: key}
	f, err := c.AuthorizationRequest(AuthorizationOptions{RedirectURL: "https://client.test/cb"})
	if err != nil {
		t.Fatal(err)
	}
	u, pa, err := f.PushSignedRequest(context.Background(), c, RequestObject{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if pa.RequestURI != "urn:ietf:params:oauth:request_uri:abc" || u != srv.URL+"/authorize?client_id=client&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc" {
		t.Errorf("url %s", u)
	}
	// RFC 9126, section 3: only client_id, the request object and client
	// authentication travel outside the request object.
	for name := range pushed {
		switch name {
		case "client_id", "request", "client_assertion", "client_assertion_type":
		default:
			t.Errorf("parameter %q sent outside the request object", name)
		}
	}
	_, claims, err := jose.VerifyJWT(context.Background(), pushed.Get("request"), publicSet(t, key),
		jose.VerifyOptions{Algorithms: []jose.Algorithm{jose.ES256}}, jose.Expected{Issuer: "client", Audience: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := claims.StringClaim("code_challenge"); s != S256Challenge(f.CodeVerifier) {
		t.Error("code_challenge missing from the request object")
	}
	if s, _, _ := claims.StringClaim("state"); s != f.State {
		t.Error("state missing from the request object")
	}
	byValue, err := f.RequestObjectURL(c, RequestObject{Key: key})
	if err != nil || !strings.HasPrefix(byValue, srv.URL+"/authorize?client_id=client&request=ey") {
		t.Errorf("by value %s %v", byValue, err)
	}
	other := *c
	other.ClientID = "other"
	if _, err := f.SignedRequest(&other, RequestObject{Key: key}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("other client: %v", err)
	}
}

// FA-09: the PAR endpoint echoes the whole request (request object and
// client assertion) back in its error; the returned error holds no
// credential, and the code verifier never left the client.
func TestFA09_RequestObjectEchoedInError(t *testing.T) {
	key := ecKey(t)
	var assertion string
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 1<<16)
		n, _ := r.Body.Read(body)
		form, _ := url.ParseQuery(string(body[:n]))
		assertion = form.Get("client_assertion")
		msg, _ := json.Marshal(map[string]string{"error": "invalid_request_object", "error_description": "bad: " + string(body[:n]) + " " + assertion})
		writeJSON(w, 400, string(msg))
	})
	c.AuthMethod = PrivateKeyJWT{Key: key}
	c.ClientSecret = ""
	f, err := c.AuthorizationRequest(AuthorizationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.PushSignedRequest(context.Background(), c, RequestObject{Key: key})
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != "invalid_request_object" {
		t.Fatalf("err %v", err)
	}
	if assertion == "" {
		t.Fatal("no assertion sent")
	}
	assertNoSecret(t, err, assertion, f.CodeVerifier)
	if strings.Contains(string(oe.Body), assertion) || strings.Contains(oe.Description, assertion) {
		t.Fatal("the client assertion leaks through the error")
	}
}
