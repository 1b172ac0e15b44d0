package blob_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/blob"
	"inspectrack/internal/blob/s3test"
	"inspectrack/internal/testdb"
)

// TestSweepDeletesARolledBackUploadOnlyAfterTheGrace: the object of an
// upload whose transaction rolled back is kept while it is younger than
// the grace (its transaction might still commit), reported but kept by a
// dry run, and deleted after; a committed document's object and every
// object the store did not write under its prefix stay.
func TestSweepDeletesARolledBackUploadOnlyAfterTheGrace(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	srv := s3test.New(t, "documents")
	bs := newS3(t, pool, srv, "portal")
	ctx := context.Background()

	kept, err := put(t, pool, bs, strings.NewReader("the plan of the force"))
	if err != nil {
		t.Fatal(err)
	}
	refused := errors.New("the submission was refused")
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := bs.Put(ctx, tx, strings.NewReader("uploaded, then rolled back")); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatal(err)
	}
	// Not the store's: outside its prefix, beside its blobs/ folder, not
	// named as it names objects, or an id this database never gave.
	others := []string{"elsewhere/blobs/1-00ff", "blobs/1-00ff", "portal/notes.txt", "portal/blobs/readme", "portal/blobs/999999-00ff"}
	for _, k := range others {
		srv.Replace(t, k, []byte("not the portal's"))
	}
	var keptKey string
	if err := pool.QueryRow(ctx, `SELECT key FROM blob_objects WHERE blob_id = $1`, kept.ID).Scan(&keptKey); err != nil {
		t.Fatal(err)
	}
	var orphan string
	for _, k := range srv.Keys(t) {
		if strings.HasPrefix(k, "portal/blobs/") && k != keptKey && !slices.Contains(others, k) {
			orphan = k
		}
	}
	if orphan == "" {
		t.Fatalf("the rolled-back upload left no object: %v", srv.Keys(t))
	}
	all := srv.Keys(t)

	// Within the grace: kept.
	res, err := bs.Sweep(ctx, blob.SweepOptions{Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 0 || res.Young != 1 || !slices.Equal(srv.Keys(t), all) {
		t.Errorf("sweep within the grace: %+v, bucket %v; want the orphan kept", res, srv.Keys(t))
	}

	time.Sleep(20 * time.Millisecond)
	// A dry run names it and deletes nothing.
	var named []string
	res, err = bs.Sweep(ctx, blob.SweepOptions{Grace: time.Millisecond, DryRun: true,
		Deleted: func(o blob.Orphan) { named = append(named, o.Key) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 1 || res.Bytes != int64(len("uploaded, then rolled back")) || !slices.Equal(named, []string{orphan}) {
		t.Errorf("dry run: %+v naming %v, want the orphan %s", res, named, orphan)
	}
	if !slices.Equal(srv.Keys(t), all) {
		t.Errorf("a dry run deleted something: %v, was %v", srv.Keys(t), all)
	}

	// After the grace: deleted, and nothing else.
	named = nil
	res, err = bs.Sweep(ctx, blob.SweepOptions{Grace: time.Millisecond,
		Deleted: func(o blob.Orphan) { named = append(named, o.Key) }})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(slices.Clone(all), func(k string) bool { return k == orphan })
	if res.Deleted != 1 || !slices.Equal(named, []string{orphan}) || !slices.Equal(srv.Keys(t), want) {
		t.Errorf("sweep after the grace: %+v naming %v, bucket %v; want only %s gone", res, named, srv.Keys(t), orphan)
	}
	// Listed: the store's objects under portal/blobs/ (one foreign id,
	// one named by its row); the two not named as the store names
	// objects are not counted.
	if res.Objects != 3 || res.Foreign != 1 {
		t.Errorf("sweep counted %+v, want 3 objects of which 1 foreign", res)
	}
	if got, err := readAll(t, bs, kept.ID); err != nil || string(got) != "the plan of the force" {
		t.Errorf("the committed document after the sweep: %q, %v", got, err)
	}
	res, err = bs.Sweep(ctx, blob.SweepOptions{Grace: time.Millisecond})
	if err != nil || res.Deleted != 0 {
		t.Errorf("a second sweep: %+v, %v; want nothing left to delete", res, err)
	}
}

// TestSweepOfAnEmptyDatabaseDeletesNothing: a database that never stored
// a blob (a new one pointed at a bucket by mistake) finds every object
// foreign and deletes none.
func TestSweepOfAnEmptyDatabaseDeletesNothing(t *testing.T) {
	t.Parallel()
	srv := s3test.New(t, "documents")
	first := testdb.Pool(t)
	for range 3 {
		if _, err := put(t, first, newS3(t, first, srv, "portal"), strings.NewReader("a document")); err != nil {
			t.Fatal(err)
		}
	}
	all := srv.Keys(t)
	empty := testdb.Pool(t)
	res, err := newS3(t, empty, srv, "portal").Sweep(context.Background(), blob.SweepOptions{Grace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 0 || res.Foreign != 3 || !slices.Equal(srv.Keys(t), all) {
		t.Errorf("sweep from an empty database: %+v, bucket %v, want all 3 objects kept", res, srv.Keys(t))
	}
	if _, err := newS3(t, empty, srv, "portal").Sweep(context.Background(), blob.SweepOptions{}); err == nil {
		t.Error("a sweep without a grace ran")
	}
}
