package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/pgembed"
	"inspectrack/internal/seed"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// envWith returns a getenv answering from vars.
func envWith(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a goroutine-safe writer the test can read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingLine = regexp.MustCompile(`serving on (http://\S+)`)

// startServe runs `inspectrack serve` through run, as the binary would,
// and returns its base URL and a stop function that reports run's error.
func startServe(t *testing.T, vars map[string]string) (string, func() error) {
	t.Helper()
	base, _, stop := startServePrinting(t, vars)
	return base, stop
}

// startServePrinting is startServe that also returns the lines serve
// printed before the one that says where it serves.
func startServePrinting(t *testing.T, vars map[string]string) (string, []string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"inspectrack", "serve", "--addr", "127.0.0.1:0"}, envWith(vars), strings.NewReader(""), pw, stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	base := ""
	var printed []string
	for lines.Scan() {
		if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
			break
		}
		printed = append(printed, lines.Text())
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not start: %v\n%s", <-done, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop within 10 s of its signal")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return base, printed, stop
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServeAnswersAndStopsCleanly(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey}
	base, stop := startServe(t, vars)
	for _, path := range []string{"/", "/healthz", "/readyz", "/accessibility"} {
		if code, body := get(t, http.DefaultClient, base+path); code != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", path, code, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v on its stop signal, want nil (exit 0)", err)
	}
}

func TestSeedDemoTwiceLeavesExactly43Forces(t *testing.T) {
	t.Parallel()
	cs := testdb.ConnString(t)
	vars := map[string]string{"DATABASE_URL": cs, "INSPECTRACK_AUDIT_KEY": testAuditKey, "INSPECTRACK_DEMO_PASSWORD": "demo password for tests"}
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"inspectrack", "seed", "demo"}, envWith(vars), nil, &out, io.Discard); err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
		if !strings.Contains(out.String(), "liaison.sussex@demo.test") || !strings.Contains(out.String(), "demo password for tests") {
			t.Errorf("seed %d did not print the demo logins:\n%s", i+1, out.String())
		}
	}
	conn, err := pgx.Connect(context.Background(), cs)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var forces, users int
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM forces), (SELECT count(*) FROM users)`).Scan(&forces, &users); err != nil {
		t.Fatal(err)
	}
	if forces != 43 || users != 6 {
		t.Fatalf("after two seeds: %d forces, %d users; want 43 and 6", forces, users)
	}
}

func TestServeRefusesADirtySchema(t *testing.T) {
	t.Parallel()
	cs := testdb.ConnString(t)
	conn, err := pgx.Connect(context.Background(), cs)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE schema_migrations SET dirty = true`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"serve", "--no-migrate", "--addr", "127.0.0.1:0"}} {
		err := run(context.Background(), append([]string{"inspectrack"}, args...), envWith(map[string]string{"DATABASE_URL": cs, "INSPECTRACK_AUDIT_KEY": testAuditKey}), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "migrate force") {
			t.Errorf("%v on a dirty schema: %v; want a refusal that says how to repair", args, err)
		}
	}
}

func TestMigrateDownAndUpAgain(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey}
	var out bytes.Buffer
	for _, step := range [][]string{{"version"}, {"down", "1"}, {"up"}} {
		out.Reset()
		if err := run(context.Background(), append([]string{"inspectrack", "migrate"}, step...), envWith(vars), nil, &out, io.Discard); err != nil {
			t.Fatalf("migrate %v: %v", step, err)
		}
		if !strings.HasPrefix(out.String(), "schema version ") {
			t.Errorf("migrate %v printed %q", step, out.String())
		}
	}
}

func TestUserCommandsAndAuditVerify(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey}
	ctx := context.Background()
	runOK := func(stdin string, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"inspectrack"}, args...), envWith(vars), strings.NewReader(stdin), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	runOK("", "seed", "demo")
	out := runOK("", "user", "add", "--email", "New.Person@Demo.Test", "--name", "New Person", "--role", "liaison", "--force", "kent")
	if !strings.Contains(out, "password (shown once): ") {
		t.Errorf("user add did not print the generated password: %q", out)
	}
	runOK("a long chosen password\n", "user", "reset-password", "--password-stdin", "new.person@demo.test")
	runOK("", "user", "disable", "new.person@demo.test")
	if out := runOK("", "audit", "note", "Kent's region corrected by hand"); !strings.Contains(out, "noted") {
		t.Errorf("audit note: %q", out)
	}
	if out := runOK("", "audit", "verify"); !strings.Contains(out, "audit trail intact") {
		t.Errorf("audit verify: %q", out)
	}
	conn, err := pgx.Connect(ctx, vars["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var summary, actor string
	if err := conn.QueryRow(ctx, `SELECT summary, actor_email FROM audit_events WHERE action = 'manual.change'`).Scan(&summary, &actor); err != nil ||
		summary != "Kent's region corrected by hand" || actor != "cli" {
		t.Errorf("the note in the audit trail: %q by %q (%v)", summary, actor, err)
	}
	if err := run(ctx, []string{"inspectrack", "audit", "note", "  "}, envWith(vars), nil, io.Discard, io.Discard); err == nil {
		t.Error("an empty note was accepted")
	}
	err = run(ctx, []string{"inspectrack", "user", "add", "--email", "x@demo.test", "--name", "X", "--role", "liaison"}, envWith(vars), nil, io.Discard, io.Discard)
	if err == nil {
		t.Error("a liaison without a force was accepted")
	}
}

// TestPagesAnswer503WhileTheDatabaseIsDown stops the portal's PostgreSQL
// under it: pages answer at once with the 503 page, /readyz says 503, and
// once the database is back everything works without restarting.
func TestPagesAnswer503WhileTheDatabaseIsDown(t *testing.T) {
	if _, err := pgembed.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no PostgreSQL server binaries: make ensure-postgres-binaries (sudo apt-get install postgresql):", err)
		}
		t.Skip("no PostgreSQL server binaries (make ensure-postgres-binaries):", err)
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "postgres")
	log := slog.New(slog.DiscardHandler)
	cluster, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) })
	if err := cluster.EnsureDatabase(ctx, "inspectrack"); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATABASE_URL": cluster.ConnString("inspectrack"), "INSPECTRACK_AUDIT_KEY": testAuditKey, "INSPECTRACK_DEMO_PASSWORD": "outage test password"}
	if err := run(ctx, []string{"inspectrack", "seed", "demo"}, envWith(vars), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, vars)

	jar, _ := cookiejar.New(nil)
	// The client's timeout is the guard against a hang, not a measurement.
	c := &http.Client{Jar: jar, Timeout: 8 * time.Second}
	form := url.Values{"email": {"manager@demo.test"}, "password": {"outage test password"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// The second step: the demo manager's known authenticator secret.
	otp, err := auth.TOTPCode(seed.DemoTOTPSecret("manager@demo.test"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	form = url.Values{"code": {otp}}
	req, _ = http.NewRequest(http.MethodPost, base+"/login/code", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	if res, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if code, body := get(t, c, base+"/audit"); code != http.StatusOK {
		t.Fatalf("before the outage: /audit %d\n%s", code, body)
	}

	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/readyz", "/audit"} {
		code, body := get(t, c, base+path)
		if code != http.StatusServiceUnavailable {
			t.Errorf("database down: GET %s = %d, want 503\n%s", path, code, body)
		}
		if strings.Contains(body, "goroutine") || strings.Contains(body, "pgx") || strings.Contains(body, "dial") {
			t.Errorf("database down: GET %s shows internals:\n%s", path, body)
		}
	}
	if code, _ := get(t, c, base+"/healthz"); code != http.StatusOK {
		t.Errorf("database down: /healthz %d, want 200 (the process is up)", code)
	}

	cluster, err = pgembed.Start(ctx, pgembed.Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) })
	var code int
	for i := 0; i < 20; i++ { // the pool reconnects on its own
		if code, _ = get(t, c, base+"/audit"); code == http.StatusOK {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("after the database came back: /audit %d, want 200", code)
	}
	if code, _ := get(t, c, base+"/readyz"); code != http.StatusOK {
		t.Errorf("after the database came back: /readyz %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
}
