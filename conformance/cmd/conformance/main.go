// Command conformance runs oauthkit's conformance scenarios against an
// OAuth 2.0 / OpenID Connect provider and writes reports.
//
// With no flags it starts a Keycloak through keycloaktest (from
// $KEYCLOAK_URL, $KEYCLOAK_HOME, a cached distribution, or Docker),
// provisions a realm with one client per role and a test user, runs every
// scenario, prints a table on standard output and stops Keycloak, also
// when interrupted. Any other provider is a target described by a JSON
// file (see conformance.Target for the format), or by the quick flags for
// one confidential client:
//
//	conformance -issuer https://op.example -config target.json -html report.html
//	conformance -issuer https://op.example -client-id app -client-secret-env APP_SECRET
//	conformance -keycloak-url http://127.0.0.1:8080 -admin-user admin -admin-password admin
//	conformance -list -issuer https://op.example -config target.json
//	conformance -no-keycloak     # only the scenarios that need no provider
//
// -list prints, for each scenario, whether this target can run it and, if
// not, why; it fetches the target's metadata but runs nothing.
//
// The exit status is 1 when a scenario failed or the run could not be
// made, 2 for bad flags, 0 otherwise (warnings and scenarios for review do
// not fail a run).
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

// options are the command's flags.
type options struct {
	issuer, config, clientID, clientSecretEnv, redirectURI string
	kcURL, adminUser, adminPass                            string
	noKeycloak, insecure, verbose, list                    bool
	jsonFile, junitFile, htmlFile, runExpr                 string
	parallel                                               int
	timeout, startLimit                                    time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.issuer, "issuer", "", "test the provider with this issuer `URL` (with -config, or the quick client flags)")
	fs.StringVar(&o.config, "config", "", "target configuration `FILE` (JSON, see conformance.Target)")
	fs.StringVar(&o.clientID, "client-id", "", "quick target: the `ID` of a client_secret_basic client at -issuer")
	fs.StringVar(&o.clientSecretEnv, "client-secret-env", "", "quick target: the environment `VARIABLE` holding the client's secret")
	fs.StringVar(&o.redirectURI, "redirect-uri", "", "quick target: a registered redirect `URI` of the client")
	fs.BoolVar(&o.insecure, "allow-insecure-http", false, "accept http:// endpoints on hosts other than loopback (development providers only)")
	fs.StringVar(&o.kcURL, "keycloak-url", "", "use the running Keycloak at this base `URL` instead of starting one")
	fs.StringVar(&o.adminUser, "admin-user", "admin", "master realm administrator of Keycloak")
	fs.StringVar(&o.adminPass, "admin-password", "admin", "password of -admin-user")
	fs.BoolVar(&o.noKeycloak, "no-keycloak", false, "start no Keycloak: run only the scenarios that need no provider")
	fs.StringVar(&o.jsonFile, "json", "", "write the report as JSON to `FILE`")
	fs.StringVar(&o.junitFile, "junit", "", "write the report as JUnit XML to `FILE`")
	fs.StringVar(&o.htmlFile, "html", "", "write the report as a self-contained HTML page to `FILE`")
	fs.StringVar(&o.runExpr, "run", "", "run only the scenarios whose ID matches `REGEXP`")
	fs.IntVar(&o.parallel, "parallel", conformance.DefaultParallel, "run at most `N` scenarios at once")
	fs.DurationVar(&o.timeout, "timeout", conformance.DefaultTimeout, "time limit of each scenario")
	fs.BoolVar(&o.verbose, "v", false, "print the evidence of scenarios that failed, warned or need review")
	fs.BoolVar(&o.list, "list", false, "list the scenarios, whether this target can run each and why not, and exit")
	fs.DurationVar(&o.startLimit, "start-timeout", 0, "how long Keycloak may take to become ready (0: keycloaktest's default)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	var re *regexp.Regexp
	if o.runExpr != "" {
		var err error
		if re, err = regexp.Compile(o.runExpr); err != nil {
			fmt.Fprintf(stderr, "conformance: -run: %v\n", err)
			return 2
		}
	}
	scenarios := conformance.Select(conformance.Catalogue(), re)
	if len(scenarios) == 0 {
		fmt.Fprintf(stderr, "conformance: no scenario matches -run %q\n", o.runExpr)
		return 1
	}
	target, err := o.target()
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}

	// The first SIGINT or SIGTERM cancels the run; Keycloak is still
	// stopped, and the target realm deleted, before exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	started := time.Now()
	p, closeProvider, err := o.provider(ctx, target, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 1
	}
	defer closeProvider()

	if o.list {
		return list(ctx, p, scenarios, stdout)
	}

	if target != nil && target.Login.Agent == conformance.AgentInteractive {
		o.parallel = 1 // one person logs in for one scenario at a time
	}
	runner := &conformance.Runner{Provider: p, Parallel: o.parallel, Timeout: o.timeout, Progress: stderr}
	runStarted := time.Now()
	results := runner.Run(ctx, scenarios)
	report := &conformance.Report{Provider: p.Name, Started: runStarted, Duration: time.Since(runStarted), Results: results}
	if p.Target != nil {
		report.Issuer = p.Target.Issuer
	}

	fmt.Fprintln(stdout)
	code := 0
	if err := report.WriteText(stdout, o.verbose); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		code = 1
	}
	for _, out := range []struct {
		flag, file string
		write      func(io.Writer) error
	}{
		{"-json", o.jsonFile, report.WriteJSON},
		{"-junit", o.junitFile, report.WriteJUnit},
		{"-html", o.htmlFile, report.WriteHTML},
	} {
		if out.file == "" {
			continue
		}
		if err := writeFile(out.file, out.write); err != nil {
			fmt.Fprintf(stderr, "conformance: %s: %v\n", out.flag, err)
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

// target returns the target the flags describe, or nil for Keycloak.
func (o *options) target() (*conformance.Target, error) {
	quick := o.clientID != "" || o.clientSecretEnv != "" || o.redirectURI != ""
	switch {
	case o.config != "" && quick:
		return nil, errors.New("-config and the quick client flags (-client-id, -client-secret-env, -redirect-uri) exclude each other")
	case o.config != "":
		t, err := conformance.LoadTarget(o.config)
		if err != nil {
			return nil, err
		}
		if o.issuer != "" && o.issuer != t.Issuer {
			return nil, fmt.Errorf("-issuer %q is not the issuer %q of %s", o.issuer, t.Issuer, o.config)
		}
		return t, nil
	case quick && o.issuer == "":
		return nil, errors.New("the quick client flags need -issuer")
	case o.issuer != "":
		t := &conformance.Target{Version: conformance.TargetVersion, Issuer: o.issuer}
		if o.clientID != "" {
			c := &conformance.TargetClient{ClientID: o.clientID, ClientSecretEnv: o.clientSecretEnv, RedirectURI: o.redirectURI}
			if o.clientSecretEnv != "" {
				c.ClientSecret = os.Getenv(o.clientSecretEnv)
				if c.ClientSecret == "" {
					return nil, fmt.Errorf("%w: environment variable %s is not set", conformance.ErrTarget, o.clientSecretEnv)
				}
			}
			role := conformance.RoleClientSecretBasic
			if c.ClientSecret == "" {
				role = conformance.RolePublic
			}
			t.Clients = map[string]*conformance.TargetClient{role: c}
		}
		if err := t.Validate(); err != nil {
			return nil, err
		}
		return t, nil
	}
	return nil, nil
}

// provider returns the provider under test and a function that releases
// it: the target of the flags, or a Keycloak (started, or at
// -keycloak-url) with a realm provisioned as the target.
func (o *options) provider(ctx context.Context, t *conformance.Target, stderr io.Writer) (*conformance.Provider, func(), error) {
	if t != nil {
		agents, note := loginAgents(t)
		if note != "" {
			fmt.Fprintf(stderr, "conformance: %s\n", note)
		}
		p := conformance.NewTargetProvider(t, agents)
		p.MetadataOptions.AllowInsecureHTTP = o.insecure
		if t.Admin == "keycloak" {
			base, realm, ok := strings.Cut(t.Issuer, "/realms/")
			if !ok {
				return nil, nil, fmt.Errorf("%w: admin \"keycloak\" needs an issuer of the form BASE/realms/REALM", conformance.ErrTarget)
			}
			p.Admin = keycloaktest.NewAdmin(base, o.adminUser, o.adminPass, nil)
			p.BaseURL, p.AdminUser, p.AdminPassword = base, o.adminUser, o.adminPass
			p.Administrator = conformance.NewKeycloakAdministrator(p.Admin, realm)
		}
		return p, func() {}, nil
	}
	if o.noKeycloak {
		return &conformance.Provider{Unavailable: "-no-keycloak: no provider started"}, func() {}, nil
	}
	var p *conformance.Provider
	stopServer := func() {}
	if o.kcURL != "" {
		base := strings.TrimRight(o.kcURL, "/")
		p = &conformance.Provider{
			Name:          "Keycloak at " + base,
			Agents:        conformance.KeycloakAgent,
			BaseURL:       base,
			AdminUser:     o.adminUser,
			AdminPassword: o.adminPass,
			Admin:         keycloaktest.NewAdmin(base, o.adminUser, o.adminPass, nil),
		}
	} else {
		fmt.Fprintln(stderr, "conformance: starting Keycloak…")
		start := time.Now()
		srv, err := keycloaktest.Start(ctx, keycloaktest.Options{Progress: stderr, StartTimeout: o.startLimit})
		if err != nil {
			return nil, nil, fmt.Errorf("Keycloak did not start: %w", err)
		}
		stopServer = func() {
			if err := srv.Close(); err != nil {
				fmt.Fprintf(stderr, "conformance: stopping Keycloak: %v\n", err)
			}
		}
		fmt.Fprintf(stderr, "conformance: Keycloak %s (%s) at %s ready in %.1fs\n", srv.Version, srv.Source, srv.URL, time.Since(start).Seconds())
		p = conformance.NewKeycloakProvider(srv)
	}
	target, admin, remove, err := conformance.KeycloakTarget(ctx, p.Admin)
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	p.Target, p.Administrator = target, admin
	fmt.Fprintf(stderr, "conformance: target realm at %s\n", target.Issuer)
	return p, func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := remove(cctx); err != nil {
			fmt.Fprintf(stderr, "conformance: deleting the target realm: %v\n", err)
		}
		stopServer()
	}, nil
}

// list prints each scenario with whether the provider can run it.
func list(ctx context.Context, p *conformance.Provider, scenarios []conformance.Scenario, w io.Writer) int {
	if err := p.Prepare(ctx); err != nil {
		fmt.Fprintf(w, "metadata: %v\n\n", err)
	}
	runnable := 0
	for _, s := range scenarios {
		why := conformance.Runnable(ctx, p, s)
		mark := "yes"
		if why != "" {
			mark = "no"
		} else {
			runnable++
		}
		fmt.Fprintf(w, "%-3s %-9s %-36s %s\n", mark, s.Kind(), s.ID, s.Title)
		if why != "" {
			fmt.Fprintf(w, "              %s\n", why)
		}
	}
	fmt.Fprintf(w, "\n%d of %d scenarios can run against %s\n", runnable, len(scenarios), p.Name)
	return 0
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
