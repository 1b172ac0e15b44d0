// Package s3test serves a real S3 implementation (gofakes3, in memory) in
// the test process, for the object store's tests and the commands' and
// portal's tests that run with object storage.
package s3test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"inspectrack/internal/blob"
)

// The keys the fake server is given; it accepts any.
const (
	AccessKey = "inspectrack-test"
	SecretKey = "inspectrack-test-secret"
)

// Server is an S3 server on a loopback port, with one bucket.
type Server struct {
	URL     string // http://127.0.0.1:port
	Bucket  string
	backend *s3mem.Backend
	// refuseWrites makes every PUT and POST answer 403 AccessDenied, as a
	// bucket whose policy refuses the portal's writes would.
	refuseWrites atomic.Bool
}

// New starts a server with bucket, stopped when t ends.
func New(t testing.TB, bucket string) *Server {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket(bucket); err != nil {
		t.Fatalf("s3test: create bucket: %v", err)
	}
	s := &Server{Bucket: bucket, backend: be}
	h := gofakes3.New(be, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.refuseWrites.Load() && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// RefuseWrites makes the server refuse (or again accept) every write.
func (s *Server) RefuseWrites(refuse bool) { s.refuseWrites.Store(refuse) }

// Config is the object store's settings for this server, with prefix.
func (s *Server) Config(prefix string) blob.S3Config {
	if prefix != "" && prefix[len(prefix)-1] != '/' {
		prefix += "/"
	}
	return blob.S3Config{Bucket: s.Bucket, Prefix: prefix, Endpoint: s.URL, Region: "us-east-1",
		AccessKey: AccessKey, SecretKey: SecretKey}
}

// Env is the environment the commands read for this server: add
// INSPECTRACK_BLOB_URL (or --to) to choose it.
func (s *Server) Env() map[string]string {
	return map[string]string{"INSPECTRACK_S3_ENDPOINT": s.URL, "INSPECTRACK_S3_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": AccessKey, "AWS_SECRET_ACCESS_KEY": SecretKey}
}

// Keys lists the bucket's keys, sorted.
func (s *Server) Keys(t testing.TB) []string {
	t.Helper()
	list, err := s.backend.ListBucket(s.Bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatalf("s3test: list: %v", err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys
}

// Object returns the bytes of key, read straight from the server's store.
func (s *Server) Object(t testing.TB, key string) []byte {
	t.Helper()
	o, err := s.backend.GetObject(s.Bucket, key, nil)
	if err != nil {
		t.Fatalf("s3test: get %s: %v", key, err)
	}
	defer o.Contents.Close()
	b, err := io.ReadAll(o.Contents)
	if err != nil {
		t.Fatalf("s3test: read %s: %v", key, err)
	}
	return b
}

// Replace overwrites key with body behind the portal's back.
func (s *Server) Replace(t testing.TB, key string, body []byte) {
	t.Helper()
	if _, err := s.backend.PutObject(s.Bucket, key, map[string]string{}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		t.Fatalf("s3test: put %s: %v", key, err)
	}
}

// Delete removes key behind the portal's back.
func (s *Server) Delete(t testing.TB, key string) {
	t.Helper()
	if _, err := s.backend.DeleteObject(s.Bucket, key); err != nil {
		t.Fatalf("s3test: delete %s: %v", key, err)
	}
}
