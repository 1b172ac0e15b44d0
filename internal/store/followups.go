package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/notify"
)

// The refusals of follow-up and closure changes; each matches ErrConflict.
// (A closed case refuses with ErrCaseClosed, as it refuses a submission.)
var (
	ErrCaseOpen        = fmt.Errorf("store: the case is not closed: %w", ErrConflict)
	ErrFollowUpPlanned = fmt.Errorf("store: a follow-up is already planned: %w", ErrConflict)
	ErrFollowUpDone    = fmt.Errorf("store: the follow-up has been recorded: %w", ErrConflict)
)

// FollowUp is a follow-up inspection of a case: planned, then done with an
// outcome.
type FollowUp struct {
	ID         int64
	CaseID     int64
	PlannedOn  time.Time
	DoneOn     *time.Time
	Outcome    domain.FollowUpOutcome
	Notes      string
	CreatedBy  string
	CreatedAt  time.Time
	RecordedBy string
	RecordedAt *time.Time
}

const followUpColumns = `fu.id, fu.case_id, fu.planned_on, fu.done_on, COALESCE(fu.outcome, ''), fu.notes,
	COALESCE(cu.name, ''), fu.created_at, COALESCE(ru.name, ''), fu.recorded_at`

const followUpFrom = ` FROM follow_ups fu
	JOIN cases c ON c.id = fu.case_id
	LEFT JOIN users cu ON cu.id = fu.created_by
	LEFT JOIN users ru ON ru.id = fu.recorded_by `

func followUpDest(f *FollowUp) []any {
	return []any{&f.ID, &f.CaseID, &f.PlannedOn, &f.DoneOn, &f.Outcome, &f.Notes, &f.CreatedBy, &f.CreatedAt,
		&f.RecordedBy, &f.RecordedAt}
}

func scanFollowUp(r pgx.Row) (FollowUp, error) {
	var f FollowUp
	err := r.Scan(followUpDest(&f)...)
	return f, err
}

// FollowUps returns the follow-ups of a case in sc, oldest first.
func (s *Store) FollowUps(ctx context.Context, sc Scope, caseID int64) ([]FollowUp, error) {
	var b Batch
	var out []FollowUp
	b.FollowUps(sc, caseID, &out)
	return out, s.Send(ctx, &b)
}

// FollowUp returns one follow-up in sc.
func (s *Store) FollowUp(ctx context.Context, sc Scope, id int64) (FollowUp, error) {
	const q = `SELECT ` + followUpColumns + followUpFrom + `
		WHERE fu.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	f, err := scanFollowUp(s.db().QueryRow(ctx, q, id, sc.ForceArg()))
	if err != nil {
		return f, notFound(err, "store: follow-up %d", id)
	}
	return f, nil
}

// syncFollowUp keeps the case's follow-up dates those of its latest
// follow-up, in the transaction that changed it; the dashboard's items
// follow through the trigger on cases.
func syncFollowUp(ctx context.Context, tx pgx.Tx, caseID int64) error {
	const q = `
		UPDATE cases c SET follow_up_planned_on = l.planned_on, follow_up_done_on = l.done_on
		FROM (SELECT $1::bigint AS case_id) k
		LEFT JOIN LATERAL (SELECT planned_on, done_on FROM follow_ups WHERE case_id = k.case_id
			ORDER BY id DESC LIMIT 1) l ON true
		WHERE c.id = k.case_id`
	if _, err := tx.Exec(ctx, q, caseID); err != nil {
		return fmt.Errorf("store: case %d: follow-up dates: %w", caseID, err)
	}
	return nil
}

// NewFollowUp is a follow-up to schedule.
type NewFollowUp struct {
	PlannedOn time.Time
	Notes     string
}

// ScheduleFollowUp plans a follow-up of an open case that has none still to
// happen, and audits it.
func (s *Store) ScheduleFollowUp(ctx context.Context, a Actor, sc Scope, caseID int64, n NewFollowUp) (int64, error) {
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		c, err := LockCase(ctx, tx, sc, caseID)
		if err != nil {
			return err
		}
		if id, err = scheduleFollowUp(ctx, tx, a, c, n); err != nil {
			return err
		}
		return s.notifyFollowUp(ctx, tx, notify.KindFollowUpScheduled, c.ID, n.PlannedOn)
	})
	return id, err
}

// notifyFollowUp tells the case's force's liaisons of a follow-up planned
// or moved.
func (s *Store) notifyFollowUp(ctx context.Context, tx pgx.Tx, kind string, caseID int64, on time.Time) error {
	return s.notifyCaseLiaisons(ctx, tx, kind, caseID, "/cases/"+strconv.FormatInt(caseID, 10)+"/follow-ups",
		notify.Params{"planned": domain.FormatLong(on)})
}

func scheduleFollowUp(ctx context.Context, tx pgx.Tx, a Actor, c Case, n NewFollowUp) (int64, error) {
	if c.ClosedOn != nil {
		return 0, ErrCaseClosed
	}
	// The case row is locked and mirrors its latest follow-up, so this
	// check holds; the unique index is the backstop. (A violation would
	// abort the transaction, so the bulk schedule must not rely on it.)
	if c.FollowUpPlannedOn != nil && c.FollowUpDoneOn == nil {
		return 0, ErrFollowUpPlanned
	}
	const q = `INSERT INTO follow_ups (case_id, planned_on, notes, created_by)
		VALUES ($1, $2, $3, NULLIF($4, 0)) RETURNING id`
	var id int64
	if err := tx.QueryRow(ctx, q, c.ID, n.PlannedOn, n.Notes, a.UserID).Scan(&id); err != nil {
		if isUniqueViolation(err, "follow_ups_one_open_idx") {
			return 0, ErrFollowUpPlanned
		}
		return 0, fmt.Errorf("store: case %d: schedule follow-up: %w", c.ID, err)
	}
	if err := syncFollowUp(ctx, tx, c.ID); err != nil {
		return 0, err
	}
	return id, Audit(ctx, tx, a.Event("follow_up.schedule", "case", c.ID, c.ForceID,
		fmt.Sprintf("follow-up %d planned for %s", id, domain.FormatLong(n.PlannedOn))))
}

// ScheduleResult says what scheduling the follow-ups of a recommendation did.
type ScheduleResult struct {
	Scheduled int // cases given a follow-up
	Planned   int // open cases that already had one planned, left alone
	Closed    int // closed cases, left alone
}

// ScheduleFollowUps plans a follow-up on the same day for every open case of
// a recommendation in sc that has none still to happen, in one transaction,
// auditing each case.
func (s *Store) ScheduleFollowUps(ctx context.Context, a Actor, sc Scope, findingID int64, n NewFollowUp) (ScheduleResult, error) {
	var res ScheduleResult
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `SELECT c.id FROM cases c
			WHERE c.finding_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
			ORDER BY c.id`
		rows, err := tx.Query(ctx, q, findingID, sc.ForceArg())
		if err != nil {
			return fmt.Errorf("store: finding %d: cases: %w", findingID, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("store: finding %d: cases: %w", findingID, err)
		}
		if len(ids) == 0 {
			return fmt.Errorf("store: finding %d has no cases: %w", findingID, ErrNotFound)
		}
		for _, id := range ids {
			c, err := LockCase(ctx, tx, sc, id)
			if err != nil {
				return err
			}
			switch _, err := scheduleFollowUp(ctx, tx, a, c, n); {
			case errors.Is(err, ErrCaseClosed):
				res.Closed++
			case errors.Is(err, ErrFollowUpPlanned):
				res.Planned++
			case err != nil:
				return err
			default:
				res.Scheduled++
				if err := s.notifyFollowUp(ctx, tx, notify.KindFollowUpScheduled, c.ID, n.PlannedOn); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return res, err
}

// FollowUpRecord is what happened at a follow-up.
type FollowUpRecord struct {
	DoneOn  time.Time
	Outcome domain.FollowUpOutcome
	Notes   string
}

// lockFollowUpQuery reads a follow-up and its case in one statement,
// locking both: the case first (it comes first in FROM), as every writer of
// a follow-up does, so the follow-up read is the one committed last.
const lockFollowUpQuery = `SELECT ` + caseColumns + `, ` + followUpColumns + caseFrom + `
	JOIN follow_ups fu ON fu.case_id = c.id
	LEFT JOIN users cu ON cu.id = fu.created_by
	LEFT JOIN users ru ON ru.id = fu.recorded_by
	WHERE fu.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
	FOR UPDATE OF c, fu`

// lockFollowUp reads a follow-up in sc and locks it and its case.
func lockFollowUp(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (FollowUp, Case, error) {
	var c Case
	var f FollowUp
	if err := tx.QueryRow(ctx, lockFollowUpQuery, id, sc.ForceArg()).Scan(append(caseDest(&c), followUpDest(&f)...)...); err != nil {
		return FollowUp{}, Case{}, notFound(err, "store: follow-up %d", id)
	}
	return f, c, nil
}

// RecordFollowUp records when a planned follow-up happened, its outcome and
// notes, and audits it.
func (s *Store) RecordFollowUp(ctx context.Context, a Actor, sc Scope, id int64, rec FollowUpRecord) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		f, c, err := lockFollowUp(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if f.DoneOn != nil {
			return ErrFollowUpDone
		}
		const q = `UPDATE follow_ups SET done_on = $2, outcome = $3, notes = $4,
			recorded_by = NULLIF($5, 0), recorded_at = now() WHERE id = $1`
		if _, err := tx.Exec(ctx, q, id, rec.DoneOn, string(rec.Outcome), rec.Notes, a.UserID); err != nil {
			return fmt.Errorf("store: follow-up %d: record: %w", id, err)
		}
		if err := syncFollowUp(ctx, tx, c.ID); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("follow_up.record", "case", c.ID, c.ForceID,
			fmt.Sprintf("follow-up %d done on %s: %s", id, domain.FormatLong(rec.DoneOn), rec.Outcome.Label())))
	})
}

// MoveFollowUp moves the planned date of a follow-up still to happen,
// keeping who moved it, when and why in date_changes, and audits it.
func (s *Store) MoveFollowUp(ctx context.Context, a Actor, sc Scope, id int64, to time.Time, reason string) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		f, c, err := lockFollowUp(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if f.DoneOn != nil {
			return ErrFollowUpDone
		}
		if f.PlannedOn.Equal(to) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE follow_ups SET planned_on = $2 WHERE id = $1`, id, to); err != nil {
			return fmt.Errorf("store: follow-up %d: move: %w", id, err)
		}
		if err := syncFollowUp(ctx, tx, c.ID); err != nil {
			return err
		}
		if err := recordDateChange(ctx, tx, a, c.ID, "follow_up_planned_on", &f.PlannedOn, &to, reason); err != nil {
			return err
		}
		if err := Audit(ctx, tx, a.Event("follow_up.move", "case", c.ID, c.ForceID,
			fmt.Sprintf("follow-up %d: %s -> %s: %s", id, domain.FormatLong(f.PlannedOn), domain.FormatLong(to), reason))); err != nil {
			return err
		}
		return s.notifyFollowUp(ctx, tx, notify.KindFollowUpMoved, c.ID, to)
	})
}

// recordDateChange keeps the history of a lifecycle date of a case.
func recordDateChange(ctx context.Context, tx pgx.Tx, a Actor, caseID int64, field string, from, to *time.Time, reason string) error {
	const q = `INSERT INTO date_changes (case_id, field, old_value, new_value, reason, changed_by)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))`
	if _, err := tx.Exec(ctx, q, caseID, field, from, to, reason, a.UserID); err != nil {
		return fmt.Errorf("store: case %d: %s change: %w", caseID, field, err)
	}
	return nil
}

// CloseCase closes an open case on the calendar date on, for a reason with
// an optional note, and audits it.
func (s *Store) CloseCase(ctx context.Context, a Actor, sc Scope, caseID int64, on time.Time, reason domain.ClosedReason, note string) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		c, err := LockCase(ctx, tx, sc, caseID)
		if err != nil {
			return err
		}
		if c.ClosedOn != nil {
			return ErrCaseClosed
		}
		const q = `UPDATE cases SET closed_on = $2, closed_reason = $3, closed_note = $4 WHERE id = $1`
		if _, err := tx.Exec(ctx, q, caseID, on, string(reason), note); err != nil {
			return fmt.Errorf("store: case %d: close: %w", caseID, err)
		}
		why := "Closed: " + reason.Label()
		if note != "" {
			why += ": " + note
		}
		if err := recordDateChange(ctx, tx, a, caseID, "closed_on", nil, &on, why); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("case.close", "case", caseID, c.ForceID, why))
	})
}

// ReopenCase reopens a closed case, for a reason, and audits it. The
// closure stays in the case's date history.
func (s *Store) ReopenCase(ctx context.Context, a Actor, sc Scope, caseID int64, reason string) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		c, err := LockCase(ctx, tx, sc, caseID)
		if err != nil {
			return err
		}
		if c.ClosedOn == nil {
			return ErrCaseOpen
		}
		const q = `UPDATE cases SET closed_on = NULL, closed_reason = NULL, closed_note = '' WHERE id = $1`
		if _, err := tx.Exec(ctx, q, caseID); err != nil {
			return fmt.Errorf("store: case %d: reopen: %w", caseID, err)
		}
		if err := recordDateChange(ctx, tx, a, caseID, "closed_on", c.ClosedOn, nil, "Reopened: "+reason); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("case.reopen", "case", caseID, c.ForceID,
			fmt.Sprintf("reopened (closed %s as %s): %s", domain.FormatLong(*c.ClosedOn), c.ClosedReason.Label(), reason)))
	})
}

// FindingBrief is what the page scheduling the follow-ups of a
// recommendation shows of it.
type FindingBrief struct {
	ID          int64
	ReportID    int64
	ReportTitle string
	Reference   string
	Body        string
	Cases       int // cases in scope
	Open        int // of which not closed
	Planned     int // of which open with a follow-up still to happen
}

// FindingBrief returns a recommendation with the counts of its cases in sc;
// a recommendation with no case in sc is not found.
func (s *Store) FindingBrief(ctx context.Context, sc Scope, id int64) (FindingBrief, error) {
	const q = `
		SELECT fi.id, fi.report_id, r.title, fi.reference, fi.body, count(c.id),
			count(c.id) FILTER (WHERE c.closed_on IS NULL),
			count(c.id) FILTER (WHERE c.closed_on IS NULL AND c.follow_up_planned_on IS NOT NULL AND c.follow_up_done_on IS NULL)
		FROM findings fi
		JOIN reports r ON r.id = fi.report_id
		JOIN cases c ON c.finding_id = fi.id AND ($2::bigint IS NULL OR c.force_id = $2)
		WHERE fi.id = $1 AND fi.kind = 'recommendation'
		GROUP BY fi.id, r.title`
	var f FindingBrief
	err := s.db().QueryRow(ctx, q, id, sc.ForceArg()).Scan(&f.ID, &f.ReportID, &f.ReportTitle, &f.Reference, &f.Body,
		&f.Cases, &f.Open, &f.Planned)
	if err != nil {
		return f, notFound(err, "store: recommendation %d", id)
	}
	return f, nil
}
