package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMethodsQueryThroughDB keeps every store method usable inside InTx:
// a method that queried s.pool directly would run outside the batch's
// transaction and not see its own writes (the seed's submissions, for
// one). Only store.go (which defines db) and the session store may use
// the pool.
func TestMethodsQueryThroughDB(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	direct := regexp.MustCompile(`\bs\.pool\.`)
	for _, f := range files {
		if f == "store.go" || f == "sessions.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if direct.MatchString(line) {
				t.Errorf("%s:%d queries s.pool directly: use s.db(), so InTx covers it", f, i+1)
			}
		}
	}
}
