package testenv

import "testing"

func TestOn(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "FALSE": false, " 0 ": false, "1": true, "yes": true, "true": true} {
		t.Setenv("OAUTHKIT_TESTENV_A", v)
		if got := On("OAUTHKIT_TESTENV_UNSET", "OAUTHKIT_TESTENV_A"); got != want {
			t.Errorf("On with %q = %v, want %v", v, got, want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	if got := FirstLine("one\ntwo"); got != "one" {
		t.Errorf("FirstLine = %q", got)
	}
	if got := FirstLine("only"); got != "only" {
		t.Errorf("FirstLine = %q", got)
	}
}
