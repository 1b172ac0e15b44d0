package web

import (
	"net/http"
	"strconv"
	"testing"

	"inspectrack/internal/domain"
)

// TestBrowserDashboardAndFollowUpsAreAccessible walks the dashboard and
// follow-up pages in Chromium, with and without JavaScript, checking each with axe: the
// dashboard (with its SVG charts and their tables), filtered by
// recommendation and by a past day; a follow-up scheduled, moved and
// recorded; a case closed; the settings page issuing a calendar address.
func TestBrowserDashboardAndFollowUpsAreAccessible(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newCurrentServer(t)
		b := ts.browser(t, noJS)
		report, finding := currentFinding(t, ts, "R1")
		signInWithBrowser(t, b, "inspector@demo.test")

		b.ClickAndWait("a[href='/dashboard']")
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Which forces are behind")
		b.Check("dashboard")

		b.Visit("/dashboard?report=" + strconv.FormatInt(report, 10) + "&recommendation=" + strconv.FormatInt(finding, 10))
		b.WantStatus(http.StatusOK)
		b.Check("dashboard-recommendation")

		// The filter form, as a person fills it in: a day in the past.
		b.Visit("/dashboard")
		b.Fill("#asof-day", "1")
		b.Fill("#asof-month", "6")
		b.Fill("#asof-year", "2017")
		b.ClickAndWait("[data-testid=filter] button[type=submit]")
		b.WantStatus(http.StatusOK)
		b.WantText(".govuk-caption-l", "As of 1 June 2017")
		b.Check("dashboard-as-of")

		id := openCaseWithoutFollowUp(t, ts, 3)
		b.Visit("/cases/" + strconv.FormatInt(id, 10) + "/follow-ups")
		b.ClickAndWait("[data-testid=schedule]")
		b.Check("follow-up-schedule")
		b.ClickAndWait(submit) // nothing entered
		b.WantStatus(http.StatusUnprocessableEntity)
		b.Check("follow-up-schedule-error")
		planned := domain.AddDays(domain.Today(ts.clock()), 10)
		b.Fill("#planned-day", strconv.Itoa(planned.Day()))
		b.Fill("#planned-month", strconv.Itoa(int(planned.Month())))
		b.Fill("#planned-year", strconv.Itoa(planned.Year()))
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)
		b.WantText(".govuk-notification-banner", "Follow-up scheduled")
		b.Check("follow-ups")

		b.ClickAndWait("[data-testid=follow-ups] a[href$='/move']")
		b.Check("follow-up-move")
		b.ClickAndWait(submit) // no date, no reason
		b.WantStatus(http.StatusUnprocessableEntity)
		b.Check("follow-up-move-error")

		b.Visit("/cases/" + strconv.FormatInt(id, 10) + "/close")
		b.Check("case-close")
		b.Click("#reason")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=closed]", "Closed on")

		b.Visit("/settings")
		b.ClickAndWait("[data-testid=calendar-issue]")
		b.WantStatus(http.StatusOK)
		b.Check("settings-calendar")
	})
}
