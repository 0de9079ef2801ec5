package keycloaktest

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits of unzipDistribution; the Keycloak 26 archive holds about 500
// files and 200 MB.
const (
	maxArchiveFiles = 20000
	maxArchiveBytes = 2 << 30
)

// unzipDistribution unpacks the archive at src into dst, stripping the
// single top-level directory ("keycloak-26.7.3/") every entry shares.
// It refuses absolute names, ".." components, links and device files
// ("zip slip"), and stops at maxArchiveFiles entries or maxArchiveBytes of
// content. dst must not exist yet.
func unzipDistribution(src, dst string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	if len(r.File) > maxArchiveFiles {
		return fmt.Errorf("%w: %d entries", ErrUnsafeArchive, len(r.File))
	}
	if err := os.Mkdir(dst, 0o755); err != nil {
		return err
	}
	var written int64
	for _, f := range r.File {
		rel, err := archiveEntryPath(f.Name)
		if err != nil {
			return err
		}
		if rel == "" {
			continue // the top-level directory itself
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		case !mode.IsRegular():
			return fmt.Errorf("%w: %q is not a regular file or directory", ErrUnsafeArchive, f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		n, err := extractFile(f, target, maxArchiveBytes-written)
		if err != nil {
			return err
		}
		written += n
	}
	return nil
}

// archiveEntryPath validates an entry name and returns it relative to the
// top-level directory, in slash form.
func archiveEntryPath(name string) (string, error) {
	if name == "" || strings.Contains(name, "\\") || strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%w: entry name %q", ErrUnsafeArchive, name)
	}
	for _, part := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if part == ".." || part == "." || part == "" {
			return "", fmt.Errorf("%w: entry name %q", ErrUnsafeArchive, name)
		}
	}
	clean := path.Clean(name)
	top, rest, found := strings.Cut(clean, "/")
	if !strings.HasPrefix(top, "keycloak") {
		return "", fmt.Errorf("%w: entry %q outside the keycloak-* directory", ErrUnsafeArchive, name)
	}
	if !found {
		if strings.HasSuffix(name, "/") {
			return "", nil
		}
		return "", fmt.Errorf("%w: file %q at the archive root", ErrUnsafeArchive, name)
	}
	return rest, nil
}

// extractFile copies one entry to target, keeping its executable bits, and
// fails once more than budget bytes come out of it.
func extractFile(f *zip.File, target string, budget int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	perm := os.FileMode(0o644)
	if f.Mode()&0o111 != 0 {
		perm = 0o755
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if n > budget {
		return n, fmt.Errorf("%w: more than %d bytes unpacked", ErrUnsafeArchive, int64(maxArchiveBytes))
	}
	return n, nil
}
