package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is the outcome of one run of the catalogue against a provider.
type Report struct {
	// Provider names the server under test, e.g.
	// "Keycloak at http://127.0.0.1:43127".
	Provider string
	// Started is when the run began.
	Started time.Time
	// Duration is the run's wall time.
	Duration time.Duration
	// Results holds one result per scenario, in catalogue order.
	Results []Result
}

// Summary counts results by status.
type Summary struct {
	Pass    int `json:"pass"`
	Fail    int `json:"fail"`
	Skip    int `json:"skip"`
	Hostile int `json:"hostile"`
}

// Summary counts the report's results by status.
func (r *Report) Summary() Summary {
	var s Summary
	for _, res := range r.Results {
		switch res.Status {
		case StatusPass:
			s.Pass++
		case StatusFail:
			s.Fail++
		case StatusSkip:
			s.Skip++
		}
		if res.Hostile {
			s.Hostile++
		}
	}
	return s
}

// Failed reports whether any scenario failed.
func (r *Report) Failed() bool { return r.Summary().Fail > 0 }

// WriteText writes a table with one row per scenario (ID, status, time,
// specification, title), the reason under each failed or skipped row, and
// a summary line. With evidence set, the evidence of each failed scenario
// follows its reason.
func (r *Report) WriteText(w io.Writer, evidence bool) error {
	headers := []string{"ID", "STATUS", "TIME", "SPEC", "TITLE"}
	rows := make([][]string, 0, len(r.Results))
	for _, res := range r.Results {
		status := strings.ToUpper(string(res.Status))
		if res.Hostile {
			status += "*"
		}
		rows = append(rows, []string{res.ID, status, fmt.Sprintf("%.2fs", res.Duration.Seconds()), res.Spec, res.Title})
	}
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	writeRow := func(cells []string) {
		for i, cell := range cells {
			if i == len(cells)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
		}
		b.WriteByte('\n')
	}
	writeRow(headers)
	for i, row := range rows {
		writeRow(row)
		res := r.Results[i]
		if res.Reason != "" {
			for _, line := range strings.Split(res.Reason, "\n") {
				b.WriteString("    ")
				b.WriteString(line)
				b.WriteByte('\n')
			}
		}
		if evidence && res.Status == StatusFail {
			for _, ev := range res.Evidence {
				b.WriteString("      ")
				b.WriteString(ev.String())
				b.WriteByte('\n')
			}
		}
	}
	s := r.Summary()
	fmt.Fprintf(&b, "\n%d scenarios: %d pass, %d fail, %d skip", len(r.Results), s.Pass, s.Fail, s.Skip)
	if s.Hostile > 0 {
		fmt.Fprintf(&b, " (%d hostile, marked *)", s.Hostile)
	}
	if r.Duration > 0 {
		fmt.Fprintf(&b, " in %.1fs", r.Duration.Seconds())
	}
	if r.Provider != "" {
		fmt.Fprintf(&b, " against %s", r.Provider)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// String renders the evidence on one line.
func (ev Evidence) String() string {
	if ev.Note != "" {
		return "note: " + strings.ReplaceAll(ev.Note, "\n", " | ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", ev.Method, ev.URL)
	if ev.Authorization != "" {
		fmt.Fprintf(&b, " [Authorization: %s]", ev.Authorization)
	}
	if len(ev.Form) > 0 {
		b.WriteString(" form=")
		for i, k := range slices.Sorted(maps.Keys(ev.Form)) {
			for j, v := range ev.Form[k] {
				if i > 0 || j > 0 {
					b.WriteByte('&')
				}
				b.WriteString(k + "=" + v)
			}
		}
	}
	if ev.Error != "" {
		fmt.Fprintf(&b, " -> error: %s", ev.Error)
	} else {
		fmt.Fprintf(&b, " -> %d", ev.Status)
	}
	if ev.Body != "" {
		fmt.Fprintf(&b, " %s", ev.Body)
	}
	return b.String()
}

// jsonReport and jsonResult are the JSON form of a report.
type jsonReport struct {
	Provider   string       `json:"provider,omitempty"`
	Started    time.Time    `json:"started"`
	DurationMS int64        `json:"duration_ms"`
	Summary    Summary      `json:"summary"`
	Scenarios  []jsonResult `json:"scenarios"`
}

type jsonResult struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Spec       string     `json:"spec"`
	Status     Status     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	Hostile    bool       `json:"hostile"`
	Evidence   []Evidence `json:"evidence"`
}

// WriteJSON writes the report as one JSON object: the provider, the start
// time, the wall time in milliseconds, the counts, and "scenarios", an
// array with one object per scenario (id, title, spec, status, reason,
// duration_ms, hostile, evidence).
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{
		Provider:   r.Provider,
		Started:    r.Started,
		DurationMS: r.Duration.Milliseconds(),
		Summary:    r.Summary(),
		Scenarios:  make([]jsonResult, 0, len(r.Results)),
	}
	for _, res := range r.Results {
		ev := res.Evidence
		if ev == nil {
			ev = []Evidence{}
		}
		out.Scenarios = append(out.Scenarios, jsonResult{
			ID: res.ID, Title: res.Title, Spec: res.Spec, Status: res.Status, Reason: res.Reason,
			DurationMS: res.Duration.Milliseconds(), Hostile: res.Hostile, Evidence: ev,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// JUnit XML, in the shape CI systems read (the Ant/Maven surefire schema).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one test suite, one test case
// per scenario named by its ID (class "conformance", or
// "conformance.hostile" for hostile scenarios), a failure or skipped
// element carrying the reason, and the evidence as system-out.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := r.Summary()
	suite := junitSuite{
		Name:     "oauthkit conformance",
		Tests:    len(r.Results),
		Failures: s.Fail,
		Skipped:  s.Skip,
		Time:     seconds(r.Duration),
	}
	if !r.Started.IsZero() {
		suite.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	if r.Provider != "" {
		suite.Properties = []junitProperty{{Name: "provider", Value: xmlSafe(r.Provider)}}
	}
	for _, res := range r.Results {
		c := junitCase{
			Name:      xmlSafe(res.ID),
			Classname: "conformance",
			Time:      seconds(res.Duration),
		}
		if res.Hostile {
			c.Classname = "conformance.hostile"
		}
		reason := xmlSafe(res.Reason)
		switch res.Status {
		case StatusFail:
			c.Failure = &junitMessage{Message: firstLine(reason), Type: "fail", Text: reason}
		case StatusSkip:
			c.Skipped = &junitMessage{Message: reason}
		}
		var out strings.Builder
		fmt.Fprintf(&out, "%s (%s)\n", xmlSafe(res.Title), xmlSafe(res.Spec))
		for _, ev := range res.Evidence {
			out.WriteString(xmlSafe(ev.String()))
			out.WriteByte('\n')
		}
		c.SystemOut = out.String()
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{
		Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// xmlSafe drops the characters XML 1.0 cannot carry at all (most control
// characters, invalid UTF-8), which a hostile server may have put in an
// error description.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r == 0xFFFE, r == 0xFFFF:
			return -1
		case r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, s)
}
