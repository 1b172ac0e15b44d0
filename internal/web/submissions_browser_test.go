package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"inspectrack/internal/upload/uploadtest"
)

// TestBrowserSendsPlans drives Chromium through the liaison's journey,
// with JavaScript (the upload goes by XMLHttpRequest with a progress bar,
// and the answer replaces the page) and without (a plain form post): a
// refused file shows the error with the note kept, two versions are sent
// and both show. With INSPECTRACK_SCREENSHOTS set to a folder it saves the
// pages there as issue5-*.png. It needs chromium; without it, it skips.
func TestBrowserSendsPlans(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium: the browser journey needs it")
	}
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "javascript", false: "no_javascript"}[js], func(t *testing.T) {
			t.Parallel()
			browserSendsPlans(t, chromium, js)
		})
	}
}

func browserSendsPlans(t *testing.T, chromium string, js bool) {
	ts := newTestServer(t)
	st := ts.newPlanStory()
	// A second recommendation, of another report, already answered.
	other := ts.extraCase(t, "PEEL: police effectiveness 2016", "Recommendation 3",
		"By 31 March 2017, all forces should review how they identify and respond to people who are vulnerable.", "2017-02-01", "2017-03-31")
	ts.setClock(time.Date(2017, 3, 30, 15, 20, 0, 0, time.UTC))
	wantStatus(t, ts.as(leicsLiaison).send(fmt.Sprintf("/cases/%d/submissions", other), "Approved by the chief officer group on 28 March.",
		file("Vulnerability review.pdf", uploadtest.PDF("review"))), 303)
	ts.setClock(time.Date(2017, 6, 2, 9, 30, 0, 0, time.UTC))

	dir := t.TempDir()
	files := map[string][]byte{
		"plan.pdf":                                uploadtest.HTML(), // a web page in disguise
		"Leicestershire plan 2017.pdf":            uploadtest.PDF("Plan"),
		"Leicestershire plan 2017 v2.docx":        uploadtest.DOCX("Plan, version 2"),
		"Counter-corruption unit resourcing.xlsx": uploadtest.XLSX(),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := func(name string) []string { return []string{filepath.Join(dir, name)} }

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// Start the browser before any timeout: a deadline on the first run
	// would end the browser with it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()
	if !js {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		folder := os.Getenv("INSPECTRACK_SCREENSHOTS")
		if folder == "" || !js {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(folder, "issue5-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	signIn := func(email string) {
		do("sign in as "+email,
			chromedp.Navigate(ts.ts.URL+"/login"),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="user-name"]`)),
		)
	}
	signIn(leicsLiaison)
	do("home", chromedp.WaitVisible(chromedp.CSS(`[data-testid="liaison-case"]`)))
	if got := text(`[data-testid="case-count"]`); !strings.Contains(got, "1 plan is overdue") {
		t.Errorf("home: %q", got)
	}
	shot("liaison-home")

	if js {
		// app.js ran (and so the stylesheet and scripts were served).
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains("govuk-frontend-supported")`)); err != nil || !ok {
			t.Fatalf("app.js did not run: %v", err)
		}
	}

	form := ts.ts.URL + fmt.Sprintf("/cases/%d/submissions/new", st.leics)
	do("a refused file",
		chromedp.Navigate(form),
		// A mark on the window survives only if the page is not reloaded:
		// with JavaScript, the upload goes by XMLHttpRequest.
		chromedp.Evaluate[chromedp.Void](`window.appNotReloaded = true`),
		chromedp.SendKeys(chromedp.CSS("#note"), "Our plan, approved by the chief constable."),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="documents"]`), path("plan.pdf")),
		chromedp.Click(chromedp.CSS(`[data-testid="upload-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-summary"]`)),
	)
	if got := text(`[data-testid="error-summary"]`); !strings.Contains(got, "plan.pdf must be a PDF, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV file: it is a web page (HTML)") {
		t.Errorf("error summary: %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#note"))); got != "Our plan, approved by the chief constable." {
		t.Errorf("note not kept: %q", got)
	}
	if still, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.appNotReloaded === true`)); still != js {
		t.Errorf("page kept across the upload: %v, want %v (JavaScript %v)", still, js, js)
	}
	shot("upload-error")

	// The form shown again takes the real files.
	do("version 1",
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="documents"]`), []string{filepath.Join(dir, "Leicestershire plan 2017.pdf"), filepath.Join(dir, "Counter-corruption unit resourcing.xlsx")}),
		chromedp.Click(chromedp.CSS(`[data-testid="upload-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner`)),
	)
	if got := text(`.govuk-notification-banner`); !strings.Contains(got, "Version 1 of your plan was sent, with 2 documents.") {
		t.Errorf("after version 1: %q", got)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, fmt.Sprintf("/cases/%d/submissions", st.leics)) {
		t.Errorf("after version 1 the address is %s", loc)
	}
	ts.setClock(time.Date(2017, 6, 9, 16, 45, 0, 0, time.UTC))
	do("version 2",
		chromedp.Navigate(form),
		chromedp.SendKeys(chromedp.CSS("#note"), "Version 2 adds the IT monitoring timetable and the agreement with the local sexual violence support service."),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="documents"]`), path("Leicestershire plan 2017 v2.docx")),
		chromedp.Click(chromedp.CSS(`[data-testid="upload-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner`)),
	)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="submission"]').length`)); n != 2 {
		t.Errorf("%d versions shown", n)
	}

	do("sign out", chromedp.Click(chromedp.CSS(`[data-testid="sign-out"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-in"]`)))
	signIn("inspector@demo.test")
	do("the case as an inspector", chromedp.Navigate(ts.ts.URL+fmt.Sprintf("/cases/%d/submissions", st.leics)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="superseded"]`)))
	shot("case-two-versions")
	do("the case page", chromedp.Navigate(ts.ts.URL+fmt.Sprintf("/cases/%d", st.leics)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline-plan"]`)))
	shot("case-timeline")
	do("plans for the recommendation", chromedp.Navigate(ts.ts.URL+fmt.Sprintf("/recommendations/%d/plans", st.finding)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-counts"]`)))
	shot("recommendation-plans")
	do("plans overview", chromedp.Navigate(ts.ts.URL+"/plans"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="plans-overview"]`)))
	shot("plans-overview")
}

// extraCase records another report with one recommendation and its case
// for Leicestershire, and returns the case.
func (ts *testServer) extraCase(t *testing.T, title, ref, body, sent, due string) int64 {
	t.Helper()
	var id int64
	err := ts.store.Pool().QueryRow(context.Background(), `
		WITH r AS (INSERT INTO reports (title, kind, published_on) VALUES ($1, 'national', '2016-12-01') RETURNING id),
		     f AS (INSERT INTO findings (report_id, kind, reference, body) SELECT id, 'recommendation', $2, $3 FROM r RETURNING id)
		INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on)
		SELECT f.id, forces.id, $4::date, $5::date FROM f, forces WHERE forces.code = 'leicestershire'
		RETURNING id`, title, ref, body, sent, due).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
