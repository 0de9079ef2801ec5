package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunScenarioOutcomes(t *testing.T) {
	p := &Provider{BaseURL: "http://127.0.0.1:1", AdminUser: "admin"}
	for _, tc := range []struct {
		name   string
		s      Scenario
		status Status
		reason string
	}{
		{"pass", Scenario{ID: "a", Run: func(context.Context, *Env) error { return nil }}, StatusPass, ""},
		{"fail", Scenario{ID: "b", Run: func(context.Context, *Env) error { return errors.New("expected 1, saw 2") }}, StatusFail, "expected 1, saw 2"},
		{"skip", Scenario{ID: "c", Run: func(context.Context, *Env) error { return fmt.Errorf("wrapped: %w", Skip("no %s", "device flow")) }}, StatusSkip, "no device flow"},
		{"panic", Scenario{ID: "d", Run: func(context.Context, *Env) error { panic("boom") }}, StatusFail, "panic: boom"},
		{"nil run", Scenario{ID: "e"}, StatusFail, "scenario has no Run function"},
		{"unmet need", Scenario{ID: "f", Needs: []Need{NeedMasterAdmin, NeedLogin}, Run: func(context.Context, *Env) error { t.Error("ran"); return nil }}, StatusSkip, "the target has no login agent"},
		{"warning", Scenario{ID: "h", Run: func(context.Context, *Env) error { return fmt.Errorf("step: %w", Warn("auth_time %s", "absent")) }}, StatusWarning, "auth_time absent"},
		{"review", Scenario{ID: "i", Run: func(context.Context, *Env) error { return Review("language of the page") }}, StatusReview, "language of the page"},
		{"cleanup error", Scenario{ID: "g", Run: func(_ context.Context, e *Env) error {
			e.Cleanup(func(context.Context) error { return errors.New("realm not deleted") })
			return nil
		}}, StatusFail, "clean-up: realm not deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := RunScenario(context.Background(), p, tc.s, time.Second)
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Errorf("got %s %q, want %s %q", res.Status, res.Reason, tc.status, tc.reason)
			}
			if res.ID != tc.s.ID {
				t.Errorf("ID = %q", res.ID)
			}
		})
	}
}

func TestRunScenarioUnavailableProvider(t *testing.T) {
	p := &Provider{Unavailable: "-short: Keycloak not started"}
	res := RunScenario(context.Background(), p, Scenario{ID: "x", Needs: []Need{NeedAdmin}, Run: func(context.Context, *Env) error { return nil }}, 0)
	if res.Status != StatusSkip || res.Reason != "-short: Keycloak not started" {
		t.Errorf("got %s %q", res.Status, res.Reason)
	}
	// A scenario that needs nothing still runs.
	res = RunScenario(context.Background(), p, Scenario{ID: "y", Hostile: true, Run: func(context.Context, *Env) error { return nil }}, 0)
	if res.Status != StatusPass || !res.Hostile {
		t.Errorf("got %s hostile=%v", res.Status, res.Hostile)
	}
	res = RunScenario(context.Background(), nil, Scenario{ID: "z", Needs: []Need{NeedAdmin}, Run: func(context.Context, *Env) error { return nil }}, 0)
	if res.Status != StatusSkip {
		t.Errorf("nil provider: got %s", res.Status)
	}
}

func TestRunScenarioTimeout(t *testing.T) {
	cleaned := false
	s := Scenario{ID: "slow", Run: func(ctx context.Context, e *Env) error {
		e.Cleanup(func(ctx context.Context) error {
			if ctx.Err() != nil {
				return errors.New("clean-up got a dead context")
			}
			cleaned = true
			return nil
		})
		<-ctx.Done()
		return ctx.Err()
	}}
	res := RunScenario(context.Background(), nil, s, 50*time.Millisecond)
	if res.Status != StatusFail || !strings.HasPrefix(res.Reason, "timed out after 50ms") {
		t.Errorf("got %s %q", res.Status, res.Reason)
	}
	if !cleaned {
		t.Error("clean-up did not run after a timeout")
	}
}

func TestRunScenarioEvidence(t *testing.T) {
	s := Scenario{ID: "ev", Run: func(_ context.Context, e *Env) error {
		for i := range maxEvidence + 5 {
			e.Notef("note %d", i)
		}
		return nil
	}}
	res := RunScenario(context.Background(), nil, s, time.Second)
	if len(res.Evidence) != maxEvidence+1 || res.Evidence[maxEvidence].Note != "further exchanges not recorded: 5" {
		t.Errorf("got %d evidence items, last %+v", len(res.Evidence), res.Evidence[len(res.Evidence)-1])
	}
}

func TestRunnerParallelAndSerial(t *testing.T) {
	var running, peak, serialRunning atomic.Int32
	var mu sync.Mutex
	serialOverlap := false
	mk := func(id string, serial bool) Scenario {
		return Scenario{ID: id, Serial: serial, Run: func(ctx context.Context, e *Env) error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			if serial {
				if serialRunning.Add(1) > 1 {
					mu.Lock()
					serialOverlap = true
					mu.Unlock()
				}
				defer serialRunning.Add(-1)
			}
			time.Sleep(20 * time.Millisecond)
			if id == "p3" {
				return errors.New("expected x, saw y")
			}
			return nil
		}}
	}
	var list []Scenario
	for i := range 8 {
		list = append(list, mk(fmt.Sprintf("p%d", i), false))
	}
	for i := range 3 {
		list = append(list, mk(fmt.Sprintf("s%d", i), true))
	}
	var progress bytes.Buffer
	r := &Runner{Parallel: 3, Timeout: time.Second, Progress: &progress}
	results := r.Run(context.Background(), list)
	if len(results) != len(list) {
		t.Fatalf("%d results for %d scenarios", len(results), len(list))
	}
	for i, res := range results {
		if res.ID != list[i].ID {
			t.Errorf("result %d is %q, want %q (order kept)", i, res.ID, list[i].ID)
		}
		want := StatusPass
		if res.ID == "p3" {
			want = StatusFail
		}
		if res.Status != want {
			t.Errorf("%s: %s, want %s", res.ID, res.Status, want)
		}
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3 with Parallel 3", p)
	}
	if serialOverlap {
		t.Error("serial scenarios overlapped")
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) != len(list) {
		t.Errorf("%d progress lines, want %d:\n%s", len(lines), len(list), progress.String())
	}
	if !regexp.MustCompile(`FAIL +p3 `).MatchString(progress.String()) || !strings.Contains(progress.String(), "expected x, saw y") {
		t.Errorf("progress lacks the failure:\n%s", progress.String())
	}
}

func TestRunnerCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	results := (&Runner{}).Run(ctx, []Scenario{{ID: "a", Run: func(context.Context, *Env) error { return nil }}})
	if results[0].Status != StatusFail || !strings.HasPrefix(results[0].Reason, "not run") {
		t.Errorf("got %s %q", results[0].Status, results[0].Reason)
	}
}

func TestCatalogueValid(t *testing.T) {
	if err := Validate(Catalogue()); err != nil {
		t.Fatal(err)
	}
	if err := Validate([]Scenario{{ID: "a", Title: "t", Spec: "s", Run: func(context.Context, *Env) error { return nil }}, {ID: "a", Title: "t", Spec: "s", Run: func(context.Context, *Env) error { return nil }}}); err == nil {
		t.Error("duplicate IDs accepted")
	}
}

func TestRunScenarioSecretLeak(t *testing.T) {
	s := Scenario{ID: "leak", Run: func(_ context.Context, e *Env) error {
		e.AddSecret("SENTINEL-CS", "abc")
		e.Notef("client secret is SENTINEL-CS")
		return nil
	}}
	res := RunScenario(context.Background(), nil, s, time.Second)
	if res.Status != StatusFail || !strings.Contains(res.Reason, "secret") {
		t.Errorf("got %s %q", res.Status, res.Reason)
	}
	if res.Evidence[0].Note != "client secret is [redacted]" {
		t.Errorf("evidence not redacted: %q", res.Evidence[0].Note)
	}
	s.Run = func(_ context.Context, e *Env) error {
		e.AddSecret("SENTINEL-RT")
		return errors.New("refresh with SENTINEL-RT failed")
	}
	res = RunScenario(context.Background(), nil, s, time.Second)
	if res.Status != StatusFail || strings.Contains(res.Reason, "SENTINEL-RT") {
		t.Errorf("got %s %q", res.Status, res.Reason)
	}
}

func TestRealmName(t *testing.T) {
	for _, id := range []string{"seed-password", "cc-private-key-jwt-es256-with-a-very-long-name", "TE-01", "a b/c"} {
		name := realmName(id)
		if len(name) > maxRealmName {
			t.Errorf("realmName(%q) = %q, %d characters, more than %d", id, name, len(name), maxRealmName)
		}
		if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Errorf("realmName(%q) = %q has characters outside [a-z0-9-]", id, name)
		}
		if realmName(id) == name {
			t.Errorf("realmName(%q) gave the same name twice", id)
		}
	}
}

// TestBasicOPModules checks that every client-observable module of the
// OpenID Foundation's Basic OP plan has its scenario, named after it and
// carrying the module's name.
func TestBasicOPModules(t *testing.T) {
	byID := map[string]Scenario{}
	for _, s := range Catalogue() {
		byID[s.ID] = s
	}
	for _, m := range []string{
		"oidcc-server", "oidcc-response-type-missing", "oidcc-userinfo-get", "oidcc-userinfo-post-header",
		"oidcc-userinfo-post-body", "oidcc-ensure-request-without-nonce-succeeds-for-code-flow", "oidcc-scope-profile",
		"oidcc-scope-email", "oidcc-scope-address", "oidcc-scope-phone", "oidcc-scope-all",
		"oidcc-ensure-other-scope-order-succeeds", "oidcc-prompt-login", "oidcc-prompt-none-not-logged-in",
		"oidcc-prompt-none-logged-in", "oidcc-max-age-1", "oidcc-max-age-10000",
		"oidcc-ensure-request-with-unknown-parameter-succeeds", "oidcc-id-token-hint", "oidcc-login-hint",
		"oidcc-ensure-request-with-acr-values-succeeds", "oidcc-codereuse", "oidcc-codereuse-30seconds",
		"oidcc-ensure-registered-redirect-uri", "oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported",
		"oidcc-claims-essential", "oidcc-ensure-request-object-with-redirect-uri", "oidcc-refresh-token",
		"oidcc-ensure-request-with-valid-pkce-succeeds", "oidcc-display-page", "oidcc-display-popup",
		"oidcc-ui-locales", "oidcc-claims-locales",
	} {
		s, ok := byID[m]
		if !ok {
			t.Errorf("no scenario for module %s", m)
			continue
		}
		if s.Module != m || s.Kind() != KindAny {
			t.Errorf("%s: module %q, kind %s", m, s.Module, s.Kind())
		}
	}
}

// TestScenarioKinds checks that each scenario's file prefix is its kind:
// generic scenarios need nothing of Keycloak, Keycloak-only ones need its
// admin API.
func TestScenarioKinds(t *testing.T) {
	for _, s := range Catalogue() {
		k := s.Kind()
		switch {
		case strings.HasPrefix(s.ID, "any-") || strings.HasPrefix(s.ID, "oidcc-"):
			if k != KindAny {
				t.Errorf("%s is of kind %s, expected any", s.ID, k)
			}
		case s.Hostile:
			if k != KindHostile {
				t.Errorf("%s is of kind %s", s.ID, k)
			}
		default:
			if k != KindKeycloak {
				t.Errorf("%s is of kind %s, expected keycloak (generic scenarios are named any-* or oidcc-*)", s.ID, k)
			}
		}
	}
}
