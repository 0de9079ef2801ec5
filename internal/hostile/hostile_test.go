package hostile

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// moduleRoot is the root of the module, two levels above this package.
const moduleRoot = "../.."

var (
	// "TE-01" in prose, comments and strings.
	dashedID = regexp.MustCompile(`[A-Z]{2}-[0-9]{2}`)
	// "TE01" inside an identifier: TestToken_TE02_MissingAccessToken.
	compactID = regexp.MustCompile(`_[A-Z]{2}[0-9]{2}`)
	// "jw-01-alg-none": a conformance scenario ID.
	scenarioID = regexp.MustCompile(`"[a-z]{2}-[0-9]{2}[-"]`)
)

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// citedIDs returns the catalogue IDs that text cites, in their "TE-01" form:
// whole words only, so that "ML-DSA-44" or "UTF-16" cite nothing.
func citedIDs(text string) []string {
	var ids []string
	for _, m := range dashedID.FindAllStringIndex(text, -1) {
		i, j := m[0], m[1]
		if (i > 0 && isAlnum(text[i-1])) || (j < len(text) && isDigit(text[j])) {
			continue
		}
		ids = append(ids, text[i:j])
	}
	for _, m := range compactID.FindAllStringIndex(text, -1) {
		if j := m[1]; j < len(text) && isDigit(text[j]) {
			continue // _ES256, _HS512: algorithms, not IDs
		}
		id := text[m[0]+1 : m[1]]
		ids = append(ids, id[:2]+"-"+id[2:])
	}
	for _, m := range scenarioID.FindAllString(text, -1) {
		ids = append(ids, strings.ToUpper(m[1:6]))
	}
	return ids
}

// goFiles calls f with the path (relative to the module root, with forward
// slashes) and content of every Go file of the repository.
func goFiles(t *testing.T, f func(path, text string)) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(moduleRoot, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != moduleRoot && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(moduleRoot, path)
		f(filepath.ToSlash(rel), string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every ID a Go file of the module cites, in a test name, a comment or a
// scenario ID, is in the catalogue.
func TestCatalogueHasEveryCitedID(t *testing.T) {
	files := 0
	goFiles(t, func(path, text string) {
		files++
		if path == "internal/hostile/hostile_test.go" {
			return // its TestCitedIDs cites unknown IDs on purpose
		}
		for _, id := range citedIDs(text) {
			if _, ok := Lookup(id); !ok {
				t.Errorf("%s cites %s, which the hostile catalogue (internal/hostile/cases.go) lacks", path, id)
			}
		}
	})
	if files < 50 {
		t.Fatalf("walked only %d Go files: wrong module root?", files)
	}
}

// Each directory a case names in TestedIn cites the case's ID, so that
// "where it is tested" stays true.
func TestCatalogueTestedInIsTrue(t *testing.T) {
	cited := map[string]map[string]bool{} // ID → directories citing it
	goFiles(t, func(path, text string) {
		if strings.HasPrefix(path, "internal/hostile/") {
			return
		}
		for _, id := range citedIDs(text) {
			if cited[id] == nil {
				cited[id] = map[string]bool{}
			}
			for dir := filepath.ToSlash(filepath.Dir(path)); dir != "."; dir = filepath.ToSlash(filepath.Dir(dir)) {
				cited[id][dir] = true
			}
		}
	})
	for _, c := range Cases() {
		for _, dir := range c.TestedIn {
			if !cited[c.ID][dir] {
				t.Errorf("%s: TestedIn names %s, where no Go file cites %s", c.ID, dir, c.ID)
			}
		}
	}
}

func TestCatalogueWellFormed(t *testing.T) {
	cases := Cases()
	if len(cases) == 0 {
		t.Fatal("empty catalogue")
	}
	id := regexp.MustCompile(`^[A-Z]{2}-[0-9]{2}$`)
	seen := map[string]bool{}
	var ids []string
	for _, c := range cases {
		if !id.MatchString(c.ID) {
			t.Errorf("%q: not an ID of the form TE-01", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("%s: listed twice", c.ID)
		}
		seen[c.ID] = true
		ids = append(ids, c.ID)
		if c.Area().Title() == string(c.Area()) {
			t.Errorf("%s: unknown area %q", c.ID, c.Area())
		}
		if c.Title == "" || c.Server == "" || c.Client == "" || len(c.Specs) == 0 || len(c.TestedIn) == 0 {
			t.Errorf("%s: an empty field: %+v", c.ID, c)
		}
	}
	// Ordered by area as the catalogue lists them, then by number.
	order := []Area{TokenEndpoint, JOSE, OIDC, Transport, Discovery, DPoP, FAPI, Registration, Resource, JWE, CIBA}
	if !slices.IsSortedFunc(cases, func(a, b Case) int {
		if d := slices.Index(order, a.Area()) - slices.Index(order, b.Area()); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	}) {
		t.Errorf("cases out of order: %v", ids)
	}
	if c, ok := Lookup("jw-01"); !ok || c.ID != "JW-01" {
		t.Errorf("Lookup(jw-01) = %+v, %v", c, ok)
	}
	// Cases returns a fresh slice each time.
	cases[0].ID = "changed"
	if Cases()[0].ID == "changed" {
		t.Error("Cases returned shared state")
	}
}

func TestCitedIDs(t *testing.T) {
	text := `// HT-08, TE-06 and XX-99 (see HOSTILE); ML-DSA-44, UTF-16, SHA-256, TE-0123
func TestToken_TE02_Missing(t *testing.T) {}
func TestSign_ES256(t *testing.T) {}
var _ = Scenario{ID: "jw-01-alg-none"}
var _ = "TE-01/TE-03"`
	got := citedIDs(text)
	slices.Sort(got)
	want := []string{"HT-08", "JW-01", "TE-01", "TE-02", "TE-03", "TE-06", "XX-99"}
	if !slices.Equal(got, want) {
		t.Errorf("citedIDs = %v, want %v", got, want)
	}
	if _, ok := Lookup("XX-99"); ok {
		t.Error("the catalogue knows XX-99")
	}
}
