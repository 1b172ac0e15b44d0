package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// Case is one recommendation at one force, with the recommendation, its
// report and the force it belongs to, and the dates that drive its
// lifecycle. Each date is kept current, in the same transaction, by the
// code that writes the record it summarises (see migrations/000002).
type Case struct {
	ID        int64
	FindingID int64
	ForceID   int64
	ForceCode string
	ForceName string
	Region    string

	ReportID          int64
	ReportTitle       string
	ReportPublishedOn time.Time

	FindingKind     domain.FindingKind
	Reference       string
	FindingBody     string
	TerminologyNote string
	DeadlineText    string
	DeadlineOn      *time.Time // the recommendation's deadline date (nil: none)

	RequestSentOn         *time.Time
	PlanDueOn             *time.Time
	FirstSubmittedAt      *time.Time
	LastSubmittedAt       *time.Time
	AssessmentStartedOn   *time.Time
	AssessmentPublishedOn *time.Time
	FollowUpPlannedOn     *time.Time
	FollowUpDoneOn        *time.Time
	ClosedOn              *time.Time
	ClosedReason          domain.ClosedReason
	ClosedNote            string
	CreatedAt             time.Time

	// FirstPlanDueOn is the due date recorded with the first plan version
	// (nil: none sent, or none was set): the plan's lateness counts from it.
	FirstPlanDueOn *time.Time
	// OutcomeEffect is the effect of the published assessment's category
	// ("" while none is published).
	OutcomeEffect domain.Effect
}

// Facts are the case's dates as the domain rules read them: stage,
// overdue items and explanations are all derived from these.
func (c Case) Facts() domain.CaseFacts {
	return domain.CaseFacts{
		RequestSentOn:         c.RequestSentOn,
		PlanDueOn:             c.PlanDueOn,
		FirstSubmittedAt:      c.FirstSubmittedAt,
		AssessmentStartedOn:   c.AssessmentStartedOn,
		AssessmentPublishedOn: c.AssessmentPublishedOn,
		FollowUpPlannedOn:     c.FollowUpPlannedOn,
		FollowUpDoneOn:        c.FollowUpDoneOn,
		ClosedOn:              c.ClosedOn,
		ClosedReason:          c.ClosedReason,
		FirstPlanDueOn:        c.FirstPlanDueOn,
		OutcomeEffect:         c.OutcomeEffect,
	}
}

// Stage is the case's lifecycle stage as of the calendar date asOf.
func (c Case) Stage(asOf time.Time) domain.Stage { return domain.DeriveStage(c.Facts(), asOf) }

const caseColumns = `c.id, c.finding_id, c.force_id, f.code, f.name, f.region,
	r.id, r.title, r.published_on,
	fi.kind, fi.reference, fi.body, fi.terminology_note, fi.deadline_text, fi.deadline_on,
	c.request_sent_on, c.plan_due_on, c.first_submitted_at, c.last_submitted_at,
	c.assessment_started_on, c.assessment_published_on, c.follow_up_planned_on, c.follow_up_done_on,
	c.closed_on, COALESCE(c.closed_reason, ''), c.closed_note, c.created_at,
	(SELECT s.due_on FROM submissions s WHERE s.case_id = c.id AND s.kind = 'plan' AND s.version = 1),
	COALESCE((SELECT k.effect FROM assessments a JOIN categories k ON k.id = a.category_id
		WHERE a.case_id = c.id AND a.state = 'published'), '')`

const caseFrom = ` FROM cases c
	JOIN forces f ON f.id = c.force_id
	JOIN findings fi ON fi.id = c.finding_id
	JOIN reports r ON r.id = fi.report_id `

func caseDest(c *Case) []any {
	return []any{&c.ID, &c.FindingID, &c.ForceID, &c.ForceCode, &c.ForceName, &c.Region,
		&c.ReportID, &c.ReportTitle, &c.ReportPublishedOn,
		&c.FindingKind, &c.Reference, &c.FindingBody, &c.TerminologyNote, &c.DeadlineText, &c.DeadlineOn,
		&c.RequestSentOn, &c.PlanDueOn, &c.FirstSubmittedAt, &c.LastSubmittedAt,
		&c.AssessmentStartedOn, &c.AssessmentPublishedOn, &c.FollowUpPlannedOn, &c.FollowUpDoneOn,
		&c.ClosedOn, &c.ClosedReason, &c.ClosedNote, &c.CreatedAt, &c.FirstPlanDueOn, &c.OutcomeEffect}
}

// querier is what both the pool and a transaction offer, so one lookup
// serves a page and a change.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Case returns the case id if it lies in sc (a liaison's own force), else
// ErrNotFound.
func (s *Store) Case(ctx context.Context, sc Scope, id int64) (Case, error) {
	return caseByID(ctx, s.db(), sc, id, "")
}

// LockCase returns the case id in sc and locks its row until tx ends, for
// a change that must see the case as it is (a new due date, a submission,
// an assessment): concurrent changes to one case run one at a time.
func LockCase(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (Case, error) {
	return caseByID(ctx, tx, sc, id, " FOR UPDATE OF c")
}

const caseByIDQuery = `SELECT ` + caseColumns + caseFrom + `
	WHERE c.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`

func caseByID(ctx context.Context, q querier, sc Scope, id int64, lock string) (Case, error) {
	query := caseByIDQuery + lock
	var c Case
	if err := q.QueryRow(ctx, query, id, sc.ForceArg()).Scan(caseDest(&c)...); err != nil {
		return c, notFound(err, "store: case %d", id)
	}
	return c, nil
}

// CaseFor returns the case of a recommendation at the force with code, in
// sc: the way to a case from a force's page or a seed step.
func (s *Store) CaseFor(ctx context.Context, sc Scope, findingID int64, forceCode string) (Case, error) {
	const q = `SELECT ` + caseColumns + caseFrom + `
		WHERE c.finding_id = $1 AND f.code = $2 AND ($3::bigint IS NULL OR c.force_id = $3)`
	var c Case
	if err := s.db().QueryRow(ctx, q, findingID, forceCode, sc.ForceArg()).Scan(caseDest(&c)...); err != nil {
		return c, notFound(err, "store: case of finding %d at %q", findingID, forceCode)
	}
	return c, nil
}

// stageSQL is the SQL mirror of domain.DeriveStage, for filtering and
// sorting cases by stage in the database, as of the date @asof. It must
// follow the domain rules exactly, in the same order (see the comment on
// domain's seen.stage):
//
//   - an event counts once its date is on or before the as-of day (NULL
//     never counts); a first submission counts on its Europe/London date;
//   - a due date is overdue only when strictly before the as-of day;
//   - a follow-up planned and not done by the as-of day decides the stage.
//
// TestStageSQLAgreesWithDomain checks it against DeriveStage for every
// stage and the boundary days.
const stageSQL = `(CASE
	WHEN c.closed_on <= @asof THEN 'closed'
	WHEN c.follow_up_planned_on IS NOT NULL AND c.follow_up_done_on <= @asof IS NOT TRUE
		AND c.follow_up_planned_on < @asof THEN 'follow_up_overdue'
	WHEN c.follow_up_planned_on IS NOT NULL AND c.follow_up_done_on <= @asof IS NOT TRUE THEN 'follow_up_scheduled'
	WHEN c.assessment_published_on <= @asof THEN 'assessed'
	WHEN c.assessment_started_on <= @asof THEN 'assessing'
	WHEN (c.first_submitted_at AT TIME ZONE 'Europe/London')::date <= @asof THEN 'plan_received'
	WHEN c.request_sent_on <= @asof AND c.plan_due_on < @asof THEN 'plan_overdue'
	ELSE 'awaiting_plan'
END)`

// stageKeys lists the stages in lifecycle order, for sorting by stage.
func stageKeys() []string {
	var keys []string
	for _, st := range domain.Stages() {
		keys = append(keys, string(st))
	}
	return keys
}

// CaseFilter selects and orders cases for the case list. Zero values mean
// "any".
type CaseFilter struct {
	ReportID  int64
	FindingID int64
	ForceCode string
	Region    string
	Stage     domain.Stage // computed as of AsOf by stageSQL
	AsOf      time.Time    // the day stages are reckoned on (required)
	Sort      string       // a key of CaseSorts; "" is "force"
	Desc      bool
	Page      int // from 1
	PerPage   int // default 50, at most 200
}

// CaseSorts are the orders the case list offers, by key; every order ends
// with force name and id so pages are stable.
var CaseSorts = map[string]string{
	"force":     `f.name`,
	"region":    `f.region`,
	"reference": `r.published_on, r.title, fi.reference`,
	"due":       `c.plan_due_on`,
	"stage":     `array_position(@stages::text[], ` + stageSQL + `)`,
}

// CaseList is one page of cases and how many match in all.
type CaseList struct {
	Cases []Case
	Total int
}

// ListCases returns one page of the cases in sc matching f.
func (s *Store) ListCases(ctx context.Context, sc Scope, f CaseFilter) (CaseList, error) {
	f.AsOf = domain.Date(f.AsOf.Date())
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	order, ok := CaseSorts[f.Sort]
	if !ok {
		order = CaseSorts["force"]
	}
	dir := " ASC NULLS LAST"
	if f.Desc {
		dir = " DESC NULLS LAST"
	}
	// The statement names only the filters set, and its LIMIT and OFFSET
	// are numbers, not parameters: PostgreSQL then keeps one good plan per
	// shape of filter. With "(@x = '' OR col = @x)" for every filter its
	// cached plan walked every recommendation to find one force's cases,
	// and with a parameter for LIMIT it planned every execution anew: 3 ms
	// for one force's cases at national scale instead of 0.5 ms.
	where := ` WHERE true`
	for _, c := range []struct {
		set  bool
		cond string
	}{
		{sc.ForceID != 0, `c.force_id = @force`},
		{f.ReportID != 0, `fi.report_id = @report`},
		{f.FindingID != 0, `c.finding_id = @finding`},
		{f.ForceCode != "", `f.code = @code`},
		{f.Region != "", `f.region = @region`},
		{f.Stage != "", stageSQL + ` = @stage`},
	} {
		if c.set {
			where += ` AND ` + c.cond
		}
	}
	orderBy := ` ORDER BY ` + order + dir + `, f.name, fi.reference, c.id`
	// The total: without a stage, report or recommendation filter, the
	// cases kept per force in case_counts (a million cases counted in 250
	// rows); with a report or recommendation, the few hundred of its cases
	// read off their index; with a stage, counted.
	total := `(SELECT count(*)` + caseFrom + where + `)`
	if f.Stage == "" && f.ReportID == 0 && f.FindingID == 0 {
		kept := ``
		if sc.ForceID != 0 {
			kept += ` AND k.force_id = @force`
		}
		if f.ForceCode != "" {
			kept += ` AND f.code = @code`
		}
		if f.Region != "" {
			kept += ` AND f.region = @region`
		}
		total = `(SELECT COALESCE(sum(k.cases), 0) FROM case_counts k JOIN forces f ON f.id = k.force_id WHERE true` + kept + `)`
	}
	// The page is chosen on narrow rows and only its cases are read whole;
	// the total is a count of its own: sorting every matching case with its
	// recommendation's words, to count them in a window, cost a force page
	// (400 cases at national scale) twice as much.
	q := `WITH page AS (SELECT c.id` + caseFrom + where + orderBy +
		` LIMIT ` + strconv.Itoa(f.PerPage) + ` OFFSET ` + strconv.Itoa((f.Page-1)*f.PerPage) + `)
		SELECT ` + caseColumns + `, ` + total + caseFrom + `
		WHERE c.id IN (SELECT id FROM page)` + orderBy
	args := pgx.NamedArgs{
		"force": sc.ForceArg(), "report": f.ReportID, "finding": f.FindingID, "code": f.ForceCode,
		"region": f.Region, "stage": string(f.Stage), "asof": f.AsOf, "stages": stageKeys(),
	}
	rows, err := s.db().Query(ctx, q, args)
	if err != nil {
		return CaseList{}, fmt.Errorf("store: list cases: %w", err)
	}
	defer rows.Close()
	var list CaseList
	for rows.Next() {
		var c Case
		if err := rows.Scan(append(caseDest(&c), &list.Total)...); err != nil {
			return list, fmt.Errorf("store: list cases: %w", err)
		}
		list.Cases = append(list.Cases, c)
	}
	if err := rows.Err(); err != nil {
		return list, fmt.Errorf("store: list cases: %w", err)
	}
	return list, nil
}

// CaseStageCounts counts a recommendation's cases in sc by stage as of
// asOf (stages without cases are left out).
func (s *Store) CaseStageCounts(ctx context.Context, sc Scope, findingID int64, asOf time.Time) (map[domain.Stage]int, error) {
	const q = `SELECT ` + stageSQL + ` AS stage, count(*) FROM cases c
		WHERE c.finding_id = @finding AND (@force::bigint IS NULL OR c.force_id = @force)
		GROUP BY stage`
	rows, err := s.db().Query(ctx, q, pgx.NamedArgs{"finding": findingID, "force": sc.ForceArg(), "asof": asOf})
	if err != nil {
		return nil, fmt.Errorf("store: stage counts of finding %d: %w", findingID, err)
	}
	defer rows.Close()
	counts := map[domain.Stage]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: stage counts of finding %d: %w", findingID, err)
		}
		counts[domain.Stage(st)] = n
	}
	return counts, rows.Err()
}
