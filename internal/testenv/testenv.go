// Package testenv holds what the test harnesses of keycloaktest and
// conformance/oidcprovider both read from a test binary's environment:
// whether a switch variable is on, and whether the binary is fuzzing.
package testenv

import (
	"flag"
	"os"
	"strings"
)

// On reports whether any of the environment variables names is set to a
// value other than "", "0" or "false" (in any letter case).
func On(names ...string) bool {
	for _, name := range names {
		v := strings.TrimSpace(os.Getenv(name))
		if v != "" && v != "0" && !strings.EqualFold(v, "false") {
			return true
		}
	}
	return false
}

// Fuzzing reports whether the test binary runs as a fuzzer or as one of
// its workers, which run TestMain again and need no server.
func Fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// FirstLine is s up to its first line break.
func FirstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
