package conformance

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// htmlSample is sampleReport with a warning, a scenario for review and an
// exchange with headers, so that every part of the page is drawn.
func htmlSample() *Report {
	r := sampleReport()
	r.Issuer = "http://127.0.0.1:8080/realms/demo"
	r.Results[0].Kind = KindKeycloak
	r.Results[1].Kind = KindKeycloak
	r.Results[2].Kind = KindHostile
	r.Results = append(r.Results,
		Result{ID: "oidcc-scope-phone", Module: "oidcc-scope-phone", Kind: KindAny, Title: "scope phone", Spec: "OpenID Connect Core 1.0 §5.4",
			Status: StatusWarning, Reason: "none of the claims of scope phone came back", Duration: 300 * time.Millisecond,
			Evidence: []Evidence{{Method: "GET", URL: "http://127.0.0.1:8080/realms/demo/protocol/openid-connect/userinfo",
				RequestHeader:  http.Header{"Authorization": {"Bearer [redacted]"}, "Accept": {"application/json"}},
				Status:         200,
				ResponseHeader: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"[redacted]"}},
				Body:           `{"sub":"c0ffee","email":"alice@example.org"}`}}},
		Result{ID: "oidcc-ui-locales", Module: "oidcc-ui-locales", Kind: KindAny, Title: "ui_locales", Spec: "OpenID Connect Core 1.0 §3.1.2.1",
			Status: StatusReview, Reason: "the pages' language needs a person",
			Evidence: []Evidence{{Method: "POST", URL: "http://127.0.0.1:8080/realms/demo/protocol/openid-connect/token",
				Form: url.Values{"grant_type": {"authorization_code"}, "code": {"[redacted]"}}, Status: 200, Body: `{"access_token":"[redacted]"}`}}},
	)
	return r
}

func TestWriteHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := htmlSample().WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`http-equiv="Content-Security-Policy" content="default-src 'none';`,
		`id="scenario-seed-password"`, `id="scenario-err-wrong-secret"`, `id="scenario-TE-01"`,
		`id="scenario-oidcc-scope-phone"`, `id="scenario-oidcc-ui-locales"`,
		"error inside 200 &lt;&amp;&gt;",          // titles are escaped
		"[oidcc-scope-phone]",                     // the module name is shown
		"<td>Set-Cookie:</td><td>[redacted]</td>", // response headers
		"<td>grant_type=</td><td>authorization_code</td>",
		`class="scenario st-fail" id="scenario-err-wrong-secret" data-status="fail" data-kind="keycloak" open>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Nothing is loaded or linked: no src, href or url() at all.
	for _, re := range []string{`(?i)\ssrc=`, `(?i)\shref=`, `(?i)url\(`, `(?i)@import`} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("page matches %s: it would load or link something", re)
		}
	}
}

// TestWriteHTMLInChromium renders the report in headless Chromium: the
// screenshot is a picture with more than one colour, and the DOM after the
// page's script ran holds every scenario and its evidence. Without
// Chromium the test skips, saying so; with $OAUTHKIT_REQUIRE_BROWSER set it
// fails instead.
func TestWriteHTMLInChromium(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		msg := "headless Chromium not found (install the Debian packages chromium and chromium-driver)"
		if os.Getenv("OAUTHKIT_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + "; $OAUTHKIT_REQUIRE_BROWSER is set")
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	r := htmlSample()
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
			"--user-data-dir=" + filepath.Join(dir, "profile"), "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,1600"}
		cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", browser, strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	fileURL := (&url.URL{Scheme: "file", Path: page}).String()

	shot := filepath.Join(dir, "report.png")
	run("--screenshot="+shot, fileURL)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if colours(img) < 5 {
		t.Errorf("the screenshot has %d colours: the page did not render", colours(img))
	}
	if dst := os.Getenv("OAUTHKIT_SCREENSHOT"); dst != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(dst, data, 0o644)
	}

	dom := string(run("--dump-dom", fileURL))
	for _, res := range r.Results {
		if !strings.Contains(dom, `id="scenario-`+res.ID+`"`) {
			t.Errorf("the DOM lacks the scenario %s", res.ID)
		}
		for _, ev := range res.Evidence {
			want := ev.URL
			if ev.Note != "" {
				want = ev.Note
			}
			if !strings.Contains(dom, want) {
				t.Errorf("the DOM lacks the evidence %q of %s", want, res.ID)
			}
		}
	}
	if !strings.Contains(dom, `{"sub":"c0ffee","email":"alice@example.org"}`) {
		t.Error("the DOM lacks a response body")
	}
}

// findChromium returns the path of a Chromium binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// colours counts the distinct colours of img, up to 1000, sampling every
// fourth pixel.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
