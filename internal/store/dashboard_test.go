package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// world is a small national picture: forces in regions, reports with
// recommendations, one case per recommendation and force.
type world struct {
	pool     *pgxpool.Pool
	st       *store.Store
	forces   []int64
	regions  map[int64]string
	reports  []int64
	findings []int64
	reportOf map[int64]int64
	cases    []int64
	// categories are each finding's outcome categories, one per effect in
	// domain.Effects() order; author writes the assessments.
	categories map[int64][]int64
	author     int64
}

const propRegions = 3

func newWorld(t *testing.T, nForces, nReports, nFindings int) *world {
	t.Helper()
	pool := testdb.Pool(t)
	w := &world{pool: pool, st: store.New(pool, store.WithAuditKeys(testdb.AuditKeys())), regions: map[int64]string{}, reportOf: map[int64]int64{},
		categories: map[int64][]int64{}}
	w.author = testdb.Exec(t, pool, `INSERT INTO users (email, name, role, password_hash)
		VALUES ('author@test.test', 'Author', 'inspector', 'x') RETURNING id`)
	for i := range nForces {
		region := fmt.Sprintf("Region %c", 'A'+i%propRegions)
		id := testdb.Exec(t, pool, `INSERT INTO forces (code, name, region, chief_officer_title, oversight_body)
			VALUES ($1, $2, $3, 'Chief Constable', 'PCC') RETURNING id`,
			fmt.Sprintf("force-%02d", i), fmt.Sprintf("Force %02d", i), region)
		w.forces = append(w.forces, id)
		w.regions[id] = region
	}
	for i := range nReports {
		id := testdb.Exec(t, pool, `INSERT INTO reports (title, kind, published_on) VALUES ($1, 'national', '2017-12-01') RETURNING id`,
			fmt.Sprintf("Report %d", i))
		w.reports = append(w.reports, id)
	}
	for i := range nFindings {
		report := w.reports[i%len(w.reports)]
		id := testdb.Exec(t, pool, `INSERT INTO findings (report_id, kind, reference, body) VALUES ($1, 'recommendation', $2, 'Do it') RETURNING id`,
			report, fmt.Sprintf("R%d", i))
		w.findings = append(w.findings, id)
		w.reportOf[id] = report
		for j, e := range domain.Effects() {
			w.categories[id] = append(w.categories[id], testdb.Exec(t, pool, `INSERT INTO categories (finding_id, position, key, label, effect)
				VALUES ($1, $2, $3, $3, $3) RETURNING id`, id, j+1, string(e)))
		}
	}
	for _, f := range w.findings {
		for _, fo := range w.forces {
			w.cases = append(w.cases, testdb.Exec(t, pool, `INSERT INTO cases (finding_id, force_id) VALUES ($1, $2) RETURNING id`, f, fo))
		}
	}
	return w
}

// propStart is the first day of the random dates: the window holds the
// spring change of the clocks (25 March 2018).
var propStart = domain.Date(2018, 2, 1)

const propDays = 120

func randomDay(rng *rand.Rand, nilOdds int) *time.Time {
	if rng.IntN(nilOdds) == 0 {
		return nil
	}
	d := domain.AddDays(propStart, rng.IntN(propDays))
	return &d
}

// randomise gives a case random dates, any of them missing, in any order:
// the dashboard must agree with domain.Items whatever was recorded.
func (w *world) randomise(t *testing.T, rng *rand.Rand, caseID int64) {
	t.Helper()
	var sub *time.Time
	if d := randomDay(rng, 3); d != nil {
		// Any minute of the day in UTC, so late evening in summer is the
		// next day in London.
		at := d.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
		sub = &at
	}
	closed := randomDay(rng, 2)
	var reason *string
	if closed != nil {
		r := string(domain.ClosedReasons()[rng.IntN(3)])
		reason = &r
	}
	testdb.Exec(t, w.pool, `UPDATE cases SET request_sent_on = $2, plan_due_on = $3,
		first_submitted_at = $4, assessment_started_on = $5, assessment_published_on = $6,
		follow_up_planned_on = $7, follow_up_done_on = $8, closed_on = $9, closed_reason = $10
		WHERE id = $1`, caseID, randomDay(rng, 4), randomDay(rng, 4), sub, randomDay(rng, 2), randomDay(rng, 2),
		randomDay(rng, 2), randomDay(rng, 2), closed, reason)
	w.randomAssessment(t, rng, caseID)
}

// randomAssessment gives a case an assessment, or changes it: in any state,
// with a category of any effect, published or not; or leaves it alone. The
// dashboard must follow its publication and category whichever is written
// last, the case's date or the assessment.
func (w *world) randomAssessment(t *testing.T, rng *rand.Rand, caseID int64) {
	t.Helper()
	if rng.IntN(3) == 0 {
		return
	}
	state := "published"
	if rng.IntN(3) == 0 {
		state = "draft"
	}
	testdb.Exec(t, w.pool, `INSERT INTO assessments (case_id, period, reviewed_up_to, category_id, state,
			created_by, updated_by, published_at)
		SELECT c.id, '2018', '2018-01-01', (($2::bigint[])[$3]), $4, $5, $5,
			CASE WHEN $4 = 'published' THEN now() END
		FROM cases c WHERE c.id = $1
		ON CONFLICT (case_id) DO UPDATE SET category_id = EXCLUDED.category_id, state = EXCLUDED.state,
			published_at = EXCLUDED.published_at`,
		caseID, w.categories[w.findingOf(t, caseID)], 1+rng.IntN(len(domain.Effects())), state, w.author)
}

// findingOf is the recommendation of a case.
func (w *world) findingOf(t *testing.T, caseID int64) int64 {
	t.Helper()
	var f int64
	if err := w.pool.QueryRow(context.Background(), `SELECT finding_id FROM cases WHERE id = $1`, caseID).Scan(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// setEffect changes what one of a finding's categories means.
func (w *world) setEffect(t *testing.T, rng *rand.Rand) {
	t.Helper()
	f := w.findings[rng.IntN(len(w.findings))]
	cat := w.categories[f][rng.IntN(len(domain.Effects()))]
	testdb.Exec(t, w.pool, `UPDATE categories SET effect = $2 WHERE id = $1`, cat,
		string(domain.Effects()[rng.IntN(len(domain.Effects()))]))
}

func (w *world) setDeadline(t *testing.T, finding int64, d *time.Time) {
	t.Helper()
	testdb.Exec(t, w.pool, `UPDATE findings SET deadline_on = $2 WHERE id = $1`, finding, d)
}

// bruteCount is one (force, rule) count worked out case by case.
type bruteCount struct {
	items  int
	oldest time.Time
}

type forceKind struct {
	force int64
	kind  domain.Kind
}

// brute counts every case with domain.Items, the way the dashboard's
// numbers are defined, reading nothing but the cases and the deadlines.
func (w *world) brute(t *testing.T, f store.DashboardFilter, assessDays int) map[forceKind]bruteCount {
	t.Helper()
	rows, err := w.pool.Query(context.Background(), `
		SELECT c.force_id, c.finding_id, fi.report_id, fi.deadline_on, c.request_sent_on, c.plan_due_on,
			c.first_submitted_at, c.assessment_started_on, c.assessment_published_on,
			c.follow_up_planned_on, c.follow_up_done_on, c.closed_on, COALESCE(c.closed_reason, ''),
			COALESCE(k.effect, '')
		FROM cases c JOIN findings fi ON fi.id = c.finding_id
		LEFT JOIN assessments a ON a.case_id = c.id AND a.state = 'published'
		LEFT JOIN categories k ON k.id = a.category_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[forceKind]bruteCount{}
	for rows.Next() {
		var force, finding, report int64
		var deadline *time.Time
		var c domain.CaseFacts
		if err := rows.Scan(&force, &finding, &report, &deadline, &c.RequestSentOn, &c.PlanDueOn, &c.FirstSubmittedAt,
			&c.AssessmentStartedOn, &c.AssessmentPublishedOn, &c.FollowUpPlannedOn, &c.FollowUpDoneOn,
			&c.ClosedOn, &c.ClosedReason, &c.OutcomeEffect); err != nil {
			t.Fatal(err)
		}
		if (f.ReportID != 0 && report != f.ReportID) || (f.FindingID != 0 && finding != f.FindingID) ||
			(f.Region != "" && w.regions[force] != f.Region) {
			continue
		}
		for _, it := range domain.Items(c, deadline, f.AsOf, assessDays) {
			k := forceKind{force, it.Kind}
			b := out[k]
			b.items++
			if b.oldest.IsZero() || it.Since.Before(b.oldest) {
				b.oldest = it.Since
			}
			out[k] = b
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// check compares every number of the dashboard for f with the brute count.
func (w *world) check(t *testing.T, f store.DashboardFilter, assessDays int) {
	t.Helper()
	if err := w.st.MaintainDashboard(context.Background(), f.Today, assessDays); err != nil {
		t.Fatal(err)
	}
	got, err := w.st.Dashboard(context.Background(), store.Scope{}, f)
	if err != nil {
		t.Fatal(err)
	}
	want := w.brute(t, f, assessDays)
	where := fmt.Sprintf("as of %s (today %s, assess %d, report %d, finding %d, region %q, kind %q)",
		f.AsOf.Format(time.DateOnly), f.Today.Format(time.DateOnly), assessDays, f.ReportID, f.FindingID, f.Region, f.Kind)

	totals := map[domain.Kind]int{}
	regions := map[string]map[domain.Kind]int{}
	shown := 0
	for k, b := range want {
		totals[k.kind] += b.items
		if f.Kind != "" && k.kind != f.Kind {
			continue
		}
		shown++
		if k.kind != domain.KindDueSoon {
			if regions[w.regions[k.force]] == nil {
				regions[w.regions[k.force]] = map[domain.Kind]int{}
			}
			regions[w.regions[k.force]][k.kind] += b.items
		}
	}
	for _, k := range domain.Kinds() {
		if got.Totals[k] != totals[k] {
			t.Fatalf("%s: total %s = %d, brute force %d", where, k, got.Totals[k], totals[k])
		}
	}
	gotShown := 0
	for i, fb := range got.Forces {
		overdue, oldest := 0, 0
		for _, kind := range domain.Kinds() {
			kc := fb.Count(kind)
			if kc.Items == 0 {
				continue
			}
			gotShown++
			b, ok := want[forceKind{fb.ForceID, kind}]
			if !ok || kc.Items != b.items {
				t.Fatalf("%s: %s %s = %d items, brute force %d", where, fb.Code, kind, kc.Items, b.items)
			}
			days := domain.DaysBetween(b.oldest, f.AsOf)
			if kind == domain.KindDueSoon {
				days = -days
			} else {
				overdue += b.items
				oldest = max(oldest, days)
			}
			if kc.Days != days {
				t.Fatalf("%s: %s %s oldest = %d days, brute force %d", where, fb.Code, kind, kc.Days, days)
			}
		}
		if fb.Overdue != overdue || fb.OldestDays != oldest {
			t.Fatalf("%s: %s overdue %d/%d days, brute force %d/%d", where, fb.Code, fb.Overdue, fb.OldestDays, overdue, oldest)
		}
		if i > 0 {
			prev := got.Forces[i-1]
			if f.SortOldest && prev.OldestDays < fb.OldestDays || !f.SortOldest && prev.Overdue < fb.Overdue {
				t.Fatalf("%s: %s ranked above %s", where, prev.Code, fb.Code)
			}
		}
	}
	if gotShown != shown {
		t.Fatalf("%s: %d (force, rule) counts shown, brute force %d", where, gotShown, shown)
	}
	// A page of the ranking is that slice of the whole ranking.
	if got.Ranked != len(got.Forces) {
		t.Fatalf("%s: %d ranked, %d forces listed", where, got.Ranked, len(got.Forces))
	}
	paged := f
	paged.Offset, paged.Limit = len(got.Forces)/2, 3
	page, err := w.st.Dashboard(context.Background(), store.Scope{}, paged)
	if err != nil {
		t.Fatal(err)
	}
	wantPage := got.Forces[paged.Offset:min(paged.Offset+3, len(got.Forces))]
	if page.Ranked != got.Ranked || len(page.Forces) != len(wantPage) && paged.Offset > 0 {
		t.Fatalf("%s: page from %d has %d of %d, want %d of %d", where, paged.Offset, len(page.Forces), page.Ranked, len(wantPage), got.Ranked)
	}
	for i := range wantPage {
		if page.Forces[i].ForceID != wantPage[i].ForceID {
			t.Fatalf("%s: rank %d is force %d on the page, %d in the whole ranking", where, paged.Offset+i+1, page.Forces[i].ForceID, wantPage[i].ForceID)
		}
	}
	for _, rc := range got.Regions {
		for k, n := range rc.Kinds {
			if regions[rc.Region][k] != n {
				t.Fatalf("%s: region %s %s = %d, brute force %d", where, rc.Region, k, n, regions[rc.Region][k])
			}
		}
		delete(regions, rc.Region)
	}
	for r, ks := range regions {
		for k, n := range ks {
			if n > 0 {
				t.Fatalf("%s: region %s %s missing (brute force %d)", where, r, k, n)
			}
		}
	}
}

// TestDashboardEqualsBruteForce: for random cases, random changes and random
// "as of" days, every number of the dashboard (headline, each force's count
// and oldest per rule, the ranking, the regions) equals a count made case by
// case with domain.Items, on both of its paths: the counts kept for today
// (maintained change by change) and the items counted for any other day or
// filter.
func TestDashboardEqualsBruteForce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 9, 2, 5)
	rng := rand.New(rand.NewPCG(7, 2018))
	for _, id := range w.cases {
		w.randomise(t, rng, id)
	}
	for _, f := range w.findings {
		w.setDeadline(t, f, randomDay(rng, 3))
	}
	today := domain.AddDays(propStart, 50)
	assess := 30
	randomFilter := func(asOf time.Time) store.DashboardFilter {
		f := store.DashboardFilter{AsOf: asOf, Today: today, SortOldest: rng.IntN(2) == 0}
		switch rng.IntN(6) {
		case 0:
			f.ReportID = w.reports[rng.IntN(len(w.reports))]
		case 1:
			f.FindingID = w.findings[rng.IntN(len(w.findings))]
		case 2:
			f.Region = fmt.Sprintf("Region %c", 'A'+rng.IntN(propRegions))
		}
		if rng.IntN(3) == 0 {
			f.Kind = domain.Kinds()[rng.IntN(len(domain.Kinds()))]
		}
		return f
	}

	for round := range 30 {
		// Change a few cases, sometimes a deadline, sometimes the days
		// allowed for an assessment, sometimes move to the next day.
		for range 1 + rng.IntN(6) {
			w.randomise(t, rng, w.cases[rng.IntN(len(w.cases))])
		}
		if rng.IntN(4) == 0 {
			w.setDeadline(t, w.findings[rng.IntN(len(w.findings))], randomDay(rng, 3))
		}
		for range rng.IntN(3) {
			w.randomAssessment(t, rng, w.cases[rng.IntN(len(w.cases))])
		}
		if rng.IntN(4) == 0 {
			w.setEffect(t, rng)
		}
		if rng.IntN(8) == 0 {
			assess = 1 + rng.IntN(40)
		}
		if rng.IntN(6) == 0 {
			// A force moves region: the counts kept for today carry a copy.
			force := w.forces[rng.IntN(len(w.forces))]
			region := fmt.Sprintf("Region %c", 'A'+rng.IntN(propRegions))
			testdb.Exec(t, w.pool, `UPDATE forces SET region = $2 WHERE id = $1`, force, region)
			w.regions[force] = region
		}
		if rng.IntN(5) == 0 {
			today = domain.AddDays(today, 1+rng.IntN(3))
		}
		// Today, unfiltered: the kept counts.
		w.check(t, store.DashboardFilter{AsOf: today, Today: today, SortOldest: round%2 == 0}, assess)
		w.check(t, store.DashboardFilter{AsOf: today, Today: today,
			Region: fmt.Sprintf("Region %c", 'A'+round%propRegions), Kind: domain.Kinds()[round%5]}, assess)
		// Today with filters, and random days: the items.
		w.check(t, randomFilter(today), assess)
		for range 4 {
			asOf := domain.AddDays(propStart, rng.IntN(propDays+30)-15)
			w.check(t, randomFilter(asOf), assess)
		}
	}
}

// TestDashboardKeptCountsSurviveConcurrentChanges: changes committed while
// the counts for a new day are being built are neither lost nor counted
// twice.
func TestDashboardKeptCountsSurviveConcurrentChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 6, 1, 4)
	rng := rand.New(rand.NewPCG(11, 3))
	for _, id := range w.cases {
		w.randomise(t, rng, id)
	}
	today := domain.AddDays(propStart, 40)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			day := domain.AddDays(today, i)
			if err := w.st.MaintainDashboard(context.Background(), day, 30); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	local := rand.New(rand.NewPCG(5, 5))
	for range 60 {
		w.randomise(t, local, w.cases[local.IntN(len(w.cases))])
	}
	<-done
	last := domain.AddDays(today, 19)
	w.check(t, store.DashboardFilter{AsOf: last, Today: last}, 30)
}
