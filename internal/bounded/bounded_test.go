package bounded

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRead(t *testing.T) {
	if b, err := Read(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("at the cap: %q, %v", b, err)
	}
	if _, err := Read(strings.NewReader("123456"), 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the cap: %v", err)
	}
}

func TestReadPartial(t *testing.T) {
	if b, err := ReadPartial(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("at the cap: %q, %v", b, err)
	}
	b, err := ReadPartial(strings.NewReader("123456"), 5)
	if !errors.Is(err, ErrTooLarge) || string(b) != "12345" {
		t.Errorf("over the cap: %q, %v; want the first 5 bytes and ErrTooLarge", b, err)
	}
	broken := errors.New("connection reset")
	b, err = ReadPartial(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(broken)), 5)
	if !errors.Is(err, broken) || string(b) != "abc" {
		t.Errorf("broken body: %q, %v; want what came before the error", b, err)
	}
	if b, err := Read(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(broken)), 5); !errors.Is(err, broken) || b != nil {
		t.Errorf("Read of a broken body: %q, %v; want no bytes", b, err)
	}
}
