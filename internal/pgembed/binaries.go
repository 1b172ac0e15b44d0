package pgembed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serverBinaries are the programs a folder must hold to run a cluster.
func serverBinaries() []string { return []string{"initdb", "pg_ctl", "postgres"} }

// searchPatterns are the folders searched after PATH, in order. A "*" element matches
// versioned folders, tried newest version first.
func searchPatterns() []string {
	return []string{
		"/usr/lib/postgresql/*/bin", // Debian, Ubuntu
		"/usr/pgsql-*/bin",          // RHEL, Fedora (PGDG packages)
		"/usr/local/pgsql/bin",      // built from source
		"/opt/homebrew/opt/postgresql@*/bin",
		"/usr/local/opt/postgresql@*/bin",
		"/opt/homebrew/bin",
	}
}

// noBinariesError says where we looked, what to install, and that DATABASE_URL is the way out.
func noBinariesError(lookedIn string) error {
	return fmt.Errorf("%w (looked in %s): install the PostgreSQL server "+
		"(Debian/Ubuntu: apt-get install postgresql; Fedora/RHEL: dnf install postgresql-server; "+
		"macOS: brew install postgresql@17), or set DATABASE_URL to use an existing PostgreSQL server",
		ErrNoServerBinaries, lookedIn)
}

// FindBinaries returns a folder holding initdb, pg_ctl and postgres. It searches PATH first
// (all three must be in one folder), then /usr/lib/postgresql/*/bin (newest major version
// first), /usr/pgsql-*/bin, /usr/local/pgsql/bin and the Homebrew folders. When none has them it
// returns an error wrapping ErrNoServerBinaries that says what to install. Start searches
// the same way; a test asks first whether it can start a cluster at all.
func FindBinaries() (dir string, err error) {
	dirs := searchBinaries(os.Getenv("PATH"), searchPatterns())
	if len(dirs) == 0 {
		return "", noBinariesError("PATH, " + strings.Join(searchPatterns(), ", "))
	}
	return dirs[0], nil
}

// searchBinaries returns, in search order, every folder of pathList and patterns that holds all
// the server binaries.
func searchBinaries(pathList string, patterns []string) []string {
	var found []string
	seen := map[string]bool{}
	consider := func(dir string) {
		if dir == "" || !filepath.IsAbs(dir) || seen[dir] {
			return // relative PATH entries depend on the working folder: never trust them
		}
		seen[dir] = true
		if hasServerBinaries(dir) {
			found = append(found, dir)
		}
	}
	for _, dir := range filepath.SplitList(pathList) {
		consider(filepath.Clean(dir))
	}
	for _, pattern := range patterns {
		if !strings.Contains(pattern, "*") {
			consider(pattern)
			continue
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			continue
		}
		sortNewestFirst(matches, pattern)
		for _, m := range matches {
			consider(m)
		}
	}
	return found
}

// hasServerBinaries reports whether dir holds an executable initdb, pg_ctl and postgres.
func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries() {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// sortNewestFirst orders the matches of pattern by the version in the path element that matched
// the "*", highest first: 17 > 15 > 9.6.
func sortNewestFirst(matches []string, pattern string) {
	star := slices.IndexFunc(strings.Split(pattern, "/"), func(e string) bool { return strings.Contains(e, "*") })
	version := func(m string) []int {
		parts := strings.Split(m, "/")
		if star < 0 || star >= len(parts) {
			return nil
		}
		return versionNumbers(parts[star])
	}
	slices.SortStableFunc(matches, func(a, b string) int {
		if c := slices.Compare(version(b), version(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// versionNumbers reads the dotted number starting at the first digit of s: "postgresql@9.6" ->
// [9 6], "17" -> [17], "16beta1" -> [16]. No digit gives nil, which sorts last.
func versionNumbers(s string) []int {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return nil
	}
	var nums []int
	for _, field := range strings.Split(s[i:], ".") {
		end := 0
		for end < len(field) && field[end] >= '0' && field[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, err := strconv.Atoi(field[:end])
		if err != nil {
			break
		}
		nums = append(nums, n)
		if end < len(field) {
			break
		}
	}
	return nums
}

// majorVersion turns a PostgreSQL version into its major version as PG_VERSION writes it:
// "15.20" -> "15", "9.6.24" -> "9.6", "17beta1" -> "17".
func majorVersion(v string) string {
	nums := versionNumbers(v)
	switch {
	case len(nums) == 0:
		return ""
	case nums[0] >= 10 || len(nums) == 1:
		return strconv.Itoa(nums[0])
	default:
		return strconv.Itoa(nums[0]) + "." + strconv.Itoa(nums[1])
	}
}

// binariesVersion runs "postgres --version" in dir and returns the major version.
func binariesVersion(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "postgres"), "--version")
	cmd.Dir = "/"
	cmd.Env = serverEnv()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pgembed: %s --version: %w", filepath.Join(dir, "postgres"), err)
	}
	// "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
	fields := strings.Fields(string(bytes.TrimSpace(out)))
	if len(fields) < 3 {
		return "", fmt.Errorf("pgembed: %s --version: unexpected output %q", filepath.Join(dir, "postgres"), out)
	}
	v := majorVersion(fields[2])
	if v == "" {
		return "", fmt.Errorf("pgembed: %s --version: unexpected output %q", filepath.Join(dir, "postgres"), out)
	}
	return v, nil
}

// chooseBinaries picks the server binaries for the cluster whose data directory is dataDir:
// binDir when given, otherwise the first folder found whose major version matches the existing
// cluster (a new cluster takes the first folder found). It returns the folder and its major
// version.
func chooseBinaries(ctx context.Context, binDir, dataDir string) (string, string, error) {
	var candidates []string
	if binDir != "" {
		abs, err := filepath.Abs(binDir)
		if err != nil {
			return "", "", fmt.Errorf("pgembed: BinDir %q: %w", binDir, err)
		}
		if !hasServerBinaries(abs) {
			return "", "", noBinariesError(abs)
		}
		candidates = []string{abs}
	} else {
		candidates = searchBinaries(os.Getenv("PATH"), searchPatterns())
		if len(candidates) == 0 {
			return "", "", noBinariesError("PATH, " + strings.Join(searchPatterns(), ", "))
		}
	}

	want := ""
	if b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		want = strings.TrimSpace(string(b))
	}
	var seen []string
	for _, dir := range candidates {
		v, err := binariesVersion(ctx, dir)
		if err != nil {
			if want == "" || binDir != "" {
				return "", "", err
			}
			continue
		}
		if want == "" || v == want {
			return dir, v, nil
		}
		seen = append(seen, fmt.Sprintf("%s is version %s", dir, v))
	}
	if len(seen) == 0 {
		seen = append(seen, "no server binaries found could report their version")
	}
	return "", "", fmt.Errorf("pgembed: the cluster in %s was created by PostgreSQL %s, but %s: "+
		"install the PostgreSQL %s server binaries, or upgrade the cluster with pg_upgrade",
		dataDir, want, strings.Join(seen, ", "), want)
}
