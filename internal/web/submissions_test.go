package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/upload/uploadtest"
)

// planStory is the seeded recommendation of the 2017 story (plans asked
// for on 16 May 2017, due 31 May 2017) and three of its 43 cases.
type planStory struct {
	finding, leics, sussex, kent int64
	// storyLeics and storySussex are the seeded story's cases of the two
	// forces with a demo liaison, which already have their plans of May
	// 2017: a liaison's home lists them too.
	storyLeics, storySussex int64
}

// newPlanStory adds a fresh recommendation to the story's report, applied
// to every police force and requested as the story's was (16 May 2017, due
// 31 May 2017), so that no force has sent anything for it yet: the seeded
// story's cases already have their plans of May 2017.
func (ts *testServer) newPlanStory() planStory {
	ts.t.Helper()
	ctx := context.Background()
	story := ts.storyRecommendation()
	sys := store.Actor{Email: "test", RequestID: "test-plan-story"}
	id, err := ts.store.CreateFinding(ctx, sys, story.ReportID, store.FindingInput{Kind: domain.FindingRecommendation,
		ParentID: story.ParentID, Reference: "Recommendation 2 (test)", Body: story.Body, Scope: store.ScopeAllPolice,
		Criteria: []store.NewCriterion{{Title: "A plan", Description: "The force has a plan."}}})
	if err != nil {
		ts.t.Fatal(err)
	}
	if _, err := ts.store.ApplyFinding(ctx, sys, id); err != nil {
		ts.t.Fatal(err)
	}
	if _, err := ts.store.RecordRequest(ctx, sys, id, seed.StoryRequestSentOn, seed.StoryPlanDueOn); err != nil {
		ts.t.Fatal(err)
	}
	caseOf := func(force string) int64 {
		c, err := ts.store.CaseFor(ctx, store.Scope{}, id, force)
		if err != nil {
			ts.t.Fatal(err)
		}
		return c.ID
	}
	storyCaseOf := func(force string) int64 {
		c, err := ts.store.CaseFor(ctx, store.Scope{}, story.ID, force)
		if err != nil {
			ts.t.Fatal(err)
		}
		return c.ID
	}
	return planStory{finding: id, leics: caseOf("leicestershire"), sussex: caseOf("sussex"), kent: caseOf("kent"),
		storyLeics: storyCaseOf("leicestershire"), storySussex: storyCaseOf("sussex")}
}

// filePart is one file of a multipart upload. disposition overrides the
// Content-Disposition built from name, to send what a hostile client would.
type filePart struct {
	name        string
	disposition string
	contentType string
	body        []byte
	reader      io.Reader // instead of body, for large files
	size        int64
}

func file(name string, body []byte) filePart {
	return filePart{name: name, contentType: "application/octet-stream", body: body}
}

// uploadBody builds a multipart body streaming its parts: the note
// before or after the files. It returns the body, its Content-Type and
// its length.
func uploadBody(note string, noteFirst bool, files ...filePart) (io.Reader, string, int64) {
	const boundary = "inspectrack-test-boundary-7d3f"
	var readers []io.Reader
	var length int64
	add := func(r io.Reader, n int64) { readers = append(readers, r); length += n }
	addString := func(s string) { add(strings.NewReader(s), int64(len(s))) }
	noteField := func() {
		addString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n" + note + "\r\n")
	}
	if noteFirst {
		noteField()
	}
	for _, f := range files {
		disp := f.disposition
		if disp == "" {
			disp = `form-data; name="documents"; filename="` + f.name + `"`
		}
		addString("--" + boundary + "\r\nContent-Disposition: " + disp + "\r\nContent-Type: " + f.contentType + "\r\n\r\n")
		if f.reader != nil {
			add(f.reader, f.size)
		} else {
			add(bytes.NewReader(f.body), int64(len(f.body)))
		}
		addString("\r\n")
	}
	if !noteFirst {
		noteField()
	}
	addString("--" + boundary + "--\r\n")
	return io.MultiReader(readers...), "multipart/form-data; boundary=" + boundary, length
}

// sendMultipart posts a multipart body as a same-origin browser would, with its
// Content-Length or, when chunked, without one.
func (c *client) sendMultipart(path string, body io.Reader, contentType string, length int64, chunked bool) response {
	c.ts.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.ts.ts.URL+path, io.NopCloser(body))
	req.ContentLength = length
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.ts.ts.URL)
	return c.do(req)
}

// send posts a plan (or progress update) with note and files.
func (c *client) send(path, note string, files ...filePart) response {
	c.ts.t.Helper()
	body, ct, n := uploadBody(note, false, files...)
	return c.sendMultipart(path, body, ct, n, false)
}

// stored counts what submissions leave behind.
type stored struct {
	submissions, documents, blobs, chunks, audits int
	firstSubmitted                                bool
}

func (ts *testServer) stored() stored {
	ts.t.Helper()
	var s stored
	// The seeded story's plans of May 2017 are left out: what counts is
	// what the test stored.
	err := ts.store.Pool().QueryRow(context.Background(), `WITH seeded AS (
			SELECT s.id, d.blob_id FROM submissions s JOIN documents d ON d.submission_id = s.id
			JOIN cases c ON c.id = s.case_id WHERE c.finding_id = $1)
		SELECT
		(SELECT count(*) FROM submissions WHERE id NOT IN (SELECT id FROM seeded)),
		(SELECT count(*) FROM documents WHERE blob_id NOT IN (SELECT blob_id FROM seeded)),
		(SELECT count(*) FROM blobs WHERE id NOT IN (SELECT blob_id FROM seeded)),
		(SELECT count(*) FROM blob_chunks WHERE blob_id NOT IN (SELECT blob_id FROM seeded)),
		(SELECT count(*) FROM audit_events WHERE action = 'submission.create' AND object_id NOT IN (SELECT id::text FROM seeded)),
		EXISTS (SELECT 1 FROM cases WHERE finding_id <> $1 AND (first_submitted_at IS NOT NULL OR last_submitted_at IS NOT NULL))`,
		ts.storyRecommendation().ID).
		Scan(&s.submissions, &s.documents, &s.blobs, &s.chunks, &s.audits, &s.firstSubmitted)
	if err != nil {
		ts.t.Fatal(err)
	}
	return s
}

func (ts *testServer) wantNothingStored() {
	ts.t.Helper()
	if got := ts.stored(); got != (stored{}) {
		ts.t.Errorf("something was stored: %+v", got)
	}
}

// pdfOf is a PDF padded to exactly n bytes.
func pdfOf(n int) []byte {
	b := uploadtest.PDF("Plan")
	return append(b, bytes.Repeat([]byte{'\n'}, n-len(b))...)
}

const (
	leicsLiaison  = "liaison.leicestershire@demo.test"
	sussexLiaison = "liaison.sussex@demo.test"
)

func TestLiaisonSendsARealDocxAndPdf(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 5, 30, 14, 5, 0, 0, time.UTC))
	c := ts.as(leicsLiaison)
	docx, pdf := uploadtest.DOCX("Our plan"), uploadtest.PDF("Annex")
	res := c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "Approved by the chief officer group.",
		file("Plan 2017.docx", docx), filePart{name: "annex.pdf", contentType: "text/html", body: pdf})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/cases/%d/submissions", st.leics) {
		t.Errorf("redirect to %q", loc)
	}
	got := ts.stored()
	if got.submissions != 1 || got.documents != 2 || got.blobs != 2 || got.audits != 1 || !got.firstSubmitted {
		t.Fatalf("stored %+v", got)
	}

	page := c.get(fmt.Sprintf("/cases/%d/submissions", st.leics))
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	if flash := doc.Find(".govuk-notification-banner").Text(); !strings.Contains(flash, "Version 1 of your plan was sent, with 2 documents.") {
		t.Errorf("flash %q", flash)
	}
	sub := doc.Find(`[data-testid="submission"]`)
	if sub.Length() != 1 {
		t.Fatalf("%d submissions shown", sub.Length())
	}
	if at := sub.Find(`[data-testid="sent-at"]`).Text(); at != "30 May 2017 at 3:05pm" {
		t.Errorf("sent at %q, want Europe/London time", at)
	}
	if by := sub.Find(`[data-testid="sent-by"]`).Text(); by != "Lee Liaison (Leicestershire)" {
		t.Errorf("sent by %q", by)
	}
	if timing := sub.Find(`[data-testid="timing"]`).Text(); !strings.Contains(timing, "On time") {
		t.Errorf("timing %q", timing)
	}
	if note := sub.Find(`[data-testid="note"]`).Text(); note != "Approved by the chief officer group." {
		t.Errorf("note %q", note)
	}
	docs := sub.Find(`[data-testid="document"]`)
	if docs.Length() != 2 || !strings.Contains(docs.Eq(0).Text(), "Word document (DOCX)") || !strings.Contains(docs.Eq(1).Text(), "PDF") {
		t.Errorf("documents: %q", docs.Text())
	}

	// The documents come back byte for byte, typed by their content, not
	// by the Content-Type the browser sent.
	for i, want := range []struct {
		body        []byte
		contentType string
		filename    string
	}{
		{docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", `filename*=UTF-8''Plan%202017.docx`},
		{pdf, "application/pdf", `filename="annex.pdf"`},
	} {
		href, _ := docs.Eq(i).Find("a").Attr("href")
		dl := c.get(href)
		wantStatus(t, dl, http.StatusOK)
		if dl.Body != string(want.body) {
			t.Errorf("%s: downloaded %d bytes, want the %d sent", href, len(dl.Body), len(want.body))
		}
		if ct := dl.Header.Get("Content-Type"); ct != want.contentType {
			t.Errorf("%s: Content-Type %q, want %q", href, ct, want.contentType)
		}
		if cd := dl.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; ") || !strings.Contains(cd, want.filename) {
			t.Errorf("%s: Content-Disposition %q", href, cd)
		}
	}
}

func TestUploadRefusesWhatIsNotAnAcceptedDocument(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	for _, tc := range []struct {
		what   string
		file   filePart
		reason string
	}{
		{"HTML named plan.pdf sent as application/pdf", filePart{name: "plan.pdf", contentType: "application/pdf", body: uploadtest.HTML()},
			"plan.pdf must be a PDF, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV file: it is a web page (HTML)"},
		{"a ZIP bomb named .docx", file("plan.docx", uploadtest.ZipBomb(20<<20)), "plan.docx cannot be accepted: it would expand"},
		{"a Word file with macros", file("plan.docm", uploadtest.DOCM()), "plan.docm cannot be accepted: it contains macros"},
		{"a Word file with an external template", file("plan.docx", uploadtest.ExternalTemplateDOCX()), "plan.docx cannot be accepted: it links to something outside it"},
		{"a DOCX declaring 40,000 bytes that inflates to 3 GiB", file("plan.docx", uploadtest.LyingBomb(40000, 3<<30)), "plan.docx cannot be accepted: it expands to more than it declares"},
		{"an empty file", file("plan.pdf", nil), "plan.pdf is empty"},
	} {
		// The note comes after the file, as browsers send this form: it
		// is kept all the same.
		res := c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "Note to keep <b>as typed</b>", tc.file)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		doc := res.doc(t)
		summary := doc.Find(`[data-testid="error-summary"]`).Text()
		if !strings.Contains(summary, tc.reason) {
			t.Errorf("%s: error summary %q, want %q", tc.what, strings.TrimSpace(summary), tc.reason)
		}
		if href, _ := doc.Find(`[data-testid="error-summary"] a`).Attr("href"); href != "#documents" {
			t.Errorf("%s: error links to %q", tc.what, href)
		}
		if msg := doc.Find(`[data-testid="documents-error"]`).Text(); !strings.Contains(msg, tc.reason) {
			t.Errorf("%s: field error %q", tc.what, msg)
		}
		if note := doc.Find("textarea#note").Text(); note != "Note to keep <b>as typed</b>" {
			t.Errorf("%s: note not kept: %q", tc.what, note)
		}
		if title := doc.Find("title").Text(); !strings.HasPrefix(title, "Error: ") {
			t.Errorf("%s: title %q", tc.what, title)
		}
	}
	if n := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'submission.refused' AND summary LIKE '%plan.pdf must be a PDF%web page (HTML)%'`); n != 1 {
		t.Errorf("%d audit events for the disguised page, want 1", n)
	}
	// One bad file among good ones: nothing of the submission is kept.
	res := c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "",
		file("plan.pdf", uploadtest.PDF("ok")), file("evil.pdf", uploadtest.HTML()))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	ts.wantNothingStored()

	res = c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "no files")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.doc(t).Find(`[data-testid="error-summary"]`).Text(), "Select the documents of your plan") {
		t.Error("no error for a plan without documents")
	}
	ts.wantNothingStored()
}

// With limits of 1 MiB a file and 2 MiB a submission, a file of exactly
// the limit goes through and one byte more is refused, with or without
// Content-Length, leaving nothing.
func TestUploadOneByteOverTheLimitIsRefused(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxFileBytes, cfg.MaxSubmissionBytes = 1<<20, 2<<20
	ts := newTestServerWith(t, cfg)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	path := fmt.Sprintf("/cases/%d/submissions", st.leics)
	for _, chunked := range []bool{false, true} {
		for _, tc := range []struct {
			what   string
			files  []filePart
			reason string
		}{
			{"one file a byte over", []filePart{file("big.pdf", pdfOf(1<<20+1))}, "big.pdf must be smaller than 1 MB"},
			{"files together a byte over", []filePart{file("a.pdf", pdfOf(1<<20)), file("b.pdf", pdfOf(1<<20-10)), file("c.txt", []byte("eleven byte"))},
				"The selected files must be smaller than 2 MB in total"},
		} {
			// The note goes first: reading stops at the first byte over a
			// limit, so a note after the files is never read.
			body, ct, n := uploadBody("keep me", true, tc.files...)
			res := c.sendMultipart(path, body, ct, n, chunked)
			wantStatus(t, res, http.StatusRequestEntityTooLarge)
			doc := res.doc(t)
			if msg := doc.Find(`[data-testid="error-summary"]`).Text(); !strings.Contains(msg, tc.reason) {
				t.Errorf("%s (chunked %v): %q, want %q", tc.what, chunked, strings.TrimSpace(msg), tc.reason)
			}
			if note := doc.Find("textarea#note").Text(); note != "keep me" {
				t.Errorf("%s (chunked %v): note %q", tc.what, chunked, note)
			}
			ts.wantNothingStored()
		}
		// A body beyond what any submission could be is cut off where the
		// bound falls (chunked) or refused from its Content-Length.
		body, ct, n := uploadBody("", false, filePart{disposition: `form-data; name="junk"; filename="junk.bin"`,
			contentType: "application/octet-stream", body: make([]byte, 3<<20+1)})
		res := c.sendMultipart(path, body, ct, n, chunked)
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		if h1 := res.doc(t).Find("h1").Text(); h1 != "The file is too large" {
			t.Errorf("oversized body (chunked %v): heading %q", chunked, h1)
		}
		ts.wantNothingStored()
	}
	// Exactly at the limits is fine.
	res := c.send(path, "", file("a.pdf", pdfOf(1<<20)), file("b.pdf", pdfOf(1<<20)))
	wantStatus(t, res, http.StatusSeeOther)
}

// countingPipe is a request body written by a goroutine through a pipe,
// counting what the client managed to send.
type countingPipe struct {
	pr      *io.PipeReader
	mu      sync.Mutex
	written int64
}

func (c *countingPipe) Read(p []byte) (int, error) {
	n, err := c.pr.Read(p)
	c.mu.Lock()
	c.written += int64(n)
	c.mu.Unlock()
	return n, err
}

func (c *countingPipe) sent() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written
}

// A 60 MiB file over a 1 MiB limit is refused at the first byte over it:
// the 413 page arrives and the connection closes long before the client
// has sent the file, with or without Content-Length.
func TestUploadOverTheFileLimitIsRefusedBeforeItIsAllSent(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxFileBytes = 1 << 20
	ts := newTestServerWith(t, cfg)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	for _, chunked := range []bool{false, true} {
		const size = 60 << 20
		pdf := uploadtest.PDF("Plan")
		body, ct, n := uploadBody("keep me", true, filePart{name: "big.pdf", contentType: "application/pdf",
			reader: io.MultiReader(bytes.NewReader(pdf), zeros(size-int64(len(pdf)))), size: size})
		pr, pw := io.Pipe()
		go func() { _, err := io.Copy(pw, body); pw.CloseWithError(err) }()
		cp := &countingPipe{pr: pr}
		req, _ := http.NewRequest(http.MethodPost, ts.ts.URL+fmt.Sprintf("/cases/%d/submissions", st.leics), cp)
		req.ContentLength = n
		if chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", ts.ts.URL)
		res, err := c.http.Do(req)
		pr.CloseWithError(errors.New("test: stop sending")) // what the client still had, it never sends
		if err != nil {
			t.Fatalf("chunked %v: no answer after %d bytes sent: %v", chunked, cp.sent(), err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		sent := cp.sent()
		t.Logf("chunked %v: answered %d after %.1f MiB of the 60 MiB were sent", chunked, res.StatusCode, float64(sent)/(1<<20))
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked %v: status %d, want 413", chunked, res.StatusCode)
		}
		if !strings.Contains(string(page), "big.pdf must be smaller than 1 MB") || !strings.Contains(string(page), "keep me") {
			t.Errorf("chunked %v: the page does not name the file or lost the note", chunked)
		}
		if !res.Close {
			t.Errorf("chunked %v: the connection stays open (no Connection: close)", chunked)
		}
		if sent > 20<<20 {
			t.Errorf("chunked %v: the client sent %.1f MiB before the answer; want reading to stop just past 1 MiB", chunked, float64(sent)/(1<<20))
		}
	}
	ts.wantNothingStored()
}

// A file whose name a browser would never send (unterminated quote,
// undecodable filename*) is not dropped in silence: the page says so in
// the error summary, and nothing of the submission is kept.
func TestFileWithAMalformedNameIsReportedNotDropped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	for _, disposition := range []string{
		`form-data; name="documents"; filename="annex.pdf`,
		`form-data; name="documents"; filename*=UTF-8''%ZZannex.pdf`,
	} {
		res := c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "keep me",
			file("plan.pdf", uploadtest.PDF("Plan")),
			filePart{disposition: disposition, contentType: "application/pdf", body: uploadtest.PDF("Annex")})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		doc := res.doc(t)
		const want = "One of the selected files was not sent because its name could not be read"
		if summary := doc.Find(`[data-testid="error-summary"]`).Text(); !strings.Contains(summary, want) {
			t.Errorf("%s: error summary %q, want %q", disposition, strings.TrimSpace(summary), want)
		}
		if note := doc.Find("textarea#note").Text(); note != "keep me" {
			t.Errorf("%s: note %q", disposition, note)
		}
	}
	ts.wantNothingStored()
}

// Hostile file names are stored as cleaned display names, shown escaped,
// and served in a header they cannot break out of.
func TestHostileFileNamesAreStoredAndServedSafely(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	text := []byte("The plan, in plain text.\n")
	res := c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "",
		file("../../etc/passwd", text),
		filePart{disposition: `form-data; name="documents"; filename*=UTF-8''plan%00.txt`, contentType: "text/plain", body: text},
		filePart{disposition: `form-data; name="documents"; filename*=UTF-8''%22%0D%0ASet-Cookie%3A%20x%3Dy`, contentType: "text/plain", body: text},
		file(`<img src=x onerror=alert(1)>.txt`, text),
	)
	wantStatus(t, res, http.StatusSeeOther)

	rows, err := ts.store.Pool().Query(context.Background(), `SELECT d.id, d.display_name FROM documents d JOIN submissions s ON s.id = d.submission_id
		WHERE s.case_id = $1 ORDER BY d.position`, st.leics)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var names []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		ids, names = append(ids, id), append(names, name)
	}
	wantNames := []string{"passwd", "plan.txt", "Set-Cookie: x=y", "<img src=x onerror=alert(1)>.txt"}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") {
		t.Fatalf("stored names %q, want %q", names, wantNames)
	}
	page := c.get(fmt.Sprintf("/cases/%d/submissions", st.leics))
	if strings.Contains(page.Body, "<img src=x") {
		t.Error("a file name reached the page unescaped")
	}
	wantDisposition := []string{
		`attachment; filename="passwd.txt"; filename*=UTF-8''passwd.txt`,
		`attachment; filename="plan.txt"; filename*=UTF-8''plan.txt`,
		`attachment; filename="Set-Cookie: x=y.txt"; filename*=UTF-8''Set-Cookie%3A%20x%3Dy.txt`,
		`attachment; filename="<img src=x onerror=alert(1)>.txt"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt`,
	}
	for i, id := range ids {
		dl := c.get(fmt.Sprintf("/documents/%d", id))
		wantStatus(t, dl, http.StatusOK)
		if got := dl.Header.Get("Content-Disposition"); got != wantDisposition[i] {
			t.Errorf("document %d: Content-Disposition\n got %s\nwant %s", id, got, wantDisposition[i])
		}
		if len(dl.Header.Values("Content-Disposition")) != 1 || len(dl.Header.Values("Set-Cookie")) != 0 && strings.Contains(strings.Join(dl.Header.Values("Set-Cookie"), ";"), "x=y") {
			t.Errorf("document %d: a header was injected: %v", id, dl.Header)
		}
		if ct := dl.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("document %d: Content-Type %q", id, ct)
		}
		if dl.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(dl.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("document %d: missing nosniff or sandbox: %v", id, dl.Header)
		}
		if dl.Body != string(text) {
			t.Errorf("document %d: body %q", id, dl.Body)
		}
	}
}

// The Sussex liaison cannot see or touch anything of Leicestershire's: the
// case, its submissions and documents are 404s, and posting changes
// nothing.
func TestSussexLiaisonCannotReachLeicestershiresPlans(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	leics := ts.as(leicsLiaison)
	wantStatus(t, leics.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "secret plan", file("plan.pdf", uploadtest.PDF("Leicestershire"))), http.StatusSeeOther)
	var subID, docID int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT s.id, d.id FROM submissions s JOIN documents d ON d.submission_id = s.id`).Scan(&subID, &docID); err != nil {
		t.Fatal(err)
	}
	before := ts.stored()

	sussex := ts.as(sussexLiaison)
	for _, path := range []string{
		fmt.Sprintf("/cases/%d/submissions", st.leics),
		fmt.Sprintf("/cases/%d/submissions/new", st.leics),
		fmt.Sprintf("/cases/%d/progress/new", st.leics),
		fmt.Sprintf("/submissions/%d", subID),
		fmt.Sprintf("/documents/%d", docID),
		fmt.Sprintf("/recommendations/%d/plans", st.finding),
		"/plans",
	} {
		res := sussex.get(path)
		wantStatus(t, res, http.StatusNotFound)
		if strings.Contains(res.Body, "secret plan") || strings.Contains(res.Body, "Leicestershire") {
			t.Errorf("%s: the 404 page shows Leicestershire's data", path)
		}
	}
	for _, path := range []string{fmt.Sprintf("/cases/%d/submissions", st.leics), fmt.Sprintf("/cases/%d/progress", st.leics)} {
		res := sussex.send(path, "from Sussex", file("plan.pdf", uploadtest.PDF("Sussex")))
		wantStatus(t, res, http.StatusNotFound)
	}
	if after := ts.stored(); after != before {
		t.Errorf("Sussex's posts changed something: %+v, then %+v", before, after)
	}
	home := sussex.get("/")
	wantStatus(t, home, http.StatusOK)
	cards := home.doc(t).Find(`[data-testid="liaison-case"]`)
	if cards.Length() != 2 || strings.Contains(home.Body, "Leicestershire") {
		t.Errorf("Sussex's home shows %d cases, or Leicestershire's", cards.Length())
	}
	// Sussex's own cases are there (the seeded story's and the test's),
	// and theirs to send to.
	var ids []string
	cards.Each(func(_ int, card *goquery.Selection) { id, _ := card.Attr("data-case-id"); ids = append(ids, id) })
	if want := []string{fmt.Sprint(st.storySussex), fmt.Sprint(st.sussex)}; strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("Sussex's home lists cases %v, want %v", ids, want)
	}
	// An admin holds no permission to read documents at all.
	wantStatus(t, ts.as("admin@demo.test").get(fmt.Sprintf("/documents/%d", docID)), http.StatusNotFound)
}

// rawUpload starts a POST of a submission of size bytes on its own TCP
// connection, as the signed-in client c, and writes the first sent bytes
// of the body. Writing blocks while the server does not read, so once it
// returns the server has read most of them (all but what the sockets
// buffer).
func rawUpload(t *testing.T, c *client, path string, size, sent int64) net.Conn {
	t.Helper()
	u, _ := url.Parse(c.ts.ts.URL)
	var cookies []string
	for _, ck := range c.http.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	pdf := uploadtest.PDF("Plan")
	body, ct, n := uploadBody("half a plan", true, filePart{name: "plan.pdf", contentType: "application/pdf",
		reader: io.MultiReader(bytes.NewReader(pdf), zeros(size-int64(len(pdf)))), size: size})
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nOrigin: %s\r\nSec-Fetch-Site: same-origin\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		path, u.Host, strings.Join(cookies, "; "), c.ts.ts.URL, ct, n)
	if _, err := io.CopyN(conn, body, sent); err != nil {
		t.Fatalf("writing the first %d bytes: %v", sent, err)
	}
	return conn
}

// zeros is n zero bytes, without holding them.
func zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// A client that drops the connection half way through a 20 MiB upload, or
// a server that stops half way through one, leaves no rows and no blobs.
func TestUploadCutShortLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cut  func(ts *testServer, conn net.Conn)
	}{
		{"client disconnects", func(ts *testServer, conn net.Conn) { conn.Close() }},
		{"server shuts down", func(ts *testServer, conn net.Conn) {
			ts.ts.CloseClientConnections()
			conn.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			st := ts.newPlanStory()
			c := ts.as(leicsLiaison)
			conn := rawUpload(t, c, fmt.Sprintf("/cases/%d/submissions", st.leics), 20<<20, 10<<20)
			tc.cut(ts, conn)
			ts.ts.Close() // returns once the handler has finished
			ts.wantNothingStored()
		})
	}
}

// Later submissions are new versions; the earlier ones stay, superseded,
// each with when, by whom and whether it was late against the due date of
// the time.
func TestPlanVersionsAreKept(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	path := fmt.Sprintf("/cases/%d/submissions", st.leics)
	// 23:30 on the due day in London (BST) is on time.
	ts.setClock(time.Date(2017, 5, 31, 22, 30, 0, 0, time.UTC))
	c := ts.as(leicsLiaison)
	wantStatus(t, c.send(path, "First version", file("plan-v1.pdf", uploadtest.PDF("v1"))), http.StatusSeeOther)
	ts.setClock(time.Date(2017, 6, 2, 9, 0, 0, 0, time.UTC))
	c = ts.as(leicsLiaison) // two days on, a new session
	wantStatus(t, c.send(path, "Second version, with the annex", file("plan-v2.docx", uploadtest.DOCX("v2")), file("annex.xlsx", uploadtest.XLSX())), http.StatusSeeOther)

	var first, last time.Time
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT first_submitted_at, last_submitted_at FROM cases WHERE id = $1`, st.leics).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if !first.Equal(time.Date(2017, 5, 31, 22, 30, 0, 0, time.UTC)) || !last.Equal(ts.clock()) {
		t.Errorf("case dates: first %v, last %v", first, last)
	}

	for _, who := range []string{leicsLiaison, "inspector@demo.test", "manager@demo.test"} {
		page := ts.as(who).get(path)
		wantStatus(t, page, http.StatusOK)
		subs := page.doc(t).Find(`[data-testid="submission"]`)
		if subs.Length() != 2 {
			t.Fatalf("%s sees %d versions", who, subs.Length())
		}
		v2, v1 := subs.Eq(0), subs.Eq(1)
		if !strings.Contains(v2.Find("h3").Text(), "Plan, version 2") || v2.Find(`[data-testid="latest"]`).Length() != 1 {
			t.Errorf("%s: first card %q, want version 2, latest", who, v2.Find("h3").Text())
		}
		if !strings.Contains(v1.Find("h3").Text(), "Plan, version 1") || v1.Find(`[data-testid="superseded"]`).Length() != 1 {
			t.Errorf("%s: second card %q, want version 1, superseded", who, v1.Find("h3").Text())
		}
		if got := v1.Find(`[data-testid="sent-at"]`).Text(); got != "31 May 2017 at 11:30pm" {
			t.Errorf("%s: version 1 sent %q", who, got)
		}
		if got := v1.Find(`[data-testid="timing"]`).Text(); !strings.Contains(got, "On time") {
			t.Errorf("%s: version 1 timing %q", who, got)
		}
		if got := v2.Find(`[data-testid="timing"]`).Text(); !strings.Contains(got, "Late") || !strings.Contains(got, "2 days after the due date, 31 May 2017") {
			t.Errorf("%s: version 2 timing %q", who, got)
		}
		if n := page.doc(t).Find(`[data-testid="document-link"]`).Length(); n != 3 {
			t.Errorf("%s: %d download links, want 3", who, n)
		}
	}
	// The case page's timeline has both versions, and as of 1 June only
	// the first.
	casePage := c.get(fmt.Sprintf("/cases/%d", st.leics)).doc(t)
	if n := casePage.Find(`[data-testid="timeline-plan"]`).Length(); n != 2 {
		t.Errorf("case timeline shows %d plan versions, want 2", n)
	}
	if got := casePage.Find(`[data-testid="timeline-plan"]`).First().Text(); !strings.Contains(got, "Plan received: version 2") ||
		!strings.Contains(got, "Lee Liaison (Leicestershire)") || !strings.Contains(got, "2 June 2017 at 10am") || !strings.Contains(got, "annex.xlsx") {
		t.Errorf("timeline entry %q", got)
	}
	asOf := c.get(fmt.Sprintf("/cases/%d?asof=2017-06-01", st.leics)).doc(t)
	if n := asOf.Find(`[data-testid="timeline-plan"]`).Length(); n != 1 {
		t.Errorf("as of 1 June the timeline shows %d plan versions, want 1", n)
	}
	// Nothing can delete a version, not even the database owner by mistake.
	if _, err := ts.store.Pool().Exec(context.Background(), `DELETE FROM submissions`); err == nil {
		t.Error("a submission could be deleted")
	}
}

func TestProgressUpdatesAreDatedAndNeedText(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 9, 1, 10, 0, 0, 0, time.UTC))
	c := ts.as(leicsLiaison)
	path := fmt.Sprintf("/cases/%d/progress", st.leics)
	res := c.send(path, "   ")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Enter the progress update") {
		t.Error("no error for an empty update")
	}
	wantStatus(t, c.send(path, "IT monitoring procured; training under way."), http.StatusSeeOther)
	wantStatus(t, c.send(path, "Training done.", file("training.csv", []byte("course,people\nawareness,120\nsupervisors,40\nunit,12\n"))), http.StatusSeeOther)
	got := ts.stored()
	// Progress updates do not count as a plan: the case still has none.
	if got.submissions != 2 || got.documents != 1 || got.firstSubmitted {
		t.Errorf("stored %+v", got)
	}
	page := ts.as("inspector@demo.test").get(fmt.Sprintf("/cases/%d/submissions", st.leics))
	doc := page.doc(t)
	if n := doc.Find(`#progress ~ [data-testid="submission"]`).Length(); n != 2 {
		t.Errorf("%d progress updates shown", n)
	}
	if doc.Find(`[data-testid="no-plan"]`).Length() != 1 {
		t.Error("the case shows a plan")
	}
	if doc.Find(`[data-testid="send-plan"]`).Length() != 0 {
		t.Error("an inspector is offered to send a plan")
	}
	// On the case page: the updates in the timeline; buttons to send for
	// the liaison only.
	casePath := fmt.Sprintf("/cases/%d", st.leics)
	if n := ts.as("inspector@demo.test").get(casePath).doc(t).Find(`[data-testid="timeline-progress"]`).Length(); n != 2 {
		t.Errorf("the case timeline shows %d progress updates", n)
	}
	for who, want := range map[string]bool{leicsLiaison: true, "inspector@demo.test": false} {
		page := ts.as(who).get(casePath)
		wantStatus(t, page, http.StatusOK)
		if got := strings.Contains(page.Body, "Send your plan") && strings.Contains(page.Body, "Report progress"); got != want {
			t.Errorf("%s: offered to send: %v, want %v", who, got, want)
		}
		if !strings.Contains(page.Body, fmt.Sprintf(`href="/cases/%d/submissions"`, st.leics)) {
			t.Errorf("%s: no link to the plan versions", who)
		}
	}
}

func TestLiaisonHomeShowsTheirForcesCases(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 5, 20, 9, 0, 0, 0, time.UTC))
	c := ts.as(leicsLiaison)
	home := c.get("/")
	wantStatus(t, home, http.StatusOK)
	doc := home.doc(t)
	if got := doc.Find(`[data-testid="force-name"]`).Text(); got != "Leicestershire Police" {
		t.Errorf("force %q", got)
	}
	// The seeded story's case, whose plan was sent on 31 May 2017, and the
	// test's, to which nothing has been sent.
	if n := doc.Find(`[data-testid="liaison-case"]`).Length(); n != 2 {
		t.Fatalf("%d cases", n)
	}
	testCase := fmt.Sprintf(`[data-testid="liaison-case"][data-case-id="%d"]`, st.leics)
	card := doc.Find(testCase)
	if card.Length() != 1 {
		t.Fatalf("the test's case %d is not listed", st.leics)
	}
	for sel, want := range map[string]string{
		`[data-testid="asked"]`:      "within six months, all forces should have started to implement a plan",
		`[data-testid="plan-due"]`:   "31 May 2017",
		`[data-testid="status-tag"]`: "Awaited",
		`.app-tag-detail`:            "11 days left",
		`[data-testid="sent"]`:       "Nothing yet",
	} {
		if got := strings.TrimSpace(card.Find(sel).Text()); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	ts.setClock(time.Date(2017, 6, 12, 9, 0, 0, 0, time.UTC))
	c = ts.as(leicsLiaison) // three weeks on, the session has timed out
	home = c.get("/")
	card = home.doc(t).Find(testCase)
	if got := card.Find(`.app-tag-detail`).Text(); got != "12 days past the due date" {
		t.Errorf("overdue detail %q", got)
	}
	if got := home.doc(t).Find(`[data-testid="count-plan_overdue"]`).Text(); got != "1" {
		t.Errorf("plan overdue %q, want the overdue plan counted as 1", got)
	}
	wantStatus(t, c.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "", file("plan.pdf", uploadtest.PDF("x"))), http.StatusSeeOther)
	card = c.get("/").doc(t).Find(testCase)
	if got := card.Find(`[data-testid="sent"]`).Text(); !strings.Contains(got, "Plan: 1 version, the latest sent 12 June 2017 at 10am") {
		t.Errorf("sent %q", got)
	}
	if got := card.Find(`[data-testid="status-tag"]`).Text(); got != "Sent late" {
		t.Errorf("status %q", got)
	}
}

func TestInspectorsSeeWhichForcesSentPlans(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 5, 30, 9, 0, 0, 0, time.UTC))
	wantStatus(t, ts.as(leicsLiaison).send(fmt.Sprintf("/cases/%d/submissions", st.leics), "", file("plan.pdf", uploadtest.PDF("x"))), http.StatusSeeOther)
	ts.setClock(time.Date(2017, 6, 3, 9, 0, 0, 0, time.UTC))
	wantStatus(t, ts.as(sussexLiaison).send(fmt.Sprintf("/cases/%d/submissions", st.sussex), "", file("plan.pdf", uploadtest.PDF("y"))), http.StatusSeeOther)
	ts.setClock(time.Date(2017, 6, 10, 9, 0, 0, 0, time.UTC))

	for _, who := range []string{"inspector@demo.test", "manager@demo.test"} {
		c := ts.as(who)
		page := c.get(fmt.Sprintf("/recommendations/%d/plans", st.finding))
		wantStatus(t, page, http.StatusOK)
		doc := page.doc(t)
		for group, want := range map[string]string{
			"missing":      "Kent Police",
			"sent_late":    "Sussex Police",
			"sent_on_time": "Leicestershire Police",
		} {
			rows := doc.Find(`[data-testid="group-` + group + `"] [data-testid="force-row"]`)
			row := rows.FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find("th").Text() == want })
			if row.Length() != 1 {
				t.Errorf("%s: %s group does not list %s", who, group, want)
				continue
			}
			if group == "missing" {
				if got := row.Find(".app-tag-detail").Text(); got != "10 days past the due date" {
					t.Errorf("%s: Kent %q", who, got)
				}
			}
			if group != "missing" && rows.Length() != 1 {
				t.Errorf("%s: %s group has %d forces", who, group, rows.Length())
			}
		}
		// Of the 43 forces, 41 have not sent their plan.
		if n := doc.Find(`[data-testid="group-missing"] [data-testid="force-row"]`).Length(); n != 41 {
			t.Errorf("%s: %d forces overdue, want 41", who, n)
		}
		if href, _ := c.get(fmt.Sprintf("/findings/%d", st.finding)).doc(t).Find(`[data-testid="plans-link"]`).Attr("href"); href != fmt.Sprintf("/recommendations/%d/plans", st.finding) {
			t.Errorf("%s: the recommendation's page links to %q for its plans", who, href)
		}
		// The test's recommendation's row of the overview (the seeded
		// story's has its own).
		overview := c.get("/plans").doc(t).Find(`[data-testid="recommendation-row"]`).FilterFunction(func(_ int, row *goquery.Selection) bool {
			href, _ := row.Find("a").Attr("href")
			return href == fmt.Sprintf("/recommendations/%d/plans", st.finding)
		})
		if overview.Length() != 1 {
			t.Fatalf("%s: the overview has %d rows for the test's recommendation", who, overview.Length())
		}
		for key, want := range map[string]string{"missing": "41", "sent_late": "1", "sent_on_time": "1", "awaited": "0"} {
			if got := overview.Find(`[data-testid="count-` + key + `"]`).Text(); got != want {
				t.Errorf("%s: overview %s = %q, want %s", who, key, got, want)
			}
		}
	}
	for _, who := range []string{leicsLiaison, "admin@demo.test"} {
		wantStatus(t, ts.as(who).get(fmt.Sprintf("/recommendations/%d/plans", st.finding)), http.StatusNotFound)
	}
}

// Every download is audited, and so is every submission.
func TestDownloadsAreAudited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	wantStatus(t, ts.as(leicsLiaison).send(fmt.Sprintf("/cases/%d/submissions", st.leics), "", file("plan.pdf", uploadtest.PDF("x"))), http.StatusSeeOther)
	var docID int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM documents`).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	inspector := ts.as("inspector@demo.test")
	for range 2 {
		wantStatus(t, inspector.get(fmt.Sprintf("/documents/%d", docID)), http.StatusOK)
	}
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE action = 'document.download' AND object_id = $1 AND actor_email = 'inspector@demo.test'`, fmt.Sprint(docID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d download events, want 2", n)
	}
}

// Two plans sent at once get consecutive versions.
func TestConcurrentSubmissionsGetConsecutiveVersions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			body, ct, n := uploadBody("", false, file(fmt.Sprintf("plan-%d.pdf", i), uploadtest.PDF(fmt.Sprint(i))))
			req, _ := http.NewRequest(http.MethodPost, ts.ts.URL+fmt.Sprintf("/cases/%d/submissions", st.leics), body)
			req.ContentLength = n
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Origin", ts.ts.URL)
			res, err := c.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("status %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	var versions string
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT string_agg(version::text, ',' ORDER BY version) FROM submissions WHERE case_id = $1`, st.leics).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != "1,2,3,4" {
		t.Errorf("versions %s", versions)
	}
}
