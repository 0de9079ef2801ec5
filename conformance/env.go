package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/keycloaktest"
	"github.com/oauthkit/oauthkit/oauth2"
	"github.com/oauthkit/oauthkit/oidc"
)

// Provider is the authorization server under test, with what the
// scenarios may use of it: a [Target] (an issuer, its pre-registered
// clients and users) for the generic scenarios, a login agent, an
// [Administrator], and, for the Keycloak-only scenarios, Keycloak's base
// URL, master administrator and admin API.
type Provider struct {
	// Name names the provider in reports.
	Name string
	// Target is the provider as a target configuration describes it; the
	// generic scenarios (files any_*.go) use only it, its metadata, Agents
	// and Administrator. Nil when there is none.
	Target *Target
	// Agents makes the login agents of the generic scenarios; nil means
	// users cannot log in.
	Agents AgentFactory
	// Administrator administers the target; nil when it cannot be.
	Administrator Administrator
	// MetadataOptions tune the discovery of the target's metadata (for
	// example AllowInsecureHTTP for a development provider on plain HTTP).
	MetadataOptions oauth2.MetadataOptions

	// BaseURL is a Keycloak server's base URL, e.g.
	// "http://127.0.0.1:8080", without a trailing slash, for the
	// Keycloak-only scenarios. Realm R lives at BaseURL + "/realms/R".
	BaseURL string
	// AdminUser and AdminPassword log in to the master realm through the
	// admin-cli client. The seed scenarios use them directly.
	AdminUser     string
	AdminPassword string
	// Admin is the administration client that provisions each scenario's
	// realm. Nil when the provider cannot be administered.
	Admin *keycloaktest.Admin
	// HTTPClient is the base client of every request scenarios make to the
	// provider; nil means a client with a 30-second timeout.
	HTTPClient *http.Client
	// Keycloak is the server behind the provider when keycloaktest started
	// or found it: its HTTPS listener, test CA and client certificates
	// serve the mutual-TLS scenarios (keycloak_fapi.go), its CIBA channel
	// the CIBA ones (keycloak_ciba.go). Nil otherwise.
	Keycloak *keycloaktest.Server
	// Unavailable, when set, says why there is no provider (for example
	// "-short: Keycloak not started"): every scenario that needs anything
	// of the provider is skipped with this reason.
	Unavailable string

	// realmMu serializes the creation and deletion of realms, the
	// heaviest admin calls: several at once on a small machine can take
	// longer than the admin client's timeout.
	realmMu sync.Mutex

	// metaOnce guards the discovery of the target's metadata, made once
	// for every scenario.
	metaOnce  sync.Once
	oauthMeta *oauth2.Metadata
	oidcMeta  *oidc.Metadata
	metaErr   error
}

// NewTargetProvider returns the provider of a target configuration, whose
// users log in through agents (nil: scenarios that need a login skip).
func NewTargetProvider(t *Target, agents AgentFactory) *Provider {
	return &Provider{Name: t.DisplayName(), Target: t, Agents: agents}
}

// NewKeycloakProvider returns the provider for a Keycloak server started
// (or found) by keycloaktest.
func NewKeycloakProvider(srv *keycloaktest.Server) *Provider {
	name := "Keycloak"
	if srv.Version != "" {
		name += " " + srv.Version
	}
	return &Provider{
		Name:          name + " at " + srv.URL,
		Agents:        KeycloakAgent,
		BaseURL:       srv.URL,
		AdminUser:     srv.AdminUser,
		AdminPassword: srv.AdminPassword,
		Admin:         srv.Admin(),
		Keycloak:      srv,
	}
}

// Has reports whether the provider meets need. Needs of the target's
// metadata are met only once [Provider.Prepare] has fetched it.
func (p *Provider) Has(need Need) bool { return p.why(need) == "" }

// why returns why p does not meet need, or "" when it does.
func (p *Provider) why(need Need) string {
	if p == nil {
		return "no provider under test"
	}
	if p.Unavailable != "" {
		return p.Unavailable
	}
	switch need {
	case NeedAdmin:
		if p.Admin == nil || p.BaseURL == "" {
			return "the provider has no Keycloak admin API (Keycloak-only scenario)"
		}
		return ""
	case NeedLogin:
		if p.Agents == nil && (p.Admin == nil || p.BaseURL == "") {
			return "the target has no login agent"
		}
		return ""
	case NeedMasterAdmin:
		if p.AdminUser == "" || p.BaseURL == "" {
			return "the provider has no Keycloak master administrator (Keycloak-only scenario)"
		}
		return ""
	}
	if reason, ok := p.whyTarget(need); ok {
		return reason
	}
	return "unknown need " + string(need)
}

// unmet returns why the provider does not meet needs, or "" when it does.
func (p *Provider) unmet(needs []Need) string {
	if len(needs) == 0 {
		return ""
	}
	var missing []string
	for _, n := range needs {
		if r := p.why(n); r != "" && !slices.Contains(missing, r) {
			missing = append(missing, r)
		}
	}
	return strings.Join(missing, "; ")
}

// Prepare fetches the target's metadata once: the OpenID Connect
// Discovery document (OpenID Connect Discovery 1.0, section 4), else the
// RFC 8414 authorization server metadata. Scenarios that need the
// metadata are skipped when it fails, with the reason. Later calls return
// the first call's outcome.
func (p *Provider) Prepare(ctx context.Context) error {
	if p == nil || p.Target == nil || p.Unavailable != "" {
		return nil
	}
	p.metaOnce.Do(func() {
		hc := p.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 30 * time.Second}
		}
		m, err := oidc.Discover(ctx, hc, p.Target.Issuer, oidc.DiscoveryOptions{AllowInsecureHTTP: p.MetadataOptions.AllowInsecureHTTP})
		if err == nil {
			p.oidcMeta, p.oauthMeta = m, &m.Metadata
			return
		}
		om, err2 := oauth2.DiscoverMetadata(ctx, hc, p.Target.Issuer, p.MetadataOptions)
		if err2 != nil {
			p.metaErr = err
			return
		}
		p.oauthMeta = om
	})
	return p.metaErr
}

// Metadata returns the target's OpenID Provider metadata, nil when the
// issuer is no OpenID Provider or [Provider.Prepare] has not succeeded.
func (p *Provider) Metadata() *oidc.Metadata { return p.oidcMeta }

// OAuthMetadata returns the target's authorization server metadata (RFC
// 8414), nil until [Provider.Prepare] has succeeded.
func (p *Provider) OAuthMetadata() *oauth2.Metadata { return p.oauthMeta }

// Env is what a scenario runs in: the provider, a place to record
// evidence, and clean-ups run when the scenario ends. Each scenario gets
// its own Env; its methods are safe for concurrent use.
type Env struct {
	// Provider is the server under test.
	Provider *Provider
	// ScenarioID is the ID of the running scenario.
	ScenarioID string

	log *evidenceLog

	mu       sync.Mutex
	cleanups []func(context.Context) error
	secrets  []string
}

func newEnv(p *Provider, id string) *Env {
	return &Env{Provider: p, ScenarioID: id, log: &evidenceLog{}}
}

// Record appends an observed exchange to the scenario's evidence: method,
// URL, authorization scheme, form (secret values redacted), status and the
// start of the redacted response body. Its signature is that of
// oauth2.Config.Observer:
//
//	cfg.Observer = e.Record
func (e *Env) Record(ex *oauth2.HTTPExchange) {
	if ex != nil {
		e.log.add(exchangeEvidence(ex))
	}
}

// Notef appends a note to the scenario's evidence. It must not be given
// secrets.
func (e *Env) Notef(format string, args ...any) {
	e.log.add(Evidence{Note: fmt.Sprintf(format, args...)})
}

// AddSecret registers values that must never appear in the scenario's
// evidence or failure reason: passwords, client secrets, tokens. The
// runner redacts any that do and fails the scenario, since oauthkit leaked
// them. Values shorter than 6 bytes are ignored (they would match by
// chance).
func (e *Env) AddSecret(values ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range values {
		if len(v) >= 6 {
			e.secrets = append(e.secrets, v)
		}
	}
}

func (e *Env) secretValues() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.secrets...)
}

// Evidence returns a copy of the evidence recorded so far.
func (e *Env) Evidence() []Evidence { return e.log.snapshot() }

// Cleanup registers f to run when the scenario ends, whatever its outcome,
// with a context of its own. Clean-ups run in reverse order of
// registration; an error fails a scenario that otherwise passed.
func (e *Env) Cleanup(f func(ctx context.Context) error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cleanups = append(e.cleanups, f)
}

func (e *Env) cleanup(ctx context.Context) error {
	e.mu.Lock()
	fs := e.cleanups
	e.cleanups = nil
	e.mu.Unlock()
	var errs []error
	for i := len(fs) - 1; i >= 0; i-- {
		if err := fs[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// HTTPClient returns a client for requests to the provider: a copy of
// Provider.HTTPClient, or a client with a 30-second timeout. Give it to
// oauth2.Config, whose Observer ([Env.Record]) records the exchanges.
func (e *Env) HTTPClient() *http.Client {
	if e.Provider != nil && e.Provider.HTTPClient != nil {
		c := *e.Provider.HTTPClient
		return &c
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// RecordingClient returns a client like [Env.HTTPClient] that records each
// request it sends (method, URL without credentials, authorization scheme,
// status) as evidence: the base client of a Session, or a user agent.
func (e *Env) RecordingClient() *http.Client {
	c := e.HTTPClient()
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = &recordingTransport{base: rt, log: e.log}
	return c
}

// Admin returns the provider's administration client. It is nil unless
// the scenario declares [NeedAdmin] (or the provider has one anyway).
func (e *Env) Admin() *keycloaktest.Admin {
	if e.Provider == nil {
		return nil
	}
	return e.Provider.Admin
}

// NewRealm creates a realm for this scenario alone, named after the
// scenario with a random suffix, and deletes it when the scenario ends.
// opts.Name is ignored. Realms are created and deleted one at a time.
func (e *Env) NewRealm(ctx context.Context, opts keycloaktest.RealmOptions) (*keycloaktest.Realm, error) {
	admin := e.Admin()
	if admin == nil {
		return nil, Skip("the provider has no administration API")
	}
	p := e.Provider
	opts.Name = realmName(e.ScenarioID)
	p.realmMu.Lock()
	realm, err := admin.CreateRealm(ctx, opts)
	p.realmMu.Unlock()
	if err != nil {
		// An interrupted request may still have created the realm.
		name := opts.Name
		e.Cleanup(func(ctx context.Context) error {
			p.realmMu.Lock()
			defer p.realmMu.Unlock()
			_ = admin.DeleteRealm(ctx, name)
			return nil
		})
		return nil, fmt.Errorf("creating realm %s: %w", opts.Name, err)
	}
	e.Notef("realm %s created", realm.Name)
	e.Cleanup(func(ctx context.Context) error {
		p.realmMu.Lock()
		defer p.realmMu.Unlock()
		if err := admin.DeleteRealm(ctx, realm.Name); err != nil {
			return fmt.Errorf("deleting realm %s: %w", realm.Name, err)
		}
		return nil
	})
	return realm, nil
}

// maxRealmName is the longest realm name used: Keycloak stores a realm's
// id, which keycloaktest sets to its name, in a 36-character column.
const maxRealmName = 36

// realmName returns a unique realm name that starts with the scenario ID.
func realmName(scenarioID string) string {
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, scenarioID)
	const prefix, suffix = len("ok-"), len("-") + 8
	if max := maxRealmName - prefix - suffix; len(id) > max {
		id = id[:max]
	}
	return uniqueName("ok-" + id)
}

// NewUserAgent returns a headless user agent that logs users in through
// the provider's login pages, its requests recorded as evidence.
func (e *Env) NewUserAgent() *keycloaktest.UserAgent {
	return keycloaktest.NewUserAgent(e.RecordingClient())
}

// MasterEndpoint returns the endpoints of the provider's master realm.
func (e *Env) MasterEndpoint() oauth2.Endpoint {
	iss := e.Provider.BaseURL + "/realms/master"
	oidc := iss + "/protocol/openid-connect"
	return oauth2.Endpoint{
		Issuer:           iss,
		AuthorizationURL: oidc + "/auth",
		TokenURL:         oidc + "/token",
		IntrospectionURL: oidc + "/token/introspect",
		RevocationURL:    oidc + "/revoke",
	}
}

// uniqueName returns prefix followed by a random suffix, for realms,
// clients and users that must not collide across scenarios and runs.
func uniqueName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Target returns the target under test, or nil.
func (e *Env) Target() *Target {
	if e.Provider == nil {
		return nil
	}
	return e.Provider.Target
}

// Administrator returns the target's administration API, or nil.
func (e *Env) Administrator() Administrator {
	if e.Provider == nil {
		return nil
	}
	return e.Provider.Administrator
}

// NewLoginAgent returns a login agent with no cookies, its requests
// recorded as evidence, or nil when the target has none.
func (e *Env) NewLoginAgent() LoginAgent {
	if e.Provider == nil || e.Provider.Agents == nil {
		return nil
	}
	return e.Provider.Agents(e.RecordingClient())
}
