package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/blob"
	"inspectrack/internal/blob/s3test"
	"inspectrack/internal/testdb"
)

// runWith runs the binary's command line args with vars as its environment.
func runWith(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"inspectrack"}, args...), envWith(vars), nil, &out, &errOut)
	if err != nil && testing.Verbose() {
		t.Logf("%v: %v\n%s", args, err, errOut.String())
	}
	return out.String(), err
}

// emptyDatabase creates a database with nothing in it on the server of
// connStr, dropped when t passes, and returns its connection string.
func emptyDatabase(t *testing.T, connStr string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := "restore_" + rand.Text()[:16]
	name = strings.ToLower(name)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("left database %s for inspection", name)
			return
		}
		c, err := pgx.Connect(context.Background(), connStr)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	cfg, err := pgx.ParseConfig(connStr)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", cfg.Host, cfg.Port, cfg.User, name) +
		map[bool]string{true: " password=" + cfg.Password}[cfg.Password != ""]
}

func connect(t *testing.T, connStr string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), connStr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// tableCounts counts the rows of every table of the public schema.
func tableCounts(t *testing.T, pool *pgxpool.Pool) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{n}.Sanitize()).Scan(&c); err != nil {
			t.Fatal(err)
		}
		counts[n] = c
	}
	return counts
}

// documentHashes reads every blob through bs (which checks each against
// its recorded size and SHA-256) and returns its hash by id.
func documentHashes(t *testing.T, pool *pgxpool.Pool, bs blob.Store) map[int64]string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT b.id, b.sha256 FROM blobs b JOIN documents d ON d.blob_id = b.id ORDER BY b.id`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID  int64
		Sum []byte
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, r := range list {
		rc, err := bs.Open(ctx, r.ID)
		if err != nil {
			t.Fatalf("document blob %d: %v", r.ID, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("document blob %d: %v", r.ID, err)
		}
		if !bytes.Equal(h.Sum(nil), r.Sum) {
			t.Fatalf("document blob %d: read %x, recorded %x", r.ID, h.Sum(nil), r.Sum)
		}
		got[r.ID] = hex.EncodeToString(r.Sum)
	}
	return got
}

func TestBackupRestoresEverythingIntoAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	src := testdb.ConnString(t)
	vars := map[string]string{"DATABASE_URL": src, "INSPECTRACK_AUDIT_KEY": testAuditKey,
		"INSPECTRACK_DEMO_PASSWORD": "demo password for tests"}
	if _, err := runWith(t, vars, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "inspectrack.dump")
	out, err := runWith(t, vars, "backup", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "written to "+file) {
		t.Errorf("backup said %q", out)
	}
	if _, err := os.Stat(file + ".partial"); !os.IsNotExist(err) {
		t.Errorf("the partial file was left: %v", err)
	}

	dst := emptyDatabase(t, src)
	restored := maps.Clone(vars)
	restored["DATABASE_URL"] = dst
	out, err = runWith(t, restored, "restore", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "restored "+file) {
		t.Errorf("restore said %q", out)
	}

	srcPool, dstPool := connect(t, src), connect(t, dst)
	want, got := tableCounts(t, srcPool), tableCounts(t, dstPool)
	if len(want) < 20 {
		t.Fatalf("only %d tables in the source: %v", len(want), want)
	}
	for _, table := range []string{"forces", "users", "cases", "submissions", "documents", "blobs", "blob_chunks", "audit_events"} {
		if want[table] == 0 {
			t.Errorf("the demo data has no %s: the test would prove nothing of them", table)
		}
	}
	if !maps.Equal(want, got) {
		for table, n := range want {
			if got[table] != n {
				t.Errorf("table %s: %d rows restored, %d backed up", table, got[table], n)
			}
		}
		for table := range got {
			if _, ok := want[table]; !ok {
				t.Errorf("table %s restored, not backed up", table)
			}
		}
	}
	srcDocs := documentHashes(t, srcPool, blob.NewPostgres(srcPool))
	dstDocs := documentHashes(t, dstPool, blob.NewPostgres(dstPool))
	if len(srcDocs) == 0 || !maps.Equal(srcDocs, dstDocs) {
		t.Errorf("documents: %d backed up, %d restored, or their hashes differ", len(srcDocs), len(dstDocs))
	}
	out, err = runWith(t, restored, "audit", "verify")
	if err != nil || !strings.Contains(out, "audit trail intact") {
		t.Errorf("audit verify of the restored database: %q, %v", out, err)
	}
	// The restored portal goes on: the next change extends the chain.
	if _, err := runWith(t, restored, "audit", "note", "restored from the nightly backup"); err != nil {
		t.Fatal(err)
	}
	if out, err := runWith(t, restored, "audit", "verify"); err != nil || !strings.Contains(out, "audit trail intact") {
		t.Errorf("audit verify after a change: %q, %v", out, err)
	}

	// Never over data: the restored database, or the source, is refused.
	for _, db := range []string{dst, src} {
		v := maps.Clone(vars)
		v["DATABASE_URL"] = db
		if _, err := runWith(t, v, "restore", file); err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Errorf("restore into a database with data: %v", err)
		}
	}
	if n := tableCounts(t, srcPool); !maps.Equal(n, want) {
		t.Error("the refused restore changed the source")
	}
}

func TestBackupOfAnEmptyDatabaseOrIntoAMissingFolderFails(t *testing.T) {
	t.Parallel()
	src := testdb.ConnString(t)
	vars := map[string]string{"DATABASE_URL": emptyDatabase(t, src), "INSPECTRACK_AUDIT_KEY": testAuditKey}
	if _, err := runWith(t, vars, "backup", filepath.Join(t.TempDir(), "x.dump")); err == nil || !strings.Contains(err.Error(), "nothing to back up") {
		t.Errorf("backup of an empty database: %v", err)
	}
	vars["DATABASE_URL"] = src
	missing := filepath.Join(t.TempDir(), "no", "such", "folder", "x.dump")
	if _, err := runWith(t, vars, "backup", missing); err == nil {
		t.Error("backup into a missing folder succeeded")
	}
	if _, err := runWith(t, vars, "restore", missing); err == nil {
		t.Error("restore of a missing file succeeded")
	}
}

func TestSplitPasswordKeepsItOffTheCommandLine(t *testing.T) {
	for in, want := range map[string][2]string{
		"postgres://u:s3cret@db:5432/x?sslmode=require":    {"postgres://u@db:5432/x?sslmode=require", "s3cret"},
		"postgres://u@db/x?password=p%26w&sslmode=disable": {"postgres://u@db/x?sslmode=disable", "p&w"},
		"host=/tmp port=5432 user=u dbname=x":              {"host=/tmp port=5432 user=u dbname=x", ""},
		"host=h user=u password='it\\'s' dbname=x":         {"host=h user=u dbname=x", "it's"},
		"host=h password=plain user=u":                     {"host=h user=u", "plain"},
	} {
		dsn, pw := splitPassword(in)
		if dsn != want[0] || pw != want[1] {
			t.Errorf("splitPassword(%q) = %q, %q; want %q, %q", in, dsn, pw, want[0], want[1])
		}
	}
}

func TestBlobsCopyMovesTheDocumentsToTheBucketAndServeReadsThem(t *testing.T) {
	t.Parallel()
	src := testdb.ConnString(t)
	vars := map[string]string{"DATABASE_URL": src, "INSPECTRACK_AUDIT_KEY": testAuditKey,
		"INSPECTRACK_DEMO_PASSWORD": "demo password for tests"}
	if _, err := runWith(t, vars, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	srv := s3test.New(t, "documents")
	maps.Copy(vars, srv.Env())
	pool := connect(t, src)
	before := documentHashes(t, pool, blob.NewPostgres(pool))

	out, err := runWith(t, vars, "blobs", "copy", "--to", "s3://documents/inspectrack")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d documents (", len(before)); !strings.HasPrefix(out, want) || !strings.Contains(out, "0 were there already") {
		t.Errorf("first run said %q, want %q...", out, want)
	}
	if keys := srv.Keys(t); len(keys) != len(before) {
		t.Errorf("bucket holds %d objects, want %d", len(keys), len(before))
	}
	var audited int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'blobs.copy'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("%d blobs.copy audit events, want 1 (%v)", audited, err)
	}
	// Resumable: a second run (here through INSPECTRACK_BLOB_URL) has
	// nothing left to do.
	vars["INSPECTRACK_BLOB_URL"] = "s3://documents/inspectrack"
	out, err = runWith(t, vars, "blobs", "copy")
	if err != nil || !strings.HasPrefix(out, fmt.Sprintf("0 documents (0 bytes) copied to s3://documents/inspectrack/ and verified; %d were there already", len(before))) {
		t.Errorf("second run: %q, %v", out, err)
	}
	cfg := srv.Config("inspectrack")
	s3, err := blob.NewS3(context.Background(), pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if after := documentHashes(t, pool, s3); !maps.Equal(after, before) {
		t.Error("the documents read from the bucket differ from those in PostgreSQL")
	}
	if out, err := runWith(t, vars, "audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %q, %v", out, err)
	}

	// serve starts on the bucket, and refuses one that is not there.
	base, stop := startServe(t, vars)
	if code, _ := get(t, http.DefaultClient, base+"/healthz"); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	vars["INSPECTRACK_BLOB_URL"] = "s3://no-such-bucket"
	var stdout bytes.Buffer
	err = run(context.Background(), []string{"inspectrack", "serve", "--addr", "127.0.0.1:0"}, envWith(vars), nil, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `bucket "no-such-bucket" does not exist`) {
		t.Errorf("serve on a missing bucket: %v", err)
	}
	if _, err := runWith(t, vars, "blobs", "copy", "--to", "/not/a/bucket"); exitCode(err) != 2 {
		t.Errorf("blobs copy to a folder: %v, want a usage error", err)
	}
}

func TestBlobsSweepDeletesOnlyOldOrphansAndADryRunNothing(t *testing.T) {
	t.Parallel()
	src := testdb.ConnString(t)
	srv := s3test.New(t, "documents")
	vars := map[string]string{"DATABASE_URL": src, "INSPECTRACK_AUDIT_KEY": testAuditKey}
	maps.Copy(vars, srv.Env())
	pool := connect(t, src)
	ctx := context.Background()
	bs, err := blob.NewS3(ctx, pool, srv.Config("inspectrack"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := bs.Put(ctx, tx, strings.NewReader("a committed document"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv.Replace(t, "elsewhere/blobs/1-00ff", []byte("not the portal's"))
	kept := srv.Keys(t)
	_ = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := bs.Put(ctx, tx, strings.NewReader("rolled back")); err != nil {
			return err
		}
		return fmt.Errorf("refused")
	})
	all := srv.Keys(t)
	var orphan string
	for _, k := range all {
		if !slices.Contains(kept, k) {
			orphan = k
		}
	}
	if orphan == "" {
		t.Fatalf("no orphan in %v", all)
	}

	if _, err := runWith(t, vars, "blobs", "sweep"); exitCode(err) != 2 {
		t.Errorf("blobs sweep without INSPECTRACK_BLOB_URL: %v, want a usage error", err)
	}
	vars["INSPECTRACK_BLOB_URL"] = "s3://documents/inspectrack"
	// The default grace (a day) keeps the new orphan.
	out, err := runWith(t, vars, "blobs", "sweep")
	if err != nil || !strings.Contains(out, "0 orphan objects (0 bytes) deleted") || !slices.Equal(srv.Keys(t), all) {
		t.Errorf("sweep within the grace: %q, %v, bucket %v", out, err, srv.Keys(t))
	}
	time.Sleep(20 * time.Millisecond)
	out, err = runWith(t, vars, "blobs", "sweep", "--dry-run", "--grace", "1ms")
	if err != nil || !strings.Contains(out, "would delete s3://documents/"+orphan) || !strings.Contains(out, "dry run: nothing deleted") {
		t.Errorf("dry run: %q, %v", out, err)
	}
	if !slices.Equal(srv.Keys(t), all) {
		t.Errorf("the dry run deleted something: %v, was %v", srv.Keys(t), all)
	}
	out, err = runWith(t, vars, "blobs", "sweep", "--grace", "1ms")
	if err != nil || !strings.Contains(out, "deleted s3://documents/"+orphan) || !strings.Contains(out, "1 orphan objects (11 bytes) deleted") {
		t.Errorf("sweep: %q, %v", out, err)
	}
	if !slices.Equal(srv.Keys(t), kept) {
		t.Errorf("after the sweep the bucket holds %v, want %v", srv.Keys(t), kept)
	}
	var audited int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'blobs.sweep'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("%d blobs.sweep audit events, want 1 (for the sweep that deleted) (%v)", audited, err)
	}
	if _, err := runWith(t, vars, "blobs", "sweep", "--grace", "0s"); exitCode(err) != 2 {
		t.Errorf("blobs sweep --grace 0s: %v, want a usage error", err)
	}
}

func TestSeedDemoPutsTheDocumentsInTheConfiguredBucket(t *testing.T) {
	t.Parallel()
	src := testdb.ConnString(t)
	srv := s3test.New(t, "documents")
	vars := map[string]string{"DATABASE_URL": src, "INSPECTRACK_AUDIT_KEY": testAuditKey,
		"INSPECTRACK_DEMO_PASSWORD": "demo password for tests", "INSPECTRACK_BLOB_URL": "s3://documents/demo"}
	maps.Copy(vars, srv.Env())
	if _, err := runWith(t, vars, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	pool := connect(t, src)
	var docs, chunks, objects int
	err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM blob_chunks),
		(SELECT count(*) FROM documents d JOIN blob_objects o ON o.blob_id = d.blob_id)`).Scan(&docs, &chunks, &objects)
	if err != nil {
		t.Fatal(err)
	}
	if docs == 0 || chunks != 0 || objects != docs || len(srv.Keys(t)) != docs {
		t.Errorf("seed demo with a bucket: %d documents, %d chunks in PostgreSQL, %d recorded in the bucket, %d objects; want all in the bucket",
			docs, chunks, objects, len(srv.Keys(t)))
	}
}
