package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Defaults of [Runner].
const (
	DefaultParallel = 4
	DefaultTimeout  = 2 * time.Minute
)

// cleanupTimeout bounds the clean-up of one scenario (deleting its realm),
// which runs after the scenario's own deadline.
const cleanupTimeout = 30 * time.Second

// abandonGrace is how long the runner waits for a scenario that ignores its
// context before reporting it as hung and moving on.
const abandonGrace = 10 * time.Second

// Status is the outcome of one scenario.
type Status string

// The outcomes.
const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	StatusSkip Status = "skip"
	// StatusWarning: the scenario ran and what the specification says a
	// provider SHOULD do was not done.
	StatusWarning Status = "warning"
	// StatusReview: the scenario ran and its evidence needs a person's
	// judgement.
	StatusReview Status = "review"
)

// Statuses lists every status, in the order reports show them.
func Statuses() []Status {
	return []Status{StatusPass, StatusFail, StatusWarning, StatusReview, StatusSkip}
}

// Result is what running one scenario gave.
type Result struct {
	// ID, Title, Spec, Module and Hostile are the scenario's.
	ID      string
	Title   string
	Spec    string
	Module  string
	Hostile bool
	// Kind is the scenario's kind (KindAny, KindKeycloak, KindHostile).
	Kind string
	// Status is pass, fail, skip, warning or review.
	Status Status
	// Reason says why the scenario failed or was skipped; empty on pass.
	Reason string
	// Duration is the scenario's wall time, clean-up included.
	Duration time.Duration
	// Evidence is what the scenario recorded, secrets redacted.
	Evidence []Evidence
}

// Runner runs scenarios against a provider.
type Runner struct {
	// Provider is the server under test.
	Provider *Provider
	// Parallel is how many scenarios run at once; 0 means DefaultParallel.
	// Serial scenarios run one at a time whatever its value.
	Parallel int
	// Timeout bounds each scenario; 0 means DefaultTimeout.
	Timeout time.Duration
	// Progress receives one line per finished scenario; nil discards them.
	Progress io.Writer
}

// Run fetches the target's metadata ([Provider.Prepare]), runs the
// scenarios and returns their results in the order given.
// Serial scenarios run one after another in one lane, beside the pool of
// workers that runs the others. When ctx is done, the scenarios not yet
// started are reported as failed.
func (r *Runner) Run(ctx context.Context, scenarios []Scenario) []Result {
	results := make([]Result, len(scenarios))
	_ = r.Provider.Prepare(ctx) // a failure skips the scenarios needing metadata, with the reason
	var serial, parallel []int
	for i, s := range scenarios {
		if s.Serial {
			serial = append(serial, i)
		} else {
			parallel = append(parallel, i)
		}
	}
	workers := r.Parallel
	if workers <= 0 {
		workers = DefaultParallel
	}
	var progress sync.Mutex
	run := func(i int) {
		res := RunScenario(ctx, r.Provider, scenarios[i], r.Timeout)
		results[i] = res
		if r.Progress != nil {
			progress.Lock()
			fmt.Fprintln(r.Progress, progressLine(res))
			progress.Unlock()
		}
	}

	var wg sync.WaitGroup
	// Serial lane: it takes one of the worker slots.
	if len(serial) > 0 {
		workers = max(1, workers-1)
		wg.Go(func() {
			for _, i := range serial {
				run(i)
			}
		})
	}
	jobs := make(chan int)
	for range min(workers, len(parallel)) {
		wg.Go(func() {
			for i := range jobs {
				run(i)
			}
		})
	}
	for _, i := range parallel {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

func progressLine(res Result) string {
	line := fmt.Sprintf("%-7s %-36s %6.1fs", strings.ToUpper(string(res.Status)), res.ID, res.Duration.Seconds())
	if res.Reason != "" {
		line += "  " + firstLine(res.Reason)
	}
	return line
}

// RunScenario runs one scenario against p with a deadline (0 means
// DefaultTimeout), recovers a panic as a failure, runs the scenario's
// clean-ups, and returns the result. A scenario whose needs p does not
// meet is skipped without being run.
func RunScenario(ctx context.Context, p *Provider, s Scenario, timeout time.Duration) (res Result) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	res = Result{ID: s.ID, Title: s.Title, Spec: s.Spec, Module: s.Module, Hostile: s.Hostile, Kind: s.Kind()}
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()

	if len(s.Needs) > 0 {
		_ = p.Prepare(ctx)
	}
	if reason := p.unmet(s.Needs); reason != "" {
		res.Status, res.Reason = StatusSkip, reason
		return res
	}
	if err := ctx.Err(); err != nil {
		res.Status, res.Reason = StatusFail, "not run: "+err.Error()
		return res
	}
	env := newEnv(p, s.ID)
	if p != nil && p.Target != nil {
		env.AddSecret(p.Target.Secrets()...)
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				env.Notef("stack: %s", trimStack(debug.Stack()))
				done <- fmt.Errorf("panic: %v", v)
			}
		}()
		if s.Run == nil {
			done <- errors.New("scenario has no Run function")
			return
		}
		done <- s.Run(sctx, env)
	}()

	var err error
	select {
	case err = <-done:
	case <-sctx.Done():
		select {
		case err = <-done:
		case <-time.After(abandonGrace):
			err = fmt.Errorf("did not return within %v of its %v deadline; abandoned", abandonGrace, timeout)
		}
	}
	if err != nil && sctx.Err() != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}

	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	cleanupErr := env.cleanup(cctx)
	ccancel()

	switch {
	case err == nil && cleanupErr == nil:
		res.Status = StatusPass
	case err == nil:
		res.Status, res.Reason = StatusFail, "clean-up: "+cleanupErr.Error()
	case IsSkip(err):
		var se *SkipError
		errors.As(err, &se)
		res.Status, res.Reason = StatusSkip, se.Reason
	case errors.As(err, new(*OutcomeError)):
		var oe *OutcomeError
		errors.As(err, &oe)
		res.Status, res.Reason = oe.Status, oe.Reason
	default:
		res.Status, res.Reason = StatusFail, err.Error()
	}
	if err != nil && cleanupErr != nil {
		env.Notef("clean-up failed too: %v", cleanupErr)
	}
	res.Evidence = env.log.snapshot()
	if scrub(&res, env.secretValues()) {
		leak := "a secret registered with Env.AddSecret appeared in the evidence or the error (now redacted)"
		if res.Status == StatusFail {
			res.Reason += "; " + leak
		} else {
			res.Status, res.Reason = StatusFail, leak
		}
	}
	return res
}

func trimStack(stack []byte) string {
	s := string(stack)
	const maxStack = 2048
	if len(s) > maxStack {
		s = s[:maxStack] + "…"
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
