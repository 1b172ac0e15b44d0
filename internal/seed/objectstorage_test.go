package seed_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"inspectrack/internal/blob"
	"inspectrack/internal/blob/s3test"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestDemoWithObjectStorageKeepsTheDocumentsInTheBucket: with documents
// kept in a bucket, the demo's plans (the story's and the present
// report's) go there as the portal's uploads do, not into PostgreSQL.
func TestDemoWithObjectStorageKeepsTheDocumentsInTheBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	srv := s3test.New(t, "documents")
	bs, err := blob.NewS3(ctx, pool, srv.Config("demo"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, st, "pw for the test", cheap, seed.WithBlobs(bs)); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Current(ctx, st, time.Now(), seed.WithBlobs(bs)); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	docs := count(`SELECT count(*) FROM documents`)
	if docs <= 43 {
		t.Fatalf("%d documents seeded, want the story's 43 plans and the present report's", docs)
	}
	if n := count(`SELECT count(*) FROM blob_chunks`); n != 0 {
		t.Errorf("%d chunks written to PostgreSQL, want none", n)
	}
	if n := count(`SELECT count(*) FROM documents d JOIN blob_objects o ON o.blob_id = d.blob_id WHERE o.bucket = 'documents'`); n != docs {
		t.Errorf("%d of %d documents recorded in the bucket", n, docs)
	}
	if keys := srv.Keys(t); len(keys) != docs {
		t.Errorf("bucket holds %d objects, want %d", len(keys), docs)
	}
	var id int64
	if err := pool.QueryRow(ctx, `SELECT blob_id FROM documents WHERE content_type = 'application/pdf' ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	rc, err := bs.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("a demo plan read from the bucket: %.8q, %v", b, err)
	}
}
