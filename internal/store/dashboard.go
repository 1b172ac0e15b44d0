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
	AsOf      time.Time   // the "as of" calendar date
	Today     time.Time   // today's calendar date: the day worth keeping counts for
	ReportID  int64       // 0: every report
	FindingID int64       // 0: every recommendation
	Region    string      // "": every region
	Kind      domain.Kind // "": every rule
	// SortOldest ranks forces by their longest overdue item first rather
	// than by how many items they have overdue.
	SortOldest bool
	// Offset and Limit choose a page of the ranked forces; Limit 0 is all.
	Offset, Limit int
	// NoOptions leaves out what the filter offers (a force's page wants
	// only its counts).
	NoOptions bool
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

// kindIndex is a rule's position in domain.Kinds(), the order of the
// per-rule arrays here and of the columns of dashboard_today; -1 for none.
func kindIndex(k domain.Kind) int {
	switch k {
	case domain.KindPlanOverdue:
		return 0
	case domain.KindAssessmentOverdue:
		return 1
	case domain.KindRecommendationOverdue:
		return 2
	case domain.KindFollowUpOverdue:
		return 3
	case domain.KindDueSoon:
		return 4
	}
	return -1
}

// soonIndex is due soon's position: its days count down, the others' up.
const soonIndex = 4

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
func (f ForceBehind) Count(k domain.Kind) KindCount {
	if i := kindIndex(k); i >= 0 {
		return f.Counts[i]
	}
	return KindCount{}
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
	// ranked by how far behind they are: the page the filter asked for, of
	// Ranked in all.
	Forces []ForceBehind
	Ranked int
	Offset int // the rank of Forces[0], less one
	// Regions are the overdue items per region, of the rules shown, in
	// region order.
	Regions []RegionCount
	// Options are what the filter offers.
	Options DashboardOptions
}

// Dashboard counts the overdue and due-soon items for f, ranks the forces
// and reads what its filter offers, in one round trip to the database. For
// today with no report or recommendation filter it reads the counts kept
// per force (dashboard_today: one row per force); for any other day or
// filter it counts only the items that apply on that day, through the GiST
// index on their spans or the report's items. The ranking, the page of it,
// the headline and the regions are worked out in the same statement.
//
// It only reads: the counts kept for today are made by MaintainDashboard
// (serve runs it at start and every minute); until they count today, the
// items are counted instead.
func (s *Store) Dashboard(ctx context.Context, sc Scope, f DashboardFilter) (Dashboard, error) {
	asOf, today := domain.Date(f.AsOf.Date()), domain.Date(f.Today.Date())
	useKept := asOf.Equal(today) && f.ReportID == 0 && f.FindingID == 0
	var limit any // NULL: every force
	if f.Limit > 0 {
		limit = f.Limit
	}
	for attempt := 0; ; attempt++ {
		var d Dashboard
		var kept *time.Time
		b := &pgx.Batch{}
		collect := func(r pgx.Rows) error { return scanDashboard(r, &d) }
		args := []any{asOf, f.Region, sc.ForceArg(), string(f.Kind), f.SortOldest, limit, f.Offset}
		switch {
		case useKept && f.Kind == "" && !f.SortOldest:
			// The page everyone opens: read off the ranking's index.
			b.Queue(`SELECT snapshot_on FROM dashboard_state`).QueryRow(func(r pgx.Row) error { return r.Scan(&kept) })
			b.Queue(dashboardKeptRanked, asOf, f.Region, sc.ForceArg(), limit, f.Offset).Query(collect)
		case useKept:
			b.Queue(`SELECT snapshot_on FROM dashboard_state`).QueryRow(func(r pgx.Row) error { return r.Scan(&kept) })
			b.Queue(dashboardKept+dashboardRanking, args...).Query(collect)
		default:
			b.Queue(dashboardItems+dashboardRanking, append(args, f.ReportID, f.FindingID)...).Query(collect)
		}
		if !f.NoOptions {
			queueDashboardOptions(b, &d.Options, f.ReportID)
		}
		if err := s.sendBatch(ctx, b).Close(); err != nil {
			return Dashboard{}, fmt.Errorf("store: dashboard: %w", err)
		}
		switch {
		case useKept && (kept == nil || !kept.Equal(today)):
			// The counts kept are not yet today's (MaintainDashboard has
			// not run since midnight, or another instance's clock is
			// ahead): count the items instead.
			useKept = false
			continue
		case len(d.Forces) == 0 && f.Offset > 0 && attempt < 3:
			// A page past the end (the ranking got shorter): the first.
			f.Offset = 0
			continue
		}
		d.Offset = f.Offset
		return d, nil
	}
}

// dashboardKeptRanked is dashboardKept+dashboardRanking for every rule
// ranked by overdue items, in the same rows, read off dashboard_today's
// ranking index and its generated keys: the page touches only its own
// rows, and one pass over the rows kept (one per force) sums the headline
// and the regions (ROLLUP), twice as fast as summing each from a CTE.
const dashboardKeptRanked = `
	(SELECT 'force' AS part, t.force_id, t.code, t.name, t.region,
		t.plan_overdue_items, COALESCE($1::date - t.plan_overdue_oldest, 0),
		t.assessment_overdue_items, COALESCE($1::date - t.assessment_overdue_oldest, 0),
		t.recommendation_overdue_items, COALESCE($1::date - t.recommendation_overdue_oldest, 0),
		t.follow_up_overdue_items, COALESCE($1::date - t.follow_up_overdue_oldest, 0),
		t.due_soon_items, COALESCE(t.due_soon_oldest - $1::date, 0),
		t.overdue_items, COALESCE($1::date - t.oldest_overdue_on, 0),
		(SELECT count(*) FROM dashboard_today k
		 WHERE (k.overdue_items > 0 OR k.due_soon_items > 0)
		   AND ($2 = '' OR k.region = $2) AND ($3::bigint IS NULL OR k.force_id = $3))::int
	FROM dashboard_today t
	WHERE (SELECT snapshot_on FROM dashboard_state) = $1::date
	  AND (t.overdue_items > 0 OR t.due_soon_items > 0)
	  AND ($2 = '' OR t.region = $2)
	  AND ($3::bigint IS NULL OR t.force_id = $3)
	ORDER BY t.overdue_items DESC, t.oldest_overdue_on, t.due_soon_items DESC, t.name, t.force_id
	LIMIT $4 OFFSET $5)
	UNION ALL
	SELECT CASE WHEN GROUPING(t.region) = 1 THEN 'total' ELSE 'region' END, 0, '', '', COALESCE(t.region, ''),
		COALESCE(sum(t.plan_overdue_items), 0)::int, 0, COALESCE(sum(t.assessment_overdue_items), 0)::int, 0,
		COALESCE(sum(t.recommendation_overdue_items), 0)::int, 0, COALESCE(sum(t.follow_up_overdue_items), 0)::int, 0,
		COALESCE(sum(t.due_soon_items), 0)::int, 0, 0, 0, 0
	FROM dashboard_today t
	WHERE (SELECT snapshot_on FROM dashboard_state) = $1::date
	  AND ($2 = '' OR t.region = $2)
	  AND ($3::bigint IS NULL OR t.force_id = $3)
	GROUP BY ROLLUP (t.region)
	HAVING GROUPING(t.region) = 1 OR sum(t.overdue_items) > 0`

// dashboardKept is the source "per" of dashboardRanking for today: one row
// per force of the counts kept, for the day dashboard_state names (checked
// here too, so counts rebuilt for another day meanwhile are never read as
// today's). Per rule i (domain.Kinds() order): i<i> items and d<i> days of
// the oldest (due soon: days left until the nearest), 0 when none.
const dashboardKept = `
	WITH per AS (
		SELECT f.id AS force_id, f.code, f.name, f.region,
			t.plan_overdue_items AS i0, COALESCE($1::date - t.plan_overdue_oldest, 0) AS d0,
			t.assessment_overdue_items AS i1, COALESCE($1::date - t.assessment_overdue_oldest, 0) AS d1,
			t.recommendation_overdue_items AS i2, COALESCE($1::date - t.recommendation_overdue_oldest, 0) AS d2,
			t.follow_up_overdue_items AS i3, COALESCE($1::date - t.follow_up_overdue_oldest, 0) AS d3,
			t.due_soon_items AS i4, COALESCE(t.due_soon_oldest - $1::date, 0) AS d4
		FROM dashboard_today t
		JOIN forces f ON f.id = t.force_id
		WHERE (SELECT snapshot_on FROM dashboard_state) = $1::date
		  AND ($2 = '' OR f.region = $2)
		  AND ($3::bigint IS NULL OR f.id = $3)
	)`

// dashboardItems is the source "per" for any day or filter: the items that
// apply on $1, for report $8 and recommendation $9 (0: all), in the columns
// of dashboardKept.
const dashboardItems = `
	WITH per AS (
		SELECT f.id AS force_id, f.code, f.name, f.region,
			count(*) FILTER (WHERE i.kind = 'plan_overdue')::int AS i0,
			COALESCE($1::date - min(i.since) FILTER (WHERE i.kind = 'plan_overdue'), 0) AS d0,
			count(*) FILTER (WHERE i.kind = 'assessment_overdue')::int AS i1,
			COALESCE($1::date - min(i.since) FILTER (WHERE i.kind = 'assessment_overdue'), 0) AS d1,
			count(*) FILTER (WHERE i.kind = 'recommendation_overdue')::int AS i2,
			COALESCE($1::date - min(i.since) FILTER (WHERE i.kind = 'recommendation_overdue'), 0) AS d2,
			count(*) FILTER (WHERE i.kind = 'follow_up_overdue')::int AS i3,
			COALESCE($1::date - min(i.since) FILTER (WHERE i.kind = 'follow_up_overdue'), 0) AS d3,
			count(*) FILTER (WHERE i.kind = 'due_soon')::int AS i4,
			COALESCE(min(i.since) FILTER (WHERE i.kind = 'due_soon') - $1::date, 0) AS d4
		FROM dashboard_items i
		JOIN forces f ON f.id = i.force_id
		WHERE i.active @> $1::date
		  AND ($2 = '' OR f.region = $2)
		  AND ($3::bigint IS NULL OR f.id = $3)
		  AND ($8::bigint = 0 OR i.report_id = $8)
		  AND ($9::bigint = 0 OR i.finding_id = $9)
		GROUP BY f.id
	)`

// dashboardRanking follows a source "per" and returns, told apart by their
// first column: the page ($6 forces, NULL for all, from $7) of the forces
// with items of the rules shown ($4: one rule, ” for all), ranked by
// overdue items then the days of the longest overdue ($5: the other way
// round), then items due soon and name, with how many are ranked in all;
// one 'total' row of the headline (every rule, whatever $4); and a row per
// region of its overdue items of the rules shown. s<i> are the items of
// rule i when shown, else 0.
const dashboardRanking = `
	, shown AS (
		SELECT per.*,
			CASE WHEN $4 IN ('', 'plan_overdue') THEN i0 ELSE 0 END AS s0,
			CASE WHEN $4 IN ('', 'assessment_overdue') THEN i1 ELSE 0 END AS s1,
			CASE WHEN $4 IN ('', 'recommendation_overdue') THEN i2 ELSE 0 END AS s2,
			CASE WHEN $4 IN ('', 'follow_up_overdue') THEN i3 ELSE 0 END AS s3,
			CASE WHEN $4 IN ('', 'due_soon') THEN i4 ELSE 0 END AS s4
		FROM per
	), ranked AS (
		SELECT shown.*, s0 + s1 + s2 + s3 AS overdue,
			COALESCE(greatest(CASE WHEN s0 > 0 THEN d0 END, CASE WHEN s1 > 0 THEN d1 END,
				CASE WHEN s2 > 0 THEN d2 END, CASE WHEN s3 > 0 THEN d3 END), 0) AS oldest
		FROM shown
		WHERE s0 + s1 + s2 + s3 + s4 > 0
	)
	(SELECT 'force' AS part, force_id, code, name, region, s0, d0, s1, d1, s2, d2, s3, d3, s4, d4,
		overdue, oldest, count(*) OVER ()::int AS n
	FROM ranked
	ORDER BY CASE WHEN $5 THEN oldest ELSE overdue END DESC, CASE WHEN $5 THEN overdue ELSE oldest END DESC,
		s4 DESC, name, force_id
	LIMIT $6 OFFSET $7)
	UNION ALL
	SELECT 'total', 0, '', '', '', COALESCE(sum(i0), 0)::int, 0, COALESCE(sum(i1), 0)::int, 0,
		COALESCE(sum(i2), 0)::int, 0, COALESCE(sum(i3), 0)::int, 0, COALESCE(sum(i4), 0)::int, 0, 0, 0, 0
	FROM per
	UNION ALL
	SELECT 'region', 0, '', '', region, sum(s0)::int, 0, sum(s1)::int, 0, sum(s2)::int, 0, sum(s3)::int, 0,
		0, 0, 0, 0, 0
	FROM shown
	GROUP BY region
	HAVING sum(s0 + s1 + s2 + s3) > 0`

// scanDashboard reads dashboardRanking's rows into d.
func scanDashboard(rows pgx.Rows, d *Dashboard) error {
	defer rows.Close()
	d.Totals = map[domain.Kind]int{}
	var part string
	var fb ForceBehind
	var counts [2 * kindCount]int
	dest := []any{&part, &fb.ForceID, &fb.Code, &fb.Name, &fb.Region}
	for i := range counts {
		dest = append(dest, &counts[i])
	}
	var ranked int
	dest = append(dest, &fb.Overdue, &fb.OldestDays, &ranked)
	kinds := domain.Kinds()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		switch part {
		case "force":
			for i := range kindCount {
				fb.Counts[i] = KindCount{Items: counts[2*i], Days: counts[2*i+1]}
			}
			d.Forces = append(d.Forces, fb)
			d.Ranked = ranked
		case "total":
			for i, k := range kinds {
				d.Totals[k] = counts[2*i]
			}
		case "region":
			rc := RegionCount{Region: fb.Region, Kinds: map[domain.Kind]int{}}
			for i, k := range kinds[:soonIndex] {
				if counts[2*i] > 0 {
					rc.Kinds[k] = counts[2*i]
				}
			}
			d.Regions = append(d.Regions, rc)
		}
	}
	slices.SortFunc(d.Regions, func(a, b RegionCount) int { return cmp.Compare(a.Region, b.Region) })
	return rows.Err()
}

// sendBatch sends b through db(): the pool, or InTx's transaction (both
// send batches).
func (s *Store) sendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return s.db().(interface {
		SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
	}).SendBatch(ctx, b)
}

// MaintainDashboard makes the dashboard's stored items count assessDays
// (INSPECTRACK_ASSESS_DAYS: after a change of the setting it recomputes the
// assessment items), the counts it keeps count today and the stages the
// cases keep (cases.stage_today) be today's, each only when they do not
// already. It is the dashboard's only write besides the
// triggers of the changes themselves: serve runs it before it listens and
// every minute after, so that no page's GET writes.
func (s *Store) MaintainDashboard(ctx context.Context, today time.Time, assessDays int) error {
	if err := s.syncAssessDays(ctx, assessDays); err != nil {
		return err
	}
	today = domain.Date(today.Date())
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT dashboard_snapshot($1)`, today)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: dashboard: count %s: %w", today.Format(time.DateOnly), err)
	}
	// The stages the cases keep for the case list, in a transaction of its
	// own: it locks the rows of the cases whose stage moves, which a
	// change may hold while it waits for the dashboard's lock.
	err = s.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT case_stages_reckon($1)`, today)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: case stages as of %s: %w", today.Format(time.DateOnly), err)
	}
	return nil
}

// syncAssessDays makes the stored items count assessDays, once per process
// unless the setting changes.
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
