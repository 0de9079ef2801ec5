package conformance

import (
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// WriteHTML writes the report as one self-contained HTML page: its styles
// and its one small script are inline, it loads nothing (a
// Content-Security-Policy forbids any fetch), and the URLs in the evidence
// are text, never links. The page has a summary by kind of scenario and
// by specification and status, filter buttons by status, and one
// expandable section per scenario (failed ones open) with its reason and
// every exchange it recorded: the request line, headers and form, the
// status, the response headers and body, secrets redacted, one after the
// other as a notebook shows requests.
func (r *Report) WriteHTML(w io.Writer) error {
	kinds := map[string]*Summary{}
	for _, res := range r.Results {
		k := res.Kind
		if k == "" {
			k = KindAny
			if res.Hostile {
				k = KindHostile
			}
		}
		if kinds[k] == nil {
			kinds[k] = &Summary{}
		}
		kinds[k].add(res)
	}
	var byKind []SpecSummary
	for _, k := range []string{KindAny, KindKeycloak, KindHostile} {
		if s := kinds[k]; s != nil {
			byKind = append(byKind, SpecSummary{Spec: kindTitle(k), Summary: *s})
		}
	}
	var groups []htmlGroup
	for _, res := range r.Results {
		title := kindTitle(res.Kind)
		if res.Kind == "" && res.Hostile {
			title = kindTitle(KindHostile)
		}
		if len(groups) == 0 || groups[len(groups)-1].Title != title {
			groups = append(groups, htmlGroup{Title: title})
		}
		g := &groups[len(groups)-1]
		g.Results = append(g.Results, res)
	}
	data := htmlReport{
		Report:   r,
		Summary:  r.Summary(),
		ByKind:   byKind,
		BySpec:   r.BySpec(),
		Groups:   groups,
		Statuses: Statuses(),
	}
	return htmlTemplate.Execute(w, data)
}

type htmlReport struct {
	*Report
	Summary  Summary
	ByKind   []SpecSummary
	BySpec   []SpecSummary
	Groups   []htmlGroup
	Statuses []Status
}

// htmlGroup is a run of results of one kind, shown under one heading.
type htmlGroup struct {
	Title   string
	Results []Result
}

func kindTitle(k string) string {
	switch k {
	case KindKeycloak:
		return "Keycloak only"
	case KindHostile:
		return "oauthkit against hostile servers"
	}
	return "any provider"
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"count":   func(s Summary, st Status) int { return s.Count(st) },
	"seconds": func(r Result) string { return fmt.Sprintf("%.2fs", r.Duration.Seconds()) },
	"upper":   func(s Status) string { return strings.ToUpper(string(s)) },
	"kind":    kindTitle,
	"headers": func(h http.Header) [][2]string {
		var out [][2]string
		for _, k := range slices.Sorted(maps.Keys(h)) {
			for _, v := range h[k] {
				out = append(out, [2]string{k, v})
			}
		}
		return out
	},
	"form": func(f map[string][]string) [][2]string {
		var out [][2]string
		for _, k := range slices.Sorted(maps.Keys(f)) {
			for _, v := range f[k] {
				out = append(out, [2]string{k, v})
			}
		}
		return out
	},
	"open": func(st Status) bool { return st == StatusFail },
	"statusText": func(code int) string {
		if t := http.StatusText(code); t != "" {
			return fmt.Sprintf("%d %s", code, t)
		}
		return fmt.Sprint(code)
	},
}).Parse(htmlPage))

const htmlPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>oauthkit conformance: {{.Provider}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 4rem; color: #1d2330; background: #fbfbfd; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
.meta { color: #555; }
table.counts { border-collapse: collapse; margin: .3rem 0 1rem; }
table.counts th, table.counts td { border: 1px solid #dde; padding: .2rem .6rem; text-align: right; }
table.counts th:first-child, table.counts td:first-child { text-align: left; }
.badge { display: inline-block; min-width: 4.8rem; text-align: center; border-radius: .3rem; padding: 0 .4rem; font-weight: 600; font-size: .8rem; color: #fff; }
.st-pass .badge, .badge.st-pass { background: #21803a; }
.st-fail .badge, .badge.st-fail { background: #c0262d; }
.st-skip .badge, .badge.st-skip { background: #7b8090; }
.st-warning .badge, .badge.st-warning { background: #b86e00; }
.st-review .badge, .badge.st-review { background: #4657c4; }
.filters button { margin: 0 .3rem .3rem 0; border: 1px solid #bbc; background: #fff; border-radius: .3rem; padding: .15rem .6rem; cursor: pointer; }
.filters button.on { background: #1d2330; color: #fff; }
details.scenario { background: #fff; border: 1px solid #dde; border-radius: .4rem; margin: .35rem 0; }
details.scenario > summary { cursor: pointer; padding: .35rem .6rem; list-style-position: inside; }
details.scenario > div { padding: .2rem 1rem .8rem; border-top: 1px solid #eef; }
.id { font-family: ui-monospace, monospace; font-weight: 600; }
.spec, .time, .module { color: #666; font-size: .85rem; }
.reason { white-space: pre-wrap; background: #fff4f4; border-left: 3px solid #c0262d; padding: .3rem .6rem; }
.st-warning .reason { background: #fff8ec; border-color: #b86e00; }
.st-review .reason { background: #f1f3ff; border-color: #4657c4; }
.st-skip .reason { background: #f4f4f6; border-color: #7b8090; }
.exchange { border: 1px solid #e4e6ef; border-radius: .3rem; margin: .5rem 0; }
.exchange .req, .exchange .res { padding: .3rem .6rem; }
.exchange .res { border-top: 1px dashed #dde; background: #fafbff; }
.line { font-family: ui-monospace, monospace; font-size: .85rem; word-break: break-all; font-weight: 600; }
table.kv { border-collapse: collapse; font-family: ui-monospace, monospace; font-size: .8rem; margin: .2rem 0; }
table.kv td { padding: 0 .6rem 0 0; vertical-align: top; word-break: break-all; }
table.kv td:first-child { color: #555; white-space: nowrap; }
pre { white-space: pre-wrap; word-break: break-all; font-size: .8rem; margin: .3rem 0; background: #f6f7fb; padding: .3rem .5rem; }
.note { font-style: italic; color: #444; margin: .3rem 0; }
.hidden { display: none; }
h3.group { font-size: 1rem; margin: 1.2rem 0 .3rem; color: #333; }
</style>
</head>
<body>
<h1>oauthkit conformance report</h1>
<p class="meta">Provider: <strong>{{.Provider}}</strong>{{if .Issuer}} · issuer <code>{{.Issuer}}</code>{{end}}<br>
{{if not .Started.IsZero}}Started {{.Started.UTC.Format "2006-01-02 15:04:05 UTC"}} · {{end}}{{printf "%.1f" .Duration.Seconds}}s · {{len .Results}} scenarios</p>
<p id="totals">{{range .Statuses}}<span class="badge st-{{.}}">{{upper .}} {{count $.Summary .}}</span> {{end}}</p>

<h2>By kind</h2>
<table class="counts" id="by-kind"><tr><th>kind</th>{{range .Statuses}}<th>{{.}}</th>{{end}}</tr>
{{range .ByKind}}<tr><td>{{.Spec}}</td>{{$s := .Summary}}{{range $.Statuses}}<td>{{count $s .}}</td>{{end}}</tr>
{{end}}</table>

<h2>By specification</h2>
<table class="counts" id="by-spec"><tr><th>specification</th>{{range .Statuses}}<th>{{.}}</th>{{end}}</tr>
{{range .BySpec}}<tr><td>{{.Spec}}</td>{{$s := .Summary}}{{range $.Statuses}}<td>{{count $s .}}</td>{{end}}</tr>
{{end}}</table>

<h2>Scenarios</h2>
<div class="filters" id="filters"><button type="button" class="on" data-filter="all">all</button>{{range .Statuses}}<button type="button" data-filter="{{.}}">{{.}}</button>{{end}}</div>
{{range .Groups}}<h3 class="group">Scenarios for {{.Title}} ({{len .Results}})</h3>
{{range .Results}}
<details class="scenario st-{{.Status}}" id="scenario-{{.ID}}" data-status="{{.Status}}" data-kind="{{.Kind}}"{{if open .Status}} open{{end}}>
<summary><span class="badge">{{upper .Status}}</span> <span class="id">{{.ID}}</span> {{.Title}} <span class="spec">{{.Spec}}</span>{{if .Module}} <span class="module">[{{.Module}}]</span>{{end}} <span class="time">{{seconds .}}</span></summary>
<div>
<p class="spec">{{kind .Kind}}{{if .Hostile}} · hostile server{{end}}</p>
{{if .Reason}}<div class="reason">{{.Reason}}</div>{{end}}
{{range .Evidence}}{{if .Note}}<p class="note">{{.Note}}</p>{{else}}
<div class="exchange">
<div class="req"><div class="line">{{.Method}} {{.URL}}</div>
{{with headers .RequestHeader}}<table class="kv">{{range .}}<tr><td>{{index . 0}}:</td><td>{{index . 1}}</td></tr>{{end}}</table>{{else}}{{if .Authorization}}<table class="kv"><tr><td>Authorization:</td><td>{{.Authorization}}</td></tr></table>{{end}}{{end}}
{{with form .Form}}<table class="kv form">{{range .}}<tr><td>{{index . 0}}=</td><td>{{index . 1}}</td></tr>{{end}}</table>{{end}}
</div>
<div class="res">{{if .Error}}<div class="line">error: {{.Error}}</div>{{else}}<div class="line">HTTP {{statusText .Status}} <span class="time">{{.DurationMS}} ms</span></div>{{end}}
{{with headers .ResponseHeader}}<table class="kv">{{range .}}<tr><td>{{index . 0}}:</td><td>{{index . 1}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<pre>{{.Body}}</pre>{{end}}
</div>
</div>{{end}}{{else}}<p class="note">no exchanges recorded</p>{{end}}
</div>
</details>{{end}}{{end}}
<script>
(function () {
  var buttons = document.querySelectorAll('#filters button');
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var f = b.getAttribute('data-filter');
      buttons.forEach(function (o) { o.classList.toggle('on', o === b); });
      document.querySelectorAll('details.scenario').forEach(function (d) {
        d.classList.toggle('hidden', f !== 'all' && d.getAttribute('data-status') !== f);
      });
    });
  });
})();
</script>
</body>
</html>
`
