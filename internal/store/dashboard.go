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

// ForceBehind is one force on the dashboard with its counts per rule.
type ForceBehind struct {
	ForceID int64
	Code    string
	Name    string
	Region  string
	Kinds   map[domain.Kind]KindCount
	// Overdue is the number of overdue items (every rule but due soon) and
	// OldestDays the days of the longest overdue, among the rules shown.
	Overdue    int
	OldestDays int
}

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
}

// dashboardRow is one (force, rule) count as the queries return it.
type dashboardRow struct {
	forceID            int64
	code, name, region string
	kind               domain.Kind
	items              int
	oldest             time.Time
}

// Dashboard counts the overdue and due-soon items for f. For today with no
// report or recommendation filter it reads the counts kept per force and
// rule (dashboard_today, at most forces x rules rows); for any other day or
// filter it counts only the items that apply on that day, through the GiST
// index on their spans or the report's items.
func (s *Store) Dashboard(ctx context.Context, sc Scope, f DashboardFilter) (Dashboard, error) {
	if err := s.syncAssessDays(ctx, f.AssessDays); err != nil {
		return Dashboard{}, err
	}
	asOf, today := domain.Date(f.AsOf.Date()), domain.Date(f.Today.Date())
	var rows []dashboardRow
	var err error
	if asOf.Equal(today) && f.ReportID == 0 && f.FindingID == 0 {
		rows, err = s.dashboardToday(ctx, sc, today, f.Region)
	} else {
		rows, err = s.dashboardItems(ctx, sc, asOf, f)
	}
	if err != nil {
		return Dashboard{}, err
	}
	return buildDashboard(rows, asOf, f.Kind, f.SortOldest), nil
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

// dashboardToday reads the counts kept for today, first rebuilding them
// when they were kept for an earlier day (once, on the first request of a
// day).
func (s *Store) dashboardToday(ctx context.Context, sc Scope, today time.Time, region string) ([]dashboardRow, error) {
	var kept *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT snapshot_on FROM dashboard_state`).Scan(&kept); err != nil {
		return nil, fmt.Errorf("store: dashboard: state: %w", err)
	}
	if kept == nil || kept.Before(today) {
		err := s.Tx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT dashboard_snapshot($1)`, today)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("store: dashboard: count %s: %w", today.Format(time.DateOnly), err)
		}
	} else if kept.After(today) {
		// Another instance's clock is ahead: count the items directly.
		return s.dashboardItems(ctx, sc, today, DashboardFilter{Region: region})
	}
	// The counts are for the day dashboard_state names, checked again in
	// the query in case another instance moved them on meanwhile.
	const q = `
		SELECT f.id, f.code, f.name, f.region, t.kind, t.items, t.oldest
		FROM dashboard_today t
		JOIN forces f ON f.id = t.force_id
		WHERE t.items > 0
		  AND (SELECT snapshot_on FROM dashboard_state) = $1
		  AND ($2 = '' OR f.region = $2)
		  AND ($3::bigint IS NULL OR f.id = $3)`
	return s.dashboardQuery(ctx, q, today, region, sc.ForceArg())
}

// dashboardItems counts the items that apply on asOf for f's report and
// recommendation filters.
func (s *Store) dashboardItems(ctx context.Context, sc Scope, asOf time.Time, f DashboardFilter) ([]dashboardRow, error) {
	const q = `
		SELECT f.id, f.code, f.name, f.region, i.kind, count(*), min(i.since)
		FROM dashboard_items i
		JOIN forces f ON f.id = i.force_id
		WHERE i.active @> $1::date
		  AND ($2 = '' OR f.region = $2)
		  AND ($3::bigint IS NULL OR f.id = $3)
		  AND ($4::bigint = 0 OR i.report_id = $4)
		  AND ($5::bigint = 0 OR i.finding_id = $5)
		GROUP BY f.id, i.kind`
	return s.dashboardQuery(ctx, q, asOf, f.Region, sc.ForceArg(), f.ReportID, f.FindingID)
}

func (s *Store) dashboardQuery(ctx context.Context, q string, args ...any) ([]dashboardRow, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dashboardRow, error) {
		var d dashboardRow
		err := r.Scan(&d.forceID, &d.code, &d.name, &d.region, &d.kind, &d.items, &d.oldest)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard: %w", err)
	}
	return out, nil
}

// buildDashboard turns (force, rule) counts into the headline, the ranked
// forces and the regions; kind "" shows every rule.
func buildDashboard(rows []dashboardRow, asOf time.Time, kind domain.Kind, sortOldest bool) Dashboard {
	d := Dashboard{Totals: map[domain.Kind]int{}}
	byForce := map[int64]*ForceBehind{}
	byRegion := map[string]*RegionCount{}
	for _, r := range rows {
		d.Totals[r.kind] += r.items
		if kind != "" && r.kind != kind {
			continue
		}
		fb := byForce[r.forceID]
		if fb == nil {
			fb = &ForceBehind{ForceID: r.forceID, Code: r.code, Name: r.name, Region: r.region, Kinds: map[domain.Kind]KindCount{}}
			byForce[r.forceID] = fb
		}
		kc := KindCount{Items: r.items}
		if r.kind == domain.KindDueSoon {
			kc.Days = domain.DaysBetween(asOf, r.oldest)
		} else {
			kc.Days = domain.DaysBetween(r.oldest, asOf)
			fb.Overdue += r.items
			fb.OldestDays = max(fb.OldestDays, kc.Days)
			rc := byRegion[r.region]
			if rc == nil {
				rc = &RegionCount{Region: r.region, Kinds: map[domain.Kind]int{}}
				byRegion[r.region] = rc
			}
			rc.Kinds[r.kind] += r.items
		}
		fb.Kinds[r.kind] = kc
	}
	for _, fb := range byForce {
		d.Forces = append(d.Forces, *fb)
	}
	slices.SortFunc(d.Forces, func(a, b ForceBehind) int {
		first, second := cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.OldestDays, a.OldestDays)
		if sortOldest {
			first, second = second, first
		}
		return cmp.Or(first, second,
			cmp.Compare(b.Kinds[domain.KindDueSoon].Items, a.Kinds[domain.KindDueSoon].Items),
			cmp.Compare(a.Name, b.Name))
	})
	for _, rc := range byRegion {
		d.Regions = append(d.Regions, *rc)
	}
	slices.SortFunc(d.Regions, func(a, b RegionCount) int { return cmp.Compare(a.Region, b.Region) })
	return d
}

// DashboardReport is a report offered by the dashboard's filter.
type DashboardReport struct {
	ID          int64
	Title       string
	PublishedOn time.Time
}

// DashboardReports lists the reports that make recommendations, newest
// first.
func (s *Store) DashboardReports(ctx context.Context) ([]DashboardReport, error) {
	const q = `
		SELECT r.id, r.title, r.published_on FROM reports r
		WHERE EXISTS (SELECT 1 FROM findings f WHERE f.report_id = r.id AND f.kind = 'recommendation')
		ORDER BY r.published_on DESC, r.id DESC`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard reports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DashboardReport, error) {
		var d DashboardReport
		err := r.Scan(&d.ID, &d.Title, &d.PublishedOn)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard reports: %w", err)
	}
	return out, nil
}

// DashboardRecommendation is a recommendation offered by the dashboard's
// filter once a report is chosen.
type DashboardRecommendation struct {
	ID        int64
	ReportID  int64
	Reference string
	Body      string
}

// DashboardRecommendations lists the recommendations of a report that have
// cases, in report order.
func (s *Store) DashboardRecommendations(ctx context.Context, reportID int64) ([]DashboardRecommendation, error) {
	const q = `
		SELECT f.id, f.report_id, f.reference, f.body FROM findings f
		WHERE f.report_id = $1 AND f.kind = 'recommendation'
		  AND EXISTS (SELECT 1 FROM cases c WHERE c.finding_id = f.id)
		ORDER BY f.id`
	rows, err := s.pool.Query(ctx, q, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard recommendations of report %d: %w", reportID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DashboardRecommendation, error) {
		var d DashboardRecommendation
		err := r.Scan(&d.ID, &d.ReportID, &d.Reference, &d.Body)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard recommendations of report %d: %w", reportID, err)
	}
	return out, nil
}

// Regions lists the regions forces belong to, in order.
func (s *Store) Regions(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT region FROM forces ORDER BY region`)
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	return out, nil
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
