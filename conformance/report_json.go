package conformance

import (
	"encoding/json"
	"io"
	"time"
)

// The JSON report's schema: ReportSchema names it and ReportSchemaVersion
// is its version, raised whenever a member changes meaning or goes away
// (new members may be added without a new version).
//
// Version 2 is one JSON object:
//
//	schema          "oauthkit.conformance.report"
//	schema_version  2
//	provider        the provider under test, as named in reports
//	issuer          the target's issuer identifier (absent without a target)
//	started         when the run began (RFC 3339)
//	duration_ms     the run's wall time in milliseconds
//	summary         counts: pass, fail, skip, warning, review, and hostile
//	                (how many of them ran against Go hostile servers)
//	by_spec         one object per specification cited: spec (e.g.
//	                "RFC 6749") and the same counts as summary
//	scenarios       one object per scenario, in catalogue order:
//	  id            the scenario's ID
//	  title, spec   what it checks and the sections it cites
//	  module        the OpenID Foundation conformance suite's test module
//	                it corresponds to (absent when none)
//	  kind          "any" (any provider), "keycloak" or "hostile"
//	  status        "pass", "fail", "skip", "warning" (a SHOULD not met)
//	                or "review" (the evidence needs a person)
//	  reason        why it did not pass (absent on pass)
//	  duration_ms   its wall time
//	  hostile       whether it ran against a hostile Go server
//	  evidence      what it saw, in order; each item is either
//	                {"note": "..."} or an exchange: method, url,
//	                authorization (the scheme, then "[redacted]"),
//	                request_header, form, status, response_header, body (at
//	                most 1 KiB), error (a transport error), duration_ms.
//	                Credentials are redacted everywhere ("[redacted]").
//
// Version 1, written before, had no schema members, no warning, review or
// by_spec, and no module or kind.
const (
	ReportSchema        = "oauthkit.conformance.report"
	ReportSchemaVersion = 2
)

type jsonReport struct {
	Schema        string        `json:"schema"`
	SchemaVersion int           `json:"schema_version"`
	Provider      string        `json:"provider,omitempty"`
	Issuer        string        `json:"issuer,omitempty"`
	Started       time.Time     `json:"started"`
	DurationMS    int64         `json:"duration_ms"`
	Summary       Summary       `json:"summary"`
	BySpec        []SpecSummary `json:"by_spec"`
	Scenarios     []jsonResult  `json:"scenarios"`
}

type jsonResult struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Spec       string     `json:"spec"`
	Module     string     `json:"module,omitempty"`
	Kind       string     `json:"kind"`
	Status     Status     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	Hostile    bool       `json:"hostile"`
	Evidence   []Evidence `json:"evidence"`
}

// WriteJSON writes the report as one JSON object of the schema
// [ReportSchema], version [ReportSchemaVersion], documented there.
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{
		Schema:        ReportSchema,
		SchemaVersion: ReportSchemaVersion,
		Provider:      r.Provider,
		Issuer:        r.Issuer,
		Started:       r.Started,
		DurationMS:    r.Duration.Milliseconds(),
		Summary:       r.Summary(),
		BySpec:        r.BySpec(),
		Scenarios:     make([]jsonResult, 0, len(r.Results)),
	}
	if out.BySpec == nil {
		out.BySpec = []SpecSummary{}
	}
	for _, res := range r.Results {
		ev := res.Evidence
		if ev == nil {
			ev = []Evidence{}
		}
		out.Scenarios = append(out.Scenarios, jsonResult{
			ID: res.ID, Title: res.Title, Spec: res.Spec, Module: res.Module, Kind: res.Kind, Status: res.Status,
			Reason: res.Reason, DurationMS: res.Duration.Milliseconds(), Hostile: res.Hostile, Evidence: ev,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
