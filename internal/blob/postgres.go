package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ChunkSize is the size of every chunk but a blob's last. A chunk is the
// unit held in memory while writing or reading: 1 MiB keeps memory small
// and the number of rows (and round trips) of a large document low.
const ChunkSize = 1 << 20

// Postgres stores blobs in the blobs and blob_chunks tables.
type Postgres struct {
	pool *pgxpool.Pool
	// bufs recycles chunk buffers, so that a stream of uploads and
	// downloads does not allocate a fresh MiB for every chunk.
	bufs sync.Pool
}

// NewPostgres returns the PostgreSQL blob store on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres {
	p := &Postgres{pool: pool}
	p.bufs.New = func() any { b := make([]byte, ChunkSize); return &b }
	return p
}

// Put writes r as a new blob in tx, one chunk at a time. Each chunk goes
// in with its own COPY, which pgconn streams through a pooled 64 KiB
// buffer: an INSERT would have pgx copy every chunk into fresh buffers
// twice, garbage that lets the heap (and the process) grow with the size
// of the upload. One statement per chunk keeps statement_timeout a bound
// on each. The chunks go in first and the blobs row last, once size and
// hash are known (the chunks' foreign key is checked at commit).
func (p *Postgres) Put(ctx context.Context, tx pgx.Tx, r io.Reader) (Blob, error) {
	var b Blob
	const nextID = `SELECT nextval(pg_get_serial_sequence('blobs', 'id'))`
	if err := tx.QueryRow(ctx, nextID).Scan(&b.ID); err != nil {
		return b, fmt.Errorf("blob: put: id: %w", err)
	}
	bufp := p.bufs.Get().(*[]byte)
	defer p.bufs.Put(bufp)
	buf := *bufp
	h := sha256.New()
	const copyChunk = `COPY blob_chunks (blob_id, seq, data) FROM STDIN (FORMAT binary)`
	seq := 0
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			row := copyRow(b.ID, seq, buf[:n])
			if _, err := tx.Conn().PgConn().CopyFrom(ctx, &row, copyChunk); err != nil {
				return b, fmt.Errorf("blob: put %d: chunk %d: %w", b.ID, seq, err)
			}
			b.Size += int64(n)
			seq++
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return b, fmt.Errorf("blob: put %d: read: %w", b.ID, err)
		}
	}
	copy(b.SHA256[:], h.Sum(nil))
	const insertBlob = `INSERT INTO blobs (id, size, sha256, chunks) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4)`
	if _, err := tx.Exec(ctx, insertBlob, b.ID, b.Size, b.SHA256[:], seq); err != nil {
		return b, fmt.Errorf("blob: put %d: %w", b.ID, err)
	}
	return b, nil
}

// binaryRow reads as a COPY ... (FORMAT binary) stream of one row
// (blob_id, seq, data): a fixed header and the field lengths, then the
// chunk itself, read in place.
type binaryRow struct {
	head [copyHeadLen]byte
	off  int    // how much of head has been read
	data []byte // what is left of the chunk
	tail [2]byte
	toff int
}

// copyHeadLen is the COPY signature (11), flags (4) and header extension
// length (4), then the tuple: field count (2), and each field's length
// (4) and value: blob_id (8), seq (4), then data's length (4).
const copyHeadLen = 11 + 4 + 4 + 2 + 4 + 8 + 4 + 4 + 4

func copyRow(blobID int64, seq int, data []byte) binaryRow {
	r := binaryRow{data: data}
	h := r.head[:0]
	h = append(h, "PGCOPY\n\xff\r\n\x00"...)
	h = binary.BigEndian.AppendUint32(h, 0) // flags
	h = binary.BigEndian.AppendUint32(h, 0) // header extension length
	h = binary.BigEndian.AppendUint16(h, 3) // fields
	h = binary.BigEndian.AppendUint32(h, 8)
	h = binary.BigEndian.AppendUint64(h, uint64(blobID))
	h = binary.BigEndian.AppendUint32(h, 4)
	h = binary.BigEndian.AppendUint32(h, uint32(seq))
	binary.BigEndian.AppendUint32(h, uint32(len(data)))
	binary.BigEndian.PutUint16(r.tail[:], 0xffff) // end of data
	return r
}

func (r *binaryRow) Read(p []byte) (int, error) {
	n := 0
	if r.off < len(r.head) {
		k := copy(p, r.head[r.off:])
		r.off += k
		n += k
	}
	if len(r.data) > 0 && n < len(p) {
		k := copy(p[n:], r.data)
		r.data = r.data[k:]
		n += k
	}
	if len(r.data) == 0 && r.off == len(r.head) && n < len(p) && r.toff < len(r.tail) {
		k := copy(p[n:], r.tail[r.toff:])
		r.toff += k
		n += k
	}
	if r.toff == len(r.tail) && n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Open streams the blob id from its chunks.
func (p *Postgres) Open(ctx context.Context, id int64) (io.ReadCloser, error) {
	const q = `SELECT b.size, b.sha256, b.chunks, o.bucket, o.key FROM blobs b
		LEFT JOIN blob_objects o ON o.blob_id = b.id WHERE b.id = $1`
	rd := &reader{p: p, ctx: ctx, id: id, h: sha256.New()}
	var bucket, key *string
	if err := p.pool.QueryRow(ctx, q, id).Scan(&rd.size, &rd.sum, &rd.chunks, &bucket, &key); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("blob %d: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("blob: open %d: %w", id, err)
	}
	if rd.chunks == 0 && rd.size > 0 && key != nil {
		// Uploaded while object storage was configured: its bytes are
		// only there.
		return nil, fmt.Errorf("blob %d is kept in object storage (s3://%s/%s): set INSPECTRACK_BLOB_URL to read it: %w", id, *bucket, *key, ErrMissing)
	}
	return rd, nil
}

// reader fetches one chunk per query, so a slow client holds no database
// connection between chunks, and checks size and hash at the end.
type reader struct {
	p      *Postgres
	ctx    context.Context
	id     int64
	size   int64
	sum    []byte
	chunks int
	seq    int
	read   int64
	h      hash.Hash
	bufp   *[]byte
	cur    []byte // unread part of the current chunk, in *bufp
	err    error
}

func (rd *reader) Read(b []byte) (int, error) {
	if rd.err != nil {
		return 0, rd.err
	}
	for len(rd.cur) == 0 {
		if rd.seq == rd.chunks {
			rd.err = rd.verify()
			return 0, rd.err
		}
		if err := rd.fetch(); err != nil {
			rd.err = err
			return 0, err
		}
	}
	n := copy(b, rd.cur)
	rd.cur = rd.cur[n:]
	return n, nil
}

// fetch reads chunk seq into the reader's buffer. DriverBytes points into
// pgx's read buffer, so the chunk is copied once, into a recycled buffer.
func (rd *reader) fetch() error {
	const q = `SELECT data FROM blob_chunks WHERE blob_id = $1 AND seq = $2`
	if rd.bufp == nil {
		rd.bufp = rd.p.bufs.Get().(*[]byte)
	}
	rows, err := rd.p.pool.Query(rd.ctx, q, rd.id, rd.seq)
	if err != nil {
		return fmt.Errorf("blob: read %d: chunk %d: %w", rd.id, rd.seq, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("blob: read %d: chunk %d: %w", rd.id, rd.seq, err)
		}
		return fmt.Errorf("blob %d: chunk %d missing: %w", rd.id, rd.seq, ErrCorrupt)
	}
	var data pgtype.DriverBytes
	if err := rows.Scan(&data); err != nil {
		return fmt.Errorf("blob: read %d: chunk %d: %w", rd.id, rd.seq, err)
	}
	if len(data) > len(*rd.bufp) {
		return fmt.Errorf("blob %d: chunk %d has %d bytes, more than a chunk: %w", rd.id, rd.seq, len(data), ErrCorrupt)
	}
	n := copy(*rd.bufp, data)
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("blob: read %d: chunk %d: %w", rd.id, rd.seq, err)
	}
	rd.seq++
	rd.read += int64(n)
	if rd.read > rd.size {
		return fmt.Errorf("blob %d: longer than its %d bytes: %w", rd.id, rd.size, ErrCorrupt)
	}
	rd.cur = (*rd.bufp)[:n]
	rd.h.Write(rd.cur)
	if rd.seq == rd.chunks && (rd.read != rd.size || !bytes.Equal(rd.h.Sum(nil), rd.sum)) {
		// Checked before the last chunk is handed on: a download of
		// corrupt content then ends short of its Content-Length, which
		// the client sees as failed.
		rd.cur = nil
		return fmt.Errorf("blob %d: %w", rd.id, ErrCorrupt)
	}
	return nil
}

func (rd *reader) verify() error {
	if rd.read != rd.size || !bytes.Equal(rd.h.Sum(nil), rd.sum) {
		return fmt.Errorf("blob %d: %w", rd.id, ErrCorrupt)
	}
	return io.EOF
}

// Close returns the buffer; reading after Close fails.
func (rd *reader) Close() error {
	if rd.bufp != nil {
		rd.p.bufs.Put(rd.bufp)
		rd.bufp, rd.cur = nil, nil
	}
	if rd.err == nil || rd.err == io.EOF {
		rd.err = errors.New("blob: read after close")
	}
	return nil
}
