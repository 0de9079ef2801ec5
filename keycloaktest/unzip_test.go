package keycloaktest

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

type zipEntry struct {
	name string
	mode fs.FileMode
	body string
}

func writeZip(t *testing.T, entries []zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(e.body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "dist.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnzipDistribution_StripsTopDirectoryKeepsExecBit(t *testing.T) {
	src := writeZip(t, []zipEntry{
		{"keycloak-1.0/", fs.ModeDir | 0o755, ""},
		{"keycloak-1.0/bin/", fs.ModeDir | 0o755, ""},
		{"keycloak-1.0/bin/kc.sh", 0o755, "#!/bin/sh\n"},
		{"keycloak-1.0/version.txt", 0o644, "Keycloak - Version 1.0\n"},
	})
	dst := filepath.Join(t.TempDir(), "out")
	if err := unzipDistribution(src, dst); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dst, "bin", "kc.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("kc.sh mode %v: executable bit lost", fi.Mode())
	}
	if got := homeVersion(dst); got != "1.0" {
		t.Errorf("version = %q, want 1.0", got)
	}
}

func TestUnzipDistribution_RefusesUnsafeEntries(t *testing.T) {
	cases := map[string]zipEntry{
		"parent":       {"keycloak-1.0/../../evil.sh", 0o644, "x"},
		"absolute":     {"/etc/evil", 0o644, "x"},
		"backslash":    {"keycloak-1.0\\..\\evil", 0o644, "x"},
		"symlink":      {"keycloak-1.0/bin/link", fs.ModeSymlink | 0o777, "/etc/passwd"},
		"outside top":  {"other/file", 0o644, "x"},
		"root file":    {"keycloak-file", 0o644, "x"},
		"dot segments": {"keycloak-1.0/./x", 0o644, "x"},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			src := writeZip(t, []zipEntry{{"keycloak-1.0/", fs.ModeDir | 0o755, ""}, e})
			parent := t.TempDir()
			err := unzipDistribution(src, filepath.Join(parent, "out"))
			if !errors.Is(err, ErrUnsafeArchive) {
				t.Fatalf("err = %v, want ErrUnsafeArchive", err)
			}
			if _, err := os.Stat(filepath.Join(parent, "evil.sh")); err == nil {
				t.Fatal("file written outside the target directory")
			}
		})
	}
}

func FuzzArchiveEntryPath(f *testing.F) {
	for _, s := range []string{"keycloak-1/", "keycloak-1/bin/kc.sh", "keycloak-1/../x", "/abs", "a\\b", "keycloak-1//x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		rel, err := archiveEntryPath(name)
		if err != nil {
			return
		}
		if filepath.IsAbs(rel) || !filepath.IsLocal(filepath.FromSlash(rel)) && rel != "" {
			t.Fatalf("archiveEntryPath(%q) = %q escapes the target", name, rel)
		}
	})
}
