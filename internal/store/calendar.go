package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// The kinds of calendar entry.
const (
	CalendarPlanDue       = "plan_due"       // a force's plan is due
	CalendarDeadline      = "deadline"       // a recommendation's deadline
	CalendarAssessmentDue = "assessment_due" // the inspectorate's assessment of a plan is due
	CalendarFollowUp      = "follow_up"      // a follow-up inspection is planned
	CalendarFollowUpDone  = "follow_up_done" // a follow-up inspection happened
)

// CalendarEntry is one dated thing in a user's calendar. Entries for
// national users gather the forces that share a date for a recommendation
// (Forces > 1, CaseID 0); a liaison's are one per case of their force.
type CalendarEntry struct {
	Kind        string
	On          time.Time
	FindingID   int64
	ReportID    int64
	Reference   string
	ReportTitle string
	CaseID      int64 // 0 when the entry gathers several forces
	ForceName   string
	Forces      int
	FollowUpID  int64
}

// CalendarFilter says what a calendar holds.
type CalendarFilter struct {
	From       time.Time // nothing dated before this calendar date
	AssessDays int
	// ByCase lists each case on its own (a liaison's calendar); otherwise
	// plans, deadlines and assessments due the same day for one
	// recommendation are one entry, and assessments are included.
	ByCase bool
}

// CalendarEntries returns the due dates and follow-ups of the open cases in
// sc from f.From on, by date. Follow-ups are always one entry per case: each
// is a visit to one force.
func (s *Store) CalendarEntries(ctx context.Context, sc Scope, f CalendarFilter) ([]CalendarEntry, error) {
	// Each branch yields kind, date, finding, case (0 when gathered), force
	// name ('' when gathered), number of forces, follow-up id.
	const q = `
		WITH open_cases AS (
			SELECT c.* FROM cases c
			WHERE c.closed_on IS NULL AND ($1::bigint IS NULL OR c.force_id = $1)
		), entries AS (
			SELECT 'plan_due' AS kind, c.plan_due_on AS on_day, c.finding_id,
				CASE WHEN $3 THEN c.id ELSE 0 END AS case_id,
				CASE WHEN $3 THEN c.force_id ELSE 0 END AS force_id, count(*) AS forces, 0::bigint AS follow_up_id
			FROM open_cases c
			WHERE c.request_sent_on IS NOT NULL AND c.plan_due_on >= $2 AND c.first_submitted_at IS NULL
			GROUP BY 2, 3, 4, 5
			UNION ALL
			SELECT 'deadline', fi.deadline_on, c.finding_id,
				CASE WHEN $3 THEN c.id ELSE 0 END, CASE WHEN $3 THEN c.force_id ELSE 0 END, count(*), 0
			FROM open_cases c JOIN findings fi ON fi.id = c.finding_id
			WHERE fi.deadline_on >= $2
			GROUP BY 2, 3, 4, 5
			UNION ALL
			SELECT 'assessment_due', (c.first_submitted_at AT TIME ZONE 'Europe/London')::date + $4::integer,
				c.finding_id, 0, 0, count(*), 0
			FROM open_cases c
			WHERE NOT $3 AND c.first_submitted_at IS NOT NULL AND c.assessment_published_on IS NULL
			  AND (c.first_submitted_at AT TIME ZONE 'Europe/London')::date + $4::integer >= $2
			GROUP BY 2, 3
			UNION ALL
			SELECT CASE WHEN fu.done_on IS NULL THEN 'follow_up' ELSE 'follow_up_done' END,
				COALESCE(fu.done_on, fu.planned_on), c.finding_id, c.id, c.force_id, 1, fu.id
			FROM follow_ups fu JOIN cases c ON c.id = fu.case_id
			WHERE COALESCE(fu.done_on, fu.planned_on) >= $2 AND ($1::bigint IS NULL OR c.force_id = $1)
			  AND (fu.done_on IS NOT NULL OR c.closed_on IS NULL)
		)
		SELECT e.kind, e.on_day, e.finding_id, fi.report_id, fi.reference, r.title, e.case_id, COALESCE(fo.name, ''),
			e.forces, e.follow_up_id
		FROM entries e
		JOIN findings fi ON fi.id = e.finding_id
		JOIN reports r ON r.id = fi.report_id
		LEFT JOIN forces fo ON fo.id = e.force_id
		ORDER BY e.on_day, e.kind, fi.id, fo.name`
	assessDays := f.AssessDays
	if assessDays <= 0 {
		assessDays = domain.DefaultAssessmentDays
	}
	rows, err := s.db().Query(ctx, q, sc.ForceArg(), f.From, f.ByCase, assessDays)
	if err != nil {
		return nil, fmt.Errorf("store: calendar: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalendarEntry, error) {
		var e CalendarEntry
		err := r.Scan(&e.Kind, &e.On, &e.FindingID, &e.ReportID, &e.Reference, &e.ReportTitle, &e.CaseID, &e.ForceName,
			&e.Forces, &e.FollowUpID)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: calendar: %w", err)
	}
	return out, nil
}
