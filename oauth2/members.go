package oauth2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// errRepeatedMember marks an object that repeats a member name.
var errRepeatedMember = errors.New("a member name is repeated")

// decodeObject decodes a JSON object into its members, in one pass. Member
// names are matched exactly, never case-folded; a repeated member name is
// refused (RFC 8259, section 4: names SHOULD be unique), so that
// {"active":false,"active":true} cannot mean one thing here and another to
// a parser that keeps the first. A body that is not exactly one JSON
// object is ErrMalformedResponse too.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	members, err := splitObject(body, false)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	return members, nil
}

// splitObject splits a body that is exactly one JSON object into its
// members. A member name that appears twice is refused (errRepeatedMember);
// with foldCase, also one that appears twice in different letter cases:
// encoding/json matches names without regard to case, so "issuer" and
// "ISSUER" could mean different things to different readers.
func splitObject(body []byte, foldCase bool) (map[string]json.RawMessage, error) {
	notObject := errors.New("body is not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, notObject
	}
	members := make(map[string]json.RawMessage)
	var folded map[string]bool
	if foldCase {
		folded = make(map[string]bool)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		_, dup := members[name]
		if foldCase {
			key := strings.ToLower(name)
			dup = dup || folded[key]
			folded[key] = true
		}
		if dup {
			return nil, fmt.Errorf("%w: %q", errRepeatedMember, sanitize(name, 64))
		}
		members[name] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notObject
	}
	return members, nil
}

// takeString moves the string member name of members into dst. null counts
// as absent; a required member must be a non-empty string.
func takeString(members map[string]json.RawMessage, name string, dst *string, required bool) error {
	raw, ok := members[name]
	delete(members, name)
	if !ok || string(raw) == "null" {
		if required {
			return fmt.Errorf("%w: %s is missing", ErrMalformedResponse, name)
		}
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%w: %s is not a string", ErrMalformedResponse, name)
	}
	if required && *dst == "" {
		return fmt.Errorf("%w: %s is empty", ErrMalformedResponse, name)
	}
	return nil
}

// maxSeconds bounds the durations read from responses so that adding them
// to a time cannot overflow: ten years, longer than any real token or code
// lives.
const maxSeconds = 10 * 365 * 24 * 3600

// parseSeconds reads a number of seconds: a JSON number, or the same number
// as a decimal string, as some servers send it. A fraction is truncated;
// null means absent. The result is clamped to ±maxSeconds, a number too
// large for a float64 (1e999) included.
func parseSeconds(raw json.RawMessage) (time.Duration, bool, error) {
	f, known, err := secondsValue(raw)
	if err != nil || !known {
		return 0, known, err
	}
	return clampSeconds(f), true, nil
}

// secondsValue is the number parseSeconds reads, before clamping: ±Inf when
// it is beyond the range of a float64, never NaN.
func secondsValue(raw json.RawMessage) (float64, bool, error) {
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		return 0, false, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, ErrMalformedResponse
		}
		s = strings.TrimSpace(s)
	}
	// ParseFloat also takes hex, "NaN", "Inf" and underscores, which are no
	// JSON numbers.
	if s == "" || strings.ContainsAny(s, "xXnNiI_pP") {
		return 0, false, ErrMalformedResponse
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false, ErrMalformedResponse
	}
	if math.IsNaN(f) {
		return 0, false, ErrMalformedResponse
	}
	return f, true, nil
}

// clampSeconds converts f seconds to a duration within ±maxSeconds, the
// fraction truncated.
func clampSeconds(f float64) time.Duration {
	f = math.Max(-maxSeconds, math.Min(maxSeconds, f))
	return time.Duration(int64(f)) * time.Second
}
