package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ErrMissing is returned by Open when the database records a blob in an
// object of the bucket and the bucket has no such object.
var ErrMissing = errors.New("blob: object missing from object storage")

// PartSize is the size of the parts an upload of unknown length is sent
// in, and so the memory one upload to object storage holds: the S3
// protocol wants each part's length before its bytes. 8 MiB parts allow
// objects of up to 80 GB (10,000 parts).
const PartSize = 8 << 20

// S3Config says where the S3-compatible bucket is and how to sign in.
type S3Config struct {
	// Bucket and Prefix come from a URL s3://bucket/prefix (ParseS3URL).
	Bucket, Prefix string
	// Endpoint is host[:port], or a URL whose scheme (http or https)
	// says whether to use TLS; empty means Amazon S3.
	Endpoint                           string
	Region                             string
	AccessKey, SecretKey, SessionToken string
	// Transport, when set, carries the requests (tests).
	Transport http.RoundTripper
}

// ParseS3URL reads s3://bucket/prefix: the prefix (which may be empty)
// is put before every key, ending in "/" when not empty.
func ParseS3URL(s string) (bucket, prefix string, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", fmt.Errorf("blob: %q is not an object storage URL: want s3://bucket/prefix", s)
	}
	prefix = strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return u.Host, prefix, nil
}

// S3 stores new blobs as objects of an S3-compatible bucket, each recorded
// in blob_objects beside its blobs row (size and SHA-256), and reads every
// blob from wherever it is: its object, or the chunks of a blob written
// before object storage was configured and not copied there yet.
type S3 struct {
	pg             *Postgres
	client         *minio.Client
	bucket, prefix string
	// parts recycles the part buffers of uploads.
	parts sync.Pool
}

// NewS3 returns the object store of cfg, with pool for the blobs table. It
// checks that the bucket can be reached and exists, so a wrong setting
// stops the portal at start rather than at the first upload.
func NewS3(ctx context.Context, pool *pgxpool.Pool, cfg S3Config) (*S3, error) {
	endpoint, secure := cfg.Endpoint, true
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("blob: S3 endpoint %q: want host[:port] or http(s)://host[:port]", cfg.Endpoint)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		// No keys given: the instance's or container's role, as the
		// AWS tools find it.
		creds = credentials.NewIAM("")
	}
	client, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: cfg.Region, Transport: cfg.Transport})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 endpoint %q: %w", endpoint, err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ok, err := client.BucketExists(cctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: bucket %q at %s: %w", cfg.Bucket, endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: bucket %q does not exist at %s: create it first", cfg.Bucket, endpoint)
	}
	s := &S3{pg: NewPostgres(pool), client: client, bucket: cfg.Bucket, prefix: cfg.Prefix}
	s.parts.New = func() any { b := make([]byte, PartSize); return &b }
	return s, nil
}

// URL is where new blobs go, as s3://bucket/prefix.
func (s *S3) URL() string { return "s3://" + s.bucket + "/" + s.prefix }

// Bucket is the bucket new blobs go to.
func (s *S3) Bucket() string { return s.bucket }

// Put streams r into a new object, hashing it as it goes, then records
// the blob and its object in tx. Memory is one part (PartSize) whatever
// the size (upload). The key is the blob's id and a random suffix, never reused,
// so no two databases sharing a bucket (a restored copy, say) can
// overwrite each other's objects. If tx rolls back after Put, the object
// stays in the bucket with no row naming it, unreachable, until Sweep
// deletes it.
func (s *S3) Put(ctx context.Context, tx pgx.Tx, r io.Reader) (Blob, error) {
	var b Blob
	const nextID = `SELECT nextval(pg_get_serial_sequence('blobs', 'id'))`
	if err := tx.QueryRow(ctx, nextID).Scan(&b.ID); err != nil {
		return b, fmt.Errorf("blob: put: id: %w", err)
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	key := fmt.Sprintf("%sblobs/%d-%s", s.prefix, b.ID, hex.EncodeToString(suffix[:]))
	hr := &hashingReader{r: r, h: sha256.New()}
	if err := s.upload(ctx, key, hr); err != nil {
		return b, fmt.Errorf("blob: put %d: %w", b.ID, err)
	}
	b.Size = hr.n
	copy(b.SHA256[:], hr.h.Sum(nil))
	if err := s.record(ctx, tx, b, 0, key); err != nil {
		s.remove(key)
		return b, err
	}
	return b, nil
}

// upload streams r into the object key, one part of PartSize at a time,
// each sent with its length and SHA-256 (which the server checks): a
// stream shorter than a part goes in one PUT, a longer one as a multipart
// upload, aborted if anything fails. An error of r is returned as it is.
func (s *S3) upload(ctx context.Context, key string, r io.Reader) error {
	bufp := s.parts.Get().(*[]byte)
	defer s.parts.Put(bufp)
	buf := *bufp
	core := minio.Core{Client: s.client}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true}
	n, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		sum := sha256.Sum256(buf[:n])
		_, err := core.PutObject(ctx, s.bucket, key, bytes.NewReader(buf[:n]), int64(n), "", hex.EncodeToString(sum[:]), opts)
		return err
	}
	if err != nil {
		return err
	}
	id, err := core.NewMultipartUpload(ctx, s.bucket, key, opts)
	if err != nil {
		return err
	}
	var parts []minio.CompletePart
	for part := 1; n > 0; part++ {
		sum := sha256.Sum256(buf[:n])
		p, err := core.PutObjectPart(ctx, s.bucket, key, id, part, bytes.NewReader(buf[:n]), int64(n),
			minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(sum[:]), DisableContentSha256: true})
		if err != nil {
			s.abort(key, id)
			return err
		}
		parts = append(parts, minio.CompletePart{PartNumber: p.PartNumber, ETag: p.ETag})
		n, err = io.ReadFull(r, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			s.abort(key, id)
			return err
		}
	}
	if _, err := core.CompleteMultipartUpload(ctx, s.bucket, key, id, parts, opts); err != nil {
		s.abort(key, id)
		return err
	}
	return nil
}

// abort ends a multipart upload that failed, so its parts take no space.
func (s *S3) abort(key, uploadID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = minio.Core{Client: s.client}.AbortMultipartUpload(ctx, s.bucket, key, uploadID)
}

// record inserts the blob's row (when chunks is 0: written here first)
// and its object's.
func (s *S3) record(ctx context.Context, tx pgx.Tx, b Blob, chunks int, key string) error {
	const insertBlob = `INSERT INTO blobs (id, size, sha256, chunks) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4)`
	if _, err := tx.Exec(ctx, insertBlob, b.ID, b.Size, b.SHA256[:], chunks); err != nil {
		return fmt.Errorf("blob: put %d: %w", b.ID, err)
	}
	const insertObject = `INSERT INTO blob_objects (blob_id, bucket, key) VALUES ($1, $2, $3)`
	if _, err := tx.Exec(ctx, insertObject, b.ID, s.bucket, key); err != nil {
		return fmt.Errorf("blob: put %d: object: %w", b.ID, err)
	}
	return nil
}

// remove deletes an object no row will name, as far as it can: what is
// left is only space.
func (s *S3) remove(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
}

// hashingReader counts and hashes what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}

// Open streams blob id from its object, or from its chunks when it has
// none. Size and SHA-256 are checked against the blobs row as it is read:
// the stream fails with ErrCorrupt at the end if they differ. An object
// the bucket has lost is ErrMissing, naming the object.
func (s *S3) Open(ctx context.Context, id int64) (io.ReadCloser, error) {
	const q = `SELECT b.size, b.sha256, o.bucket, o.key FROM blobs b
		LEFT JOIN blob_objects o ON o.blob_id = b.id WHERE b.id = $1`
	var size int64
	var sum []byte
	var bucket, key *string
	if err := s.pg.pool.QueryRow(ctx, q, id).Scan(&size, &sum, &bucket, &key); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("blob %d: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("blob: open %d: %w", id, err)
	}
	if key == nil {
		return s.pg.Open(ctx, id)
	}
	return s.openObject(ctx, id, *bucket, *key, size, sum)
}

func (s *S3) openObject(ctx context.Context, id int64, bucket, key string, size int64, sum []byte) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: open %d: object s3://%s/%s: %w", id, bucket, key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		if code := minio.ToErrorResponse(err).Code; code == "NoSuchKey" || code == "NoSuchBucket" {
			return nil, fmt.Errorf("blob %d: object s3://%s/%s: %w", id, bucket, key, ErrMissing)
		}
		return nil, fmt.Errorf("blob: open %d: object s3://%s/%s: %w", id, bucket, key, err)
	}
	if st.Size != size {
		obj.Close()
		return nil, fmt.Errorf("blob %d: object s3://%s/%s has %d bytes, recorded %d: %w", id, bucket, key, st.Size, size, ErrCorrupt)
	}
	return &checkedReader{rc: obj, id: id, size: size, sum: sum, h: sha256.New()}, nil
}

// checkedReader passes an object's bytes on, hashing them, and at the end
// fails with ErrCorrupt unless they are the size and hash recorded.
type checkedReader struct {
	rc   io.ReadCloser
	id   int64
	size int64
	sum  []byte
	h    hash.Hash
	read int64
	err  error
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.rc.Read(p)
	c.h.Write(p[:n])
	c.read += int64(n)
	if c.read > c.size {
		c.err = fmt.Errorf("blob %d: longer than its %d bytes: %w", c.id, c.size, ErrCorrupt)
		return 0, c.err
	}
	// The hash is checked before the last bytes are handed on: a download
	// of corrupt content then ends short of its Content-Length, which the
	// client sees as failed.
	if n > 0 && c.read == c.size && !bytes.Equal(c.h.Sum(nil), c.sum) {
		c.err = fmt.Errorf("blob %d: %w", c.id, ErrCorrupt)
		return 0, c.err
	}
	if err == io.EOF {
		if c.read != c.size || !bytes.Equal(c.h.Sum(nil), c.sum) {
			c.err = fmt.Errorf("blob %d: %w", c.id, ErrCorrupt)
			return 0, c.err
		}
		c.err = io.EOF
	} else if err != nil {
		c.err = fmt.Errorf("blob: read %d: %w", c.id, err)
	}
	return n, c.err
}

func (c *checkedReader) Close() error {
	if c.err == nil || c.err == io.EOF {
		c.err = errors.New("blob: read after close")
	}
	return c.rc.Close()
}
