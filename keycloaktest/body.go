package keycloaktest

import (
	"fmt"
	"io"
)

// defaultMaxBody bounds every response body this package reads.
const defaultMaxBody = 1 << 20

// readBounded reads all of r, failing with ErrResponseTooLarge beyond max
// bytes. The limit applies to what the transport hands over, that is after
// any decompression.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > max {
		return b[:max], fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, max)
	}
	return b, nil
}
