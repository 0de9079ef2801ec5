package conformance

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleReport() *Report {
	return &Report{
		Provider: "Keycloak 26.7.3 at http://127.0.0.1:8080",
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration: 12500 * time.Millisecond,
		Results: []Result{
			{ID: "seed-password", Title: "password grant on master", Spec: "RFC 6749 §4.3", Status: StatusPass,
				Duration: 420 * time.Millisecond,
				Evidence: []Evidence{{Method: "POST", URL: "http://127.0.0.1:8080/realms/master/protocol/openid-connect/token",
					Form: url.Values{"grant_type": {"password"}, "password": {"[redacted]"}}, Status: 200,
					Body: `{"access_token":"[redacted]"}`}}},
			{ID: "err-wrong-secret", Title: "wrong client secret", Spec: "RFC 6749 §5.2", Status: StatusFail,
				Reason: "expected invalid_client with HTTP 401, saw invalid_grant with HTTP 400\nsecond line", Duration: time.Second,
				Evidence: []Evidence{{Note: "client created"}}},
			{ID: "TE-01", Title: "error inside 200 <&>", Spec: "RFC 6749 §5.2", Status: StatusSkip, Hostile: true,
				Reason: "bad\x00control \x1b[31mchars"},
		},
	}
}

func TestReportSummary(t *testing.T) {
	r := sampleReport()
	want := Summary{Pass: 1, Fail: 1, Skip: 1, Hostile: 1}
	if diff := cmp.Diff(want, r.Summary()); diff != "" {
		t.Errorf("Summary() mismatch (-want +got):\n%s", diff)
	}
	if !r.Failed() {
		t.Error("Failed() = false with one failed scenario")
	}
	r.Results = r.Results[:1]
	if r.Failed() {
		t.Error("Failed() = true with no failed scenario")
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteText(&b, true); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[0], "STATUS") {
		t.Errorf("first line is not the header: %q", lines[0])
	}
	// Columns line up: STATUS starts at the same offset in every row.
	col := strings.Index(lines[0], "STATUS")
	for _, want := range []string{"PASS", "FAIL", "SKIP*"} {
		found := false
		for _, l := range lines[1:] {
			if i := strings.Index(l, " "+want+" "); i >= 0 && i+1 == col {
				found = true
			}
		}
		if !found {
			t.Errorf("no row with %q at column %d:\n%s", want, col, out)
		}
	}
	for _, want := range []string{
		"    expected invalid_client with HTTP 401, saw invalid_grant with HTTP 400\n    second line\n",
		"      note: client created\n",
		"3 scenarios: 1 pass, 1 fail, 1 skip (1 hostile, marked *) in 12.5s against Keycloak 26.7.3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "access_token") {
		t.Errorf("evidence of a passed scenario printed:\n%s", out)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Provider   string  `json:"provider"`
		DurationMS int64   `json:"duration_ms"`
		Summary    Summary `json:"summary"`
		Scenarios  []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.String())
	}
	if got.DurationMS != 12500 || got.Summary.Fail != 1 || len(got.Scenarios) != 3 {
		t.Errorf("got duration_ms %d, summary %+v, %d scenarios", got.DurationMS, got.Summary, len(got.Scenarios))
	}
	first := got.Scenarios[0]
	for _, key := range []string{"id", "title", "spec", "status", "duration_ms", "hostile", "evidence"} {
		if _, ok := first[key]; !ok {
			t.Errorf("scenario object lacks %q: %v", key, first)
		}
	}
	if first["status"] != "pass" || first["duration_ms"] != float64(420) || first["hostile"] != false {
		t.Errorf("first scenario = %v", first)
	}
	ev := first["evidence"].([]any)[0].(map[string]any)
	if ev["status"] != float64(200) || ev["form"].(map[string]any)["password"].([]any)[0] != "[redacted]" {
		t.Errorf("evidence = %v", ev)
	}
	if ev := got.Scenarios[2]["evidence"]; ev == nil {
		t.Error("a scenario without evidence has a null evidence member, want []")
	}
	if got.Scenarios[2]["hostile"] != true || got.Scenarios[1]["reason"] == nil {
		t.Errorf("hostile or reason missing: %v %v", got.Scenarios[2], got.Scenarios[1])
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 1 {
		t.Fatalf("counts: tests %d failures %d skipped %d suites %d", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites))
	}
	s := doc.Suites[0]
	if len(s.Properties) != 1 || s.Properties[0].Value != "Keycloak 26.7.3 at http://127.0.0.1:8080" {
		t.Errorf("properties = %+v", s.Properties)
	}
	c := s.Cases
	if c[0].Name != "seed-password" || c[0].Time != "0.420" || c[0].Failure != nil || c[0].Skipped != nil {
		t.Errorf("case 0 = %+v", c[0])
	}
	if !strings.Contains(c[0].SystemOut, "POST http://127.0.0.1:8080/realms/master") {
		t.Errorf("case 0 system-out = %q", c[0].SystemOut)
	}
	if c[1].Failure == nil || c[1].Failure.Message != "expected invalid_client with HTTP 401, saw invalid_grant with HTTP 400 …" ||
		!strings.Contains(c[1].Failure.Text, "second line") {
		t.Errorf("case 1 failure = %+v", c[1].Failure)
	}
	if c[2].Skipped == nil || c[2].Classname != "conformance.hostile" || c[2].Skipped.Message != "badcontrol [31mchars" {
		t.Errorf("case 2 = %+v", c[2])
	}
}

func TestEvidenceRedaction(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"access_token":"eyJ.x.y","expires_in":60}`, `{"access_token":"[redacted]","expires_in":60}`},
		{`not json`, `not json`},
		{`eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln`, `[redacted]`},
		{strings.Repeat("a", 2000), strings.Repeat("a", maxEvidenceBody) + "…"},
	} {
		if got := redactBody([]byte(tc.in)); got != tc.want {
			t.Errorf("redactBody(%.40q) = %.60q, want %.60q", tc.in, got, tc.want)
		}
	}
	if got := redactURL("http://u:p@h/cb?code=SECRET&state=s#frag"); strings.Contains(got, "SECRET") ||
		strings.Contains(got, "u:p") || !strings.Contains(got, "state=s") {
		t.Errorf("redactURL = %q", got)
	}
	h := make(map[string][]string)
	h["Authorization"] = []string{"Bearer SECRET"}
	if got := redactAuthorization(h); got != "Bearer [redacted]" {
		t.Errorf("redactAuthorization = %q", got)
	}
}

// FuzzWriteJUnit checks that any text a provider can put into a reason or
// evidence (error descriptions, bodies) still gives well-formed XML and
// valid JSON.
func FuzzWriteJUnit(f *testing.F) {
	f.Add("seed-password", "expected 1, saw 2", `{"error":"x"}`, "note")
	f.Add("TE-01", "bad\x00\x1b[31m\xff\xfe", "]]><!--", "\uFFFE\xed\xa0\x80")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, id, reason, body, note string) {
		r := &Report{Results: []Result{{
			ID: id, Title: note, Spec: reason, Status: StatusFail, Reason: reason,
			Evidence: []Evidence{{Method: "POST", URL: id, Body: body, Form: url.Values{note: {reason}}}, {Note: note}},
		}}}
		var b bytes.Buffer
		if err := r.WriteJUnit(&b); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(&b)
		for {
			_, err := dec.Token()
			if err != nil {
				if err.Error() == "EOF" {
					break
				}
				t.Fatalf("invalid XML: %v", err)
			}
		}
		b.Reset()
		if err := r.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b.Bytes()) {
			t.Fatal("invalid JSON")
		}
		b.Reset()
		if err := r.WriteText(&b, true); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRedactBody checks that a credential member of a JSON object body
// never survives redaction.
func FuzzRedactBody(f *testing.F) {
	f.Add("access_token", "SENTINEL-AT-0123")
	f.Add("refresh_token", "SENTINEL-RT-0123")
	f.Add("id_token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
	f.Fuzz(func(t *testing.T, member, value string) {
		if !secretName(member) || len(value) < 8 {
			return
		}
		body, err := json.Marshal(map[string]string{member: value, "token_type": "Bearer"})
		if err != nil {
			return
		}
		got := redactBody(body)
		enc, _ := json.Marshal(value)
		if strings.Contains(got, string(enc)) {
			t.Fatalf("redactBody kept %s: %s", member, got)
		}
	})
}

// TestReportSchemaVersion2 checks the members version 2 of the JSON
// report adds: the schema's name and version, warning and review counts,
// by_spec, and each scenario's module and kind.
func TestReportSchemaVersion2(t *testing.T) {
	var b bytes.Buffer
	if err := htmlSample().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema        string        `json:"schema"`
		SchemaVersion int           `json:"schema_version"`
		Issuer        string        `json:"issuer"`
		Summary       Summary       `json:"summary"`
		BySpec        []SpecSummary `json:"by_spec"`
		Scenarios     []struct {
			ID, Module, Kind string
			Status           Status
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != ReportSchema || got.SchemaVersion != ReportSchemaVersion || got.Issuer == "" {
		t.Errorf("schema %q version %d issuer %q", got.Schema, got.SchemaVersion, got.Issuer)
	}
	want := Summary{Pass: 1, Fail: 1, Skip: 1, Warning: 1, Review: 1, Hostile: 1}
	if diff := cmp.Diff(want, got.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	wantSpecs := []SpecSummary{
		{Spec: "RFC 6749", Summary: Summary{Pass: 1, Fail: 1, Skip: 1, Hostile: 1}},
		{Spec: "OpenID Connect Core 1.0", Summary: Summary{Warning: 1, Review: 1}},
	}
	if diff := cmp.Diff(wantSpecs, got.BySpec); diff != "" {
		t.Errorf("by_spec (-want +got):\n%s", diff)
	}
	s := got.Scenarios[3]
	if s.ID != "oidcc-scope-phone" || s.Module != "oidcc-scope-phone" || s.Kind != KindAny || s.Status != StatusWarning {
		t.Errorf("scenario 3: %+v", s)
	}
}

func TestSpecifications(t *testing.T) {
	for spec, want := range map[string][]string{
		"RFC 6749 §4.1, RFC 7636 §4, RFC 9207 §2":          {"RFC 6749", "RFC 7636", "RFC 9207"},
		"RFC 9700 §2.1.1, §4.8.2; RFC 7636 §4.6":           {"RFC 9700", "RFC 7636"},
		"OpenID Connect Core 1.0 §3.1.3.7 step 7":          {"OpenID Connect Core 1.0"},
		"RFC 8725 §2.1, §3.1; OIDC Core §2":                {"RFC 8725", "OpenID Connect Core 1.0"},
		"OpenID Connect Discovery 1.0 §4.3; RFC 8414 §3.3": {"OpenID Connect Discovery 1.0", "RFC 8414"},
	} {
		if diff := cmp.Diff(want, Specifications(spec)); diff != "" {
			t.Errorf("Specifications(%q) (-want +got):\n%s", spec, diff)
		}
	}
}

// TestJUnitWarningAndReview: JUnit has no such outcomes, so a warning or a
// scenario for review is a passing test case whose output says so.
func TestJUnitWarningAndReview(t *testing.T) {
	var b bytes.Buffer
	if err := htmlSample().WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`<testcase name="oidcc-scope-phone" classname="conformance.any"`,
		"WARNING: none of the claims of scope phone came back",
		"REVIEW: the pages&#39; language needs a person",
		`classname="conformance.keycloak"`, `classname="conformance.hostile"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JUnit lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "<failure") != 1 {
		t.Errorf("expected exactly 1 failure element")
	}
}
