package redact

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestJSONEscapedEcho(t *testing.T) {
	var s Secrets
	s.Add("se/cr€t-value")
	cases := map[string]string{
		"plain":   `{"error":"bad","echo":"se/cr€t-value"}`,
		"slash":   `{"error":"bad","echo":"se\/cr€t-value"}`,
		"unicode": `{"error":"bad","echo":"se\/cr\u20act-value"}`,
		"nested":  `{"a":[{"b":"x se\u002fcr€t-value y"}]}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			out := string(s.JSON([]byte(in), nil))
			if strings.Contains(out, "cr") && strings.Contains(out, "t-value") {
				t.Errorf("secret kept: %s", out)
			}
			if !strings.Contains(out, Placeholder) {
				t.Errorf("no placeholder: %s", out)
			}
		})
	}
}

func TestJSONKeepsUnchangedBytes(t *testing.T) {
	var s Secrets
	s.Add("topsecret")
	in := `{ "keep":"\u00e4\/x" , "n" : 1.50, "s":"topsecret" }`
	want := `{ "keep":"\u00e4\/x" , "n" : 1.50, "s":"[redacted]" }`
	if got := string(s.JSON([]byte(in), nil)); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	same := []byte(`{"a":"b"}`)
	if got := s.JSON(same, nil); &got[0] != &same[0] {
		t.Error("unchanged input was copied")
	}
}

func TestJSONMembers(t *testing.T) {
	var s Secrets
	in := `{"access_token":"abc.def","expires_in":60,"refresh_token":{"x":"y"},"scope":"a"}`
	want := `{"access_token":"[redacted]","expires_in":60,"refresh_token":"[redacted]","scope":"a"}`
	if got := string(s.JSON([]byte(in), IsSecretMember)); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestBasicPassword(t *testing.T) {
	var s Secrets
	h := http.Header{}
	h.Set("Authorization", "Basic Y2xpZW50OnAlMjBzcw==") // client:p%20ss
	s.AddHeader(h)
	if got := s.String("echo p ss and p%20ss"); strings.Contains(got, "p ss") || strings.Contains(got, "p%20ss") {
		t.Errorf("got %q", got)
	}
}

func TestErrorKeepsChain(t *testing.T) {
	var s Secrets
	s.Add("hunter22")
	err := s.Error(&wrapped{context.DeadlineExceeded, "dial hunter22"})
	if strings.Contains(err.Error(), "hunter22") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

type wrapped struct {
	err error
	msg string
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func TestHeader(t *testing.T) {
	var s Secrets
	s.Add("tok-1234")
	h := http.Header{"Www-Authenticate": {`Bearer error="invalid_token", token="tok-1234"`}}
	got := s.Header(h)
	if strings.Contains(got.Get("Www-Authenticate"), "tok-1234") {
		t.Errorf("got %v", got)
	}
	if !strings.Contains(h.Get("Www-Authenticate"), "tok-1234") {
		t.Error("input modified")
	}
}

func TestURL(t *testing.T) {
	if got := URL("http://client:pw@host/token"); strings.Contains(got, "pw") {
		t.Errorf("got %s", got)
	}
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"a":"se\/cret","access_token":[1,{"b":"c"}]}`), "se/cret")
	f.Fuzz(func(t *testing.T, b []byte, secret string) {
		var s Secrets
		s.Add(secret)
		out := s.JSON(b, IsSecretMember)
		if isValid(b) && !isValid(out) {
			t.Fatalf("valid JSON became invalid: %q -> %q", b, out)
		}
	})
}
