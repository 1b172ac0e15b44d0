package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// stageSQL is domain.DeriveStage in SQL: the stage of case c as of the
// date @asof, by the database's case_stage (migrations/000026), the one
// place the rule is written in SQL. TestStageSQLAgreesWithDomain checks it
// against DeriveStage for every stage and the boundary days.
const stageSQL = `case_stage(@asof, c.closed_on, c.follow_up_planned_on, c.follow_up_done_on,
	c.assessment_published_on, c.assessment_started_on, c.first_submitted_at, c.request_sent_on, c.plan_due_on)`

// keptStageSQL is the stage each case keeps for the day case_stage_state
// says (normally today), in case_stages (joined by keptStageJoin): the
// same as stageSQL for that day, read off an index.
const (
	keptStageSQL  = `cs.stage`
	keptStageJoin = ` JOIN case_stages cs ON cs.case_id = c.id `
)

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
	Stage     domain.Stage // as of AsOf (stageSQL)
	AsOf      time.Time    // the day stages are reckoned on (required)
	Sort      string       // force, region, reference, due or stage (IsCaseSort); "" is force
	Desc      bool
	// The page is found by keyset: the cases that come after the case
	// After in the order asked for, or (Before set) those just before the
	// case Before; neither: the first page. A case outside sc or gone
	// gives no page.
	After, Before int64
	PerPage       int // default 50, at most 200
}

// sortKey is one term of a case list order.
type sortKey struct {
	expr string
	desc bool
}

// caseOrder is the order of the case list by sort key and direction, and
// the expression of the stage it orders by: a list page is read off
// indexes in this order and continues after its last case by comparing
// these terms, so no term may be NULL (the due date sorts a missing date
// last either way) and every order ends with the case's id.
func caseOrder(sort string, desc bool, stage string) ([]sortKey, bool) {
	tail := []sortKey{{expr: `f.name`}, {expr: `fi.reference`}, {expr: `c.id`}}
	var head []sortKey
	switch sort {
	case "", "force":
		return append([]sortKey{{`f.name`, desc}}, tail[1:]...), true
	case "region":
		head = []sortKey{{`f.region`, desc}}
	case "reference":
		return []sortKey{{`r.published_on`, desc}, {`r.title`, desc}, {`fi.reference`, desc}, {expr: `f.name`}, {expr: `c.id`}}, true
	case "due":
		if desc {
			head = []sortKey{{`COALESCE(c.plan_due_on, '-infinity'::date)`, true}}
		} else {
			head = []sortKey{{expr: `COALESCE(c.plan_due_on, 'infinity'::date)`}}
		}
	case "stage":
		head = []sortKey{{`array_position(@stages::text[], ` + stage + `)`, desc}}
	default:
		return nil, false
	}
	return append(head, tail...), true
}

// IsCaseSort says whether the case list offers the order key.
func IsCaseSort(key string) bool {
	_, ok := caseOrder(key, false, stageSQL)
	return ok
}

// orderBy is the ORDER BY of keys, reversed for a page before a case.
func orderBy(keys []sortKey, reverse bool) string {
	var terms []string
	for _, k := range keys {
		dir := " ASC"
		if k.desc != reverse {
			dir = " DESC"
		}
		terms = append(terms, k.expr+dir)
	}
	return ` ORDER BY ` + strings.Join(terms, ", ")
}

// seekPast is the condition that a case comes after (reverse: before) the
// cursor's case in the order of keys, whose terms for the cursor are the
// columns k0, k1, ... of the CTE cur. The first term is bounded on its own
// as well, so the scan starts at the cursor instead of filtering its way
// there.
func seekPast(keys []sortKey, reverse bool) string {
	op := func(k sortKey, orEqual bool) string {
		o := ">"
		if k.desc != reverse {
			o = "<"
		}
		if orEqual {
			o += "="
		}
		return o
	}
	cur := func(i int) string { return fmt.Sprintf(`(SELECT k%d FROM cur)`, i) }
	var alts []string
	for i, k := range keys {
		var and []string
		for j := range i {
			and = append(and, keys[j].expr+` = `+cur(j))
		}
		and = append(and, k.expr+` `+op(k, false)+` `+cur(i))
		alts = append(alts, `(`+strings.Join(and, ` AND `)+`)`)
	}
	return keys[0].expr + ` ` + op(keys[0], true) + ` ` + cur(0) + ` AND (` + strings.Join(alts, ` OR `) + `)`
}

// CaseList is one page of cases, how many match in all, and whether there
// are cases before and after the page.
type CaseList struct {
	Cases         []Case
	Total         int
	HasPrev, More bool
}

// ListCases returns one page of the cases in sc matching f. A stage as of
// the day the cases keep their stage for (normally today) is read off
// case_stages and counted from case_stage_counts; any other day's is
// reckoned case by case.
func (s *Store) ListCases(ctx context.Context, sc Scope, f CaseFilter) (CaseList, error) {
	f.AsOf = domain.Date(f.AsOf.Date())
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	stage, from := stageSQL, caseFrom
	kept := false
	if f.Stage != "" || f.Sort == "stage" {
		var on *time.Time
		if err := s.db().QueryRow(ctx, `SELECT stages_on FROM case_stage_state`).Scan(&on); err != nil {
			return CaseList{}, fmt.Errorf("store: list cases: %w", err)
		}
		if kept = on != nil && on.Equal(f.AsOf); kept {
			stage, from = keptStageSQL, caseFrom+keptStageJoin
		}
	}
	keys, ok := caseOrder(f.Sort, f.Desc, stage)
	if !ok {
		keys, _ = caseOrder("", f.Desc, stage)
	}
	// The statement names only the filters set, and its LIMIT is a number,
	// not a parameter: PostgreSQL then keeps one good plan per shape of
	// filter. With "(@x = '' OR col = @x)" for every filter its cached plan
	// walked every recommendation to find one force's cases, and with a
	// parameter for LIMIT it planned every execution anew.
	var conds []string
	for _, c := range []struct {
		set  bool
		cond string
	}{
		{sc.ForceID != 0, `c.force_id = @force`},
		{f.ReportID != 0, `fi.report_id = @report`},
		{f.FindingID != 0, `c.finding_id = @finding`},
		{f.ForceCode != "", `f.code = @code`},
		{f.Region != "", `f.region = @region`},
		{f.Stage != "", stage + ` = @stage`},
	} {
		if c.set {
			conds = append(conds, c.cond)
		}
	}
	where := ` WHERE true`
	for _, c := range conds {
		where += ` AND ` + c
	}
	// The total: without a report or recommendation filter, the cases kept
	// per force in case_counts, or per force and stage in
	// case_stage_counts (a million cases counted in a few hundred rows);
	// with a report or recommendation, the few hundred of its cases read
	// off their index; with a stage on another day, counted.
	total := `(SELECT count(*)` + from + where + `)`
	if f.ReportID == 0 && f.FindingID == 0 && (f.Stage == "" || kept) {
		counted := ` FROM case_counts k`
		if f.Stage != "" {
			counted = ` FROM case_stage_counts k`
		}
		keptWhere := ` WHERE true`
		for _, c := range []struct {
			set  bool
			cond string
		}{
			{sc.ForceID != 0, `k.force_id = @force`},
			{f.ForceCode != "", `f.code = @code`},
			{f.Region != "", `f.region = @region`},
			{f.Stage != "", `k.stage = @stage`},
		} {
			if c.set {
				keptWhere += ` AND ` + c.cond
			}
		}
		total = `(SELECT COALESCE(sum(k.cases), 0)` + counted + ` JOIN forces f ON f.id = k.force_id` + keptWhere + `)`
	}
	// The page is chosen on narrow rows, after (or before) the cursor's
	// case, and only its cases are read whole; one case more than the page
	// says whether another page follows.
	cursor, reverse := f.After, false
	if f.Before != 0 {
		cursor, reverse = f.Before, true
	}
	with := `WITH `
	pageWhere := where
	if cursor != 0 {
		var terms []string
		for i, k := range keys {
			terms = append(terms, fmt.Sprintf(`%s AS k%d`, k.expr, i))
		}
		with += `cur AS (SELECT ` + strings.Join(terms, ", ") + from +
			` WHERE c.id = @cursor AND (@force::bigint IS NULL OR c.force_id = @force)), `
		pageWhere += ` AND ` + seekPast(keys, reverse)
	}
	q := with + `page AS (SELECT c.id` + from + pageWhere + orderBy(keys, reverse) +
		` LIMIT ` + strconv.Itoa(f.PerPage+1) + `)
		SELECT ` + caseColumns + `, ` + total + from + `
		WHERE c.id IN (SELECT id FROM page)` + orderBy(keys, reverse)
	args := pgx.NamedArgs{
		"force": sc.ForceArg(), "report": f.ReportID, "finding": f.FindingID, "code": f.ForceCode,
		"region": f.Region, "stage": string(f.Stage), "asof": f.AsOf, "stages": stageKeys(), "cursor": cursor,
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
	beyond := len(list.Cases) > f.PerPage
	if beyond {
		list.Cases = list.Cases[:f.PerPage]
	}
	if reverse {
		slices.Reverse(list.Cases)
		list.HasPrev, list.More = beyond, true
	} else {
		list.HasPrev, list.More = cursor != 0, beyond
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
