package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Batch queues reads to send to the database in one round trip: a page
// that shows several kinds of record (a case's timeline) reads them all at
// once. Each queued read fills its destination when Send returns nil; the
// store's single reads of the same records are a batch of one, so each
// statement is written once.
type Batch struct{ pb pgx.Batch }

// Send sends b's reads in one round trip and fills their destinations.
func (s *Store) Send(ctx context.Context, b *Batch) error {
	if b.pb.Len() == 0 {
		return nil
	}
	return s.sendBatch(ctx, &b.pb).Close()
}

// queryRow queues a read of at most one row: none leaves the destination
// as it was.
func (b *Batch) queryRow(what string, scan func(pgx.Row) error, q string, args ...any) {
	b.pb.Queue(q, args...).QueryRow(func(r pgx.Row) error {
		if err := scan(r); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		return nil
	})
}

// queryRows queues a read of rows into dst.
func queryRows[T any](b *Batch, what string, dst *[]T, scan func(pgx.Row) (T, error), q string, args ...any) {
	b.pb.Queue(q, args...).Query(func(rows pgx.Rows) error {
		out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		*dst = out
		return nil
	})
}

// Case queues the read of case id in sc into dst (ID 0: none in sc).
func (b *Batch) Case(sc Scope, id int64, dst *Case) {
	b.queryRow(fmt.Sprintf("case %d", id), func(r pgx.Row) error { return r.Scan(caseDest(dst)...) },
		caseByIDQuery, id, sc.ForceArg())
}

// RequestOfCase queues the read of the request for plans of case caseID's
// recommendation, the case in sc, into dst (ID 0: none).
func (b *Batch) RequestOfCase(sc Scope, caseID int64, dst *Request) {
	b.queryRow(fmt.Sprintf("request of case %d", caseID), func(r pgx.Row) error { return scanRequest(r, dst) },
		requestSelect+` JOIN cases c ON c.finding_id = rq.finding_id
		WHERE c.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`, caseID, sc.ForceArg())
}

const requestSelect = `SELECT rq.id, rq.finding_id, rq.sent_on, rq.due_on, COALESCE(u.name, ''), rq.created_at, rq.updated_at
	FROM requests rq LEFT JOIN users u ON u.id = rq.created_by`

func scanRequest(r pgx.Row, dst *Request) error {
	return r.Scan(&dst.ID, &dst.FindingID, &dst.SentOn, &dst.DueOn, &dst.CreatedBy, &dst.CreatedAt, &dst.UpdatedAt)
}

// RequestFor queues the read of the request recorded for a
// recommendation into dst (ID 0: none).
func (b *Batch) RequestFor(findingID int64, dst *Request) {
	b.queryRow(fmt.Sprintf("request of finding %d", findingID), func(r pgx.Row) error { return scanRequest(r, dst) },
		requestSelect+` WHERE rq.finding_id = $1`, findingID)
}

// CaseDateChanges queues the read of the date changes of a case in sc,
// oldest first.
func (b *Batch) CaseDateChanges(sc Scope, caseID int64, dst *[]DateChange) {
	const q = `SELECT ` + dateChangeColumns + `
		FROM date_changes d JOIN cases c ON c.id = d.case_id LEFT JOIN users u ON u.id = d.changed_by
		WHERE d.case_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY d.changed_at, d.id`
	queryRows(b, fmt.Sprintf("date changes of case %d", caseID), dst, scanDateChange, q, caseID, sc.ForceArg())
}

// CaseSubmissions queues the read of every plan version and progress
// update of a case in sc, newest first, with their documents.
func (b *Batch) CaseSubmissions(sc Scope, caseID int64, dst *[]Submission) {
	const subs = `SELECT ` + submissionColumns + submissionFrom + `
		WHERE s.case_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY s.submitted_at DESC, s.id DESC`
	queryRows(b, fmt.Sprintf("submissions of case %d", caseID), dst, scanSubmission, subs, caseID, sc.ForceArg())
	const docs = `SELECT ` + documentColumns + documentFrom + `
		WHERE s.case_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY d.submission_id, d.position`
	// Batched reads are answered in the order queued: the submissions are
	// in dst when their documents arrive.
	b.pb.Queue(docs, caseID, sc.ForceArg()).Query(func(rows pgx.Rows) error {
		ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDocument(r) })
		if err != nil {
			return fmt.Errorf("store: documents of case %d: %w", caseID, err)
		}
		attachDocuments(*dst, ds)
		return nil
	})
}

// PublicationOfCase queues the read of the published letter of a case in
// sc into dst (ID 0: none), without the letter's text.
func (b *Batch) PublicationOfCase(sc Scope, caseID int64, dst *Publication) {
	const q = `SELECT ` + publicationColumns + publicationFrom + `
		AND c.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	b.queryRow(fmt.Sprintf("publication of case %d", caseID), func(r pgx.Row) error {
		p, err := scanPublication(r)
		*dst = p
		return err
	}, q, caseID, sc.ForceArg())
}

// AssessmentEventsOfCase queues the read of the steps of a case's
// assessment in sc, oldest first (none: no assessment).
func (b *Batch) AssessmentEventsOfCase(sc Scope, caseID int64, dst *[]AssessmentEvent) {
	const q = `SELECT ` + assessmentEventColumns + assessmentEventFrom + `
		WHERE a.case_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY e.id`
	queryRows(b, fmt.Sprintf("assessment events of case %d", caseID), dst, scanAssessmentEvent, q, caseID, sc.ForceArg())
}

// FollowUps queues the read of the follow-ups of a case in sc, oldest
// first.
func (b *Batch) FollowUps(sc Scope, caseID int64, dst *[]FollowUp) {
	const q = `SELECT ` + followUpColumns + followUpFrom + `
		WHERE fu.case_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY fu.id`
	queryRows(b, fmt.Sprintf("follow-ups of case %d", caseID), dst, scanFollowUp, q, caseID, sc.ForceArg())
}
