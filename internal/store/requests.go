package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/notify"
)

// Request is the letter asking every force in a recommendation's scope for
// its plan.
type Request struct {
	ID        int64
	FindingID int64
	SentOn    time.Time
	DueOn     time.Time
	CreatedBy string // name of who recorded it; "" for the system
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RequestFor returns the request recorded for a recommendation.
func (s *Store) RequestFor(ctx context.Context, findingID int64) (Request, error) {
	var b Batch
	var r Request
	b.RequestFor(findingID, &r)
	if err := s.Send(ctx, &b); err != nil {
		return r, err
	}
	if r.ID == 0 {
		return r, fmt.Errorf("store: request of finding %d: %w", findingID, ErrNotFound)
	}
	return r, nil
}

// ErrDueBeforeSent is returned when a due date falls before the date the
// request was sent.
var ErrDueBeforeSent = errors.New("store: the due date is before the request was sent")

// ErrNoRequest is returned when a case's due date is changed before any
// request was sent to the force.
var ErrNoRequest = errors.New("store: no request for a plan has been sent")

// RequestResult says what recording a request did.
type RequestResult struct {
	Cases      int  // cases that carry the request's dates
	DueChanged int  // cases whose due date was set or changed
	Changed    bool // an earlier request was corrected
}

// RecordRequest records (or corrects) the request for a recommendation's
// plans and copies its dates onto every case in the same transaction, each
// change with a date change. A correction moves the due date only of the
// cases still due on the old date: a due date changed for one force stays.
func (s *Store) RecordRequest(ctx context.Context, a Actor, findingID int64, sent, due time.Time) (RequestResult, error) {
	var res RequestResult
	if due.Before(sent) {
		return res, ErrDueBeforeSent
	}
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		kind, _, _, err := lockFinding(ctx, tx, findingID)
		if err != nil {
			return err
		}
		if kind != domain.FindingRecommendation {
			return ErrNotRecommendation
		}
		var oldSent, oldDue *time.Time
		const old = `SELECT sent_on, due_on FROM requests WHERE finding_id = $1`
		switch err := tx.QueryRow(ctx, old, findingID).Scan(&oldSent, &oldDue); {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("store: request of finding %d: %w", findingID, err)
		}
		res.Changed = oldSent != nil
		const upsert = `INSERT INTO requests (finding_id, sent_on, due_on, created_by) VALUES ($1, $2, $3, NULLIF($4, 0))
			ON CONFLICT (finding_id) DO UPDATE SET sent_on = EXCLUDED.sent_on, due_on = EXCLUDED.due_on, updated_at = now()`
		if _, err := tx.Exec(ctx, upsert, findingID, sent, due, a.UserID); err != nil {
			return fmt.Errorf("store: record request of finding %d: %w", findingID, err)
		}
		reason := fmt.Sprintf("Request for plans sent %s, plan due %s", domain.FormatLong(sent), domain.FormatLong(due))
		if res.Changed {
			reason = fmt.Sprintf("Request corrected: sent %s (was %s), plan due %s (was %s)",
				domain.FormatLong(sent), domain.FormatLongOrNone(oldSent), domain.FormatLong(due), domain.FormatLongOrNone(oldDue))
			const dc = `INSERT INTO date_changes (finding_id, field, old_value, new_value, reason, changed_by)
				SELECT $1, f.field, f.old, f.new, $2, NULLIF($3, 0)
				FROM (VALUES ('request.sent_on', $4::date, $5::date), ('request.due_on', $6::date, $7::date)) f(field, old, new)
				WHERE f.old IS DISTINCT FROM f.new`
			if _, err := tx.Exec(ctx, dc, findingID, reason, a.UserID, oldSent, sent, oldDue, due); err != nil {
				return fmt.Errorf("store: request of finding %d: date changes: %w", findingID, err)
			}
		}
		// Every case gets the sent date; the due date moves where it was
		// unset or still the old request's.
		const cases = `WITH old AS (
				SELECT id, request_sent_on, plan_due_on FROM cases WHERE finding_id = $1 FOR UPDATE),
			upd AS (
				UPDATE cases c SET request_sent_on = $2,
					plan_due_on = CASE WHEN old.plan_due_on IS NULL OR old.plan_due_on IS NOT DISTINCT FROM $4::date
						THEN $3::date ELSE old.plan_due_on END
				FROM old WHERE c.id = old.id
				RETURNING c.id, old.request_sent_on AS old_sent, c.request_sent_on AS new_sent,
					old.plan_due_on AS old_due, c.plan_due_on AS new_due),
			sent_changes AS (
				INSERT INTO date_changes (case_id, field, old_value, new_value, reason, changed_by)
				SELECT id, 'request_sent_on', old_sent, new_sent, $5, NULLIF($6, 0) FROM upd
				WHERE old_sent IS DISTINCT FROM new_sent),
			due_changes AS (
				INSERT INTO date_changes (case_id, field, old_value, new_value, reason, changed_by)
				SELECT id, 'plan_due_on', old_due, new_due, $5, NULLIF($6, 0) FROM upd
				WHERE old_due IS DISTINCT FROM new_due)
			SELECT count(*), count(*) FILTER (WHERE old_due IS DISTINCT FROM new_due) FROM upd`
		if err := tx.QueryRow(ctx, cases, findingID, sent, due, oldDue, reason, a.UserID).Scan(&res.Cases, &res.DueChanged); err != nil {
			return fmt.Errorf("store: request of finding %d: cases: %w", findingID, err)
		}
		action := "request.record"
		if res.Changed {
			action = "request.correct"
		}
		if err := Audit(ctx, tx, a.Event(action, "finding", findingID, 0,
			fmt.Sprintf("%s; %d cases, %d due dates set", reason, res.Cases, res.DueChanged))); err != nil {
			return err
		}
		if res.Changed {
			return nil // a correction: the forces were told when it was issued
		}
		return s.notifyRequest(ctx, tx, findingID)
	})
	return res, err
}

// notifyRequest tells every active liaison of each force a new request
// for plans covers (its open cases), in the request's transaction: at 43
// forces, or 250 with 40 liaisons each, one query and one COPY of jobs.
func (s *Store) notifyRequest(ctx context.Context, tx pgx.Tx, findingID int64) error {
	const q = `SELECT u.id, c.id, u.name, fo.name, r.title, c.plan_due_on
		FROM cases c JOIN forces fo ON fo.id = c.force_id
		JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id
		JOIN users u ON u.force_id = c.force_id AND u.role = 'liaison' AND u.disabled_at IS NULL
		WHERE c.finding_id = $1 AND c.closed_on IS NULL AND c.plan_due_on IS NOT NULL
		ORDER BY c.id, u.id`
	rows, err := tx.Query(ctx, q, findingID)
	if err != nil {
		return fmt.Errorf("store: request of finding %d: notices: %w", findingID, err)
	}
	var msgs []NewMessage
	var userID, caseID int64
	var name, force, report string
	var due time.Time
	_, err = pgx.ForEachRow(rows, []any{&userID, &caseID, &name, &force, &report, &due}, func() error {
		msgs = append(msgs, NewMessage{Kind: notify.KindRequestIssued, UserID: userID, Params: notify.Params{
			"name": name, "force": force, "report": report, "due": domain.FormatLong(due), "path": "/cases/" + strconv.FormatInt(caseID, 10)}})
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: request of finding %d: notices: %w", findingID, err)
	}
	return s.enqueueMessages(ctx, tx, msgs)
}

// ChangeDueDate moves one case's plan due date, with the reason, keeping
// the old and new dates, who and when in date_changes and the audit trail.
func (s *Store) ChangeDueDate(ctx context.Context, a Actor, sc Scope, caseID int64, due time.Time, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ErrReasonRequired
	}
	return s.Tx(ctx, func(tx pgx.Tx) error {
		c, err := LockCase(ctx, tx, sc, caseID)
		if err != nil {
			return err
		}
		if c.RequestSentOn == nil {
			return ErrNoRequest
		}
		if due.Before(*c.RequestSentOn) {
			return ErrDueBeforeSent
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET plan_due_on = $2 WHERE id = $1`, caseID, due); err != nil {
			return fmt.Errorf("store: case %d due date: %w", caseID, err)
		}
		if err := recordDateChange(ctx, tx, a, caseID, "plan_due_on", c.PlanDueOn, &due, reason); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("case.due_date.change", "case", caseID, c.ForceID,
			fmt.Sprintf("%s -> %s: %s", domain.FormatLongOrNone(c.PlanDueOn), domain.FormatLong(due), reason)))
	})
}

// DateChange is one recorded change of a lifecycle date.
type DateChange struct {
	ID        int64
	Field     string // e.g. "plan_due_on"
	Old, New  *time.Time
	Reason    string
	ChangedBy string // name; "" for the system
	ChangedAt time.Time
}

// CaseDateChanges returns the date changes of a case in sc, oldest first.
func (s *Store) CaseDateChanges(ctx context.Context, sc Scope, caseID int64) ([]DateChange, error) {
	var b Batch
	var out []DateChange
	b.CaseDateChanges(sc, caseID, &out)
	return out, s.Send(ctx, &b)
}

// FindingDateChanges returns the date changes of a recommendation itself
// (its deadline, its request), oldest first.
func (s *Store) FindingDateChanges(ctx context.Context, findingID int64) ([]DateChange, error) {
	const q = `SELECT ` + dateChangeColumns + `
		FROM date_changes d LEFT JOIN users u ON u.id = d.changed_by
		WHERE d.finding_id = $1 ORDER BY d.changed_at, d.id`
	var b Batch
	var out []DateChange
	queryRows(&b, fmt.Sprintf("date changes of finding %d", findingID), &out, scanDateChange, q, findingID)
	return out, s.Send(ctx, &b)
}

const dateChangeColumns = `d.id, d.field, d.old_value, d.new_value, d.reason, COALESCE(u.name, ''), d.changed_at`

func scanDateChange(r pgx.Row) (DateChange, error) {
	var d DateChange
	return d, r.Scan(&d.ID, &d.Field, &d.Old, &d.New, &d.Reason, &d.ChangedBy, &d.ChangedAt)
}
