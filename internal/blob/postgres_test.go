package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/blob"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestPutThenOpenGivesBackTheSameBytes(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	bs := blob.NewPostgres(pool)
	ctx := context.Background()
	for _, size := range []int{0, 1, blob.ChunkSize - 1, blob.ChunkSize, blob.ChunkSize + 1, 3*blob.ChunkSize + blob.ChunkSize/2} {
		want := randomBytes(size, uint64(size))
		var b blob.Blob
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			b, err = bs.Put(ctx, tx, bytes.NewReader(want))
			return err
		})
		if err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		if b.Size != int64(size) || b.SHA256 != sha256.Sum256(want) {
			t.Errorf("put %d bytes: got size %d, hash %x", size, b.Size, b.SHA256[:4])
		}
		rc, err := bs.Open(ctx, b.ID)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %d bytes: %v", size, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("read back %d bytes, want the %d written", len(got), size)
		}
	}
}

func TestRolledBackPutLeavesNothing(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	bs := blob.NewPostgres(pool)
	ctx := context.Background()
	boom := errors.New("boom")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := bs.Put(ctx, tx, bytes.NewReader(randomBytes(2*blob.ChunkSize+5, 1))); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var blobs, chunks int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM blobs), (SELECT count(*) FROM blob_chunks)`).Scan(&blobs, &chunks); err != nil {
		t.Fatal(err)
	}
	if blobs != 0 || chunks != 0 {
		t.Errorf("after rollback: %d blobs, %d chunks; want none", blobs, chunks)
	}
}

// A reader that fails half way (a client gone) fails Put, and the
// transaction it was in leaves nothing.
func TestPutFromAFailingReaderFails(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	bs := blob.NewPostgres(pool)
	ctx := context.Background()
	gone := errors.New("client gone")
	r := io.MultiReader(bytes.NewReader(randomBytes(blob.ChunkSize+10, 2)), errReader{gone})
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := bs.Put(ctx, tx, r)
		return err
	})
	if !errors.Is(err, gone) {
		t.Fatalf("err = %v, want the reader's", err)
	}
	var chunks int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM blob_chunks`).Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	if chunks != 0 {
		t.Errorf("%d chunks left", chunks)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestBlobsCannotBeChangedOrDeleted(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	bs := blob.NewPostgres(pool)
	ctx := context.Background()
	var b blob.Blob
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) (err error) {
		b, err = bs.Put(ctx, tx, bytes.NewReader([]byte("plan")))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE blob_chunks SET data = 'x' WHERE blob_id = $1`,
		`DELETE FROM blob_chunks WHERE blob_id = $1`,
		`UPDATE blobs SET size = 1 WHERE id = $1`,
		`DELETE FROM blobs WHERE id = $1`,
	} {
		if _, err := pool.Exec(ctx, q, b.ID); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
}

// Bytes altered behind the store's back (here with triggers bypassed, as
// only a superuser could) are reported when read, not served silently.
func TestOpenReportsCorruptContent(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	bs := blob.NewPostgres(pool)
	ctx := context.Background()
	var b blob.Blob
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) (err error) {
		b, err = bs.Put(ctx, tx, bytes.NewReader(randomBytes(blob.ChunkSize+3, 3)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE blob_chunks SET data = 'tampered' WHERE blob_id = $1 AND seq = 1`, b.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rc, err := bs.Open(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("read tampered blob: err = %v, want ErrCorrupt", err)
	}
	// The last chunk is checked before it is handed on, so a download
	// of it ends short.
	if len(got) != blob.ChunkSize {
		t.Errorf("read %d bytes of a tampered blob, want only the first chunk's %d", len(got), blob.ChunkSize)
	}
}

func TestOpenUnknownBlob(t *testing.T) {
	t.Parallel()
	bs := blob.NewPostgres(testdb.Pool(t))
	if _, err := bs.Open(context.Background(), 999); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}
