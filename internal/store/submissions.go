package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/blob"
	"inspectrack/internal/domain"
	"inspectrack/internal/notify"
)

// SubmissionKind says what a submission is: a version of the force's plan,
// or an update on its progress.
type SubmissionKind string

// The kinds of submission, as stored in submissions.kind.
const (
	KindPlan     SubmissionKind = "plan"
	KindProgress SubmissionKind = "progress"
)

// Label is the kind as people say it.
func (k SubmissionKind) Label() string {
	if k == KindProgress {
		return "Progress update"
	}
	return "Plan"
}

// CasePlan is a case with a summary of what its force has sent: what the
// liaison's home and the per-recommendation view of plans list.
type CasePlan struct {
	Case
	PlanVersions    int
	ProgressUpdates int
	// FirstPlanLateDays is how late the first plan version was against the
	// due date recorded with it (0: on time, or none sent).
	FirstPlanLateDays int
}

// PlanStatus is where the case's plan stands on asOf.
func (c CasePlan) PlanStatus(asOf time.Time) (domain.PlanStatus, int) {
	return domain.PlanStatusOf(c.Facts(), c.FirstPlanLateDays, asOf)
}

// casePlanQuery is a case (caseColumns, caseFrom) with counts of its
// submissions; callers add WHERE and ORDER BY. The first plan version's
// time and due date come along so that its lateness is worked out by
// domain.LateDays, in one place.
const casePlanQuery = `SELECT ` + caseColumns + `,
		(SELECT count(*) FROM submissions s WHERE s.case_id = c.id AND s.kind = 'plan'),
		(SELECT count(*) FROM submissions s WHERE s.case_id = c.id AND s.kind = 'progress'),
		first.submitted_at, first.due_on` + caseFrom + `
	LEFT JOIN LATERAL (
		SELECT s.submitted_at, s.due_on FROM submissions s
		WHERE s.case_id = c.id AND s.kind = 'plan' ORDER BY s.version LIMIT 1
	) first ON true `

func scanCasePlan(r pgx.Row) (CasePlan, error) {
	var c CasePlan
	var firstAt, firstDue *time.Time
	err := r.Scan(append(caseDest(&c.Case), &c.PlanVersions, &c.ProgressUpdates, &firstAt, &firstDue)...)
	if err == nil && firstAt != nil {
		c.FirstPlanLateDays = domain.LateDays(firstDue, *firstAt)
	}
	return c, err
}

// CasePlan returns case id within sc, with what its force has sent.
func (s *Store) CasePlan(ctx context.Context, sc Scope, id int64) (CasePlan, error) {
	const q = casePlanQuery + `WHERE c.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	c, err := scanCasePlan(s.db().QueryRow(ctx, q, id, sc.ForceArg()))
	if err != nil {
		return c, notFound(err, "store: case %d", id)
	}
	return c, nil
}

// CasePlanFilter selects the cases CasePlans lists.
type CasePlanFilter struct {
	FindingID int64 // 0: every recommendation
	OpenOnly  bool  // leave out closed cases
}

// CasePlans lists the cases within sc that f selects, by plan due date
// (soonest first, none last), then force name.
func (s *Store) CasePlans(ctx context.Context, sc Scope, f CasePlanFilter) ([]CasePlan, error) {
	const q = casePlanQuery + `
		WHERE ($1::bigint IS NULL OR c.force_id = $1)
		  AND ($2::bigint = 0 OR c.finding_id = $2)
		  AND (NOT $3 OR c.closed_on IS NULL)
		ORDER BY c.plan_due_on NULLS LAST, f.name, c.id`
	rows, err := s.db().Query(ctx, q, sc.ForceArg(), f.FindingID, f.OpenOnly)
	if err != nil {
		return nil, fmt.Errorf("store: list cases with plans: %w", err)
	}
	cases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CasePlan, error) { return scanCasePlan(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list cases with plans: %w", err)
	}
	return cases, nil
}

// PlanCounts is one recommendation with how many of its forces' plans
// stand at each status on a day.
type PlanCounts struct {
	FindingID   int64
	ReportTitle string
	Reference   string
	Body        string
	Forces      int
	Counts      map[domain.PlanStatus]int
}

// planStatusSQL is the SQL mirror of domain.PlanStatusOf as of the date
// @asof, for the case c and its first plan version fp (NULL when none was
// sent). It must follow the domain rule exactly, in the same order: a
// first submission counts on its Europe/London date; the first plan is
// late when it came (London date) after the due date recorded with it; a
// due date is missed only when strictly before the as-of day.
// TestPlanStatusSQLAgreesWithDomain checks it against PlanStatusOf.
const planStatusSQL = `(CASE
	WHEN (c.first_submitted_at AT TIME ZONE 'Europe/London')::date <= @asof
		AND (fp.submitted_at AT TIME ZONE 'Europe/London')::date > fp.due_on THEN 'sent_late'
	WHEN (c.first_submitted_at AT TIME ZONE 'Europe/London')::date <= @asof THEN 'sent_on_time'
	WHEN c.closed_on <= @asof THEN 'not_needed'
	WHEN c.request_sent_on <= @asof IS NOT TRUE THEN 'not_requested'
	WHEN c.plan_due_on < @asof THEN 'missing'
	ELSE 'awaited'
END)`

// planStatusFrom is the FROM of a query over cases with planStatusSQL:
// versions are numbered from 1 per case and kind, and never deleted, so
// version 1 is the first plan.
const planStatusFrom = ` FROM cases c
	LEFT JOIN submissions fp ON fp.case_id = c.id AND fp.kind = 'plan' AND fp.version = 1 `

// PlanOverview counts, for one page (from 1, perPage at a time) of the
// recommendations with cases in sc, in order of report and reference, its
// forces' plans by status on asOf, and says how many recommendations there
// are in all. The statuses are counted in the database (planStatusSQL),
// for the page's recommendations only, read off the index of their cases:
// at ten times the national data (a million cases) counting every case
// took the page two seconds.
func (s *Store) PlanOverview(ctx context.Context, sc Scope, asOf time.Time, page, perPage int) (PlanOverviewPage, error) {
	asOf = domain.Date(asOf.Date())
	var out PlanOverviewPage
	var b Batch
	// LIMIT and OFFSET as numbers (see ListCases); the offset runs over
	// recommendations (some thousands), never over cases.
	pageSQL := `WITH page AS (SELECT fi.id, r.title, fi.reference, fi.body
			FROM findings fi JOIN reports r ON r.id = fi.report_id
			WHERE EXISTS (SELECT 1 FROM cases c WHERE c.finding_id = fi.id AND (@force::bigint IS NULL OR c.force_id = @force))
			ORDER BY r.title, fi.reference, fi.id
			LIMIT ` + strconv.Itoa(perPage) + ` OFFSET ` + strconv.Itoa((max(page, 1)-1)*perPage) + `) `
	args := pgx.NamedArgs{"force": sc.ForceArg(), "asof": asOf}
	queryRows(&b, "plan overview: recommendations", &out.Rows, func(r pgx.Row) (PlanCounts, error) {
		var p PlanCounts
		return p, r.Scan(&p.FindingID, &p.ReportTitle, &p.Reference, &p.Body)
	}, pageSQL+`SELECT id, title, reference, body FROM page ORDER BY title, reference, id`, args)
	type count struct {
		findingID int64
		status    domain.PlanStatus
		n         int
	}
	var counts []count
	qCounts := pageSQL + `SELECT c.finding_id, ` + planStatusSQL + `, count(*)` + planStatusFrom + `
		WHERE c.finding_id IN (SELECT id FROM page) AND (@force::bigint IS NULL OR c.force_id = @force)
		GROUP BY 1, 2`
	queryRows(&b, "plan overview: counts", &counts, func(r pgx.Row) (count, error) {
		var c count
		return c, r.Scan(&c.findingID, &c.status, &c.n)
	}, qCounts, args)
	const qTotal = `SELECT count(*) FROM findings fi
		WHERE EXISTS (SELECT 1 FROM cases c WHERE c.finding_id = fi.id AND (@force::bigint IS NULL OR c.force_id = @force))`
	b.queryRow("plan overview: total", func(r pgx.Row) error { return r.Scan(&out.Total) }, qTotal, args)
	if err := s.Send(ctx, &b); err != nil {
		return out, err
	}
	index := make(map[int64]int, len(out.Rows))
	for i := range out.Rows {
		out.Rows[i].Counts = map[domain.PlanStatus]int{}
		index[out.Rows[i].FindingID] = i
	}
	for _, c := range counts {
		if i, ok := index[c.findingID]; ok {
			out.Rows[i].Forces += c.n
			out.Rows[i].Counts[c.status] += c.n
		}
	}
	return out, nil
}

// PlanOverviewPage is a page of PlanOverview and how many recommendations
// it pages through.
type PlanOverviewPage struct {
	Rows  []PlanCounts
	Total int
}

// Submission is one plan version or progress update, with its documents.
type Submission struct {
	ID            int64
	CaseID        int64
	ForceID       int64
	Kind          SubmissionKind
	Version       int
	SubmittedBy   int64
	SubmitterName string
	SubmittedAt   time.Time
	DueOn         *time.Time // the plan's due date when this was sent
	Note          string
	Documents     []Document
	// Recorded is set when an inspector recorded this on the force's
	// behalf: SubmittedAt is then when it was received, SubmittedBy and
	// SubmitterName the inspector.
	Recorded *Recording
}

// Recording says how a submission that reached the inspectorate outside
// the portal came, and why it was recorded on the force's behalf.
type Recording struct {
	Via    string    // "email" or "post"
	Sender string    // who sent it, as written: a name, an email address
	Reason string    // why it was recorded rather than uploaded by the force
	At     time.Time // when it was recorded (the server's clock)
}

// ReceivedVia is how the submission came, as people say it.
func (r Recording) ReceivedVia() string {
	if r.Via == "post" {
		return "by post"
	}
	return "by email"
}

// LateDays is how many days after its due date this plan version came (0
// for a progress update: those are not due).
func (s Submission) LateDays() int {
	if s.Kind != KindPlan {
		return 0
	}
	return domain.LateDays(s.DueOn, s.SubmittedAt)
}

const submissionColumns = `s.id, s.case_id, c.force_id, s.kind, s.version, s.submitted_by, u.name,
	s.submitted_at, s.due_on, s.note, s.recorded_at, COALESCE(s.received_via, ''), s.sender, s.recorded_reason`

const submissionFrom = ` FROM submissions s JOIN cases c ON c.id = s.case_id JOIN users u ON u.id = s.submitted_by `

func scanSubmission(r pgx.Row) (Submission, error) {
	var s Submission
	var rec Recording
	var recordedAt *time.Time
	err := r.Scan(&s.ID, &s.CaseID, &s.ForceID, &s.Kind, &s.Version, &s.SubmittedBy, &s.SubmitterName,
		&s.SubmittedAt, &s.DueOn, &s.Note, &recordedAt, &rec.Via, &rec.Sender, &rec.Reason)
	if recordedAt != nil {
		rec.At = *recordedAt
		s.Recorded = &rec
	}
	return s, err
}

// CaseSubmissions returns every submission of case caseID within sc,
// newest first, with their documents. A case outside sc has none.
func (s *Store) CaseSubmissions(ctx context.Context, sc Scope, caseID int64) ([]Submission, error) {
	var b Batch
	var subs []Submission
	b.CaseSubmissions(sc, caseID, &subs)
	return subs, s.Send(ctx, &b)
}

// Submission returns submission id within sc, with its documents.
func (s *Store) Submission(ctx context.Context, sc Scope, id int64) (Submission, error) {
	const q = `SELECT ` + submissionColumns + submissionFrom + `
		WHERE s.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	sub, err := scanSubmission(s.db().QueryRow(ctx, q, id, sc.ForceArg()))
	if err != nil {
		return sub, notFound(err, "store: submission %d", id)
	}
	subs := []Submission{sub}
	if err := s.loadDocuments(ctx, subs); err != nil {
		return sub, err
	}
	return subs[0], nil
}

// loadDocuments reads the documents of subs in one query. The
// submissions were read within scope, so their documents are too.
func (s *Store) loadDocuments(ctx context.Context, subs []Submission) error {
	if len(subs) == 0 {
		return nil
	}
	ids := make([]int64, len(subs))
	for i, sub := range subs {
		ids[i] = sub.ID
	}
	const q = `SELECT ` + documentColumns + documentFrom + `WHERE d.submission_id = ANY($1) ORDER BY d.submission_id, d.position`
	var b Batch
	var docs []Document
	queryRows(&b, "documents", &docs, scanDocument, q, ids)
	if err := s.Send(ctx, &b); err != nil {
		return err
	}
	attachDocuments(subs, docs)
	return nil
}

// attachDocuments gives each of subs its documents of docs.
func attachDocuments(subs []Submission, docs []Document) {
	at := make(map[int64]int, len(subs))
	for i, sub := range subs {
		at[sub.ID] = i
	}
	for _, d := range docs {
		if i, ok := at[d.SubmissionID]; ok {
			subs[i].Documents = append(subs[i].Documents, d)
		}
	}
}

// NewSubmission is what sending a plan version or a progress update needs.
type NewSubmission struct {
	CaseID    int64
	Kind      SubmissionKind
	Note      string
	At        time.Time // when it was sent: the server's clock, or when it was received
	Documents []NewDocument
	// Recorded is set when an inspector records what the force sent by
	// email or post; At is then when it was received.
	Recorded *Recording
}

// NewDocument is one file of a NewSubmission, already inspected: its
// cleaned name, its content type decided from its content, and the size
// and hash measured as it arrived, which the stored blob must match.
type NewDocument struct {
	Name        string
	ContentType string
	Size        int64
	SHA256      [32]byte
	Body        io.Reader
}

// ErrCaseClosed is returned when sending to a closed case.
var ErrCaseClosed = errors.New("store: case is closed")

// ErrReceivedOutOfRange is returned when a submission recorded on a
// force's behalf was received in the future or before its report was
// published.
var ErrReceivedOutOfRange = errors.New("store: received date out of range")

// CreateSubmission records a plan version or progress update of a case
// within sc, its documents and their blobs, the case's submission dates
// (for a plan) and the audit event, all in one transaction: if anything
// fails, nothing of the submission remains. Versions are numbered per case
// and kind; the case row is locked so two at once get consecutive numbers.
// It returns the submission as written, its documents with it.
func (s *Store) CreateSubmission(ctx context.Context, a Actor, sc Scope, blobs blob.Store, n NewSubmission) (Submission, error) {
	var sub Submission
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		c, err := LockCase(ctx, tx, sc, n.CaseID)
		if err != nil {
			return err
		}
		if c.ClosedOn != nil {
			return fmt.Errorf("store: submit to case %d: %w", n.CaseID, ErrCaseClosed)
		}
		forceID, dueOn := c.ForceID, c.PlanDueOn
		var recAt *time.Time
		var via *string
		var sender, reason string
		if r := n.Recorded; r != nil {
			if n.At.After(r.At) || domain.LondonDate(n.At).Before(c.ReportPublishedOn) {
				return fmt.Errorf("store: record for case %d received %s: %w", n.CaseID, n.At.Format(time.RFC3339), ErrReceivedOutOfRange)
			}
			recAt, via, sender, reason = &r.At, &r.Via, r.Sender, r.Reason
		}
		if n.Kind != KindPlan {
			dueOn = nil // progress updates are not due
		}
		const insert = `
			INSERT INTO submissions (case_id, kind, version, submitted_by, submitted_at, due_on, note,
				recorded_at, received_via, sender, recorded_reason)
			SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10
			FROM submissions WHERE case_id = $1 AND kind = $2
			RETURNING id, version, submitted_at, COALESCE((SELECT name FROM users WHERE id = $3), '')`
		sub = Submission{CaseID: n.CaseID, ForceID: c.ForceID, Kind: n.Kind, SubmittedBy: a.UserID, DueOn: dueOn,
			Note: n.Note, Recorded: n.Recorded}
		if err := tx.QueryRow(ctx, insert, n.CaseID, n.Kind, a.UserID, n.At, dueOn, n.Note,
			recAt, via, sender, reason).Scan(&sub.ID, &sub.Version, &sub.SubmittedAt, &sub.SubmitterName); err != nil {
			return fmt.Errorf("store: submit to case %d: %w", n.CaseID, err)
		}
		id, version := sub.ID, sub.Version
		var names []string
		for i, d := range n.Documents {
			b, err := blobs.Put(ctx, tx, d.Body)
			if err != nil {
				return fmt.Errorf("store: submission %d: document %d: %w", id, i+1, err)
			}
			if b.Size != d.Size || !bytes.Equal(b.SHA256[:], d.SHA256[:]) {
				return fmt.Errorf("store: submission %d: document %d stored %d bytes, received %d, or its hash differs", id, i+1, b.Size, d.Size)
			}
			const insertDoc = `
				INSERT INTO documents (submission_id, position, blob_id, display_name, content_type)
				VALUES ($1, $2, $3, $4, $5)
				RETURNING id`
			doc := Document{SubmissionID: id, CaseID: n.CaseID, ForceID: forceID, Position: i + 1, BlobID: b.ID,
				Name: d.Name, ContentType: d.ContentType, Size: b.Size, SHA256: b.SHA256[:]}
			if err := tx.QueryRow(ctx, insertDoc, id, i+1, b.ID, d.Name, d.ContentType).Scan(&doc.ID); err != nil {
				return fmt.Errorf("store: submission %d: document %d: %w", id, i+1, err)
			}
			sub.Documents = append(sub.Documents, doc)
			names = append(names, fmt.Sprintf("%s (%d bytes, sha256 %x)", d.Name, b.Size, b.SHA256[:6]))
		}
		if n.Kind == KindPlan {
			// A plan recorded late may have been received before one sent
			// through the portal: the case keeps the earliest and latest.
			const touchCase = `UPDATE cases SET first_submitted_at = LEAST(first_submitted_at, $2),
				last_submitted_at = GREATEST(last_submitted_at, $2) WHERE id = $1`
			if _, err := tx.Exec(ctx, touchCase, n.CaseID, n.At); err != nil {
				return fmt.Errorf("store: submission %d: case dates: %w", id, err)
			}
		}
		summary := fmt.Sprintf("%s %d for case %d", strings.ToLower(n.Kind.Label()), version, n.CaseID)
		if len(names) > 0 {
			summary += ": " + strings.Join(names, "; ")
		}
		action := "submission.create"
		if r := n.Recorded; r != nil {
			action = "submission.recorded_on_behalf"
			summary = fmt.Sprintf("received %s on %s from %s, recorded on %s on the force's behalf: %s; %s",
				r.ReceivedVia(), n.At.In(domain.London()).Format("2 January 2006 15:04"), r.Sender,
				r.At.In(domain.London()).Format("2 January 2006 15:04"), r.Reason, summary)
		}
		if err := Audit(ctx, tx, a.Event(action, "submission", id, forceID, summary)); err != nil {
			return err
		}
		if n.Kind != KindPlan || n.Recorded != nil || a.UserID == 0 {
			return nil // only a plan sent through the portal is acknowledged, to its sender
		}
		files := make([]string, len(n.Documents))
		for i, d := range n.Documents {
			files[i] = d.Name
		}
		count := fmt.Sprintf("%d files: ", len(files))
		if len(files) == 1 {
			count = "1 file: "
		}
		_, p, err := caseNames(ctx, tx, n.CaseID)
		if err != nil {
			return err
		}
		rs, err := recipients(ctx, tx, `u.id = $1`, a.UserID)
		if err != nil {
			return err
		}
		p["version"], p["files"], p["path"] = strconv.Itoa(version), count+strings.Join(files, ", "), "/submissions/"+strconv.FormatInt(id, 10)
		return s.notifyUsers(ctx, tx, notify.KindPlanReceived, rs, p)
	})
	if err != nil {
		return Submission{}, err
	}
	return sub, nil
}
