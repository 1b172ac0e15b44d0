package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// DashboardFilter says what the dashboard counts. Every rule of
// domain.Items is counted for the calendar date AsOf; the filters narrow
// the cases (report, recommendation, region) and, for the list of forces and
// the chart, the rule (Kind).
type DashboardFilter struct {
	AsOf       time.Time   // the "as of" calendar date
	Today      time.Time   // today's calendar date: the day worth keeping counts for
	AssessDays int         // days allowed to publish an assessment (config.AssessDays)
	ReportID   int64       // 0: every report
	FindingID  int64       // 0: every recommendation
	Region     string      // "": every region
	Kind       domain.Kind // "": every rule
	// SortOldest ranks forces by their longest overdue item first rather
	// than by how many items they have overdue.
	SortOldest bool
}

// KindCount is how many items of one rule a force (or the country) has on
// the as-of day, and how far the oldest is: days overdue, or for due soon
// the days left until the nearest.
type KindCount struct {
	Items int
	Days  int
}

// kindCount is the number of rules, domain.Kinds().
const kindCount = 5

// kindIndex is each rule's position in domain.Kinds(), the order of the
// per-rule arrays here and of the columns of dashboard_today.
var kindIndex = func() map[domain.Kind]int {
	m := map[domain.Kind]int{}
	for i, k := range domain.Kinds() {
		m[k] = i
	}
	if len(m) != kindCount {
		panic("store: the dashboard knows 5 rules; domain.Kinds has changed")
	}
	return m
}()

// ForceBehind is one force on the dashboard with its counts per rule.
type ForceBehind struct {
	ForceID int64
	Code    string
	Name    string
	Region  string
	// Counts holds a count per rule in domain.Kinds() order (see Count);
	// rules not shown count nothing.
	Counts [kindCount]KindCount
	// Overdue is the number of overdue items (every rule but due soon) and
	// OldestDays the days of the longest overdue, among the rules shown.
	Overdue    int
	OldestDays int
}

// Count is the force's count of rule k.
func (f ForceBehind) Count(k domain.Kind) KindCount { return f.Counts[kindIndex[k]] }

// RegionCount is the overdue items of one region, per rule.
type RegionCount struct {
	Region string
	Kinds  map[domain.Kind]int
}

// Dashboard is what the manager's dashboard shows for one filter.
type Dashboard struct {
	// Totals are the headline counts per rule for the report,
	// recommendation and region filters (not the rule filter: the headline
	// is how one picks a rule).
	Totals map[domain.Kind]int
	// Forces are the forces with at least one item of the rules shown,
	// ranked by how far behind they are.
	Forces []ForceBehind
	// Regions are the overdue items per region, of the rules shown, in
	// region order.
	Regions []RegionCount
	// Options are what the filter offers.
	Options DashboardOptions
}

// dashboardRow is one force's counts as the queries return them: per rule
// in domain.Kinds() order, the items and the earliest due date among them.
type dashboardRow struct {
	forceID            int64
	code, name, region string
	items              [kindCount]int
	oldest             [kindCount]*time.Time
}

// Dashboard counts the overdue and due-soon items for f, and reads what
// its filter offers, in one round trip to the database. For today with no
// report or recommendation filter it reads the counts kept per force and
// rule (dashboard_today, at most forces x rules rows); for any other day or
// filter it counts only the items that apply on that day, through the GiST
// index on their spans or the report's items.
func (s *Store) Dashboard(ctx context.Context, sc Scope, f DashboardFilter) (Dashboard, error) {
	if err := s.syncAssessDays(ctx, f.AssessDays); err != nil {
		return Dashboard{}, err
	}
	asOf, today := domain.Date(f.AsOf.Date()), domain.Date(f.Today.Date())
	useKept := asOf.Equal(today) && f.ReportID == 0 && f.FindingID == 0
	for attempt := 0; ; attempt++ {
		var rows []dashboardRow
		var opts DashboardOptions
		var kept *time.Time
		b := &pgx.Batch{}
		collect := func(r pgx.Rows) error {
			var err error
			rows, err = pgx.CollectRows(r, scanDashboardRow)
			return err
		}
		if useKept {
			b.Queue(`SELECT snapshot_on FROM dashboard_state`).QueryRow(func(r pgx.Row) error { return r.Scan(&kept) })
			b.Queue(dashboardTodayQuery, today, f.Region, sc.ForceArg()).Query(collect)
		} else {
			b.Queue(dashboardItemsQuery, asOf, f.Region, sc.ForceArg(), f.ReportID, f.FindingID).Query(collect)
		}
		queueDashboardOptions(b, &opts, f.ReportID)
		if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
			return Dashboard{}, fmt.Errorf("store: dashboard: %w", err)
		}
		switch {
		case useKept && (kept == nil || kept.Before(today)) && attempt == 0:
			// The first request of a new day counts it, once.
			err := s.Tx(ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `SELECT dashboard_snapshot($1)`, today)
				return err
			})
			if err != nil {
				return Dashboard{}, fmt.Errorf("store: dashboard: count %s: %w", today.Format(time.DateOnly), err)
			}
			continue
		case useKept && (kept == nil || !kept.Equal(today)):
			// Another instance's clock is ahead (or a rebuild raced):
			// count the items instead.
			useKept = false
			continue
		}
		d := buildDashboard(rows, asOf, f.Kind, f.SortOldest)
		d.Options = opts
		return d, nil
	}
}

// The kept counts, for the day dashboard_state names: checked in the query
// too, so counts rebuilt for another day meanwhile are never read as today's.
const dashboardTodayQuery = `
	SELECT f.id, f.code, f.name, f.region,
		t.plan_overdue_items, t.plan_overdue_oldest, t.assessment_overdue_items, t.assessment_overdue_oldest,
		t.recommendation_overdue_items, t.recommendation_overdue_oldest, t.follow_up_overdue_items,
		t.follow_up_overdue_oldest, t.due_soon_items, t.due_soon_oldest
	FROM dashboard_today t
	JOIN forces f ON f.id = t.force_id
	WHERE (SELECT snapshot_on FROM dashboard_state) = $1
	  AND ($2 = '' OR f.region = $2)
	  AND ($3::bigint IS NULL OR f.id = $3)`

// The items that apply on a day, for the report and recommendation filters,
// in the same columns.
const dashboardItemsQuery = `
	SELECT f.id, f.code, f.name, f.region,
		count(*) FILTER (WHERE i.kind = 'plan_overdue'), min(i.since) FILTER (WHERE i.kind = 'plan_overdue'),
		count(*) FILTER (WHERE i.kind = 'assessment_overdue'), min(i.since) FILTER (WHERE i.kind = 'assessment_overdue'),
		count(*) FILTER (WHERE i.kind = 'recommendation_overdue'), min(i.since) FILTER (WHERE i.kind = 'recommendation_overdue'),
		count(*) FILTER (WHERE i.kind = 'follow_up_overdue'), min(i.since) FILTER (WHERE i.kind = 'follow_up_overdue'),
		count(*) FILTER (WHERE i.kind = 'due_soon'), min(i.since) FILTER (WHERE i.kind = 'due_soon')
	FROM dashboard_items i
	JOIN forces f ON f.id = i.force_id
	WHERE i.active @> $1::date
	  AND ($2 = '' OR f.region = $2)
	  AND ($3::bigint IS NULL OR f.id = $3)
	  AND ($4::bigint = 0 OR i.report_id = $4)
	  AND ($5::bigint = 0 OR i.finding_id = $5)
	GROUP BY f.id`

func scanDashboardRow(r pgx.CollectableRow) (dashboardRow, error) {
	var d dashboardRow
	dest := make([]any, 0, 4+2*kindCount)
	dest = append(dest, &d.forceID, &d.code, &d.name, &d.region)
	for i := range kindCount {
		dest = append(dest, &d.items[i], &d.oldest[i])
	}
	err := r.Scan(dest...)
	return d, err
}

// syncAssessDays makes the stored items count assessDays, once per process
// unless the setting changes; the first request after a change of
// INSPECTRACK_ASSESS_DAYS recomputes the assessment items.
func (s *Store) syncAssessDays(ctx context.Context, assessDays int) error {
	if assessDays <= 0 {
		assessDays = domain.DefaultAssessmentDays
	}
	if s.assessDays.Load() == int64(assessDays) {
		return nil
	}
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT dashboard_set_assess_days($1)`, assessDays)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: dashboard: assessment days %d: %w", assessDays, err)
	}
	s.assessDays.Store(int64(assessDays))
	return nil
}

// buildDashboard turns each force's counts into the headline, the ranked
// forces and the regions; kind "" shows every rule.
func buildDashboard(rows []dashboardRow, asOf time.Time, kind domain.Kind, sortOldest bool) Dashboard {
	d := Dashboard{Totals: map[domain.Kind]int{}, Forces: make([]ForceBehind, 0, len(rows))}
	var totals [kindCount]int
	byRegion := map[string]*[kindCount]int{}
	soon := kindIndex[domain.KindDueSoon]
	for _, r := range rows {
		fb := ForceBehind{ForceID: r.forceID, Code: r.code, Name: r.name, Region: r.region}
		shown := false
		for i, k := range domain.Kinds() {
			n := r.items[i]
			totals[i] += n
			if n == 0 || (kind != "" && k != kind) {
				continue
			}
			shown = true
			kc := KindCount{Items: n}
			if i == soon {
				kc.Days = domain.DaysBetween(asOf, *r.oldest[i])
			} else {
				kc.Days = domain.DaysBetween(*r.oldest[i], asOf)
				fb.Overdue += n
				fb.OldestDays = max(fb.OldestDays, kc.Days)
				rc := byRegion[r.region]
				if rc == nil {
					rc = new([kindCount]int)
					byRegion[r.region] = rc
				}
				rc[i] += n
			}
			fb.Counts[i] = kc
		}
		if shown {
			d.Forces = append(d.Forces, fb)
		}
	}
	for i, k := range domain.Kinds() {
		d.Totals[k] = totals[i]
	}
	slices.SortFunc(d.Forces, func(a, b ForceBehind) int {
		first, second := cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.OldestDays, a.OldestDays)
		if sortOldest {
			first, second = second, first
		}
		return cmp.Or(first, second, cmp.Compare(b.Counts[soon].Items, a.Counts[soon].Items), cmp.Compare(a.Name, b.Name))
	})
	for region, counts := range byRegion {
		rc := RegionCount{Region: region, Kinds: map[domain.Kind]int{}}
		for i, k := range domain.Kinds() {
			if counts[i] > 0 {
				rc.Kinds[k] = counts[i]
			}
		}
		d.Regions = append(d.Regions, rc)
	}
	slices.SortFunc(d.Regions, func(a, b RegionCount) int { return cmp.Compare(a.Region, b.Region) })
	return d
}

// DashboardOptions are what the dashboard's filter offers.
type DashboardOptions struct {
	Regions         []string
	Reports         []DashboardReport
	Recommendations []DashboardRecommendation // of the chosen report; none when no report is chosen
}

// DashboardReport is a report offered by the dashboard's filter.
type DashboardReport struct {
	ID          int64
	Title       string
	PublishedOn time.Time
}

// DashboardRecommendation is a recommendation offered by the dashboard's
// filter once a report is chosen.
type DashboardRecommendation struct {
	ID        int64
	Reference string
	Body      string
}

// queueDashboardOptions adds the queries of the filter's choices to b: the
// regions, the reports that make recommendations (newest first) and the
// recommendations of reportID (none for 0), in report order.
func queueDashboardOptions(b *pgx.Batch, o *DashboardOptions, reportID int64) {
	b.Queue(`SELECT DISTINCT region FROM forces ORDER BY region`).Query(func(r pgx.Rows) error {
		var err error
		o.Regions, err = pgx.CollectRows(r, pgx.RowTo[string])
		return err
	})
	const reports = `
		SELECT r.id, r.title, r.published_on FROM reports r
		WHERE r.id IN (SELECT report_id FROM findings WHERE kind = 'recommendation')
		ORDER BY r.published_on DESC, r.id DESC`
	b.Queue(reports).Query(func(r pgx.Rows) error {
		var err error
		o.Reports, err = pgx.CollectRows(r, func(r pgx.CollectableRow) (DashboardReport, error) {
			var d DashboardReport
			err := r.Scan(&d.ID, &d.Title, &d.PublishedOn)
			return d, err
		})
		return err
	})
	if reportID == 0 {
		return
	}
	const recs = `
		SELECT f.id, f.reference, f.body FROM findings f
		WHERE f.report_id = $1 AND f.kind = 'recommendation'
		ORDER BY f.id`
	b.Queue(recs, reportID).Query(func(r pgx.Rows) error {
		var err error
		o.Recommendations, err = pgx.CollectRows(r, func(r pgx.CollectableRow) (DashboardRecommendation, error) {
			var d DashboardRecommendation
			err := r.Scan(&d.ID, &d.Reference, &d.Body)
			return d, err
		})
		return err
	})
}

// CaseFactsRow is a case's lifecycle dates with the force it belongs to.
type CaseFactsRow struct {
	CaseID    int64
	ForceCode string
	ForceName string
	Facts     domain.CaseFacts
}

const caseFactsColumns = `c.request_sent_on, c.plan_due_on, c.first_submitted_at, c.assessment_started_on,
	c.assessment_published_on, c.follow_up_planned_on, c.follow_up_done_on, c.closed_on, COALESCE(c.closed_reason, '')`

func scanCaseFacts(f *domain.CaseFacts) []any {
	return []any{&f.RequestSentOn, &f.PlanDueOn, &f.FirstSubmittedAt, &f.AssessmentStartedOn,
		&f.AssessmentPublishedOn, &f.FollowUpPlannedOn, &f.FollowUpDoneOn, &f.ClosedOn, &f.ClosedReason}
}

// FindingCaseFacts returns the dates of every case of a recommendation in
// sc, for the chart of its cases by lifecycle stage.
func (s *Store) FindingCaseFacts(ctx context.Context, sc Scope, findingID int64) ([]CaseFactsRow, error) {
	const q = `
		SELECT c.id, fo.code, fo.name, ` + caseFactsColumns + `
		FROM cases c JOIN forces fo ON fo.id = c.force_id
		WHERE c.finding_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY fo.name`
	rows, err := s.pool.Query(ctx, q, findingID, sc.ForceArg())
	if err != nil {
		return nil, fmt.Errorf("store: cases of finding %d: %w", findingID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseFactsRow, error) {
		var c CaseFactsRow
		err := r.Scan(append([]any{&c.CaseID, &c.ForceCode, &c.ForceName}, scanCaseFacts(&c.Facts)...)...)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: cases of finding %d: %w", findingID, err)
	}
	return out, nil
}
