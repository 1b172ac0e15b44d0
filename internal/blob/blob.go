// Package blob stores the bytes of documents. The portal keeps them in
// PostgreSQL by default (Postgres), in chunks, so that writing and reading
// stream with bounded memory whatever the size; larger installations keep
// them in an S3-compatible bucket (S3), behind the same small interface,
// Store.
//
// Blobs are immutable and never deleted: a blob is written once, inside
// the transaction that records what it belongs to, and read many times.
package blob

import (
	"context"
	"errors"
	"io"

	"github.com/jackc/pgx/v5"
)

// ErrNotFound is returned by Open for an id that names no blob.
var ErrNotFound = errors.New("blob: not found")

// ErrCorrupt is returned while reading when the bytes read back do not
// have the size or SHA-256 recorded when they were written.
var ErrCorrupt = errors.New("blob: content does not match its recorded size and SHA-256")

// Blob describes stored content: its id (the only name it is stored
// under), its size in bytes and its SHA-256.
type Blob struct {
	ID     int64
	Size   int64
	SHA256 [32]byte
}

// Store writes and reads blobs.
//
// Put writes everything r yields as a new blob inside tx, the caller's
// transaction, so the blob exists if and only if what refers to it
// commits: a rollback (a refused upload, a client gone, a crash) leaves
// nothing behind. The object store (S3) uploads the object under a fresh
// key and records the key in tx: an object of a rolled-back transaction
// stays in the bucket, named by no row, until S3.Sweep deletes it.
//
// Open returns the blob's content as a stream, which fails with ErrCorrupt
// at the end when the bytes do not match what Put recorded.
type Store interface {
	Put(ctx context.Context, tx pgx.Tx, r io.Reader) (Blob, error)
	Open(ctx context.Context, id int64) (io.ReadCloser, error)
}
