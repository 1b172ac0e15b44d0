package blob

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
)

// SweepGrace is how old an object named by no row must be before Sweep
// deletes it: far longer than any transaction can stay open (the database
// ends one idle for a minute) or a copy can take to record the object it
// uploaded, so an upload whose transaction may still commit is never
// touched.
const SweepGrace = 24 * time.Hour

// SweepOptions say what Sweep may delete.
type SweepOptions struct {
	// Grace: an object modified less than Grace ago is kept whether or not
	// a row names it. It must be positive; SweepGrace in production.
	Grace time.Duration
	// DryRun reports the orphans and deletes none.
	DryRun bool
	// Deleted, if not nil, is told of each orphan as it is deleted (in a
	// dry run, as it would be).
	Deleted func(Orphan)
}

// Orphan is an object of the bucket that no blob_objects row names.
type Orphan struct {
	Key      string
	Size     int64
	Modified time.Time
}

// SweepResult counts what Sweep found under the store's prefix.
type SweepResult struct {
	Objects int   // objects named as the store names them (prefix/blobs/ID-HEX)
	Deleted int   // orphans older than the grace: deleted (in a dry run, to be)
	Bytes   int64 // their bytes
	Young   int   // orphans younger than the grace: kept
	Foreign int   // objects whose id this database never gave out: kept
}

// objectKey is the name, after prefix/blobs/, of an object Put or
// CopyFromPostgres wrote: the blob's id and a random suffix or its hash.
var objectKey = regexp.MustCompile(`^([0-9]{1,19})-[0-9a-f]+$`)

// sweepBatch is how many listed objects are checked against the database
// in one query.
const sweepBatch = 1000

// Sweep deletes the orphans of the bucket: objects under the store's
// prefix, named as the store names them, that no blob_objects row names
// and that were last modified more than o.Grace ago. They are left by an
// upload whose transaction rolled back after its object went in (a
// refused submission, a crash, a lost connection) and by a copy stopped
// between its upload and its row.
//
// Only what this database wrote is touched: nothing outside
// prefix/blobs/, no key of another form, and no object whose blob id is
// beyond the ids this database's blobs sequence has given out (a new or
// restored database pointed at another's bucket keeps its hands off the
// newer objects). Two databases must not share one prefix while either
// sweeps: each deletes what the other's rows name. A restored copy gets a
// prefix of its own (its rows still name the objects it reads).
//
// Listing holds no database connection; each page of keys is checked in
// one query. Deleting an object already gone is not an error, so two
// sweeps at once do no harm.
func (s *S3) Sweep(ctx context.Context, o SweepOptions) (SweepResult, error) {
	var res SweepResult
	if o.Grace <= 0 {
		return res, fmt.Errorf("blob: sweep: grace %v: want a positive grace (%v)", o.Grace, SweepGrace)
	}
	// Read before listing: an object listed had its id given out before
	// it was uploaded, so before the listing for any object old enough
	// to be deleted.
	const lastID = `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('blobs', 'id')::regclass), 0)`
	var maxID int64
	if err := s.pg.pool.QueryRow(ctx, lastID).Scan(&maxID); err != nil {
		return res, fmt.Errorf("blob: sweep: %w", err)
	}
	cutoff := time.Now().Add(-o.Grace)
	dir := s.prefix + "blobs/"
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var batch []minio.ObjectInfo
	for obj := range s.client.ListObjectsIter(lctx, s.bucket, minio.ListObjectsOptions{Prefix: dir, Recursive: true}) {
		if obj.Err != nil {
			return res, fmt.Errorf("blob: sweep: list s3://%s/%s: %w", s.bucket, dir, obj.Err)
		}
		m := objectKey.FindStringSubmatch(obj.Key[len(dir):])
		if m == nil {
			continue
		}
		res.Objects++
		if id, err := strconv.ParseInt(m[1], 10, 64); err != nil || id > maxID {
			res.Foreign++
			continue
		}
		batch = append(batch, obj)
		if len(batch) == sweepBatch {
			if err := s.sweepBatch(ctx, batch, cutoff, o, &res); err != nil {
				return res, err
			}
			batch = batch[:0]
		}
	}
	if err := s.sweepBatch(ctx, batch, cutoff, o, &res); err != nil {
		return res, err
	}
	return res, nil
}

// sweepBatch deletes the objects of batch no row names, if old enough.
func (s *S3) sweepBatch(ctx context.Context, batch []minio.ObjectInfo, cutoff time.Time, o SweepOptions, res *SweepResult) error {
	if len(batch) == 0 {
		return nil
	}
	keys := make([]string, len(batch))
	for i, obj := range batch {
		keys[i] = obj.Key
	}
	const named = `SELECT key FROM blob_objects WHERE bucket = $1 AND key = ANY($2)`
	rows, err := s.pg.pool.Query(ctx, named, s.bucket, keys)
	if err != nil {
		return fmt.Errorf("blob: sweep: %w", err)
	}
	known := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return fmt.Errorf("blob: sweep: %w", err)
		}
		known[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("blob: sweep: %w", err)
	}
	for _, obj := range batch {
		if known[obj.Key] {
			continue
		}
		if obj.LastModified.After(cutoff) {
			res.Young++
			continue
		}
		if !o.DryRun {
			err := s.client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{})
			if err != nil && minio.ToErrorResponse(err).Code != "NoSuchKey" {
				return fmt.Errorf("blob: sweep: delete s3://%s/%s: %w", s.bucket, obj.Key, err)
			}
		}
		res.Deleted++
		res.Bytes += obj.Size
		if o.Deleted != nil {
			o.Deleted(Orphan{Key: obj.Key, Size: obj.Size, Modified: obj.LastModified})
		}
	}
	return nil
}
