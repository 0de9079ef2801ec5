package conformance

import (
	"context"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The IDs of sections B and C of the hostile-server catalogue, and DM-01:
// each must have at least one scenario.
var hostileCatalogueIDs = []string{
	"JW-01", "JW-02", "JW-03", "JW-04", "JW-05", "JW-06", "JW-07", "JW-08",
	"JW-10", "JW-11", "JW-13", "JW-14", "JW-15", "JW-16", "JW-17", "JW-18",
	"OI-01", "OI-02", "OI-03", "OI-04", "OI-05", "OI-06", "OI-07", "OI-08",
	"OI-09", "OI-11", "OI-12", "OI-13",
	"DM-01",
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
	for _, id := range hostileCatalogueIDs {
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
