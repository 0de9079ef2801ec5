package oidc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// The helpers below read single members of a claim set that jose.ParseClaims
// has already parsed strictly (unique names, valid JSON). A member of the
// wrong JSON type is ErrMalformedClaim; an absent one is reported by ok.

// claimString returns the string member name of raw.
func claimString(raw map[string]json.RawMessage, name string) (v string, ok bool, err error) {
	m, ok := raw[name]
	if !ok {
		return "", false, nil
	}
	if len(m) < 2 || m[0] != '"' || m[len(m)-1] != '"' {
		return "", true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be a string")
	}
	if bytes.IndexByte(m, '\\') < 0 {
		// No escapes: the strict parser guarantees the content is the value.
		return string(m[1 : len(m)-1]), true, nil
	}
	if json.Unmarshal(m, &v) != nil {
		return "", true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be a string")
	}
	return v, true, nil
}

// maxStringClaims is the most names readStrings takes at once.
const maxStringClaims = 8

// readStrings reads the string members names of raw into out, and reports
// in has which were present. The values share one allocation: on the
// verification hot path this saves one allocation per claim.
func readStrings(raw map[string]json.RawMessage, names []string, out []string, has []bool) error {
	var contents [maxStringClaims][]byte
	total := 0
	for i, name := range names[:min(len(names), maxStringClaims)] {
		m, ok := raw[name]
		if !ok {
			continue
		}
		has[i] = true
		if len(m) < 2 || m[0] != '"' || m[len(m)-1] != '"' {
			return fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be a string")
		}
		if bytes.IndexByte(m, '\\') >= 0 {
			v, _, err := claimString(raw, name)
			if err != nil {
				return err
			}
			out[i] = v
			continue
		}
		contents[i] = m[1 : len(m)-1]
		total += len(contents[i])
	}
	if total == 0 {
		return nil
	}
	var b strings.Builder
	b.Grow(total)
	for _, c := range contents {
		b.Write(c)
	}
	all, off := b.String(), 0
	for i, c := range contents {
		if c != nil {
			out[i] = all[off : off+len(c)]
			off += len(c)
		}
	}
	return nil
}

// claimTime returns the NumericDate member name of raw (RFC 7519, section 2),
// range-checked by jose.NumericDate.
func claimTime(raw map[string]json.RawMessage, name string) (time.Time, bool, error) {
	m, ok := raw[name]
	if !ok {
		return time.Time{}, false, nil
	}
	var d jose.NumericDate
	if err := d.UnmarshalJSON(m); err != nil {
		return time.Time{}, true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be a NumericDate")
	}
	return d.Time(), true, nil
}

// claimStrings returns the array-of-strings member name of raw.
func claimStrings(raw map[string]json.RawMessage, name string) ([]string, bool, error) {
	m, ok := raw[name]
	if !ok {
		return nil, false, nil
	}
	var v []string
	if len(m) == 0 || m[0] != '[' || json.Unmarshal(m, &v) != nil {
		return nil, true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be an array of strings")
	}
	return v, true, nil
}

// numericTime converts an optional jose NumericDate.
func numericTime(d *jose.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time()
}
