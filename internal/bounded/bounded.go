// Package bounded reads response bodies within a size cap.
package bounded

import (
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is the one sentinel of the module for a response body longer
// than its cap (oauth2.ErrResponseTooLarge is this value).
var ErrTooLarge = errors.New("response body too large")

// Read reads r to its end, failing with an error matching ErrTooLarge past
// max bytes. It never trusts Content-Length: the count is of the bytes
// actually read, after any decompression the reader applies.
func Read(r io.Reader, max int64) ([]byte, error) {
	b, err := ReadPartial(r, max)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// ReadPartial is Read that also returns, with an error, what was read
// before it: at most max bytes. A caller that reports a failed response
// (an error page cut at the cap, a body cut by a broken connection) shows
// that part; nothing else of it may be trusted.
func ReadPartial(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return b, fmt.Errorf("reading response: %w", err)
	}
	if int64(len(b)) > max {
		return b[:max], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

// Drain reads and discards at most a few kilobytes of r, so that the
// connection can be reused, then closes it.
func Drain(r io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 4<<10))
	_ = r.Close()
}
