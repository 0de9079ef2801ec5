package oauth2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTokenExchangeGrant_Form(t *testing.T) {
	c := &Config{Scopes: []string{"not-used"}}
	form, err := TokenExchangeGrant{
		SubjectToken: "SUBJ", SubjectTokenType: TokenTypeAccessToken,
		ActorToken: "ACT", ActorTokenType: TokenTypeJWT,
		RequestedTokenType: TokenTypeRefreshToken,
		Audience:           []string{"a1", "a2"}, Resource: []string{"https://r1", "https://r2"},
		Scopes: []string{"s1", "s2"}, Extra: url.Values{"x": {"y"}},
	}.Form(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"subject_token": {"SUBJ"}, "subject_token_type": {TokenTypeAccessToken},
		"actor_token": {"ACT"}, "actor_token_type": {TokenTypeJWT},
		"requested_token_type": {TokenTypeRefreshToken},
		"audience":             {"a1", "a2"}, "resource": {"https://r1", "https://r2"},
		"scope": {"s1 s2"}, "x": {"y"},
	}
	if diff := cmp.Diff(want, form); diff != "" {
		t.Errorf("form (-want +got)\n%s", diff)
	}
}

func TestTokenExchangeGrant_FormInvalid(t *testing.T) {
	for _, g := range []TokenExchangeGrant{
		{},
		{SubjectToken: "s"},
		{SubjectTokenType: TokenTypeAccessToken},
		{SubjectToken: "s", SubjectTokenType: TokenTypeAccessToken, ActorToken: "a"},
		{SubjectToken: "s", SubjectTokenType: TokenTypeAccessToken, ActorTokenType: TokenTypeJWT},
	} {
		if _, err := g.Form(context.Background(), &Config{}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: err = %v", g, err)
		}
	}
}

func exchangeServer(t *testing.T, body string) (*Config, *url.Values) {
	var got url.Values
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.PostForm
		writeJSON(w, 200, body)
	})
	return c, &got
}

func TestExchange_Success(t *testing.T) {
	c, got := exchangeServer(t, `{"access_token":"NEW","token_type":"Bearer","issued_token_type":"`+TokenTypeAccessToken+`","expires_in":60}`)
	tok, err := c.TokenExchange(context.Background(), TokenExchangeGrant{
		SubjectToken: "SENTINEL-ST", SubjectTokenType: TokenTypeAccessToken, RequestedTokenType: TokenTypeAccessToken,
	})

	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "NEW" || tok.IssuedTokenType != TokenTypeAccessToken {
		t.Errorf("token %+v", tok)
	}
	if got.Get("grant_type") != GrantTypeTokenExchange || got.Get("subject_token") != "SENTINEL-ST" {
		t.Errorf("form %v", *got)
	}
}

func TestExchange_NoRequestedTypeAcceptsAnyIssuedType(t *testing.T) {
	c, _ := exchangeServer(t, `{"access_token":"NEW","token_type":"Bearer","issued_token_type":"`+TokenTypeJWT+`"}`)
	tok, err := c.TokenExchange(context.Background(), TokenExchangeGrant{SubjectToken: "s", SubjectTokenType: TokenTypeAccessToken})
	if err != nil || tok.IssuedTokenType != TokenTypeJWT {
		t.Fatalf("tok %+v, err %v", tok, err)
	}
}

func TestExchange_TE16_MissingIssuedTokenType(t *testing.T) {
	c, _ := exchangeServer(t, `{"access_token":"NEW","token_type":"Bearer"}`)
	tok, err := c.TokenExchange(context.Background(), TokenExchangeGrant{SubjectToken: "SENTINEL-ST", SubjectTokenType: TokenTypeAccessToken})
	if !errors.Is(err, ErrIssuedTokenType) || tok != nil {
		t.Fatalf("tok %v, err %v; want ErrIssuedTokenType", tok, err)
	}
	assertNoSecret(t, err, "SENTINEL-ST", "NEW")
}

func TestExchange_TE16_OtherTypeThanRequested(t *testing.T) {
	c, _ := exchangeServer(t, `{"access_token":"NEW","token_type":"Bearer","issued_token_type":"`+TokenTypeRefreshToken+`"}`)
	tok, err := c.TokenExchange(context.Background(), TokenExchangeGrant{
		SubjectToken: "SENTINEL-ST", SubjectTokenType: TokenTypeAccessToken, RequestedTokenType: TokenTypeAccessToken,
	})

	if !errors.Is(err, ErrIssuedTokenType) || tok != nil {
		t.Fatalf("tok %v, err %v; want ErrIssuedTokenType", tok, err)
	}
	assertNoSecret(t, err, "SENTINEL-ST", "NEW")
}

func TestExchange_ErrorResponse(t *testing.T) {
	c, _ := extConfig(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"error":"invalid_target"}`)
	})
	_, err := c.TokenExchange(context.Background(), TokenExchangeGrant{SubjectToken: "s", SubjectTokenType: TokenTypeAccessToken})
	if !errors.Is(err, &Error{Code: "invalid_target"}) {
		t.Fatalf("err = %v", err)
	}
}

func ExampleConfig_TokenExchange() {
	cfg := &Config{
		ClientID:     "gateway",
		ClientSecret: "secret",
		Endpoint:     Endpoint{TokenURL: "https://as.example/token"},
	}
	userToken := "access token received by the gateway"
	tok, err := cfg.TokenExchange(context.Background(), TokenExchangeGrant{
		SubjectToken:       userToken,
		SubjectTokenType:   TokenTypeAccessToken,
		RequestedTokenType: TokenTypeAccessToken,
		Audience:           []string{"orders-api"},
	})

	if err != nil {
		fmt.Println(err)
		return
	}
	_ = tok // call orders-api with tok
}
