package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// TestSubmissionPageShowsItsDocumentsToItsForceOnly renders one plan
// version's page: its force's liaison and an inspector read it with its
// note and documents; another force's liaison gets 404 and nothing of it.
func TestSubmissionPageShowsItsDocumentsToItsForceOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 5, 30, 14, 5, 0, 0, time.UTC))
	leics := ts.as(leicsLiaison)
	res := leics.send(fmt.Sprintf("/cases/%d/submissions", st.leics), "Signed off by the chief constable.",
		file("Plan 2017.docx", uploadtest.DOCX("Our plan")), file("annex.pdf", uploadtest.PDF("Annex")))
	wantStatus(t, res, http.StatusSeeOther)
	var subID int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM submissions WHERE case_id = $1`, st.leics).Scan(&subID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/submissions/%d", subID)

	for _, reader := range []string{leicsLiaison, "inspector@demo.test"} {
		page := ts.as(reader).get(path)
		wantStatus(t, page, http.StatusOK)
		doc := page.doc(t)
		if h1 := doc.Find("h1").Text(); !strings.Contains(h1, "1") {
			t.Errorf("%s: heading %q does not name version 1", reader, h1)
		}
		if caption := doc.Find(".govuk-caption-l").First().Text(); caption != "Leicestershire Police" {
			t.Errorf("%s: caption %q", reader, caption)
		}
		card := doc.Find(fmt.Sprintf(`[data-testid="submission"][data-submission-id="%d"]`, subID))
		if card.Length() != 1 {
			t.Fatalf("%s: %d cards of submission %d", reader, card.Length(), subID)
		}
		if note := card.Find(`[data-testid="note"]`).Text(); note != "Signed off by the chief constable." {
			t.Errorf("%s: note %q", reader, note)
		}
		docs := card.Find(`[data-testid="document"]`)
		if docs.Length() != 2 || !strings.Contains(docs.Eq(0).Text(), "Plan 2017.docx") || !strings.Contains(docs.Eq(1).Text(), "annex.pdf") {
			t.Errorf("%s: documents %q", reader, docs.Text())
		}
		href, _ := docs.Eq(1).Find("a").Attr("href")
		wantStatus(t, ts.as(reader).get(href), http.StatusOK)
	}

	other := ts.as(sussexLiaison).get(path)
	wantStatus(t, other, http.StatusNotFound)
	if strings.Contains(other.Body, "chief constable") || strings.Contains(other.Body, "Plan 2017") {
		t.Error("the 404 page shows Leicestershire's submission")
	}
}

// TestClosedCaseTakesNoPlanOrProgress: a liaison's plan or progress update
// posted to a closed case is refused, back to the case's page with the
// reason, and nothing is written.
func TestClosedCaseTakesNoPlanOrProgress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2017, 5, 30, 14, 5, 0, 0, time.UTC))
	testdb.Exec(t, ts.store.Pool(), `UPDATE cases SET closed_on = '2017-05-29', closed_reason = 'superseded' WHERE id = $1`, st.leics)
	before := ts.stored()
	c := ts.as(leicsLiaison)
	back := fmt.Sprintf("/cases/%d/submissions", st.leics)
	for _, path := range []string{back, fmt.Sprintf("/cases/%d/progress", st.leics)} {
		res := c.send(path, "Too late.", file("plan.pdf", uploadtest.PDF("Plan")))
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != back {
			t.Errorf("POST %s: sent to %q, want %q", path, loc, back)
		}
		page := c.get(back)
		wantStatus(t, page, http.StatusOK)
		if flash := page.doc(t).Find(".govuk-notification-banner").Text(); !strings.Contains(flash, "was closed on 29 May 2017") ||
			!strings.Contains(flash, "Nothing was sent.") {
			t.Errorf("POST %s: flash %q", path, flash)
		}
	}
	for _, form := range []string{"/submissions/new", "/progress/new"} {
		res := c.get(fmt.Sprintf("/cases/%d%s", st.leics, form))
		wantStatus(t, res, http.StatusSeeOther)
	}
	if after := ts.stored(); after != before {
		t.Errorf("a closed case took a submission: %+v, then %+v", before, after)
	}
}

func TestPlansOfACaseShowThePlanStatusAsOfADay(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	var id int64 // an open case the force has sent nothing for
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT c.id FROM cases c WHERE c.closed_on IS NULL
		AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.case_id = c.id) ORDER BY c.id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	due := domain.AddDays(domain.Today(ts.clock()), -20)
	testdb.Exec(t, ts.store.Pool(), `UPDATE cases SET plan_due_on = $2, first_submitted_at = NULL, last_submitted_at = NULL
		WHERE id = $1`, id, due)
	c := ts.as("inspector@demo.test")
	summary := func(query string) string {
		res := c.get(fmt.Sprintf("/cases/%d/submissions%s", id, query))
		wantStatus(t, res, http.StatusOK)
		return strings.Join(strings.Fields(res.doc(t).Find(`[data-testid=case-summary]`).Text()), "") // cells run together
	}
	if got := summary(""); !strings.Contains(got, "PlanstatusPlanoverdue20dayspasttheduedate") {
		t.Errorf("today: %q", got)
	}
	before := domain.AddDays(due, -5)
	want := strings.ReplaceAll("Plan status on "+domain.FormatLong(before)+" Awaited 5 days left", " ", "")
	if got := summary("?asof=" + before.Format(time.DateOnly)); !strings.Contains(got, want) {
		t.Errorf("as of five days before it was due: %q, want %q", got, want)
	}
	wantStatus(t, c.get(fmt.Sprintf("/cases/%d/submissions?asof=someday", id)), http.StatusBadRequest)
}
