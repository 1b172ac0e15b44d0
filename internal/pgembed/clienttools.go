package pgembed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ClientTools returns a folder holding pg_dump and pg_restore of
// PostgreSQL major version major (as ServerMajor gives it), searched as
// the server binaries are: the versioned folders (/usr/lib/postgresql/*/bin,
// ...) first, then PATH, each asked its version. A dump made by another
// major version may not restore (an older pg_dump cannot read a newer
// server; a newer one writes what an older server refuses), so only the
// server's own version will do. None: an error naming what to install.
func ClientTools(ctx context.Context, major string) (string, error) {
	var seen []string
	tried := map[string]bool{}
	for _, dir := range clientToolDirs() {
		if tried[dir] || !hasClientTools(dir) {
			continue
		}
		tried[dir] = true
		v, err := toolVersion(ctx, filepath.Join(dir, "pg_dump"))
		if err != nil {
			seen = append(seen, err.Error())
			continue
		}
		if v == major {
			return dir, nil
		}
		seen = append(seen, fmt.Sprintf("%s is version %s", dir, v))
	}
	if len(seen) == 0 {
		seen = append(seen, "no pg_dump and pg_restore found")
	}
	return "", fmt.Errorf("pgembed: the server is PostgreSQL %s, but %s: install its client tools "+
		"(Debian/Ubuntu: apt-get install postgresql-client-%s; Fedora/RHEL: dnf install postgresql%s)",
		major, strings.Join(seen, "; "), major, major)
}

// ServerMajor turns the server's server_version_num (150013) into its
// major version as the tools report it ("15"; "9.6" before 10).
func ServerMajor(versionNum int) string {
	if versionNum >= 100000 {
		return fmt.Sprint(versionNum / 10000)
	}
	return fmt.Sprintf("%d.%d", versionNum/10000, versionNum/100%100)
}

func clientToolDirs() []string {
	var dirs []string
	for _, pattern := range searchPatterns() {
		if !strings.Contains(pattern, "*") {
			dirs = append(dirs, pattern)
			continue
		}
		matches, _ := filepath.Glob(pattern)
		sortNewestFirst(matches, pattern)
		dirs = append(dirs, matches...)
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if filepath.IsAbs(dir) { // relative PATH entries depend on the working folder: never trust them
			dirs = append(dirs, filepath.Clean(dir))
		}
	}
	return dirs
}

func hasClientTools(dir string) bool {
	for _, name := range []string{"pg_dump", "pg_restore"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// toolVersion runs "prog --version" and returns the major version:
// "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" gives "15".
func toolVersion(ctx context.Context, prog string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, prog, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", prog, err)
	}
	fields := strings.Fields(string(bytes.TrimSpace(out)))
	if len(fields) < 3 || majorVersion(fields[2]) == "" {
		return "", fmt.Errorf("%s --version: unexpected output %q", prog, out)
	}
	return majorVersion(fields[2]), nil
}
