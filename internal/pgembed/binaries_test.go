package pgembed

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// fakeBinaries makes dir hold empty executables with the given names.
func fakeBinaries(t *testing.T, dir string, names ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSearchBinariesOrder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	all := serverBinaries()

	incomplete := fakeBinaries(t, filepath.Join(root, "path1"), "initdb", "pg_ctl")
	inPath := fakeBinaries(t, filepath.Join(root, "path2"), all...)
	notExecutable := filepath.Join(root, "path3")
	fakeBinaries(t, notExecutable, all...)
	if err := os.Chmod(filepath.Join(notExecutable, "postgres"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"9.6", "15", "17", "10"} {
		fakeBinaries(t, filepath.Join(root, "usr/lib/postgresql", v, "bin"), all...)
	}
	fakeBinaries(t, filepath.Join(root, "usr/lib/postgresql/18/bin"), "initdb") // incomplete
	fakeBinaries(t, filepath.Join(root, "usr/local/pgsql/bin"), all...)
	for _, v := range []string{"14", "16"} {
		fakeBinaries(t, filepath.Join(root, "opt/homebrew/opt/postgresql@"+v, "bin"), all...)
	}
	fakeBinaries(t, filepath.Join(root, "usr/local/opt/postgresql@15/bin"), all...)
	fakeBinaries(t, filepath.Join(root, "opt/homebrew/bin"), all...)

	var patterns []string
	for _, p := range searchPatterns() {
		patterns = append(patterns, filepath.Join(root, p))
	}
	pathList := strings.Join([]string{incomplete, "relative/bin", "", notExecutable, inPath}, string(os.PathListSeparator))

	got := searchBinaries(pathList, patterns)
	want := []string{
		inPath,
		filepath.Join(root, "usr/lib/postgresql/17/bin"),
		filepath.Join(root, "usr/lib/postgresql/15/bin"),
		filepath.Join(root, "usr/lib/postgresql/10/bin"),
		filepath.Join(root, "usr/lib/postgresql/9.6/bin"),
		filepath.Join(root, "usr/local/pgsql/bin"),
		filepath.Join(root, "opt/homebrew/opt/postgresql@16/bin"),
		filepath.Join(root, "opt/homebrew/opt/postgresql@14/bin"),
		filepath.Join(root, "usr/local/opt/postgresql@15/bin"),
		filepath.Join(root, "opt/homebrew/bin"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("search order:\n got %q\nwant %q", got, want)
	}

	if got := searchBinaries("", patterns[:1]); len(got) == 0 || got[0] != want[1] {
		t.Errorf("without PATH the newest Debian version comes first, got %q", got)
	}
	if got := searchBinaries(incomplete, nil); len(got) != 0 {
		t.Errorf("a folder without postgres counted: %q", got)
	}
}

func TestFindBinariesOnThisMachine(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if !hasServerBinaries(dir) {
		t.Fatalf("FindBinaries returned %s, which lacks a server binary", dir)
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		nums  []int
		major string
	}{
		{"17", []int{17}, "17"},
		{"9.6", []int{9, 6}, "9.6"},
		{"9.6.24", []int{9, 6, 24}, "9.6"},
		{"15.20", []int{15, 20}, "15"},
		{"postgresql@16", []int{16}, "16"},
		{"16beta1", []int{16}, "16"},
		{"bin", nil, ""},
	}
	for _, c := range cases {
		if got := versionNumbers(c.in); !slices.Equal(got, c.nums) {
			t.Errorf("versionNumbers(%q) = %v, want %v", c.in, got, c.nums)
		}
		if got := majorVersion(c.in); got != c.major {
			t.Errorf("majorVersion(%q) = %q, want %q", c.in, got, c.major)
		}
	}
}

func TestConnStringRoundTrips(t *testing.T) {
	t.Parallel()
	for _, sock := range []string{"/tmp/pgembed-abc", `/tmp/with space/it's/a\b`} {
		c := &Cluster{socketDir: sock}
		cfg, err := pgconn.ParseConfig(c.ConnString("my db"))
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", c.ConnString("my db"), err)
		}
		if cfg.Host != sock || cfg.Port != Port || cfg.User != SuperUser || cfg.Database != "my db" || cfg.TLSConfig != nil {
			t.Errorf("%q parsed to host %q port %d user %q db %q tls %v",
				c.ConnString("my db"), cfg.Host, cfg.Port, cfg.User, cfg.Database, cfg.TLSConfig != nil)
		}
	}
}
