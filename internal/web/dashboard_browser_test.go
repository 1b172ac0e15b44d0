package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// TestBrowserDashboardJourney is the manager's journey in Chromium, with
// JavaScript on and off: a manager opens the dashboard from the navigation,
// gives the "as of" date half filled in (the error, the filters kept),
// filters by region, follows the first ranked force to its page, and
// downloads the CSV of the filtered rows: the link answers 200 with a CSV
// whose every force row is in the region. Every page and error state passes
// axe.
func TestBrowserDashboardJourney(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newCurrentServer(t)
		b := ts.browser(t, noJS)
		const region = "South East"

		signInWithBrowser(t, b, "manager@demo.test")
		b.ClickAndWait(".govuk-service-navigation a[href='/dashboard']")
		b.WantStatus(http.StatusOK)
		b.WaitFor(`[data-testid="forces"]`)
		b.Check("dashboard")

		// A date missing its month and year: the error, nothing filtered.
		b.Select("#region", region)
		b.Fill("#asof-day", "3")
		b.ClickAndWait(`[data-testid="filter"] button[type=submit]`)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WaitFor(".govuk-error-summary")
		b.Check("dashboard-date-error")

		b.Fill("#asof-day", "")
		b.Select("#region", region)
		b.ClickAndWait(`[data-testid="filter"] button[type=submit]`)
		b.WantStatus(http.StatusOK)
		b.WantText(`[data-testid="filtering"]`, "forces in "+region)
		if n := b.Count(`[data-testid="force-row"]`); n == 0 {
			t.Fatalf("no force ranked in %s", region)
		}
		var regions []string
		b.Eval(`[...document.querySelectorAll('[data-testid="force-row"] [data-testid="region"]')].map(e => e.innerText.trim())`, &regions)
		for _, rg := range regions {
			if rg != region {
				t.Errorf("a force of %s ranked when filtered by %s", rg, region)
			}
		}
		firstForce := strings.TrimSpace(b.Text(`[data-testid="force-row"] [data-testid="force"]`))
		b.Check("dashboard-region")

		// The CSV link of the filtered page, fetched as the browser would.
		var href string
		b.Eval(`document.querySelector('[data-testid="csv-link"]').getAttribute("href")`, &href)
		if !strings.HasPrefix(href, "/dashboard.csv?") || !strings.Contains(href, "region=") {
			t.Errorf("CSV link %q, want /dashboard.csv with the region filter", href)
		}
		var got struct {
			Status      int
			ContentType string
			Disposition string
			Body        string
		}
		b.Eval(`fetch(document.querySelector('[data-testid="csv-link"]').href).then(async r => ({
			status: r.status, contentType: r.headers.get("Content-Type"),
			disposition: r.headers.get("Content-Disposition"), body: await r.text()}))`, &got)
		if got.Status != http.StatusOK {
			t.Fatalf("CSV link answered %d, want 200", got.Status)
		}
		if got.ContentType != "text/csv; charset=utf-8" {
			t.Errorf("CSV content type %q", got.ContentType)
		}
		if !strings.HasPrefix(got.Disposition, "attachment;") {
			t.Errorf("CSV disposition %q, want a download", got.Disposition)
		}
		rows, err := csv.NewReader(strings.NewReader(got.Body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, got.Body)
		}
		if len(rows) < 2 {
			t.Fatalf("CSV has %d rows, want a header and a force of %s:\n%s", len(rows), region, got.Body)
		}
		found := false
		for _, row := range rows[1:] {
			if len(row) < 3 || row[2] != region {
				t.Errorf("CSV row %q is not of %s", row, region)
			}
			if len(row) > 1 && row[1] == firstForce {
				found = true
			}
		}
		if !found {
			t.Errorf("CSV lacks the page's first force %q:\n%s", firstForce, got.Body)
		}

		// Follow the force that is most behind.
		b.ClickAndWait(`[data-testid="force-row"] [data-testid="force"]`)
		b.WantStatus(http.StatusOK)
		b.WantText("h1", firstForce)
		b.WaitFor(`[data-testid="force-summary"]`)
		b.Check("force")
	})
}
