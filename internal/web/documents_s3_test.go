package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"inspectrack/internal/blob"
	"inspectrack/internal/blob/s3test"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// syncLog is a log the test reads while the server writes it.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTestServerOnS3 is newTestServer with documents kept in a bucket of a
// real S3 server running in the test, as serve runs with
// INSPECTRACK_BLOB_URL; it returns the server's log too.
func newTestServerOnS3(t *testing.T) (*testServer, *s3test.Server, *syncLog) {
	t.Helper()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(context.Background(), st, demoPassword, cheapParams); err != nil {
		t.Fatalf("seed: %v", err)
	}
	bucket := s3test.New(t, "documents")
	blobs, err := blob.NewS3(context.Background(), pool, bucket.Config("portal"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncLog{}
	cfg := testConfig()
	ts := &testServer{t: t, store: st, now: time.Now()}
	ts.srv = NewServer(slog.New(slog.NewTextHandler(logs, nil)), cfg, st,
		Options{PasswordParams: &cheapParams, Now: ts.clock, Sleep: ts.sleep, Blobs: blobs})
	ts.ts = httptest.NewUnstartedServer(ts.srv)
	ts.ts.Config = NewHTTPServer(ts.srv, cfg, nil)
	ts.ts.Listener = LimitListener(ts.ts.Listener, cfg)
	ts.ts.Start()
	t.Cleanup(ts.ts.Close)
	return ts, bucket, logs
}

func TestUploadWithObjectStorageKeepsTheDocumentInTheBucket(t *testing.T) {
	t.Parallel()
	ts, bucket, logs := newTestServerOnS3(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 5, 30, 14, 5, 0, 0, time.UTC))
	c := ts.as(leicsLiaison)
	path := fmt.Sprintf("/cases/%d/submissions", st.leics)

	// The bucket refuses the write: nothing is stored, and the liaison is
	// told it went wrong, without the details.
	bucket.RefuseWrites(true)
	res := c.send(path, "First try.", file("plan.pdf", uploadtest.PDF("Our plan")))
	wantStatus(t, res, http.StatusInternalServerError)
	if strings.Contains(res.Body, "Access Denied") || strings.Contains(res.Body, "documents") && strings.Contains(res.Body, "s3") {
		t.Error("the error page shows the object storage's answer")
	}
	ts.wantNothingStored()
	bucket.RefuseWrites(false)

	docx, pdf := uploadtest.DOCX("Our plan"), pdfOf(3<<20)
	res = c.send(path, "Approved.", file("Plan 2017.docx", docx), file("annex.pdf", pdf))
	wantStatus(t, res, http.StatusSeeOther)
	if got := ts.stored(); got.submissions != 1 || got.documents != 2 || got.blobs != 2 || got.chunks != 0 || got.audits != 1 {
		t.Fatalf("stored %+v, want 2 documents and no chunks in PostgreSQL", got)
	}
	keys := bucket.Keys(t)
	if len(keys) != 2 {
		t.Fatalf("bucket holds %v, want the 2 documents", keys)
	}

	page := c.get(path)
	wantStatus(t, page, http.StatusOK)
	links := page.doc(t).Find(`[data-testid="submission"] [data-testid="document"] a`)
	if links.Length() != 2 {
		t.Fatalf("%d document links", links.Length())
	}
	for i, want := range [][]byte{docx, pdf} {
		href, _ := links.Eq(i).Attr("href")
		dl := c.get(href)
		wantStatus(t, dl, http.StatusOK)
		if dl.Body != string(want) {
			t.Errorf("%s: downloaded %d bytes, want the %d sent", href, len(dl.Body), len(want))
		}
	}
	// An inspector reads them too; a document whose object was lost is a
	// server error that names the object in the log, not on the page.
	insp := ts.as("inspector@demo.test")
	// An object altered in the bucket: the download ends short of its
	// length, so the browser reports it failed rather than saving it.
	for _, k := range keys {
		if body := bucket.Object(t, k); len(body) == len(pdf) {
			bucket.Replace(t, k, append([]byte("%PDF-1.7 forged"), body[15:]...))
		}
	}
	href1, _ := links.Eq(1).Attr("href")
	raw, err := insp.http.Get(ts.ts.URL + href1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(raw.Body)
	raw.Body.Close()
	if err == nil || len(got) >= len(pdf) {
		t.Errorf("download of an altered object: %d of %d bytes, %v: want it cut short", len(got), len(pdf), err)
	}
	for _, k := range keys {
		bucket.Delete(t, k)
	}
	href, _ := links.Eq(0).Attr("href")
	dl := insp.get(href)
	wantStatus(t, dl, http.StatusInternalServerError)
	if strings.Contains(dl.Body, "portal/blobs/") {
		t.Error("the error page names the object")
	}
	if log := logs.String(); !strings.Contains(log, "missing from object storage") || !strings.Contains(log, "s3://documents/portal/blobs/") {
		t.Errorf("the log does not name the missing object:\n%s", log)
	}
}
