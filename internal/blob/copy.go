package blob

import (
	"context"
	"fmt"
	"io"
)

// CopyResult counts what CopyFromPostgres did.
type CopyResult struct {
	Copied int   // blobs copied to the bucket by this run
	Bytes  int64 // their bytes
	Before int   // blobs already in object storage when the run began
}

// CopyFromPostgres copies every blob kept only in PostgreSQL to the
// bucket, one at a time, oldest first: each is read from its chunks (which
// checks its size and SHA-256), uploaded, read back from the bucket and
// checked again, and only then recorded in blob_objects, from which moment
// Open reads it from the bucket. The chunks stay (blob_chunks is
// append-only).
//
// It can be stopped and run again: a blob is done once its row commits,
// and a run starts with those not done. It is safe while the portal
// serves and while another copy runs: blobs never change, a blob is read
// from its chunks until its object is whole and checked, and the key of a
// copy is the blob's id and hash, so two runs copying one blob write the
// same bytes under the same key and the first row wins. progress, if not
// nil, is told of each blob copied.
func (s *S3) CopyFromPostgres(ctx context.Context, progress func(id, size int64)) (CopyResult, error) {
	var res CopyResult
	const before = `SELECT count(*) FROM blob_objects`
	if err := s.pg.pool.QueryRow(ctx, before).Scan(&res.Before); err != nil {
		return res, fmt.Errorf("blob: copy: %w", err)
	}
	// Keyset paging: a batch of ids at a time, no connection held while
	// copying.
	const batch = `SELECT b.id, b.size, b.sha256 FROM blobs b
		WHERE b.id > $1 AND NOT EXISTS (SELECT 1 FROM blob_objects o WHERE o.blob_id = b.id)
		ORDER BY b.id LIMIT 100`
	type todo struct {
		id, size int64
		sum      []byte
	}
	var after int64
	for {
		rows, err := s.pg.pool.Query(ctx, batch, after)
		if err != nil {
			return res, fmt.Errorf("blob: copy: %w", err)
		}
		var list []todo
		for rows.Next() {
			var t todo
			if err := rows.Scan(&t.id, &t.size, &t.sum); err != nil {
				rows.Close()
				return res, fmt.Errorf("blob: copy: %w", err)
			}
			list = append(list, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, fmt.Errorf("blob: copy: %w", err)
		}
		if len(list) == 0 {
			return res, nil
		}
		for _, t := range list {
			after = t.id
			done, err := s.copyOne(ctx, t.id, t.size, t.sum)
			if err != nil {
				return res, err
			}
			if done {
				res.Copied++
				res.Bytes += t.size
				if progress != nil {
					progress(t.id, t.size)
				}
			}
		}
	}
}

// copyOne copies blob id; done is false when another run recorded it
// first.
func (s *S3) copyOne(ctx context.Context, id, size int64, sum []byte) (done bool, err error) {
	src, err := s.pg.Open(ctx, id)
	if err != nil {
		return false, fmt.Errorf("blob: copy %d: %w", id, err)
	}
	defer src.Close()
	key := fmt.Sprintf("%sblobs/%d-%x", s.prefix, id, sum)
	// upload reads to the end, where the chunks' reader checks size and
	// hash: a mismatch fails the upload before its last part is sent.
	if err := s.upload(ctx, key, src); err != nil {
		return false, fmt.Errorf("blob: copy %d to s3://%s/%s: %w", id, s.bucket, key, err)
	}
	back, err := s.openObject(ctx, id, s.bucket, key, size, sum)
	if err != nil {
		return false, fmt.Errorf("blob: copy %d: read back: %w", id, err)
	}
	_, err = io.Copy(io.Discard, back)
	back.Close()
	if err != nil {
		return false, fmt.Errorf("blob: copy %d: read back: %w", id, err)
	}
	const record = `INSERT INTO blob_objects (blob_id, bucket, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	tag, err := s.pg.pool.Exec(ctx, record, id, s.bucket, key)
	if err != nil {
		return false, fmt.Errorf("blob: copy %d: record: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}
