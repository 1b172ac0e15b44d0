package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"inspectrack/internal/upload/uploadtest"
)

// TestBrowserSendsPlans drives Chromium through the liaison's journey,
// with JavaScript (the upload goes by XMLHttpRequest with a progress bar,
// and the answer replaces the page's content) and without (a plain form
// post): a refused file shows the error with the note kept, two versions
// are sent, an inspector reads them. Every page gets axe-core's WCAG
// checks. With INSPECTRACK_SCREENSHOTS set to a folder it also saves the
// pages of the JavaScript run there as issue5-*.png.
func TestBrowserSendsPlans(t *testing.T) {
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		st := ts.newPlanStory()
		// A second recommendation, of another report, already answered.
		other := ts.extraCase(t, "PEEL: police effectiveness 2016", "Recommendation 3",
			"By 31 March 2017, all forces should review how they identify and respond to people who are vulnerable.", "2017-02-01", "2017-03-31")
		ts.setClock(time.Date(2017, 3, 30, 15, 20, 0, 0, time.UTC))
		wantStatus(t, ts.as(leicsLiaison).send(fmt.Sprintf("/cases/%d/submissions", other), "Approved by the chief officer group on 28 March.",
			file("Vulnerability review.pdf", uploadtest.PDF("review"))), http.StatusSeeOther)
		ts.setClock(time.Date(2017, 6, 2, 9, 30, 0, 0, time.UTC))

		dir := t.TempDir()
		path := func(name string) string { return filepath.Join(dir, name) }
		for name, body := range map[string][]byte{
			"plan.pdf":                                uploadtest.HTML(), // a web page in disguise
			"Leicestershire plan 2017.pdf":            uploadtest.PDF("Plan"),
			"Leicestershire plan 2017 v2.docx":        uploadtest.DOCX("Plan, version 2"),
			"Counter-corruption unit resourcing.xlsx": uploadtest.XLSX(),
		} {
			if err := os.WriteFile(path(name), body, 0o600); err != nil {
				t.Fatal(err)
			}
		}

		b := ts.browser(t, noJS)
		check := func(name string) {
			t.Helper()
			shot := b.Screenshot(name)
			b.CheckA11y()
			if folder := os.Getenv("INSPECTRACK_SCREENSHOTS"); folder != "" && !noJS {
				copyFile(t, shot, filepath.Join(folder, "issue5-"+name+".png"))
			}
		}
		// send submits the upload form and waits for the answer: a new
		// page without JavaScript, the page's content replaced with it.
		send := func(wait string) {
			t.Helper()
			if noJS {
				b.ClickAndWait(`[data-testid="upload-submit"]`)
			} else {
				b.Click(`[data-testid="upload-submit"]`)
			}
			b.WaitFor(wait)
		}

		signInWithBrowser(t, b, leicsLiaison)
		b.WaitFor(`[data-testid="liaison-case"]`)
		b.WantText(`[data-testid="case-count"]`, "1 plan is overdue")
		check("liaison-home")

		form := fmt.Sprintf("/cases/%d/submissions/new", st.leics)
		b.Visit(form)
		b.WantStatus(http.StatusOK)
		// A mark on the window survives only if the page is not reloaded:
		// with JavaScript, the upload goes by XMLHttpRequest.
		var marked bool
		b.Eval(`window.appNotReloaded = true`, &marked)
		b.Fill("#note", "Our plan, approved by the chief constable.")
		b.SetFiles(`input[name="documents"]`, path("plan.pdf"))
		if !noJS {
			b.WantText(`[data-testid="chosen-files"]`, "plan.pdf")
		}
		send(`[data-testid="error-summary"]`)
		b.WantText(`[data-testid="error-summary"]`, "plan.pdf must be a PDF, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV file: it is a web page (HTML)")
		var note string
		b.Eval(`document.querySelector("#note").value`, &note)
		if note != "Our plan, approved by the chief constable." {
			t.Errorf("note not kept: %q", note)
		}
		var kept bool
		b.Eval(`window.appNotReloaded === true`, &kept)
		if kept == noJS {
			t.Errorf("page kept across the upload: %v, want %v", kept, !noJS)
		}
		check("upload-error")

		// The form shown again takes the real files.
		b.SetFiles(`input[name="documents"]`, path("Leicestershire plan 2017.pdf"), path("Counter-corruption unit resourcing.xlsx"))
		send(`.govuk-notification-banner`)
		b.WantText(`.govuk-notification-banner`, "Version 1 of your plan was sent, with 2 documents.")
		b.WantPath(fmt.Sprintf("/cases/%d/submissions", st.leics))
		check("after-version-1")

		// A week on: the session has timed out.
		ts.setClock(time.Date(2017, 6, 9, 16, 45, 0, 0, time.UTC))
		signInWithBrowser(t, b, leicsLiaison)
		b.Visit(form)
		b.WantText(`[data-testid="next-version"]`, "This will be version 2 of your plan.")
		b.Fill("#note", "Version 2 adds the IT monitoring timetable and the agreement with the local sexual violence support service.")
		b.SetFiles(`input[name="documents"]`, path("Leicestershire plan 2017 v2.docx"))
		send(`.govuk-notification-banner`)
		if n := b.Count(`[data-testid="submission"]`); n != 2 {
			t.Errorf("%d versions shown, want 2", n)
		}

		b.Click(`[data-testid="sign-out"]`)
		b.WaitFor(`[data-testid="sign-in"]`)
		signInWithBrowser(t, b, "inspector@demo.test")
		b.Visit(fmt.Sprintf("/cases/%d/submissions", st.leics))
		b.WaitFor(`[data-testid="superseded"]`)
		check("case-two-versions")
		b.Visit(fmt.Sprintf("/cases/%d", st.leics))
		b.WaitFor(`[data-testid="timeline-plan"]`)
		check("case-timeline")
		b.Visit(fmt.Sprintf("/recommendations/%d/plans", st.finding))
		b.WaitFor(`[data-testid="plan-counts"]`)
		check("recommendation-plans")
		b.Visit("/plans")
		b.WaitFor(`[data-testid="plans-overview"]`)
		check("plans-overview")
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// extraCase records another report with one recommendation and its case
// for Leicestershire, and returns the case.
func (ts *testServer) extraCase(t *testing.T, title, ref, body, sent, due string) int64 {
	t.Helper()
	return int64(ts.count(`
		WITH r AS (INSERT INTO reports (title, kind, published_on) VALUES ($1, 'national', '2016-12-01') RETURNING id),
		     f AS (INSERT INTO findings (report_id, kind, reference, body) SELECT id, 'recommendation', $2, $3 FROM r RETURNING id)
		INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on)
		SELECT f.id, forces.id, $4::date, $5::date FROM f, forces WHERE forces.code = 'leicestershire'
		RETURNING id`, title, ref, body, sent, due))
}
