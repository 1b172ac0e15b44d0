package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/blob"
	"inspectrack/internal/blob/s3test"
	"inspectrack/internal/jobs"
)

// TestBlobSweepRunsWhenObjectStorageIsConfigured: with object storage the
// workers sweep the bucket (on start, then periodically), deleting the
// object of a rolled-back upload and keeping a committed one's, and count
// what they deleted.
func TestBlobSweepRunsWhenObjectStorageIsConfigured(t *testing.T) {
	t.Parallel()
	pool, st := fixture(t)
	ctx := context.Background()
	srv := s3test.New(t, "documents")
	bs, err := blob.NewS3(ctx, pool, srv.Config("portal"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := bs.Put(ctx, tx, strings.NewReader("committed"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	kept := srv.Keys(t)
	refused := errors.New("refused")
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := bs.Put(ctx, tx, strings.NewReader("rolled back")); err != nil {
			return err
		}
		return refused
	}); !errors.Is(err, refused) {
		t.Fatal(err)
	}
	if len(srv.Keys(t)) != 2 {
		t.Fatalf("bucket holds %v, want the committed object and the orphan", srv.Keys(t))
	}
	time.Sleep(20 * time.Millisecond)
	var deleted, deletedBytes atomic.Int64
	c, err := jobs.Start(ctx, pool, st, slog.New(slog.DiscardHandler), jobs.Options{BaseURL: base,
		FetchPoll: 50 * time.Millisecond, Sweeper: bs, SweepGrace: time.Millisecond,
		Swept: func(n int, bytes int64) { deleted.Add(int64(n)); deletedBytes.Add(bytes) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
	deadline := time.Now().Add(30 * time.Second)
	for !slices.Equal(srv.Keys(t), kept) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the bucket holds %v, want only %v", srv.Keys(t), kept)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Counted (for the metrics) once the job has finished.
	for deleted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if deleted.Load() != 1 || deletedBytes.Load() != int64(len("rolled back")) {
		t.Errorf("the sweep counted %d objects, %d bytes deleted; want 1 of %d", deleted.Load(), deletedBytes.Load(), len("rolled back"))
	}
}
