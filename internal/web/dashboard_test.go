package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
)

// newCurrentServer is newTestServer with the demo report of the present
// (seed.Current) on top of the story, as `seed demo` leaves it.
func newCurrentServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t)
	if _, err := seed.Current(context.Background(), ts.store, ts.clock()); err != nil {
		t.Fatalf("seed current: %v", err)
	}
	return ts
}

// currentCase returns the id of the case of the current demo report's
// recommendation ref ("R1", "R2") at the force with code.
func currentCase(t *testing.T, ts *testServer, ref, force string) int64 {
	t.Helper()
	var id int64
	err := ts.store.Pool().QueryRow(context.Background(), `
		SELECT c.id FROM cases c JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id
		JOIN forces fo ON fo.id = c.force_id
		WHERE r.title = $1 AND f.reference = $2 AND fo.code = $3`, seed.CurrentReportTitle, ref, force).Scan(&id)
	if err != nil {
		t.Fatalf("case %s at %s: %v", ref, force, err)
	}
	return id
}

// currentFinding returns the ids of the current demo report and its
// recommendation ref.
func currentFinding(t *testing.T, ts *testServer, ref string) (report, finding int64) {
	t.Helper()
	err := ts.store.Pool().QueryRow(context.Background(), `
		SELECT r.id, f.id FROM findings f JOIN reports r ON r.id = f.report_id
		WHERE r.title = $1 AND f.reference = $2`, seed.CurrentReportTitle, ref).Scan(&report, &finding)
	if err != nil {
		t.Fatal(err)
	}
	return report, finding
}

func TestLiaisonAndAdminGetNotFoundForTheDashboard(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	for _, email := range []string{"liaison.leicestershire@demo.test", "liaison.sussex@demo.test", "admin@demo.test"} {
		c := ts.as(email)
		for _, path := range []string{"/dashboard", "/dashboard.csv", "/dashboard?kind=plan_overdue"} {
			res := c.get(path)
			wantStatus(t, res, http.StatusNotFound)
			if strings.Contains(res.Body, "Which forces are behind") {
				t.Errorf("%s %s: the dashboard showed", email, path)
			}
		}
	}
	res := ts.anon().get("/dashboard")
	wantStatus(t, res, http.StatusSeeOther)
}

func TestDashboardShowsEveryRuleOnFirstRun(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	for _, email := range []string{"manager@demo.test", "inspector@demo.test"} {
		res := ts.as(email).get("/dashboard")
		wantStatus(t, res, http.StatusOK)
		doc := res.doc(t)
		for _, k := range domain.Kinds() {
			n, err := strconv.Atoi(doc.Find(`[data-testid="total-` + string(k) + `"]`).Text())
			if err != nil || n == 0 {
				t.Errorf("%s: headline %s = %q, want a number above 0", email, k, doc.Find(`[data-testid="total-`+string(k)+`"]`).Text())
			}
		}
		if doc.Find(`[data-testid="force-row"]`).Length() == 0 {
			t.Errorf("%s: no force ranked", email)
		}
		if doc.Find(`[data-testid="chart-regions"] svg rect`).Length() == 0 || doc.Find(`[data-testid="chart-regions-table"]`).Length() != 1 {
			t.Errorf("%s: no chart of regions with its table", email)
		}
		if href, _ := doc.Find(`[data-testid="force-row"] a`).First().Attr("href"); !strings.HasPrefix(href, "/forces/") {
			t.Errorf("%s: force links to %q, want its force page", email, href)
		}
	}
}

// pageRow is one ranked force as read back from the page or the CSV.
type pageRow []string

var (
	cellItems = regexp.MustCompile(`^\s*(\d+)`)
	cellDays  = regexp.MustCompile(`(\d+) days?|due (today)`)
)

// pageRows reads the ranked forces off the page in the CSV's columns:
// rank, force, region, then items and days for each rule.
func pageRows(t *testing.T, doc *goquery.Document) []pageRow {
	t.Helper()
	var rows []pageRow
	doc.Find(`[data-testid="force-row"]`).Each(func(_ int, tr *goquery.Selection) {
		row := pageRow{strings.TrimSpace(tr.Find(`[data-testid="rank"]`).Text()),
			strings.TrimSpace(tr.Find(`[data-testid="force"]`).Text()),
			strings.TrimSpace(tr.Find(`[data-testid="region"]`).Text())}
		tr.Find("td.govuk-table__cell--numeric").Each(func(i int, td *goquery.Selection) {
			if i == 0 {
				return // the rank
			}
			items := cellItems.FindStringSubmatch(td.Text())
			if items == nil {
				t.Fatalf("cell %q has no count", td.Text())
			}
			days := ""
			if m := cellDays.FindStringSubmatch(td.Find("small").Text()); m != nil {
				days = m[1]
				if m[2] == "today" {
					days = "0"
				}
			}
			row = append(row, items[1], days)
		})
		rows = append(rows, row)
	})
	return rows
}

func TestDashboardCSVEqualsThePage(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("manager@demo.test")
	report, finding := currentFinding(t, ts, "R1")
	today := domain.Today(ts.clock())
	past := domain.AddDays(today, -35)
	for _, q := range []url.Values{
		{},
		{"region": {"South East"}},
		{"kind": {"plan_overdue"}},
		{"kind": {"due_soon"}},
		{"sort": {"oldest"}},
		{"report": {strconv.FormatInt(report, 10)}},
		{"report": {strconv.FormatInt(report, 10)}, "recommendation": {strconv.FormatInt(finding, 10)}, "kind": {"follow_up_overdue"}},
		{"asof-day": {strconv.Itoa(past.Day())}, "asof-month": {strconv.Itoa(int(past.Month()))}, "asof-year": {strconv.Itoa(past.Year())}},
	} {
		// Every page of the ranking, in order.
		var want []pageRow
		var doc *goquery.Document
		for n := 1; ; n++ {
			pq := url.Values{}
			for k, v := range q {
				pq[k] = v
			}
			if n > 1 {
				pq.Set("page", strconv.Itoa(n))
			}
			page := c.get(withQuery("/dashboard", pq))
			wantStatus(t, page, http.StatusOK)
			pdoc := page.doc(t)
			if n == 1 {
				doc = pdoc
			}
			want = append(want, pageRows(t, pdoc)...)
			if pdoc.Find(`.govuk-pagination__next`).Length() == 0 {
				break
			}
		}
		if len(q) == 0 && len(want) < 40 {
			t.Fatalf("only %d forces ranked on the unfiltered pages", len(want))
		}

		res := c.get(withQuery("/dashboard.csv", q))
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("%v: Content-Type %q", q, ct)
		}
		records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatalf("%v: %v", q, err)
		}
		if len(records) == 0 || records[0][0] != "Rank" {
			t.Fatalf("%v: CSV header %v", q, records)
		}
		var got []pageRow
		for _, r := range records[1:] {
			got = append(got, pageRow(r))
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%v: CSV rows\n%v\nbut the page shows\n%v", q, got, want)
		}
		// The as-of day travels in its one URL form, ?asof=2017-10-02,
		// whichever way it was asked for.
		wantQ := url.Values{}
		for k, v := range q {
			wantQ[k] = v
		}
		if wantQ.Get("asof-day") != "" {
			wantQ = url.Values{"asof": {past.Format(time.DateOnly)}}
		}
		if href, _ := doc.Find(`[data-testid="csv-link"]`).Attr("href"); len(want) > 0 && href != withQuery("/dashboard.csv", wantQ) {
			t.Errorf("%v: the page links its CSV as %q", q, href)
		}
	}
}

func TestDashboardAsOfADayBeforeAnythingWasDueIsEmpty(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector@demo.test")
	before := domain.AddDays(domain.Today(ts.clock()), -100) // before the current report's requests
	res := c.get("/dashboard?" + url.Values{"asof-day": {strconv.Itoa(before.Day())},
		"asof-month": {before.Month().String()}, "asof-year": {strconv.Itoa(before.Year())}}.Encode())
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if !strings.Contains(doc.Find(".govuk-caption-l").First().Text(), domain.FormatLong(before)) {
		t.Errorf("caption %q, want as of %s", doc.Find(".govuk-caption-l").First().Text(), domain.FormatLong(before))
	}
	// The 2017 story's plans all came in, so that day no plan is overdue;
	// the current report's requests were not yet sent.
	for _, kind := range []string{"plan_overdue", "due_soon"} {
		got := doc.Find(`[data-testid="total-` + kind + `"]`)
		if got.Length() != 1 || strings.TrimSpace(got.Text()) != "0" {
			t.Errorf("%s: %d totals, %q, before any request was sent", kind, got.Length(), got.Text())
		}
	}
}

func TestDashboardRefusesADateThatDoesNotExist(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("manager@demo.test")
	res := c.get("/dashboard?asof-day=31&asof-month=4&asof-year=2017")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	if doc.Find(".govuk-error-summary a[href='#asof-day']").Length() != 1 || doc.Find("#asof-error").Length() != 1 {
		t.Errorf("no error summary or message for the date")
	}
	if !strings.HasPrefix(doc.Find("title").Text(), "Error: ") {
		t.Errorf("title %q", doc.Find("title").Text())
	}
	wantStatus(t, c.get("/dashboard.csv?asof-day=31&asof-month=4&asof-year=2017"), http.StatusBadRequest)
}

func TestDashboardOfARecommendationChartsItsCasesByStage(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	report, finding := currentFinding(t, ts, "R1")
	res := ts.as("manager@demo.test").get("/dashboard?report=" + strconv.FormatInt(report, 10) + "&recommendation=" + strconv.FormatInt(finding, 10))
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	total := 0
	doc.Find(`[data-testid="chart-stages-table"] tbody td`).Each(func(_ int, td *goquery.Selection) {
		n, _ := strconv.Atoi(strings.TrimSpace(td.Text()))
		total += n
	})
	if total != 43 {
		t.Errorf("the stage chart counts %d cases, want the 43 of the recommendation", total)
	}
	if doc.Find(`[data-testid="chart-stages"] svg title`).Length() == 0 || doc.Find(`[data-testid="chart-stages"] svg[role="img"]`).Length() != 1 {
		t.Error("the stage chart is not an accessible SVG")
	}
	if href, _ := doc.Find(`[data-testid="schedule-all"]`).Attr("href"); href != "/recommendations/"+strconv.FormatInt(finding, 10)+"/follow-ups/new" {
		t.Errorf("link to schedule every force's follow-up: %q", href)
	}
	if !strings.Contains(doc.Find(`[data-testid="filtering"]`).Text(), "R1") {
		t.Errorf("filters in words: %q", doc.Find(`[data-testid="filtering"]`).Text())
	}
}

func TestDashboardHeadlineLinksFilterByRule(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("manager@demo.test")
	doc := c.get("/dashboard?region=Wales").doc(t)
	href, ok := doc.Find(`a[href*="kind=follow_up_overdue"]`).Attr("href")
	if !ok || !strings.Contains(href, "region=Wales") {
		t.Fatalf("headline link %q keeps the other filters?", href)
	}
	doc = c.get(href).doc(t)
	doc.Find(`[data-testid="force-row"]`).Each(func(_ int, tr *goquery.Selection) {
		if r := strings.TrimSpace(tr.Find(`[data-testid="region"]`).Text()); r != "Wales" {
			t.Errorf("force in %s listed for Wales", r)
		}
	})
	if n := doc.Find(`table[data-testid="forces"] thead th`).Length(); n != 4 {
		t.Errorf("%d columns, want rank, force, region and the one rule", n)
	}
}

// plansOverdue is the dashboard's headline count of plans overdue, as c
// sees it today.
func plansOverdue(t *testing.T, c *client) int {
	t.Helper()
	res := c.get("/dashboard")
	wantStatus(t, res, http.StatusOK)
	n, err := strconv.Atoi(res.doc(t).Find(`[data-testid="total-plan_overdue"]`).Text())
	if err != nil {
		t.Fatalf("plans overdue: %v", err)
	}
	return n
}

// TestDashboardShowsAChangeAtOnce: the dashboard (kept for the data
// version) and a force's page show a change made through the portal on the
// very next request, for the user who made it and for another.
func TestDashboardShowsAChangeAtOnce(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	manager, inspector := ts.as("manager@demo.test"), ts.as("inspector@demo.test")
	overdue := func(c *client) int { return plansOverdue(t, c) }
	today := domain.Today(ts.clock())
	var id int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM cases WHERE request_sent_on <= $1
		AND plan_due_on < $1 AND first_submitted_at IS NULL AND closed_on IS NULL ORDER BY id LIMIT 1`, today).Scan(&id); err != nil {
		t.Fatalf("a case with its plan overdue: %v", err)
	}
	before := overdue(manager)
	if overdue(inspector) != before || overdue(manager) != before {
		t.Fatal("two readings of the same data differ")
	}
	wantStatus(t, manager.post(fmt.Sprintf("/cases/%d/due-date", id),
		dateValues("due", domain.AddDays(today, 30), url.Values{"reason": {"The force asked for a month more."}})), http.StatusSeeOther)
	for who, c := range map[string]*client{"the manager": manager, "an inspector": inspector} {
		if after := overdue(c); after != before-1 {
			t.Errorf("%s sees %d plans overdue after one was given a month more, want %d", who, after, before-1)
		}
	}
}

func TestDashboardMovesOnWithTheClock(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	overdue := func() int { return plansOverdue(t, ts.as("manager@demo.test")) }
	before := overdue()
	// R2's plans are due in 9 days; ten days on, those not in are overdue.
	ts.setClock(ts.clock().Add(10 * 24 * time.Hour))
	if after := overdue(); after <= before {
		t.Errorf("plans overdue %d ten days on, %d before: the counts did not move to the new day", after, before)
	}
}

// TestPagesGetTheirStylesheet: the hashed stylesheet a page links is
// served (the dashboard's layout depends on it).
func TestPagesGetTheirStylesheet(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	doc := ts.as("manager@demo.test").get("/dashboard").doc(t)
	href, ok := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok {
		t.Fatal("no stylesheet linked")
	}
	res := ts.anon().get(href)
	wantStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("%s: Content-Type %q", href, res.Header.Get("Content-Type"))
	}
}

// TestDashboardAsOfTheStoryShowsEveryForceLate: as of 1 June 2017 no force
// had sent its plan for the 2017 recommendation (due 31 May), and each row
// links to a force page that exists.
func TestDashboardAsOfTheStoryShowsEveryForceLate(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("manager@demo.test")
	res := c.get("/dashboard?asof-day=1&asof-month=6&asof-year=2017&kind=plan_overdue")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	var late int
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM cases
		WHERE plan_due_on = '2017-05-31' AND request_sent_on <= '2017-06-01'
		AND (first_submitted_at IS NULL OR first_submitted_at >= '2017-05-31T23:00:00Z')`).Scan(&late); err != nil {
		t.Fatal(err)
	}
	if got := doc.Find(`[data-testid="total-plan_overdue"]`).Text(); got != strconv.Itoa(late) || late == 0 {
		t.Errorf("plans overdue on 1 June 2017: %s, want %d", got, late)
	}
	href, _ := doc.Find(`[data-testid="force"]`).First().Attr("href")
	wantStatus(t, c.get(href), http.StatusOK)
}

// A force's page shows the force's row of today's dashboard: the same
// items and days for every rule, for every force the dashboard ranks.
func TestForcePageShowsItsDashboardRow(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("manager@demo.test")
	dash := c.get("/dashboard")
	wantStatus(t, dash, http.StatusOK)
	doc := dash.doc(t)
	rows := pageRows(t, doc)
	if len(rows) == 0 {
		t.Fatal("no force ranked")
	}
	compared := 0
	doc.Find(`[data-testid="force-row"] a[data-testid="force"]`).Each(func(i int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		page := c.get(href)
		wantStatus(t, page, http.StatusOK)
		got := map[string][2]string{}
		page.doc(t).Find(`[data-testid="behind-row"]`).Each(func(_ int, tr *goquery.Selection) {
			days := ""
			if m := cellDays.FindStringSubmatch(tr.Find(`[data-testid="days"]`).Text()); m != nil {
				days = m[1]
				if m[2] == "today" {
					days = "0"
				}
			}
			got[strings.TrimSpace(tr.Find("th").Text())] = [2]string{strings.TrimSpace(tr.Find(`[data-testid="items"]`).Text()), days}
		})
		for j, k := range domain.Kinds() {
			items, days := rows[i][3+2*j], rows[i][4+2*j]
			g, shown := got[k.Label()]
			switch {
			case items == "0" && shown:
				t.Errorf("%s: %s shows %v, the dashboard none", href, k.Label(), g)
			case items != "0" && g != [2]string{items, days}:
				t.Errorf("%s: %s shows %v, the dashboard %s items, %s days", href, k.Label(), g, items, days)
			case items != "0":
				compared++
			}
		}
	})
	if compared < len(rows) {
		t.Errorf("compared %d counts of %d forces; want one at least for each", compared, len(rows))
	}

	// A force with nothing late says so; a liaison sees their cases but not
	// the dashboard's numbers.
	res := ts.as("liaison.leicestershire@demo.test").get("/forces/leicestershire")
	wantStatus(t, res, http.StatusOK)
	ldoc := res.doc(t)
	if ldoc.Find(`[data-testid="force-behind"]`).Length() != 0 || ldoc.Find(`[data-testid="case-row"]`).Length() == 0 {
		t.Errorf("liaison's force page: behind %d, case rows %d; want none and some",
			ldoc.Find(`[data-testid="force-behind"]`).Length(), ldoc.Find(`[data-testid="case-row"]`).Length())
	}
	if !regexp.MustCompile(`^\d+ in all, \d+ open$`).MatchString(strings.TrimSpace(ldoc.Find(`[data-testid="case-counts"]`).Text())) {
		t.Errorf("liaison's case counts %q", ldoc.Find(`[data-testid="case-counts"]`).Text())
	}
}
