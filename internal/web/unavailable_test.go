package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestPagesAnswerUnavailableWithoutTheDatabase: a page that needs the
// database while it cannot be reached answers 503 with the service's
// "unavailable" page and a Retry-After, never a 500 or the error's text.
func TestPagesAnswerUnavailableWithoutTheDatabase(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: every connection attempt fails at once.
	pool, err := pgxpool.New(context.Background(), "postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	srv := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), testConfig(),
		store.New(pool, store.WithAuditKeys(testdb.AuditKeys())), Options{PasswordParams: &cheapParams})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	res, err := http.Get(ts.URL + "/publications")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /publications without the database: %d, want 503\n%.400s", res.StatusCode, body)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if !strings.Contains(string(body), "Sorry, the service is unavailable") {
		t.Errorf("503 without the unavailable page:\n%.400s", body)
	}
	for _, leak := range []string{"secret", "127.0.0.1:1", "dial"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("the page shows the error's %q", leak)
		}
	}
}
