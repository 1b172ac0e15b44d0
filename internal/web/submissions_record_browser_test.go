package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestBrowserRecordsAPlanReceivedByEmail is an inspector recording, in
// Chromium with JavaScript and without, the plan a force emailed on 31 May
// 2017: the form from the case's plans page, sent empty (every error in
// the summary), then with a date in the future (the typed values kept),
// then complete; the plan is listed as received that day, on time, with
// who recorded it and why. Every page and error state gets axe-core's
// WCAG checks.
func TestBrowserRecordsAPlanReceivedByEmail(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		st := ts.newPlanStory()
		ts.setClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
		path := planFiles(t)
		b := ts.browser(t, noJS)
		check := func(name string) {
			t.Helper()
			b.Screenshot(name)
			b.CheckA11y()
		}

		signInWithBrowser(t, b, "inspector@demo.test")
		b.Visit(fmt.Sprintf("/cases/%d/submissions", st.leics))
		b.WantStatus(http.StatusOK)
		b.ClickAndWait(`[data-testid="record-on-behalf"]`)
		b.WantStatus(http.StatusOK)
		b.WantPath(fmt.Sprintf("/cases/%d/submissions/record", st.leics))
		check("record-form")

		b.ClickAndWait(`[data-testid="record-submit"]`)
		b.WantStatus(http.StatusUnprocessableEntity)
		for _, want := range []string{"Select the documents of the plan", "Enter the time received", "Select how it arrived",
			"Enter who sent it", "Enter why you are recording it"} {
			b.WantText(".govuk-error-summary", want)
		}
		check("record-empty")

		b.Fill("#received-day", "4")
		b.Fill("#received-month", "12")
		b.Fill("#received-year", "2026")
		b.Fill("#received-time", "4:20pm")
		b.Click("#via")
		b.Fill("#sender", "Jo Bloggs, Leicestershire Police")
		b.Fill("#reason", "The force emailed its plan before it had a portal account.")
		b.SetFiles(`input[name="documents"]`, path("Leicestershire plan 2017.pdf"))
		b.ClickAndWait(`[data-testid="record-submit"]`)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "The date received must be today or in the past")
		var sender string
		b.Eval(`document.querySelector("#sender").value`, &sender)
		if sender != "Jo Bloggs, Leicestershire Police" {
			t.Errorf("sender not kept: %q", sender)
		}
		check("record-future")

		b.Fill("#received-day", "31")
		b.Fill("#received-month", "5")
		b.Fill("#received-year", "2017")
		b.SetFiles(`input[name="documents"]`, path("Leicestershire plan 2017.pdf"))
		b.ClickAndWait(`[data-testid="record-submit"]`)
		b.WantStatus(http.StatusOK)
		b.WantPath(fmt.Sprintf("/cases/%d/submissions", st.leics))
		b.WantText(`.govuk-notification-banner`, "Version 1 of the force's plan was recorded, received on 31 May 2017 at 4:20pm, with 1 document.")
		b.WantText(`[data-testid="submission"] [data-testid="sent-at"]`, "31 May 2017 at 4:20pm")
		b.WantText(`[data-testid="submission"] [data-testid="timing"]`, "On time")
		b.WantText(`[data-testid="submission"] [data-testid="recorded"]`,
			"Recorded by Isla Inspector on behalf of the force on 3 December 2026: The force emailed its plan before it had a portal account.")
		check("record-done")
	})
}
