package conformance

import (
	"context"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	catalogue "github.com/oauthkit/oauthkit/internal/hostile"
)

// hostileCatalogueIDs returns the IDs of the catalogue's JWT/JWS/JWK, OpenID
// Connect and discovery cases that name conformance among the places that
// test them: hostileScenarios must hold at least one scenario for each.
func hostileCatalogueIDs() []string {
	var ids []string
	for _, c := range catalogue.Cases() {
		switch c.Area() {
		case catalogue.JOSE, catalogue.OIDC, catalogue.Discovery:
			if slices.Contains(c.TestedIn, "conformance") {
				ids = append(ids, c.ID)
			}
		}
	}
	return ids
}

func TestHostileScenarios_CoverCatalogue(t *testing.T) {
	scenarios := hostileScenarios()
	if err := Validate(scenarios); err != nil {
		t.Fatal(err)
	}
	idPattern := regexp.MustCompile(`^(jw|oi|dm)-[0-9]{2}-[a-z0-9-]+$`)
	covered := map[string]bool{}
	for _, s := range scenarios {
		if !s.Hostile || len(s.Needs) > 0 || s.Serial {
			t.Errorf("%s: Hostile %v, Needs %v, Serial %v; want a hostile scenario that needs nothing", s.ID, s.Hostile, s.Needs, s.Serial)
		}
		if !idPattern.MatchString(s.ID) {
			t.Errorf("%s: ID is not a lowercased catalogue ID with a suffix", s.ID)
		}
		covered[strings.ToUpper(s.ID[:5])] = true
	}
	ids := hostileCatalogueIDs()
	if len(ids) == 0 {
		t.Fatal("the catalogue names no JW, OI or DM case tested in conformance")
	}
	for _, id := range ids {
		if !covered[id] {
			t.Errorf("no scenario for %s", id)
		}
	}
}

// TestHostileScenarios_NoProvider runs the hostile scenarios that start
// the most servers, goroutines and connections without any provider, and
// checks that they pass and leave no goroutine behind once their servers
// are closed.
func TestHostileScenarios_NoProvider(t *testing.T) {
	re := regexp.MustCompile(`^(jw-05|jw-15|oi-06|oi-07|oi-08)-`)
	p := &Provider{Unavailable: "no provider: hostile scenarios only"}
	before := runtime.NumGoroutine()
	for _, s := range Select(hostileScenarios(), re) {
		res := RunScenario(context.Background(), p, s, time.Minute)
		if res.Status != StatusPass {
			for _, ev := range res.Evidence {
				t.Log(ev.String())
			}
			t.Errorf("%s: %s: %s", s.ID, res.Status, res.Reason)
		}
	}
	// Idle keep-alive connections of the default transport end when the
	// servers close; give their goroutines a moment to exit.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 64<<10)
		t.Errorf("%d goroutines before, %d after the hostile scenarios:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
