package conformance

import (
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
	// Issuer is the target's issuer identifier, when there is a target.
	Issuer string
	// Results holds one result per scenario, in catalogue order.
	Results []Result
}

// Summary counts results by status.
type Summary struct {
	Pass    int `json:"pass"`
	Fail    int `json:"fail"`
	Skip    int `json:"skip"`
	Warning int `json:"warning"`
	Review  int `json:"review"`
	Hostile int `json:"hostile"`
}

func (s *Summary) add(res Result) {
	switch res.Status {
	case StatusPass:
		s.Pass++
	case StatusFail:
		s.Fail++
	case StatusSkip:
		s.Skip++
	case StatusWarning:
		s.Warning++
	case StatusReview:
		s.Review++
	}
	if res.Hostile {
		s.Hostile++
	}
}

// Count returns the number of results of status st.
func (s Summary) Count(st Status) int {
	switch st {
	case StatusPass:
		return s.Pass
	case StatusFail:
		return s.Fail
	case StatusSkip:
		return s.Skip
	case StatusWarning:
		return s.Warning
	case StatusReview:
		return s.Review
	}
	return 0
}

// Summary counts the report's results by status.
func (r *Report) Summary() Summary {
	var s Summary
	for _, res := range r.Results {
		s.add(res)
	}
	return s
}

// SpecSummary counts the results of the scenarios that cite one
// specification.
type SpecSummary struct {
	// Spec names the specification, e.g. "RFC 6749" or "OpenID Connect
	// Core 1.0".
	Spec string `json:"spec"`
	Summary
}

// BySpec counts the results by the specifications their scenarios cite,
// in order of first citation. A scenario citing several specifications
// counts for each.
func (r *Report) BySpec() []SpecSummary {
	var out []SpecSummary
	index := map[string]int{}
	for _, res := range r.Results {
		for _, spec := range Specifications(res.Spec) {
			i, ok := index[spec]
			if !ok {
				i = len(out)
				index[spec] = i
				out = append(out, SpecSummary{Spec: spec})
			}
			out[i].add(res)
		}
	}
	return out
}

// Specifications returns the names of the specifications a Spec field
// cites: "RFC 6749 §4.1, RFC 7636 §4; OpenID Connect Core 1.0 §3" gives
// "RFC 6749", "RFC 7636" and "OpenID Connect Core 1.0".
func Specifications(spec string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.TrimSpace(part)
		name, _, _ := strings.Cut(part, "§")
		name = strings.TrimSpace(name)
		if name == "" || strings.HasPrefix(name, "step") {
			continue
		}
		name = strings.TrimSuffix(name, " steps")
		name = strings.TrimSuffix(name, " step")
		if name == "OIDC Core" {
			name = "OpenID Connect Core 1.0"
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// Failed reports whether any scenario failed.
func (r *Report) Failed() bool { return r.Summary().Fail > 0 }

// WriteText writes a table with one row per scenario (ID, status, time,
// specification, title), the reason under each failed or skipped row, and
// a summary line. With evidence set, the evidence of each scenario that
// failed, warned or needs review follows its reason.
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
		if evidence && (res.Status == StatusFail || res.Status == StatusWarning || res.Status == StatusReview) {
			for _, ev := range res.Evidence {
				b.WriteString("      ")
				b.WriteString(ev.String())
				b.WriteByte('\n')
			}
		}
	}
	s := r.Summary()
	fmt.Fprintf(&b, "\n%d scenarios: %d pass, %d fail, %d skip", len(r.Results), s.Pass, s.Fail, s.Skip)
	if s.Warning > 0 || s.Review > 0 {
		fmt.Fprintf(&b, ", %d warning, %d review", s.Warning, s.Review)
	}
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
