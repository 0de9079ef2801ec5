// Command conformance runs oauthkit's conformance scenarios against
// Keycloak and prints a report.
//
// By default it starts a Keycloak through keycloaktest (from $KEYCLOAK_URL,
// $KEYCLOAK_HOME, a cached distribution, or Docker), runs every scenario,
// prints a table on standard output and stops Keycloak, also when
// interrupted. With -keycloak-url it uses a running server instead.
//
// Usage:
//
//	conformance [-run REGEXP] [-parallel N] [-timeout D] [-start-timeout D] [-json FILE] [-junit FILE] [-v]
//	conformance -keycloak-url http://127.0.0.1:8080 -admin-user admin -admin-password admin
//	conformance -no-keycloak     # only the scenarios that need no provider
//	conformance -list
//
// The exit status is 1 when a scenario failed or the run could not be
// made, 2 for bad flags, 0 otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/oauthkit/oauthkit/conformance"
	"github.com/oauthkit/oauthkit/keycloaktest"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		kcURL      = fs.String("keycloak-url", "", "use the running Keycloak at this base `URL` instead of starting one")
		adminUser  = fs.String("admin-user", "admin", "master realm administrator of -keycloak-url")
		adminPass  = fs.String("admin-password", "admin", "password of -admin-user")
		noKeycloak = fs.Bool("no-keycloak", false, "start no Keycloak: run only the scenarios that need no provider")
		jsonFile   = fs.String("json", "", "write the report as JSON to `FILE`")
		junitFile  = fs.String("junit", "", "write the report as JUnit XML to `FILE`")
		runExpr    = fs.String("run", "", "run only the scenarios whose ID matches `REGEXP`")
		parallel   = fs.Int("parallel", conformance.DefaultParallel, "run at most `N` scenarios at once")
		timeout    = fs.Duration("timeout", conformance.DefaultTimeout, "time limit of each scenario")
		verbose    = fs.Bool("v", false, "print the evidence of failed scenarios")
		list       = fs.Bool("list", false, "list the scenarios and exit")
		startLimit = fs.Duration("start-timeout", 0, "how long Keycloak may take to become ready (0: keycloaktest's default)")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	var re *regexp.Regexp
	if *runExpr != "" {
		var err error
		if re, err = regexp.Compile(*runExpr); err != nil {
			fmt.Fprintf(stderr, "conformance: -run: %v\n", err)
			return 2
		}
	}
	scenarios := conformance.Select(conformance.Catalogue(), re)
	if *list {
		for _, s := range scenarios {
			mark := ""
			if s.Hostile {
				mark = " (hostile)"
			}
			fmt.Fprintf(stdout, "%-34s %-28s %s%s\n", s.ID, s.Spec, s.Title, mark)
		}
		return 0
	}
	if len(scenarios) == 0 {
		fmt.Fprintf(stderr, "conformance: no scenario matches -run %q\n", *runExpr)
		return 1
	}

	// The first SIGINT or SIGTERM cancels the run; Keycloak is still
	// stopped before exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	started := time.Now()
	var p *conformance.Provider
	switch {
	case *noKeycloak:
		p = &conformance.Provider{Unavailable: "-no-keycloak: no provider started"}
	case *kcURL != "":
		base := strings.TrimRight(*kcURL, "/")
		p = &conformance.Provider{
			Name:          "Keycloak at " + base,
			BaseURL:       base,
			AdminUser:     *adminUser,
			AdminPassword: *adminPass,
			Admin:         keycloaktest.NewAdmin(base, *adminUser, *adminPass, nil),
		}
	default:
		fmt.Fprintln(stderr, "conformance: starting Keycloak…")
		srv, err := keycloaktest.Start(ctx, keycloaktest.Options{Progress: stderr, StartTimeout: *startLimit})
		if err != nil {
			fmt.Fprintf(stderr, "conformance: Keycloak did not start: %v\n", err)
			return 1
		}
		defer func() {
			if err := srv.Close(); err != nil {
				fmt.Fprintf(stderr, "conformance: stopping Keycloak: %v\n", err)
			}
		}()
		fmt.Fprintf(stderr, "conformance: Keycloak %s (%s) at %s ready in %.1fs\n", srv.Version, srv.Source, srv.URL, time.Since(started).Seconds())
		p = conformance.NewKeycloakProvider(srv)
	}

	runner := &conformance.Runner{Provider: p, Parallel: *parallel, Timeout: *timeout, Progress: stderr}
	runStarted := time.Now()
	results := runner.Run(ctx, scenarios)
	report := &conformance.Report{Provider: p.Name, Started: runStarted, Duration: time.Since(runStarted), Results: results}

	fmt.Fprintln(stdout)
	code := 0
	if err := report.WriteText(stdout, *verbose); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		code = 1
	}
	if *jsonFile != "" {
		if err := writeFile(*jsonFile, report.WriteJSON); err != nil {
			fmt.Fprintf(stderr, "conformance: -json: %v\n", err)
			code = 1
		}
	}
	if *junitFile != "" {
		if err := writeFile(*junitFile, report.WriteJUnit); err != nil {
			fmt.Fprintf(stderr, "conformance: -junit: %v\n", err)
			code = 1
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "conformance: interrupted")
		code = 1
	}
	if report.Failed() {
		code = 1
	}
	fmt.Fprintf(stderr, "conformance: total wall time %.1fs\n", time.Since(started).Seconds())
	return code
}

// writeFile writes a report to path through write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	return errors.Join(err, f.Close())
}
