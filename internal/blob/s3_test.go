package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/blob"
	"inspectrack/internal/blob/s3test"
	"inspectrack/internal/testdb"
)

func newS3(t *testing.T, pool *pgxpool.Pool, srv *s3test.Server, prefix string) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(context.Background(), pool, srv.Config(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t *testing.T, pool *pgxpool.Pool, bs blob.Store, body io.Reader) (blob.Blob, error) {
	t.Helper()
	var b blob.Blob
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		b, err = bs.Put(context.Background(), tx, body)
		return err
	})
	return b, err
}

func readAll(t *testing.T, bs blob.Store, id int64) ([]byte, error) {
	t.Helper()
	rc, err := bs.Open(context.Background(), id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func count(t *testing.T, pool *pgxpool.Pool, q string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestObjectStorePutThenOpenGivesBackTheSameBytes(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	srv := s3test.New(t, "documents")
	bs := newS3(t, pool, srv, "portal")
	// Empty, small, one byte short of a part, and over two parts: the
	// upload goes in parts of blob.PartSize.
	for _, size := range []int{0, 1, 1000, blob.PartSize - 1, 2*blob.PartSize + 17} {
		want := randomBytes(size, uint64(size)+7)
		b, err := put(t, pool, bs, bytes.NewReader(want))
		if err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		if b.Size != int64(size) || b.SHA256 != sha256.Sum256(want) {
			t.Errorf("put %d bytes: got size %d, hash %x", size, b.Size, b.SHA256[:4])
		}
		got, err := readAll(t, bs, b.ID)
		if err != nil {
			t.Fatalf("read %d bytes: %v", size, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("read back %d bytes, want the %d written", len(got), size)
		}
	}
	keys := srv.Keys(t)
	if len(keys) != 5 {
		t.Fatalf("bucket holds %v, want 5 objects", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "portal/blobs/") {
			t.Errorf("key %q is not under the prefix portal/blobs/", k)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM blob_chunks`); n != 0 {
		t.Errorf("%d chunks written to PostgreSQL, want none", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM blob_objects o JOIN blobs b ON b.id = o.blob_id WHERE o.bucket = 'documents'`); n != 5 {
		t.Errorf("%d blobs recorded in the bucket, want 5", n)
	}
	// The PostgreSQL store says where such a blob is rather than
	// reporting it corrupt.
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT blob_id FROM blob_objects o JOIN blobs b ON b.id = o.blob_id WHERE b.size > 0 LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewPostgres(pool).Open(context.Background(), id); !errors.Is(err, blob.ErrMissing) || !strings.Contains(err.Error(), "INSPECTRACK_BLOB_URL") {
		t.Errorf("PostgreSQL store opening a blob kept in the bucket: %v", err)
	}
}

func TestObjectStoreFailedPutLeavesNoRow(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	srv := s3test.New(t, "documents")
	bs := newS3(t, pool, srv, "")
	ctx := context.Background()

	// The upload breaks off (a client gone) after more than a part.
	cut := errors.New("client went away")
	body := io.MultiReader(bytes.NewReader(randomBytes(blob.PartSize+10, 1)), errReader{cut})
	if _, err := put(t, pool, bs, body); !errors.Is(err, cut) {
		t.Errorf("put from a failing reader: %v, want the reader's error", err)
	}
	// The bucket refuses the write.
	srv.RefuseWrites(true)
	if _, err := put(t, pool, bs, strings.NewReader("refused")); err == nil || !strings.Contains(err.Error(), "Access Denied") {
		t.Errorf("put to a bucket that refuses writes: %v", err)
	}
	srv.RefuseWrites(false)
	// The object went in but the transaction rolls back: no row names it.
	rollback := errors.New("the submission was refused")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := bs.Put(ctx, tx, strings.NewReader("then rolled back")); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT (SELECT count(*) FROM blobs) + (SELECT count(*) FROM blob_objects) + (SELECT count(*) FROM blob_chunks)`); n != 0 {
		t.Errorf("%d rows left by failed puts, want none", n)
	}
	if keys := srv.Keys(t); len(keys) > 1 {
		t.Errorf("bucket holds %v: only the rolled-back transaction's object may be left", keys)
	}
}

func TestObjectStoreMissingOrAlteredObjectIsAClearError(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	srv := s3test.New(t, "documents")
	bs := newS3(t, pool, srv, "x")
	a, err := put(t, pool, bs, strings.NewReader("the plan of the force"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := put(t, pool, bs, strings.NewReader("another plan entirely"))
	if err != nil {
		t.Fatal(err)
	}
	keys := srv.Keys(t)
	keyOf := func(id int64) string {
		for _, k := range keys {
			if strings.HasPrefix(k, fmt.Sprintf("x/blobs/%d-", id)) {
				return k
			}
		}
		t.Fatalf("no object for blob %d in %v", id, keys)
		return ""
	}
	srv.Delete(t, keyOf(a.ID))
	_, err = bs.Open(context.Background(), a.ID)
	if !errors.Is(err, blob.ErrMissing) || !strings.Contains(err.Error(), "s3://documents/"+keyOf(a.ID)) {
		t.Errorf("open with its object deleted: %v, want ErrMissing naming the object", err)
	}
	// Same length, other bytes: found out by the hash at the end.
	srv.Replace(t, keyOf(b.ID), []byte("another plan ENTIRELY"))
	if got, err := readAll(t, bs, b.ID); !errors.Is(err, blob.ErrCorrupt) || len(got) != 0 {
		t.Errorf("read of an altered object: %d bytes handed on, %v; want none and ErrCorrupt", len(got), err)
	}
	srv.Replace(t, keyOf(b.ID), []byte("short"))
	if _, err := bs.Open(context.Background(), b.ID); !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("open of a shortened object: %v, want ErrCorrupt", err)
	}
	if _, err := bs.Open(context.Background(), 424242); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("open of an unknown blob: %v, want ErrNotFound", err)
	}
}

func TestNewObjectStoreRefusesAMissingBucket(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	srv := s3test.New(t, "documents")
	cfg := srv.Config("")
	cfg.Bucket = "no-such-bucket"
	if _, err := blob.NewS3(context.Background(), pool, cfg); err == nil || !strings.Contains(err.Error(), `"no-such-bucket" does not exist`) {
		t.Errorf("a missing bucket: %v", err)
	}
}

func TestParseS3URL(t *testing.T) {
	for _, c := range []struct{ in, bucket, prefix string }{
		{"s3://docs", "docs", ""},
		{"s3://docs/", "docs", ""},
		{"s3://docs/inspectrack", "docs", "inspectrack/"},
		{"s3://docs/a/b/", "docs", "a/b/"},
	} {
		b, p, err := blob.ParseS3URL(c.in)
		if err != nil || b != c.bucket || p != c.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v", c.in, b, p, err)
		}
	}
	for _, bad := range []string{"", "docs", "http://docs/x", "s3:///x", "s3://docs/x?y=1", "s3://k:s@docs/x"} {
		if _, _, err := blob.ParseS3URL(bad); err == nil {
			t.Errorf("ParseS3URL(%q) accepted", bad)
		}
	}
}

func TestCopyFromPostgresIsVerifiedResumableAndSafeToRunTwiceAtOnce(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	ctx := context.Background()
	pg := blob.NewPostgres(pool)
	want := map[int64][]byte{}
	for i, size := range []int{1, 5000, blob.ChunkSize + 3, 0} {
		body := randomBytes(size, uint64(i)+100)
		b, err := put(t, pool, pg, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		want[b.ID] = body
	}
	srv := s3test.New(t, "documents")
	bs := newS3(t, pool, srv, "copy")

	// Two runs at once, while the blobs are being read: every blob is
	// copied once, and every read gets the right bytes.
	var wg sync.WaitGroup
	results := make([]blob.CopyResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { results[i], errs[i] = bs.CopyFromPostgres(ctx, nil) })
	}
	readErr := make(chan error, 1)
	wg.Go(func() {
		for range 5 {
			for id, body := range want {
				got, err := readAll(t, bs, id)
				if err != nil || !bytes.Equal(got, body) {
					readErr <- fmt.Errorf("blob %d read during the copy: %d bytes, %v", id, len(got), err)
					return
				}
			}
		}
	})
	wg.Wait()
	close(readErr)
	if err := <-readErr; err != nil {
		t.Error(err)
	}
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("copy %d: %v", i, errs[i])
		}
	}
	if got := results[0].Copied + results[1].Copied; got != len(want) {
		t.Errorf("the two runs copied %d and %d blobs, want %d in all", results[0].Copied, results[1].Copied, len(want))
	}
	if n := count(t, pool, `SELECT count(*) FROM blob_objects`); n != len(want) {
		t.Errorf("%d blobs recorded in the bucket, want %d", n, len(want))
	}
	keys := srv.Keys(t)
	if len(keys) != len(want) {
		t.Errorf("bucket holds %v, want %d objects", keys, len(want))
	}
	for id, body := range want {
		key := fmt.Sprintf("copy/blobs/%d-%x", id, sha256.Sum256(body))
		if !bytes.Equal(srv.Object(t, key), body) {
			t.Errorf("object %s does not hold blob %d", key, id)
		}
		// Read from the bucket now: altering the object shows.
		if len(body) > 0 {
			srv.Replace(t, key, append([]byte{body[0] ^ 1}, body[1:]...))
			if _, err := readAll(t, bs, id); !errors.Is(err, blob.ErrCorrupt) {
				t.Errorf("blob %d after its object was altered: %v, want ErrCorrupt (read from the bucket)", id, err)
			}
			srv.Replace(t, key, body)
		}
	}

	// A second run finds nothing left to do; a blob added since is copied.
	added := randomBytes(300, 9)
	b, err := put(t, pool, pg, bytes.NewReader(added))
	if err != nil {
		t.Fatal(err)
	}
	res, err := bs.CopyFromPostgres(ctx, nil)
	if err != nil || res.Copied != 1 || res.Before != len(want) || res.Bytes != 300 {
		t.Fatalf("run after a blob was added: %+v, %v", res, err)
	}
	if got, err := readAll(t, bs, b.ID); err != nil || !bytes.Equal(got, added) {
		t.Errorf("the added blob: %d bytes, %v", len(got), err)
	}
	res, err = bs.CopyFromPostgres(ctx, nil)
	if err != nil || res.Copied != 0 || res.Before != len(want)+1 {
		t.Fatalf("run with nothing left: %+v, %v", res, err)
	}
}

func TestCopyFromPostgresRefusesACorruptBlob(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	ctx := context.Background()
	pg := blob.NewPostgres(pool)
	good, err := put(t, pool, pg, strings.NewReader("a good plan"))
	if err != nil {
		t.Fatal(err)
	}
	// A blob whose recorded hash is not its bytes'.
	var bad int64
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO blobs (size, sha256, chunks) VALUES (3, $1, 1) RETURNING id`, make([]byte, 32)).Scan(&bad); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, 0, 'abc')`, bad)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.New(t, "documents")
	bs := newS3(t, pool, srv, "")
	res, err := bs.CopyFromPostgres(ctx, nil)
	if !errors.Is(err, blob.ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprint(bad)) {
		t.Fatalf("copy with a corrupt blob: %+v, %v, want ErrCorrupt naming blob %d", res, err, bad)
	}
	if res.Copied != 1 {
		t.Errorf("copied %d before the corrupt blob, want the good one", res.Copied)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM blob_objects WHERE blob_id = $1`, bad).Scan(&n); err != nil || n != 0 {
		t.Errorf("the corrupt blob was recorded in the bucket (%d, %v)", n, err)
	}
	if keys := srv.Keys(t); len(keys) != 1 || !strings.HasPrefix(keys[0], fmt.Sprintf("blobs/%d-", good.ID)) {
		t.Errorf("bucket holds %v, want only the good blob", keys)
	}
}
