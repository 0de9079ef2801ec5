package bounded

import (
	"errors"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	if b, err := Read(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("at the cap: %q, %v", b, err)
	}
	if _, err := Read(strings.NewReader("123456"), 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the cap: %v", err)
	}
}
