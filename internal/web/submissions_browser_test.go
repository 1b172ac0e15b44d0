package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/browsertest"
	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// TestBrowserSendsPlans is the liaison's journey in Chromium, with
// JavaScript (the upload goes by XMLHttpRequest with a progress bar, and the
// answer replaces the page's content) and without (a plain form post): a
// liaison sees what their force was asked and by when, sends the form empty
// and then with a disguised file (each error shown, the note kept), sends
// two documents with a note and sees them listed with the time, sends a
// second version; the other force's liaison finds none of it (404 on the
// case, submission and document addresses, nothing in their lists); an
// inspector reads the versions. Every page and error state gets axe-core's
// WCAG checks. With INSPECTRACK_SCREENSHOTS set to a folder it also saves
// the pages of the JavaScript run there as plans-*.png.
func TestBrowserSendsPlans(t *testing.T) {
	t.Parallel()
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

		path := planFiles(t)

		b := ts.browser(t, noJS)
		check := func(name string) {
			t.Helper()
			shot := b.Screenshot(name)
			b.CheckA11y()
			if folder := os.Getenv("INSPECTRACK_SCREENSHOTS"); folder != "" && !noJS {
				copyFile(t, shot, filepath.Join(folder, "plans-"+name+".png"))
			}
		}
		// send submits the upload form and waits for the answer: a new
		// page without JavaScript, the page's content replaced with it.
		send := func(wait string) {
			t.Helper()
			markShown(b)
			if noJS {
				b.ClickAndWait(`[data-testid="upload-submit"]`)
			} else {
				b.Click(`[data-testid="upload-submit"]`)
			}
			b.WaitFor(answer(wait))
		}

		signInWithBrowser(t, b, leicsLiaison)
		b.WaitFor(`[data-testid="liaison-case"]`)
		b.WantText(`[data-testid="count-plan_overdue"]`, "1") // counted as every page counts it
		// What was asked, and by when.
		card := fmt.Sprintf(`[data-testid="liaison-case"][data-case-id="%d"]`, st.leics)
		b.WantText(card+` [data-testid="plan-due"]`, "31 May 2017")
		if asked := b.Text(card + ` [data-testid="asked"]`); len(asked) < 40 {
			t.Errorf("what was asked reads %q, want the recommendation's words", asked)
		}
		b.WantText(card+` [data-testid="sent"]`, "Nothing yet")
		check("liaison-home")

		form := fmt.Sprintf("/cases/%d/submissions/new", st.leics)
		b.ClickAndWait(card + ` [data-testid="send-plan"]`)
		b.WantStatus(http.StatusOK)
		b.WantPath(form)
		b.WantText(`[data-testid="case-summary"] [data-testid="plan-due"]`, "31 May 2017")
		check("upload-form")

		// Nothing chosen: the error, and nothing sent.
		send(`[data-testid="error-summary"]`)
		b.WantText(`[data-testid="error-summary"]`, "Select the documents of your plan")
		b.WantText(`[data-testid="documents-error"]`, "Select the documents of your plan")
		check("upload-empty")

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
		// Listed with the time they were sent, the note and both documents.
		b.WantText(`[data-testid="submission"] [data-testid="sent-at"]`, "2 June 2017 at 10:30am")
		b.WantText(`[data-testid="submission"] [data-testid="note"]`, "Our plan, approved by the chief constable.")
		b.WantText(`[data-testid="submission"] [data-testid="documents"]`, "Leicestershire plan 2017.pdf")
		b.WantText(`[data-testid="submission"] [data-testid="documents"]`, "Counter-corruption unit resourcing.xlsx")
		if n := b.Count(`[data-testid="submission"] [data-testid="document"]`); n != 2 {
			t.Errorf("%d documents listed, want 2", n)
		}
		var sent struct {
			Submission string
			Documents  []string
		}
		b.Eval(`({submission: document.querySelector('[data-testid="submission"]').dataset.submissionId,
			documents: [...document.querySelectorAll('[data-testid="document-link"]')].map(a => a.getAttribute("href"))})`, &sent)
		for _, href := range sent.Documents {
			wantStatus(t, ts.as(leicsLiaison).get(href), http.StatusOK)
		}
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
		check("after-version-2")

		b.Click(`[data-testid="sign-out"]`)
		b.WaitFor(`[data-testid="sign-in"]`)

		// Sussex's liaison: Leicestershire's case, plan and documents are
		// not there for them, as if they did not exist.
		signInWithBrowser(t, b, sussexLiaison)
		b.WaitFor(`[data-testid="force-name"]`)
		b.WantText(`[data-testid="force-name"]`, "Sussex Police")
		if n := b.Count(fmt.Sprintf(`[data-case-id="%d"]`, st.leics)); n != 0 {
			t.Errorf("Sussex's home lists Leicestershire's case")
		}
		check("other-liaison-home")
		b.Visit("/cases")
		b.WantStatus(http.StatusOK)
		if main := b.Text("main"); strings.Contains(main, "Leicestershire") {
			t.Errorf("Sussex's case list mentions Leicestershire")
		}
		check("other-liaison-cases")
		hidden := append([]string{
			fmt.Sprintf("/cases/%d", st.leics),
			fmt.Sprintf("/cases/%d/submissions", st.leics),
			fmt.Sprintf("/cases/%d/submissions/new", st.leics),
			"/submissions/" + sent.Submission,
		}, sent.Documents...)
		for _, u := range hidden {
			b.Visit(u)
			b.WantStatus(http.StatusNotFound)
			b.WantText("h1", "Page not found")
			b.CheckA11y()
		}
		check("other-liaison-not-found")
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

// markShown marks the main content on show, so that answer can tell the
// server's answer from it: with JavaScript the upload's answer replaces the
// main content without loading a page, and an error summary already shown
// would otherwise pass for the next one.
func markShown(b *browsertest.Browser) {
	var ok bool
	b.Eval(`document.querySelector("main").dataset.shown = "yes", true`, &ok)
}

// answer is sel within main content that came after markShown.
func answer(sel string) string { return "main:not([data-shown]) " + sel }

// planFiles writes the files of journey 1 into a folder of the test and
// returns the path of each by name: a web page disguised as a PDF, a plan
// in PDF and in DOCX, and a spreadsheet.
func planFiles(t *testing.T) func(name string) string {
	t.Helper()
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
	return path
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
	return testdb.Exec(ts.t, ts.store.Pool(), `
		WITH r AS (INSERT INTO reports (title, kind, published_on) VALUES ($1, 'national', '2016-12-01') RETURNING id),
		     f AS (INSERT INTO findings (report_id, kind, reference, body) SELECT id, 'recommendation', $2, $3 FROM r RETURNING id)
		INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on)
		SELECT f.id, forces.id, $4::date, $5::date FROM f, forces WHERE forces.code = 'leicestershire'
		RETURNING id`, title, ref, body, sent, due)
}

// TestBrowserSendsPlansWithKeyboardOnly is journey 1 with Tab, Enter and
// Space alone (no mouse event), with JavaScript on and off: sign in, find
// the case and what it asks, open its upload form, send it empty, follow the
// error to the file field, choose two files (a native file dialog cannot be
// driven, so the harness sets them on the focused input), write the note,
// send, and reach the documents listed with the time.
func TestBrowserSendsPlansWithKeyboardOnly(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		st := ts.newPlanStory()
		ts.setClock(time.Date(2017, 6, 2, 9, 30, 0, 0, time.UTC))
		path := planFiles(t)
		b := ts.browser(t, noJS)
		// send presses key on the focused submit button and waits for the
		// answer: a new page without JavaScript, new content with it.
		send := func(key, wait string) {
			t.Helper()
			markShown(b)
			if noJS {
				b.PressAndWait(key)
			} else {
				b.Press(key)
			}
			b.WaitFor(answer(wait))
		}

		b.Visit("/")
		b.TabTo("[data-testid=start-sign-in]")
		b.PressAndWait(browsertest.Enter)
		b.WantPath("/login")
		b.TabTo("#email")
		b.Press(leicsLiaison)
		b.TabTo("#password")
		b.Press(demoPassword)
		b.TabTo(submit)
		b.PressAndWait(browsertest.Enter)
		// The second step, by keyboard too: the code, then Enter.
		b.WantPath("/login/code")
		b.TabTo("#code")
		b.Press(ts.totpCode(leicsLiaison))
		b.TabTo(codeSubmit)
		b.PressAndWait(browsertest.Enter)
		b.WantPath("/")

		card := fmt.Sprintf(`[data-testid="liaison-case"][data-case-id="%d"]`, st.leics)
		b.WantText(card+` [data-testid="plan-due"]`, "31 May 2017")
		b.TabTo(card + ` [data-testid="send-plan"]`)
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Enter)
		b.WantPath(fmt.Sprintf("/cases/%d/submissions/new", st.leics))
		b.Check("upload-form")

		// The empty form, sent with Space on its button.
		b.TabTo(`[data-testid="upload-submit"]`)
		b.WantVisibleFocus()
		send(browsertest.Space, `[data-testid="error-summary"]`)
		b.WantText(`[data-testid="error-summary"]`, "Select the documents of your plan")
		b.Check("upload-empty")

		// The summary's link leads to the file field.
		followErrorLink(t, b, noJS, "documents")
		b.SetFiles("#documents", path("Leicestershire plan 2017.pdf"), path("Counter-corruption unit resourcing.xlsx"))
		b.TabTo("#note")
		b.WantVisibleFocus()
		b.Press("Our plan, approved by the chief constable.")
		b.TabTo(`[data-testid="upload-submit"]`)
		send(browsertest.Enter, ".govuk-notification-banner")
		b.WantText(".govuk-notification-banner", "Version 1 of your plan was sent, with 2 documents.")
		b.WantText(`[data-testid="submission"] [data-testid="sent-at"]`, "2 June 2017 at 10:30am")
		b.WantText(`[data-testid="submission"] [data-testid="note"]`, "Our plan, approved by the chief constable.")
		if n := b.Count(`[data-testid="submission"] [data-testid="document"]`); n != 2 {
			t.Errorf("%d documents listed, want 2", n)
		}
		b.Check("after-version-1")
		// Each document can be reached to download it.
		b.TabTo(`[data-testid="document-link"]`)
		b.WantVisibleFocus()

		b.TabTo("[data-testid=sign-out]")
		b.PressAndWait(browsertest.Space)
		b.WantText("[data-testid=sign-in]", "Sign in")
	})
}
