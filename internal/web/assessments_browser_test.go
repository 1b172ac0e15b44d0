package web

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// TestBrowserAssessmentJourney is the inspectors' journey in a browser: Sussex has sent its plan; an inspector opens it from the case,
// records an assessment against each criterion (the empty form first),
// fills in the letter's details (the empty form first) and submits it; a
// manager returns it with a comment (none first); the inspector sees the
// comment, edits and resubmits; the manager approves and publishes; the
// public reads the letter, the publications and the national overview
// without signing in. Every page and error state passes axe, with
// JavaScript on and off.
func TestBrowserAssessmentJourney(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		f := newRecommendation(t, ts)
		// The names the letter is addressed and copied to: without them it
		// is neither approved nor published.
		testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = 'Jo Shaw', oversight_holder_name = 'Katy Bourne' WHERE code = 'sussex'`)
		// Sussex sent its plan before the date the assessment reviews up to.
		now := ts.clock()
		ts.setClock(time.Date(2024, 3, 12, 11, 0, 0, 0, time.UTC))
		wantStatus(t, ts.as(sussexLiaison).send(fmt.Sprintf("/cases/%d/submissions", f.sussex), "Our plan for both criteria.",
			file("Sussex plan 2024.pdf", uploadtest.PDF("Sussex plan"))), http.StatusSeeOther)
		ts.setClock(now)
		b := ts.browser(t, noJS)
		caseID := strconv.FormatInt(f.sussex, 10)

		signInWithBrowser(t, b, "inspector@demo.test")
		b.ClickAndWait(".govuk-service-navigation a[href='/assessments']")
		b.WantStatus(http.StatusOK)
		b.Check("assessments")

		// The inspector opens the plan from the case.
		b.Visit("/cases/" + caseID)
		b.Check("case")
		b.ClickAndWait("main a[href='/cases/" + caseID + "/submissions']")
		b.WantStatus(http.StatusOK)
		b.WantText(`[data-testid="submission"] [data-testid="documents"]`, "Sussex plan 2024.pdf")
		b.WantText(`[data-testid="submission"] [data-testid="note"]`, "Our plan for both criteria.")
		b.Check("plan")

		b.Visit("/cases/" + caseID)
		b.ClickAndWait("main a[href='/cases/" + caseID + "/assessment/edit']")
		b.WantText("h1", "Record the assessment")
		b.Check("assessment-form")

		b.ClickAndWait("[data-testid=assessment-form] " + "button[type=submit]")
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter the assessment period")
		b.WantText(".govuk-error-summary", "Select the overall category")
		b.Check("assessment-form-errors")

		b.Fill("#period", "March 2024")
		b.Fill("#reviewed_up_to-day", "15")
		b.Fill("#reviewed_up_to-month", "3")
		b.Fill("#reviewed_up_to-year", "2024")
		for i, id := range f.criteria {
			b.Click(fmt.Sprintf("input[name=finding-%d][value=partially_met]", id))
			b.Fill(fmt.Sprintf("#narrative-%d", id), fmt.Sprintf("Your plan covers part %d.", i+1))
		}
		b.Click(fmt.Sprintf("input[name=category][value='%d']", f.categoryKeys["plan_started"]))
		var reviewed bool // the plan is ticked as reviewed, as it was sent before the date
		b.Eval(`document.querySelector("input[name=submissions]").checked`, &reviewed)
		if !reviewed {
			t.Error("Sussex's plan is not ticked as reviewed")
		}
		b.ClickAndWait("[data-testid=assessment-form] button[type=submit]")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=state]", "Draft")
		b.Check("assessment-draft")

		b.ClickAndWait("[data-testid=letter-link]")
		b.WantText("[data-testid=letter]", "Your plan covers part 1. Your plan covers part 2.")
		b.Check("letter-draft")
		b.ClickAndWait("[data-testid=edit-letter]")
		b.Check("letter-form")
		// Sent empty: each missing detail is named.
		b.ClickAndWait("[data-testid=letter-form] button[type=submit]")
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter the name of the contact for queries")
		b.WantText(".govuk-error-summary", "Enter the name of the person who signs the letter")
		b.Check("letter-form-errors")
		b.Fill("#contact_name", "Jo Contact")
		b.Fill("#contact_email", "jo.contact@example.org")
		b.Fill("#contact_phone", "020 7946 0000")
		b.Fill("#signatory_name", "A Signatory")
		b.Fill("#signatory_titles", "HM Inspector") // the letter is signed with them: it is not approved without
		b.ClickAndWait("[data-testid=letter-form] button[type=submit]")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=letter]", "please contact Jo Contact at jo.contact@example.org or on 020 7946 0000.")
		b.Check("letter-details-saved")

		b.Visit("/cases/" + caseID + "/assessment")
		b.ClickAndWait("[data-testid=step-submit] button")
		b.WantText("[data-testid=state]", "Submitted for approval")
		b.ClickAndWait("[data-testid=sign-out]")

		signInWithBrowser(t, b, "manager@demo.test")
		b.Visit("/cases/" + caseID + "/assessment")
		b.ClickAndWait("[data-testid=step-return] button")
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter what needs to change")
		b.Check("return-without-comment")
		b.Fill("#comment-return", "Say when each part starts.")
		b.ClickAndWait("[data-testid=step-return] button")
		b.WantText("[data-testid=state]", "Returned")
		b.ClickAndWait("[data-testid=sign-out]")

		signInWithBrowser(t, b, "inspector@demo.test")
		b.Visit("/cases/" + caseID + "/assessment/edit")
		b.WantText("[data-testid=return-comment]", "Say when each part starts.")
		b.Check("assessment-form-returned")
		b.Fill(fmt.Sprintf("#narrative-%d", f.criteria[0]), "Your plan covers part 1 from April.")
		b.ClickAndWait("[data-testid=assessment-form] button[type=submit]")
		b.ClickAndWait("[data-testid=step-submit] button")
		b.ClickAndWait("[data-testid=sign-out]")

		signInWithBrowser(t, b, "manager@demo.test")
		b.Visit("/cases/" + caseID + "/assessment")
		b.Check("assessment-to-approve")
		b.ClickAndWait("[data-testid=step-approve] button")
		b.WantText("[data-testid=state]", "Approved")
		b.ClickAndWait("[data-testid=step-publish] button")
		b.WantText("[data-testid=state]", "Published")
		b.Check("assessment-published")
		b.ClickAndWait("[data-testid=sign-out]")

		b.Visit("/publications")
		b.WantText("main", "Sussex Police")
		b.Check("publications")
		b.ClickAndWait("[data-testid=publication-group] a[href^='/publications/']:not([data-testid])")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=letter]", "Your plan covers part 1 from April.")
		b.Check("published-letter")

		b.Visit(overviewHref(storyFinding(t, ts), ""))
		b.WantStatus(http.StatusOK)
		b.Check("national-overview")
	})
}

// TestBrowserBulkApproveAndPublishJourney: two assessments await approval,
// Sussex's letter without its chief constable's name. A manager opens the
// bulk page from the list of assessments, sends it empty (the errors), then
// approves both: Leicestershire is approved, Sussex refused with the
// reason. The manager then publishes Leicestershire from the same page.
// Every page passes axe, with JavaScript on and off.
func TestBrowserBulkApproveAndPublishJourney(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		f := newRecommendation(t, ts).withLetterFacts(t, ts)
		testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = '' WHERE code = 'sussex'`)
		submitted(t, ts, f, f.sussex, "Sussex did well")
		submitted(t, ts, f, f.leics, "Leicestershire did well")
		b := ts.browser(t, noJS)

		signInWithBrowser(t, b, "manager@demo.test")
		b.Visit(fmt.Sprintf("/assessments?recommendation=%d", f.findingID))
		b.ClickAndWait("[data-testid=bulk-link]")
		b.WantStatus(http.StatusOK)
		b.Check("bulk-approve")

		b.ClickAndWait("[data-testid=bulk-form] button[type=submit]")
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Select the assessments to approve or publish")
		b.Check("bulk-approve-errors")

		b.Click("#cases")
		b.Click("#cases-2")
		b.Click("#action")
		b.ClickAndWait("[data-testid=bulk-form] button[type=submit]")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=bulk-done]", "Leicestershire Police")
		b.WantText("[data-testid=bulk-refused]", "Enter the chief constable’s name")
		b.Check("bulk-approved")

		b.Visit("/assessments/approve")
		b.Click("#cases") // Leicestershire: the list is by force name
		b.Click("#action-2")
		b.ClickAndWait("[data-testid=bulk-form] button[type=submit]")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=bulk-done]", "Leicestershire Police")
		b.Check("bulk-published")
	})
}
