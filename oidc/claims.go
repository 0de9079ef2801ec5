package oidc

import (
	"strconv"
	"time"

	"github.com/oauthkit/oauthkit/jose"
)

// The helpers below read single members of a claim set that jose.ParseClaims
// has already parsed strictly (unique names, valid JSON, registered claims
// type-checked). They read the member in place, without decoding the claim
// set again. A member of the wrong JSON type is ErrMalformedClaim; an absent
// one is reported by ok.

// claimString returns the string member name of c.
func claimString(c *jose.Claims, name string) (v string, ok bool, err error) {
	v, ok, err = c.StringClaim(name)
	if err != nil {
		return "", true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be a string")
	}
	return v, ok, nil
}

// claimTime returns the NumericDate member name of c (RFC 7519, section 2),
// range-checked by jose.
func claimTime(c *jose.Claims, name string) (time.Time, bool, error) {
	d, ok, err := c.NumericDateClaim(name)
	if err != nil {
		return time.Time{}, true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be a NumericDate")
	}
	if !ok {
		return time.Time{}, false, nil
	}
	return d.Time(), true, nil
}

// claimStrings returns the array-of-strings member name of c.
func claimStrings(c *jose.Claims, name string) ([]string, bool, error) {
	v, ok, err := c.StringsClaim(name)
	if err != nil {
		return nil, true, fail(ErrMalformedClaim, "claim "+strconv.Quote(name)+" must be an array of strings")
	}
	return v, ok, nil
}

// numericTime converts an optional jose NumericDate.
func numericTime(d *jose.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time()
}
