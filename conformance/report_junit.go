package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

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
// per scenario named by its ID (class "conformance.any",
// "conformance.keycloak" or "conformance.hostile" by its kind), a failure
// or skipped element carrying the reason, and the evidence as system-out.
// A warning or a scenario for review is a passing test case whose
// system-out begins with "WARNING: " or "REVIEW: " and the reason.
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
			Classname: "conformance." + res.Kind,
			Time:      seconds(res.Duration),
		}
		if res.Kind == "" {
			c.Classname = "conformance"
			if res.Hostile {
				c.Classname = "conformance.hostile"
			}
		}
		reason := xmlSafe(res.Reason)
		switch res.Status {
		case StatusFail:
			c.Failure = &junitMessage{Message: firstLine(reason), Type: "fail", Text: reason}
		case StatusSkip:
			c.Skipped = &junitMessage{Message: reason}
		}
		var out strings.Builder
		if res.Status == StatusWarning || res.Status == StatusReview {
			// JUnit knows only pass, failure and skipped: a warning or a
			// scenario for review passes, its status said first.
			fmt.Fprintf(&out, "%s: %s\n", strings.ToUpper(string(res.Status)), reason)
		}
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
