// Package testdb gives each test its own freshly migrated PostgreSQL
// database, cloned in milliseconds from a template migrated once. It uses
// TEST_DATABASE_URL when set (a superuser connection to any database of the
// server), else starts a private embedded cluster for the test process.
//
// A test that fails leaves its database behind for psql; one that passes
// drops it.
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/database"
	"inspectrack/internal/pgembed"
	"inspectrack/internal/store"
	"inspectrack/migrations"
)

var (
	once     sync.Once
	admin    string // connection string of the admin database
	template string // name of the migrated template database
	cluster  *pgembed.Cluster
	setupErr error
)

// Main runs the package's tests and stops the embedded cluster, if one was
// started. Call it from TestMain: os.Exit(testdb.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "testdb: stop embedded cluster:", err)
		}
	}
	return code
}

// ConnString returns the connection string of a new, migrated, empty
// database for t, dropped when t passes.
func ConnString(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("testdb: %v", setupErr)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("testdb: connect admin: %v", err)
	}
	defer conn.Close(ctx)
	name := "test_" + hex.EncodeToString(randBytes(6)) + "_" + safeName(t.Name()) // hex is lower-case already
	if len(name) > 63 {
		name = name[:63]
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())); err != nil {
		t.Fatalf("testdb: create %s: %v", name, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testdb: left database %s for inspection", name)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("testdb: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			t.Logf("testdb: drop %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

// Pool returns a pool on a new database for t, closed before the database
// is dropped.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cs := ConnString(t)
	pool, err := database.Connect(context.Background(), cs)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(pool.Close) // registered after ConnString's cleanup, so it runs first
	return pool
}

func setup() {
	ctx := context.Background()
	admin = os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		dir, err := os.MkdirTemp("", "inspectrack-testdb-")
		if err != nil {
			setupErr = err
			return
		}
		cluster, err = pgembed.Start(ctx, pgembed.Options{Dir: filepath.Join(dir, "postgres"), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			setupErr = fmt.Errorf("no TEST_DATABASE_URL, and the embedded cluster did not start: %w", err)
			return
		}
		admin = cluster.ConnString("postgres")
	}
	template = "inspectrack_tpl_" + migrationsHash()
	setupErr = ensureTemplate(ctx)
}

// ensureTemplate creates and migrates the template once per schema: test
// processes running in parallel serialise on an advisory lock and reuse it.
func ensureTemplate(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect admin %s: %w", redact(admin), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7436529001)`); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(7436529001)`)
	var ready bool
	err = conn.QueryRow(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, template).Scan(&ready)
	if err == nil && ready {
		return nil
	}
	if err == nil { // a half-made template from a crashed run
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{template}.Sanitize()); err != nil {
			return fmt.Errorf("drop stale template: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{template}.Sanitize()); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	m, err := database.NewMigrator(withDatabase(admin, template))
	if err != nil {
		return err
	}
	if err := m.Up(); err != nil {
		m.Close()
		return err
	}
	if err := m.Close(); err != nil {
		return err
	}
	tpl, err := pgx.Connect(ctx, withDatabase(admin, template))
	if err != nil {
		return fmt.Errorf("connect template: %w", err)
	}
	_, err = tpl.Exec(ctx, requireAudit)
	tpl.Close(ctx)
	if err != nil {
		return fmt.Errorf("template: require audit: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{template}.Sanitize()+" WITH is_template = true ALLOW_CONNECTIONS = false"); err != nil {
		return fmt.Errorf("mark template: %w", err)
	}
	return nil
}

// requireAudit makes a test database refuse to commit a transaction that
// changed any of the portal's data without appending an audit event, which
// moves the audit head: the design asks every change the portal makes to
// be audited in its own transaction. (The read cache does not rely on it:
// its data version moves with every change, audited or not; see migration
// 000020. A test that plays a change made by hand sets inspectrack.audited
// itself.) Left out: what is
// not the portal's data (sessions, sign-in failures, the audit itself,
// upload blobs before a submission names them, and where a blob's bytes
// are kept, which `blobs copy` records), the dashboard's and the case
// list's kept counts and stages, which
// follow the audited changes or the date and settings, the data version,
// which follows every change, and the delivery of messages (River's job
// tables, outbound_messages' status, one-time link tokens minted as they
// are sent, reset requests counted to throttle them): a message is
// enqueued with its change's audit event, but its delivery changes nothing
// the pages show.
const requireAudit = `
CREATE FUNCTION test_audit_head_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('inspectrack.audited', 'on', true);
	RETURN NULL;
END $$;
CREATE TRIGGER test_audit_head_moved AFTER UPDATE ON audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION test_audit_head_moved();

CREATE FUNCTION test_change_audited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('inspectrack.audited', true) IS DISTINCT FROM 'on' THEN
		RAISE EXCEPTION '% of %: a change committed without an audit event', TG_OP, TG_TABLE_NAME;
	END IF;
	RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
	FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN
		('schema_migrations', 'sessions', 'login_failures', 'audit_events', 'audit_head',
		 'blobs', 'blob_chunks', 'blob_objects', 'dashboard_state', 'dashboard_items', 'dashboard_today',
		 'data_version', 'data_version_pending', 'case_counts', 'case_stage_state', 'case_stages', 'case_stage_counts', 'outbound_messages', 'user_tokens', 'reset_requests')
		AND tablename NOT LIKE 'river\_%'
	LOOP
		EXECUTE format('CREATE CONSTRAINT TRIGGER test_change_audited AFTER INSERT OR UPDATE OR DELETE ON %I
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_change_audited()', t);
	END LOOP;
END $$;`

// beginner is what a pool and a connection both offer.
type beginner interface {
	Begin(context.Context) (pgx.Tx, error)
}

// Change runs a test's own change to the data (a fixture, a date moved
// back) in one transaction with an audit event, as the portal makes its
// changes: requireAudit refuses it otherwise.
func Change(t testing.TB, db beginner, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return store.AuditWith(ctx, tx, AuditKeys().Current, store.AuditEvent{Action: "test.change", Summary: t.Name()})
	})
	if err != nil {
		t.Fatalf("testdb: change: %v", err)
	}
}

// Exec is Change for one statement; it returns the statement's first
// column of its first row (an id it RETURNS), or 0.
func Exec(t testing.TB, db beginner, q string, args ...any) int64 {
	t.Helper()
	var id int64
	Change(t, db, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() && len(rows.FieldDescriptions()) > 0 {
			if err := rows.Scan(&id); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return id
}

// testAuditKey keys every test database's audit chain: fixed, so a test
// can re-hash a chain as someone holding the key could.
const testAuditKey = "inspectrack test audit key: 32 bytes or more, never used outside tests"

// AuditKeySecret returns the tests' audit key itself.
func AuditKeySecret() []byte { return []byte(testAuditKey) }

// AuditKeys returns the keys test stores audit with:
// store.New(pool, store.WithAuditKeys(testdb.AuditKeys())).
func AuditKeys() store.AuditKeys {
	k, err := store.NewAuditKey(AuditKeySecret())
	if err != nil {
		panic(err)
	}
	return store.AuditKeys{Current: k}
}

// withDatabase returns cs pointing at database name.
func withDatabase(cs, name string) string {
	cfg, err := pgx.ParseConfig(cs)
	if err != nil {
		panic(err)
	}
	// Rebuild as keyword/value: works for URLs and socket hosts alike.
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", quote(cfg.Host), cfg.Port, quote(cfg.User), quote(name)) +
		func() string {
			if cfg.Password != "" {
				return " password=" + quote(cfg.Password)
			}
			return ""
		}()
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// migrationsHash names the template after the migration files, so a
// changed schema gets a new template.
func migrationsHash() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	h.Write([]byte(requireAudit))
	for _, n := range names {
		b, _ := migrations.FS.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

func safeName(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(s), "_"), "_")
}

func redact(cs string) string {
	cfg, err := pgx.ParseConfig(cs)
	if err != nil {
		return "(unparseable)"
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}
