package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/compose"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// fresh is a recommendation made for one test, applied to two forces, with
// nobody's assessment yet (the demo story's 43 are all published).
type fresh struct {
	findingID    int64
	sussex       int64 // case ids
	leics        int64
	criteria     []int64
	categoryKeys map[string]int64
}

// newRecommendation records a report with a cause of concern and a
// recommendation with two criteria and the default categories, applied to
// Sussex and Leicestershire with a request of 1 March 2024 due 15 March.
func newRecommendation(t *testing.T, ts *testServer) fresh {
	t.Helper()
	db := ts.store.Pool()
	f := fresh{categoryKeys: map[string]int64{}}
	var reportID, concernID int64
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	testdb.Change(t, db, func(ctx context.Context, tx pgx.Tx) error {
		must(tx.QueryRow(ctx, `INSERT INTO reports (title, kind, published_on) VALUES ('Test report 2024', 'national', '2024-01-10') RETURNING id`).Scan(&reportID))
		must(tx.QueryRow(ctx, `INSERT INTO findings (report_id, kind, body) VALUES ($1, 'cause_of_concern', 'Forces do not do enough.') RETURNING id`, reportID).Scan(&concernID))
		must(tx.QueryRow(ctx, `INSERT INTO findings (report_id, kind, parent_id, body, deadline_text) VALUES ($1, 'recommendation', $2,
			'Within three months, all forces should do more.', 'within three months') RETURNING id`, reportID, concernID).Scan(&f.findingID))
		for i, title := range []string{"Has a plan", "Has started"} {
			var id int64
			must(tx.QueryRow(ctx, `INSERT INTO criteria (finding_id, position, title) VALUES ($1, $2, $3) RETURNING id`, f.findingID, i+1, title).Scan(&id))
			f.criteria = append(f.criteria, id)
		}
		for i, c := range domain.DefaultCategories() {
			var id int64
			must(tx.QueryRow(ctx, `INSERT INTO categories (finding_id, position, key, label) VALUES ($1, $2, $3, $4) RETURNING id`, f.findingID, i+1, c.Key, c.Label).Scan(&id))
			f.categoryKeys[c.Key] = id
		}
		_, err := tx.Exec(ctx, `INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on)
			SELECT $1, id, '2024-03-01', '2024-03-15' FROM forces WHERE code IN ('sussex', 'leicestershire')`, f.findingID)
		return err
	})
	f.sussex = caseOf(t, ts, f.findingID, "sussex")
	f.leics = caseOf(t, ts, f.findingID, "leicestershire")
	return f
}

func caseOf(t *testing.T, ts *testServer, findingID int64, forceCode string) int64 {
	t.Helper()
	var id int64
	err := ts.store.Pool().QueryRow(context.Background(), `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE c.finding_id = $1 AND f.code = $2`, findingID, forceCode).Scan(&id)
	if err != nil {
		t.Fatalf("case of %s: %v", forceCode, err)
	}
	return id
}

// storyCase is the seeded story's case of a force.
func storyCase(t *testing.T, ts *testServer, forceCode string) int64 {
	t.Helper()
	var id int64
	err := ts.store.Pool().QueryRow(context.Background(), `SELECT c.id FROM cases c
		JOIN forces f ON f.id = c.force_id JOIN findings fi ON fi.id = c.finding_id JOIN reports r ON r.id = fi.report_id
		WHERE r.title = 'PEEL: police legitimacy 2016' AND f.code = $1`, forceCode).Scan(&id)
	if err != nil {
		t.Fatalf("story case of %s: %v", forceCode, err)
	}
	return id
}

// assessmentForm is a complete form for f's criteria: both met, with the
// given narrative prefix, in the category "plan_started".
func (f fresh) assessmentForm(version int, narrative string) url.Values {
	v := url.Values{
		"version":              {strconv.Itoa(version)},
		"period":               {"March 2024"},
		"reviewed_up_to-day":   {"15"},
		"reviewed_up_to-month": {"3"},
		"reviewed_up_to-year":  {"2024"},
		"category":             {strconv.FormatInt(f.categoryKeys["plan_started"], 10)},
		"summary":              {"Summary of " + narrative},
	}
	for i, id := range f.criteria {
		v.Set(fmt.Sprintf("finding-%d", id), "met")
		v.Set(fmt.Sprintf("narrative-%d", id), fmt.Sprintf("%s %d.", narrative, i+1))
	}
	return v
}

type assessmentRow struct {
	id      int64
	state   string
	version int
	summary string
}

func assessmentOf(t *testing.T, ts *testServer, caseID int64) (assessmentRow, bool) {
	t.Helper()
	var a assessmentRow
	err := ts.store.Pool().QueryRow(context.Background(),
		`SELECT id, state, version, summary FROM assessments WHERE case_id = $1`, caseID).Scan(&a.id, &a.state, &a.version, &a.summary)
	if err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return a, false
		}
		t.Fatal(err)
	}
	return a, true
}

func countRows(t *testing.T, ts *testServer, q string, args ...any) int {
	t.Helper()
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func path(caseID int64, rest string) string { return "/cases/" + strconv.FormatInt(caseID, 10) + rest }

// record records the assessment of caseID as c and returns its row.
func record(t *testing.T, c *client, f fresh, caseID int64, narrative string) assessmentRow {
	t.Helper()
	wantStatus(t, c.post(path(caseID, "/assessment"), f.assessmentForm(0, narrative)), http.StatusSeeOther)
	a, ok := assessmentOf(t, c.ts, caseID)
	if !ok {
		t.Fatal("no assessment saved")
	}
	return a
}

func step(c *client, caseID int64, action string, version int, comment string) response {
	return c.post(path(caseID, "/assessment/"+action), url.Values{"version": {strconv.Itoa(version)}, "comment-" + action: {comment}})
}

func TestAssessmentFromDraftToPublished(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts) // a letter complete, so it can be approved
	inspector := ts.as("inspector@demo.test")
	manager := ts.as("manager@demo.test")

	res := inspector.get(path(f.sussex, "/assessment"))
	wantStatus(t, res, http.StatusOK)
	if res.doc(t).Find(`[data-testid=record-assessment]`).Length() != 1 {
		t.Fatal("no button to record the assessment")
	}
	wantStatus(t, inspector.get(path(f.sussex, "/assessment/edit")), http.StatusOK)

	a := record(t, inspector, f, f.sussex, "Sussex did well")
	if a.state != "draft" || a.version != 1 {
		t.Fatalf("after recording: %+v", a)
	}
	if got := countRows(t, ts, `SELECT count(*) FROM cases WHERE id = $1 AND assessment_started_on = '2024-04-02'`, f.sussex); got != 1 {
		t.Error("cases.assessment_started_on not set to the day recorded")
	}
	page := inspector.get(path(f.sussex, "/assessment"))
	doc := page.doc(t)
	if got := strings.TrimSpace(doc.Find(`[data-testid=state]`).Text()); got != "Draft" {
		t.Errorf("state %q, want Draft", got)
	}
	if doc.Find(`[data-testid=step-approve]`).Length() != 0 {
		t.Error("an inspector is offered to approve")
	}

	wantStatus(t, step(inspector, f.sussex, "submit", 1, "Ready"), http.StatusSeeOther)
	wantStatus(t, step(manager, f.sussex, "approve", 2, "Good"), http.StatusSeeOther)
	a, _ = assessmentOf(t, ts, f.sussex)
	if a.state != "approved" || a.version != 3 {
		t.Fatalf("after approval: %+v", a)
	}
	if got := countRows(t, ts, `SELECT count(*) FROM letters l JOIN assessments a ON a.id = l.assessment_id WHERE a.case_id = $1 AND l.published_at IS NULL`, f.sussex); got != 1 {
		t.Error("the letter of an approved assessment is published already")
	}

	ts.now = time.Date(2024, 4, 10, 8, 0, 0, 0, time.UTC)
	manager = ts.as("manager@demo.test") // eight days idle: signed out
	inspector = ts.as("inspector@demo.test")
	wantStatus(t, step(manager, f.sussex, "publish", 3, ""), http.StatusSeeOther)
	a, _ = assessmentOf(t, ts, f.sussex)
	if a.state != "published" {
		t.Fatalf("after publishing: %+v", a)
	}
	if got := countRows(t, ts, `SELECT count(*) FROM cases WHERE id = $1 AND assessment_published_on = '2024-04-10'`, f.sussex); got != 1 {
		t.Error("cases.assessment_published_on not set to the day published")
	}
	var letterID int64
	var text string
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT l.id, l.composed_text FROM letters l JOIN assessments a ON a.id = l.assessment_id
		WHERE a.case_id = $1 AND l.published_at IS NOT NULL AND l.letter_date = '2024-04-10'`, f.sussex).Scan(&letterID, &text); err != nil {
		t.Fatalf("published letter dated the day of publication: %v", err)
	}
	for _, want := range []string{"Sussex Police", "10 April 2024", "Within three months, all forces should do more.", "1 March 2024",
		"March 2024", "15 March 2024", "Sussex did well 1. Sussex did well 2."} {
		if !strings.Contains(text, want) {
			t.Errorf("published letter lacks %q:\n%s", want, text)
		}
	}
	pub := ts.anon().get("/publications/" + strconv.FormatInt(letterID, 10))
	wantStatus(t, pub, http.StatusOK)
	if !strings.Contains(pub.doc(t).Find(`[data-testid=letter]`).Text(), "Sussex did well 1.") {
		t.Error("the public page lacks the letter")
	}
	for _, action := range []string{"assessment.create", "assessment.submit", "assessment.approve", "assessment.publish"} {
		if countRows(t, ts, `SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2`, action, strconv.FormatInt(a.id, 10)) != 1 {
			t.Errorf("no audit event %s", action)
		}
	}
	history := manager.get(path(f.sussex, "/assessment")).doc(t).Find(`[data-testid=history]`).Text()
	for _, want := range []string{"Assessment recorded", "Submitted for approval", "Ready", "Approved", "Good", "Published with its letter", "Morgan Manager", "Isla Inspector"} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	// Published is final: no edit, no step.
	wantStatus(t, inspector.get(path(f.sussex, "/assessment/edit")), http.StatusConflict)
	wantStatus(t, inspector.post(path(f.sussex, "/assessment"), f.assessmentForm(4, "Changed")), http.StatusConflict)
	wantStatus(t, step(manager, f.sussex, "publish", 4, ""), http.StatusConflict)
}

func TestAssessmentFormShowsGOVUKErrorsAndWritesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts)
	inspector := ts.as("inspector@demo.test")
	form := f.assessmentForm(0, "Kept")
	form.Set("period", "")
	form.Set("reviewed_up_to-day", "31")
	form.Set("reviewed_up_to-month", "2")
	form.Del(fmt.Sprintf("finding-%d", f.criteria[0]))
	form.Set(fmt.Sprintf("narrative-%d", f.criteria[1]), "  ") // optional: no error
	form.Set("findings_paragraph", strings.Repeat("x", 20001))
	form.Set("category", "999999")
	res := inspector.post(path(f.sussex, "/assessment"), form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	if !strings.HasPrefix(doc.Find("title").Text(), "Error: ") {
		t.Error("title does not start with Error:")
	}
	summary := doc.Find(".govuk-error-summary").Text()
	for _, want := range []string{"Enter the assessment period", "must be a real date", "Select the finding against “Has a plan”",
		"The findings paragraph must be 20000 characters or fewer", "Select the overall category"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "narrative") {
		t.Errorf("a blank narrative is refused, but it is optional:\n%s", summary)
	}
	if v, _ := doc.Find(fmt.Sprintf(`#narrative-%d`, f.criteria[0])).Html(); v != "Kept 1." {
		t.Errorf("the typed narrative was not kept: %q", v)
	}
	if _, ok := assessmentOf(t, ts, f.sussex); ok {
		t.Error("an invalid form wrote an assessment")
	}
	form = f.assessmentForm(0, "Future")
	form.Set("reviewed_up_to-year", "2025")
	res = inspector.post(path(f.sussex, "/assessment"), form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "must be today or in the past") {
		t.Error("a cut-off date in the future was accepted")
	}
}

func TestAuthorCannotApproveOwnAssessment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts).withLetterFacts(t, ts) // a letter complete, so it can be approved
	writer, editor := ts.as("inspector@demo.test"), ts.as("inspector2@demo.test")
	a := record(t, writer, f, f.sussex, "Written by Isla")
	wantStatus(t, editor.post(path(f.sussex, "/assessment"), f.assessmentForm(a.version, "Changed by Ian")), http.StatusSeeOther)
	wantStatus(t, step(writer, f.sussex, "submit", a.version+1, ""), http.StatusSeeOther)
	version := a.version + 2

	// An inspector cannot approve at all: the route is not theirs.
	wantStatus(t, step(writer, f.sussex, "approve", version, ""), http.StatusNotFound)

	// Both authors are made managers; neither may approve or return what
	// they wrote or changed.
	for _, email := range []string{"inspector@demo.test", "inspector2@demo.test"} {
		testdb.Exec(t, ts.store.Pool(), `UPDATE users SET role = 'manager', session_epoch = session_epoch + 1 WHERE email = $1`, email)
		promoted := ts.as(email)
		page := promoted.get(path(f.sussex, "/assessment")).doc(t)
		if page.Find(`[data-testid=own-approval]`).Length() != 1 || page.Find(`[data-testid=step-approve]`).Length() != 0 {
			t.Errorf("%s, an author, is offered to approve, or not told why not", email)
		}
		res := step(promoted, f.sussex, "approve", version, "")
		wantStatus(t, res, http.StatusForbidden)
		if !strings.Contains(res.doc(t).Find(".govuk-error-summary").Text(), "you cannot approve it") {
			t.Errorf("no reason given to %s:\n%s", email, res.Body)
		}
		wantStatus(t, step(promoted, f.sussex, "return", version, "Myself"), http.StatusForbidden)
	}
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "submitted" || a.version != version {
		t.Fatalf("a refused approval changed the assessment: %+v", a)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_events WHERE action = 'assessment.approve'`); n != 43 {
		t.Errorf("%d approvals audited, want only the seed's 43", n)
	}

	manager := ts.as("manager@demo.test")
	page := manager.get(path(f.sussex, "/assessment")).doc(t)
	if page.Find(`[data-testid=step-approve]`).Length() != 1 || page.Find(`[data-testid=step-submit]`).Length() != 0 {
		t.Error("a manager who is not an author is not offered to approve, or is offered to submit")
	}
	wantStatus(t, step(manager, f.sussex, "approve", version, ""), http.StatusSeeOther)
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "approved" {
		t.Fatalf("another manager could not approve: %+v", a)
	}
}

func TestReturnedAssessmentGoesBackWithTheComment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	inspector, manager := ts.as("inspector@demo.test"), ts.as("manager@demo.test")
	a := record(t, inspector, f, f.sussex, "First go")
	wantStatus(t, step(inspector, f.sussex, "submit", a.version, ""), http.StatusSeeOther)

	res := step(manager, f.sussex, "return", 2, "  ")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Enter what needs to change") {
		t.Error("a return without a comment was not refused with a message")
	}
	wantStatus(t, step(manager, f.sussex, "return", 2, "Say more about the second criterion."), http.StatusSeeOther)
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "returned" {
		t.Fatalf("state %q, want returned", a.state)
	}
	// The inspector is told by email, with the comment; the managers were
	// told of the submission.
	if n := ts.count(`SELECT count(*) FROM outbound_messages m JOIN users u ON u.id = m.user_id
		WHERE m.kind = 'assessment_returned' AND u.email = 'inspector@demo.test' AND m.params->>'comment' = 'Say more about the second criterion.'`); n != 1 {
		t.Errorf("%d notices of the return to its inspector with the comment, want 1", n)
	}
	if n := ts.count(`SELECT count(*) FROM outbound_messages m JOIN users u ON u.id = m.user_id
		WHERE m.kind = 'assessment_submitted' AND u.role = 'manager' AND m.params->>'force' LIKE 'Sussex%'`); n == 0 {
		t.Error("no manager was told of the submitted assessment")
	}
	for _, p := range []string{"/assessment", "/assessment/edit"} {
		doc := inspector.get(path(f.sussex, p)).doc(t)
		if got := doc.Find(`[data-testid=return-comment]`).Text(); got != "Say more about the second criterion." {
			t.Errorf("%s shows the return comment %q", p, got)
		}
	}
	// The author edits (it stays returned, with the comment), then submits.
	wantStatus(t, inspector.post(path(f.sussex, "/assessment"), f.assessmentForm(3, "Second go")), http.StatusSeeOther)
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "returned" || a.version != 4 {
		t.Fatalf("after editing a returned assessment: %+v", a)
	}
	wantStatus(t, step(inspector, f.sussex, "submit", 4, "Done"), http.StatusSeeOther)
	doc := manager.get(path(f.sussex, "/assessment")).doc(t)
	if doc.Find(`[data-testid=returned]`).Length() != 0 {
		t.Error("the return banner shows after resubmission")
	}
	if !strings.Contains(doc.Find(`[data-testid=history]`).Text(), "Say more about the second criterion.") {
		t.Error("the history lost the return comment")
	}
}

func TestChangingAnApprovedAssessmentSendsItBackForApproval(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts).withLetterFacts(t, ts) // a letter complete, so it can be approved
	inspector, manager := ts.as("inspector@demo.test"), ts.as("manager@demo.test")
	a := record(t, inspector, f, f.sussex, "Approved text")
	wantStatus(t, step(inspector, f.sussex, "submit", a.version, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.sussex, "approve", 2, ""), http.StatusSeeOther)
	if !strings.Contains(inspector.get(path(f.sussex, "/assessment/edit")).Body, `data-testid="reapproval"`) {
		t.Error("the form does not warn that saving sends it back for approval")
	}
	wantStatus(t, inspector.post(path(f.sussex, "/assessment"), f.assessmentForm(3, "Changed after approval")), http.StatusSeeOther)
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "submitted" {
		t.Fatalf("state %q after changing an approved assessment, want submitted", a.state)
	}
	wantStatus(t, step(manager, f.sussex, "publish", 4, ""), http.StatusConflict)

	// So does changing its letter's details.
	wantStatus(t, step(manager, f.sussex, "approve", 4, ""), http.StatusSeeOther)
	wantStatus(t, inspector.post(path(f.sussex, "/letter"), letterForm(5, "Jo Contact")), http.StatusSeeOther)
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "submitted" || a.version != 6 {
		t.Fatalf("after changing the letter of an approved assessment: %+v", a)
	}
}

// TestSecondSaveOfTheSameDraftIsRefused is the lost update: two inspectors
// open the same draft; the first saves; the second's save is refused with
// their text beside the saved one, and nothing of theirs is written.
func TestSecondSaveOfTheSameDraftIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	first, second := ts.as("inspector@demo.test"), ts.as("inspector2@demo.test")
	a := record(t, first, f, f.sussex, "Original")

	// Both open the form at version 1.
	for _, c := range []*client{first, second} {
		v, _ := c.get(path(f.sussex, "/assessment/edit")).doc(t).Find(`input[name=version]`).Attr("value")
		if v != "1" {
			t.Fatalf("form version %q, want 1", v)
		}
	}
	wantStatus(t, first.post(path(f.sussex, "/assessment"), f.assessmentForm(a.version, "First editor")), http.StatusSeeOther)
	res := second.post(path(f.sussex, "/assessment"), f.assessmentForm(a.version, "Second editor"))
	wantStatus(t, res, http.StatusConflict)

	saved, _ := assessmentOf(t, ts, f.sussex)
	if saved.summary != "Summary of First editor" || saved.version != 2 {
		t.Fatalf("the refused save changed the assessment: %+v", saved)
	}
	doc := res.doc(t)
	if doc.Find(`[data-testid=conflict]`).Length() != 1 {
		t.Fatal("no comparison shown")
	}
	yours := doc.Find(`[data-testid=comparison] [data-testid=yours]`).Text()
	theirs := doc.Find(`[data-testid=comparison] [data-testid=saved]`).Text()
	if !strings.Contains(yours, "Second editor 1.") || !strings.Contains(theirs, "First editor 1.") {
		t.Errorf("comparison: yours %q, saved %q", yours, theirs)
	}
	if !strings.Contains(doc.Find(".govuk-error-summary").Text(), "Isla Inspector changed this assessment") {
		t.Error("the page does not say who saved first")
	}
	// The form keeps the second editor's text over the saved version's
	// number: saving it again is a deliberate choice, not an accident.
	if v, _ := doc.Find(`input[name=version]`).Attr("value"); v != "2" {
		t.Errorf("form version %q, want 2", v)
	}
	if v, _ := doc.Find(fmt.Sprintf(`#narrative-%d`, f.criteria[0])).Html(); v != "Second editor 1." {
		t.Errorf("form narrative %q, want the second editor's", v)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM assessment_events WHERE assessment_id = $1 AND action = 'edit'`, a.id); n != 1 {
		t.Errorf("%d edits recorded, want 1", n)
	}
	wantStatus(t, second.post(path(f.sussex, "/assessment"), f.assessmentForm(2, "Second editor, deliberately")), http.StatusSeeOther)
}

// TestConcurrentSavesOfOneVersionOneWins races saves of the same version in
// the store: the version check in the UPDATE lets exactly one through.
func TestConcurrentSavesOfOneVersionOneWins(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	a := record(t, ts.as("inspector@demo.test"), f, f.sussex, "Start")
	u, err := ts.store.UserByEmail(context.Background(), "inspector2@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	act := store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			in := store.AssessmentInput{Period: fmt.Sprintf("Try %d", i), ReviewedUpTo: domain.Date(2024, 3, 15),
				CategoryID: f.categoryKeys["plan_started"]}
			for _, c := range f.criteria {
				in.Findings = append(in.Findings, store.AssessmentFinding{CriterionID: c, Finding: domain.CriterionMet, Narrative: "x"})
			}
			errs[i] = ts.store.UpdateAssessment(context.Background(), act, store.Scope{}, a.id, 1, domain.StateDraft, domain.StateDraft, in, time.Now())
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !strings.Contains(err.Error(), store.ErrConflict.Error()):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d saves of version 1 succeeded, want exactly 1", ok)
	}
	if got, _ := assessmentOf(t, ts, f.sussex); got.version != 2 {
		t.Errorf("version %d, want 2", got.version)
	}
}

func TestLiaisonAndPublicNeverSeeADraftOrUnpublishedLetter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts).withLetterFacts(t, ts) // a letter complete, so it can be approved
	inspector, manager := ts.as("inspector@demo.test"), ts.as("manager@demo.test")
	a := record(t, inspector, f, f.leics, "Secret draft")
	var letterID int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM letters WHERE assessment_id = $1`, a.id).Scan(&letterID); err != nil {
		t.Fatal(err)
	}
	pub := "/publications/" + strconv.FormatInt(letterID, 10)
	overview := "/publications/overviews/" + strconv.FormatInt(f.findingID, 10)
	own, other, anon := ts.as("liaison.leicestershire@demo.test"), ts.as("liaison.sussex@demo.test"), ts.anon()

	check := func(stage string) {
		t.Helper()
		for _, p := range []string{path(f.leics, "/assessment"), path(f.leics, "/letter"), path(f.leics, "/letter.pdf"), path(f.leics, "/assessment/edit")} {
			for name, c := range map[string]*client{"own liaison": own, "other liaison": other} {
				if res := c.get(p); res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, "Secret draft") {
					t.Errorf("%s: %s GET %s: %d", stage, name, p, res.StatusCode)
				}
			}
			if res := anon.get(p); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("%s: public GET %s: %d, want a redirect to sign in", stage, p, res.StatusCode)
			}
		}
		for _, p := range []string{pub, pub + ".pdf", overview, overview + ".csv", overview + ".json"} {
			for name, c := range map[string]*client{"own liaison": own, "other liaison": other, "public": anon} {
				if res := c.get(p); res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, "Secret draft") {
					t.Errorf("%s: %s GET %s: %d, want 404", stage, name, p, res.StatusCode)
				}
			}
		}
		// Staff read drafts on the case's pages, never as a publication.
		wantStatus(t, inspector.get(pub), http.StatusNotFound)
		for name, c := range map[string]*client{"own liaison": own, "public": anon} {
			if body := c.get("/publications").Body; strings.Contains(body, `href="`+pub+`"`) {
				t.Errorf("%s: %s sees the unpublished letter listed", stage, name)
			}
		}
	}
	check("draft")
	wantStatus(t, step(inspector, f.leics, "submit", 1, ""), http.StatusSeeOther)
	check("submitted")
	wantStatus(t, step(manager, f.leics, "approve", 2, ""), http.StatusSeeOther)
	check("approved")
	wantStatus(t, inspector.get(overview), http.StatusOK) // staff see the unpublished overview

	wantStatus(t, step(manager, f.leics, "publish", 3, ""), http.StatusSeeOther)
	for name, c := range map[string]*client{"own liaison": own, "other liaison": other, "public": anon} {
		wantStatus(t, c.get(pub), http.StatusOK)
		wantStatus(t, c.get(overview), http.StatusNotFound) // the overview is not published yet
		_ = name
	}
	res := own.get("/publications")
	if !strings.Contains(res.doc(t).Find(`[data-testid=your-letters]`).Text(), "Leicestershire Police") {
		t.Error("the liaison's own letters are not listed first")
	}
	// Still staff-only: the case's assessment pages.
	wantStatus(t, own.get(path(f.leics, "/assessment")), http.StatusNotFound)
	wantStatus(t, manager.post(overview+"/publish", nil), http.StatusSeeOther)
	wantStatus(t, anon.get(overview), http.StatusOK)
	wantStatus(t, anon.get(overview+".json"), http.StatusOK)
}

func TestCaseTimelineShowsTheAssessmentAndALiaisonOnlyItsPublication(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts).withLetterFacts(t, ts) // a letter complete, so it can be approved
	inspector, manager := ts.as("inspector@demo.test"), ts.as("manager@demo.test")
	liaison := ts.as("liaison.leicestershire@demo.test")

	page := inspector.get(path(f.leics, "")).doc(t)
	if page.Find(`a[href="`+path(f.leics, "/assessment/edit")+`"]`).Length() != 1 {
		t.Error("the case page offers no way to record the assessment")
	}
	ts.now = time.Date(2024, 3, 20, 9, 0, 0, 0, time.UTC)
	a := record(t, inspector, f, f.leics, "Draft words")
	ts.now = ts.now.Add(time.Hour)
	wantStatus(t, step(inspector, f.leics, "submit", a.version, "Please look"), http.StatusSeeOther)

	staff := inspector.get(path(f.leics, "")).doc(t)
	entries := staff.Find(`[data-testid=timeline-assessment]`).Text()
	inOrder(t, "staff timeline", entries, "Submitted for approval", "Please look", "Assessment recorded")
	if staff.Find(`a[href="`+path(f.leics, "/assessment")+`"]`).Length() == 0 {
		t.Error("the case page does not link to the assessment")
	}
	own := liaison.get(path(f.leics, ""))
	wantStatus(t, own, http.StatusOK)
	if n := own.doc(t).Find(`[data-testid=timeline-assessment]`).Length(); n != 0 || strings.Contains(own.Body, "Please look") {
		t.Errorf("the liaison's case page shows %d assessment entries of a draft", n)
	}
	if strings.Contains(own.Body, path(f.leics, "/assessment")) {
		t.Error("the liaison is offered the assessment")
	}

	wantStatus(t, step(manager, f.leics, "approve", 2, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.leics, "publish", 3, ""), http.StatusSeeOther)
	doc := liaison.get(path(f.leics, "")).doc(t)
	entry := doc.Find(`[data-testid=timeline-assessment]`)
	if entry.Length() != 1 || !strings.Contains(entry.Text(), "Assessment published") {
		t.Fatalf("the liaison sees %d assessment entries: %q", entry.Length(), entry.Text())
	}
	href, _ := entry.Find("a").Attr("href")
	if !strings.HasPrefix(href, "/publications/") {
		t.Errorf("the liaison's entry links to %q, want the published letter", href)
	}
	wantStatus(t, liaison.get(href), http.StatusOK)
}

func TestAssessmentRecordsTheSubmissionsReviewed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	send := func(caseID int64, liaison string, at time.Time) int64 {
		t.Helper()
		ts.now = at
		wantStatus(t, ts.as(liaison).send(path(caseID, "/submissions"), "Our plan", file("plan.pdf", uploadtest.PDF("plan"))), http.StatusSeeOther)
		return int64(countRows(t, ts, `SELECT max(id)::int FROM submissions WHERE case_id = $1`, caseID))
	}
	first := send(f.leics, leicsLiaison, time.Date(2024, 3, 10, 15, 0, 0, 0, time.UTC))
	second := send(f.leics, leicsLiaison, time.Date(2024, 3, 20, 9, 0, 0, 0, time.UTC))
	sussex := send(f.sussex, "liaison.sussex@demo.test", time.Date(2024, 3, 12, 9, 0, 0, 0, time.UTC))
	ts.now = time.Date(2024, 4, 2, 9, 0, 0, 0, time.UTC)
	inspector := ts.as("inspector@demo.test")

	doc := inspector.get(path(f.leics, "/assessment/edit")).doc(t)
	boxes := doc.Find(`input[name=submissions]`)
	if boxes.Length() != 2 || boxes.Filter(`[checked]`).Length() != 2 {
		t.Fatalf("%d submissions offered, %d ticked; want both plan versions, ticked", boxes.Length(), boxes.Filter(`[checked]`).Length())
	}
	if !strings.Contains(doc.Find(`label[for=submissions-2]`).Text(), "Plan version 2, sent 20 March 2024 at 9am by Lee Liaison (Leicestershire) (5 days late)") {
		t.Errorf("second option %q", doc.Find(`label[for=submissions-2]`).Text())
	}

	form := f.assessmentForm(0, "Reviewed")
	form["submissions"] = []string{strconv.FormatInt(first, 10), strconv.FormatInt(second, 10)}
	res := inspector.post(path(f.leics, "/assessment"), form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.doc(t).Find(".govuk-error-summary").Text(), "Plan version 2, sent 20 March 2024 at 9am was sent after the date documents were reviewed up to (15 March 2024)") {
		t.Errorf("a version sent after the cut-off was accepted:\n%s", res.doc(t).Find(".govuk-error-summary").Text())
	}
	form["submissions"] = []string{strconv.FormatInt(sussex, 10)}
	res = inspector.post(path(f.leics, "/assessment"), form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Select submissions from the list") {
		t.Error("another force's submission was accepted")
	}
	if _, ok := assessmentOf(t, ts, f.leics); ok {
		t.Fatal("a refused form saved the assessment")
	}

	form["submissions"] = []string{strconv.FormatInt(first, 10)}
	wantStatus(t, inspector.post(path(f.leics, "/assessment"), form), http.StatusSeeOther)
	page := inspector.get(path(f.leics, "/assessment")).doc(t)
	link := page.Find(`[data-testid=assessment] a[href="/submissions/` + strconv.FormatInt(first, 10) + `"]`)
	if !strings.Contains(link.Text(), "Plan version 1, sent 10 March 2024 at 3pm") {
		t.Errorf("reviewed submission shown as %q", link.Text())
	}
	recs, err := ts.store.LetterRecords(context.Background(), store.Scope{}, f.leics)
	if err != nil {
		t.Fatal(err)
	}
	if got := compose.Data(recs).SubmissionDate; !got.Equal(domain.Date(2024, 3, 10)) {
		t.Errorf("{{submission_date}} is %v, want 10 March 2024", got)
	}
	// The store refuses another case's submission whatever the form says.
	a, _ := assessmentOf(t, ts, f.leics)
	u, _ := ts.store.UserByEmail(context.Background(), "inspector@demo.test")
	in := store.AssessmentInput{Period: "March 2024", ReviewedUpTo: domain.Date(2024, 3, 15), CategoryID: f.categoryKeys["plan_started"],
		SubmissionIDs: []int64{sussex}}
	for _, c := range f.criteria {
		in.Findings = append(in.Findings, store.AssessmentFinding{CriterionID: c, Finding: domain.CriterionMet, Narrative: "x"})
	}
	err = ts.store.UpdateAssessment(context.Background(), store.Actor{UserID: u.ID}, store.Scope{}, a.id, a.version, domain.StateDraft, domain.StateDraft, in, ts.now)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("store took another case's submission: %v", err)
	}
}
