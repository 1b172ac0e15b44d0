package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/notify"
)

// AssessmentCase is a case as its assessment and letter need it: the force
// with the facts a letter is addressed with, and the recommendation with
// its report, cause of concern, criteria and outcome categories.
type AssessmentCase struct {
	CaseID int64
	Force  Force

	FindingID       int64
	Reference       string
	Recommendation  string
	Term            string // the recommendation's terminology note
	CauseOfConcern  string // "" when the recommendation answers none
	ReportID        int64
	ReportTitle     string
	ReportPublished time.Time

	RequestSentOn *time.Time
	PlanDueOn     *time.Time

	Criteria    []Criterion
	Categories  []Category
	Submissions []Submission // what the force sent, newest first
}

// AssessmentCase returns case id, in sc, with what its assessment needs.
func (s *Store) AssessmentCase(ctx context.Context, sc Scope, id int64) (AssessmentCase, error) {
	const q = `
		SELECT c.id, ` + forceColumnsF + `,
			fi.id, fi.reference, fi.body, fi.terminology_note, COALESCE(cc.body, ''),
			r.id, r.title, r.published_on, c.request_sent_on, c.plan_due_on
		FROM cases c
		JOIN forces f ON f.id = c.force_id
		JOIN findings fi ON fi.id = c.finding_id
		JOIN reports r ON r.id = fi.report_id
		LEFT JOIN findings cc ON cc.id = fi.parent_id
		WHERE c.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	var ac AssessmentCase
	dest := append([]any{&ac.CaseID}, forceDest(&ac.Force)...)
	dest = append(dest, &ac.FindingID, &ac.Reference, &ac.Recommendation, &ac.Term, &ac.CauseOfConcern,
		&ac.ReportID, &ac.ReportTitle, &ac.ReportPublished, &ac.RequestSentOn, &ac.PlanDueOn)
	err := s.db().QueryRow(ctx, q, id, sc.ForceArg()).Scan(dest...)
	if err != nil {
		return ac, notFound(err, "store: case %d", id)
	}
	if ac.Criteria, err = s.Criteria(ctx, ac.FindingID); err != nil {
		return ac, err
	}
	if ac.Categories, err = s.Categories(ctx, ac.FindingID); err != nil {
		return ac, err
	}
	if ac.Submissions, err = s.CaseSubmissions(ctx, sc, id); err != nil {
		return ac, err
	}
	return ac, nil
}

// Assessment is an inspector's assessment of a force's plan.
type Assessment struct {
	ID            int64
	CaseID        int64
	ForceID       int64
	Period        string
	ReviewedUpTo  time.Time
	CategoryID    int64
	CategoryKey   string
	CategoryLabel string
	Summary       string
	// FindingsParagraph, when not blank, is the letter's findings paragraph
	// in place of the criteria's narratives.
	FindingsParagraph string
	State             domain.State
	Version           int
	CreatedByName     string
	UpdatedByName     string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	PublishedAt       *time.Time
	Findings          []AssessmentFinding  // in criterion order
	Reviewed          []ReviewedSubmission // the submissions reviewed, oldest first
}

// ReviewedSubmission is a submission an assessment reviewed.
type ReviewedSubmission struct {
	ID          int64
	Kind        SubmissionKind
	Version     int
	SubmittedAt time.Time
}

// SubmissionIDs are the ids of the submissions reviewed.
func (a Assessment) SubmissionIDs() []int64 {
	ids := make([]int64, len(a.Reviewed))
	for i, r := range a.Reviewed {
		ids[i] = r.ID
	}
	return ids
}

// AssessmentFinding is the finding against one criterion.
type AssessmentFinding struct {
	CriterionID int64
	Finding     domain.CriterionFinding
	Narrative   string
}

// AssessmentInput is what an inspector records; saving replaces it whole.
type AssessmentInput struct {
	Period       string
	ReviewedUpTo time.Time
	CategoryID   int64
	Summary      string
	Findings     []AssessmentFinding
	// FindingsParagraph, when not blank, replaces the narratives in the letter.
	FindingsParagraph string
	SubmissionIDs     []int64
}

// AssessmentByCase returns the assessment of case caseID in sc, or
// ErrNotFound when none was started.
func (s *Store) AssessmentByCase(ctx context.Context, sc Scope, caseID int64) (Assessment, error) {
	const q = `
		SELECT a.id, a.case_id, c.force_id, a.period, a.reviewed_up_to, a.category_id, cat.key, cat.label,
			a.summary, a.findings_paragraph, a.state, a.version, cu.name, uu.name, a.created_at, a.updated_at, a.published_at
		FROM assessments a
		JOIN cases c ON c.id = a.case_id
		JOIN categories cat ON cat.id = a.category_id
		JOIN users cu ON cu.id = a.created_by
		JOIN users uu ON uu.id = a.updated_by
		WHERE a.case_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	var a Assessment
	err := s.db().QueryRow(ctx, q, caseID, sc.ForceArg()).Scan(&a.ID, &a.CaseID, &a.ForceID, &a.Period, &a.ReviewedUpTo,
		&a.CategoryID, &a.CategoryKey, &a.CategoryLabel, &a.Summary, &a.FindingsParagraph, &a.State, &a.Version, &a.CreatedByName,
		&a.UpdatedByName, &a.CreatedAt, &a.UpdatedAt, &a.PublishedAt)
	if err != nil {
		return a, notFound(err, "store: assessment of case %d", caseID)
	}
	const findings = `
		SELECT af.criterion_id, af.finding, af.narrative
		FROM assessment_findings af JOIN criteria cr ON cr.id = af.criterion_id
		WHERE af.assessment_id = $1 ORDER BY cr.position`
	rows, err := s.db().Query(ctx, findings, a.ID)
	if err != nil {
		return a, fmt.Errorf("store: findings of assessment %d: %w", a.ID, err)
	}
	a.Findings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AssessmentFinding, error) {
		var f AssessmentFinding
		err := r.Scan(&f.CriterionID, &f.Finding, &f.Narrative)
		return f, err
	})
	if err != nil {
		return a, fmt.Errorf("store: findings of assessment %d: %w", a.ID, err)
	}
	const subs = `
		SELECT s.id, s.kind, s.version, s.submitted_at
		FROM assessment_submissions x JOIN submissions s ON s.id = x.submission_id
		WHERE x.assessment_id = $1 ORDER BY s.submitted_at, s.id`
	rows, err = s.db().Query(ctx, subs, a.ID)
	if err != nil {
		return a, fmt.Errorf("store: submissions of assessment %d: %w", a.ID, err)
	}
	a.Reviewed, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReviewedSubmission, error) {
		var x ReviewedSubmission
		err := r.Scan(&x.ID, &x.Kind, &x.Version, &x.SubmittedAt)
		return x, err
	})
	if err != nil {
		return a, fmt.Errorf("store: submissions of assessment %d: %w", a.ID, err)
	}
	return a, nil
}

// CreateAssessment starts the assessment of case caseID as a draft, with
// its letter (the contact and signatory taken from the recommendation's
// template), and marks the case's assessment started on the London date of
// at. Another assessment of the case saved first is ErrConflict.
func (s *Store) CreateAssessment(ctx context.Context, a Actor, sc Scope, caseID int64, in AssessmentInput, at time.Time) (int64, error) {
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var forceID, findingID int64
		const lockCase = `SELECT force_id, finding_id FROM cases
			WHERE id = $1 AND ($2::bigint IS NULL OR force_id = $2) FOR UPDATE`
		if err := tx.QueryRow(ctx, lockCase, caseID, sc.ForceArg()).Scan(&forceID, &findingID); err != nil {
			return notFound(err, "store: create assessment of case %d", caseID)
		}
		const insert = `
			INSERT INTO assessments (case_id, period, reviewed_up_to, category_id, summary, findings_paragraph, created_by, updated_by, created_at, updated_at)
			SELECT $1, $2, $3, cat.id, $5, $9, $6, $6, $7, $7 FROM categories cat WHERE cat.id = $4 AND cat.finding_id = $8
			ON CONFLICT (case_id) DO NOTHING
			RETURNING id`
		err := tx.QueryRow(ctx, insert, caseID, in.Period, in.ReviewedUpTo, in.CategoryID, in.Summary, a.UserID, at, findingID, in.FindingsParagraph).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM assessments WHERE case_id = $1)`, caseID).Scan(&exists); err != nil {
				return fmt.Errorf("store: create assessment of case %d: %w", caseID, err)
			}
			if exists {
				return fmt.Errorf("store: case %d already has an assessment: %w", caseID, ErrConflict)
			}
			return fmt.Errorf("store: create assessment of case %d: category %d is not the recommendation's: %w", caseID, in.CategoryID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: create assessment of case %d: %w", caseID, err)
		}
		if err := writeAssessmentParts(ctx, tx, id, findingID, in); err != nil {
			return err
		}
		const letter = `
			INSERT INTO letters (assessment_id, contact_name, contact_email, contact_phone,
				signatory_name, signatory_honours, signatory_titles, created_at, updated_at)
			SELECT $1, COALESCE(t.contact_name, ''), COALESCE(t.contact_email, ''), COALESCE(t.contact_phone, ''),
				COALESCE(t.signatory_name, ''), COALESCE(t.signatory_honours, ''), COALESCE(t.signatory_titles, ''), $3, $3
			FROM (SELECT 1) one LEFT JOIN letter_templates t ON t.finding_id = $2`
		if _, err := tx.Exec(ctx, letter, id, findingID, at); err != nil {
			return fmt.Errorf("store: letter of assessment %d: %w", id, err)
		}
		const started = `UPDATE cases SET assessment_started_on = COALESCE(assessment_started_on, $2) WHERE id = $1`
		if _, err := tx.Exec(ctx, started, caseID, domain.LondonDate(at)); err != nil {
			return fmt.Errorf("store: case %d: assessment started: %w", caseID, err)
		}
		if err := addAssessmentEvent(ctx, tx, id, "create", "", domain.StateDraft, 1, a.UserID, "", at); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("assessment.create", "assessment", id, forceID,
			fmt.Sprintf("case %d: %s, reviewed up to %s", caseID, in.Period, domain.FormatLong(in.ReviewedUpTo))))
	})
	return id, err
}

// writeAssessmentParts replaces the findings and reviewed submissions of
// assessment id; criteria must be the recommendation's.
func writeAssessmentParts(ctx context.Context, tx pgx.Tx, id, findingID int64, in AssessmentInput) error {
	if _, err := tx.Exec(ctx, `DELETE FROM assessment_findings WHERE assessment_id = $1`, id); err != nil {
		return fmt.Errorf("store: findings of assessment %d: %w", id, err)
	}
	const finding = `
		INSERT INTO assessment_findings (assessment_id, criterion_id, finding, narrative)
		SELECT $1, cr.id, $3, $4 FROM criteria cr WHERE cr.id = $2 AND cr.finding_id = $5`
	for _, f := range in.Findings {
		tag, err := tx.Exec(ctx, finding, id, f.CriterionID, string(f.Finding), f.Narrative, findingID)
		if err != nil {
			return fmt.Errorf("store: finding of assessment %d: %w", id, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("store: assessment %d: criterion %d is not the recommendation's: %w", id, f.CriterionID, ErrNotFound)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM assessment_submissions WHERE assessment_id = $1`, id); err != nil {
		return fmt.Errorf("store: submissions of assessment %d: %w", id, err)
	}
	// Only the case's own submissions: another case's (another force's)
	// is not found.
	const reviewed = `
		INSERT INTO assessment_submissions (assessment_id, submission_id)
		SELECT a.id, s.id FROM assessments a JOIN submissions s ON s.case_id = a.case_id
		WHERE a.id = $1 AND s.id = $2`
	for _, sid := range slices.Compact(slices.Sorted(slices.Values(in.SubmissionIDs))) {
		tag, err := tx.Exec(ctx, reviewed, id, sid)
		if err != nil {
			return fmt.Errorf("store: submissions of assessment %d: %w", id, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("store: assessment %d: submission %d is not its case's: %w", id, sid, ErrNotFound)
		}
	}
	return nil
}

func addAssessmentEvent(ctx context.Context, tx pgx.Tx, id int64, action string, from, to domain.State, version int, actorID int64, comment string, at time.Time) error {
	const q = `INSERT INTO assessment_events (assessment_id, action, from_state, to_state, version, actor_id, comment, occurred_at)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8)`
	if _, err := tx.Exec(ctx, q, id, action, string(from), string(to), version, actorID, comment, at); err != nil {
		return fmt.Errorf("store: assessment %d: %s event: %w", id, action, err)
	}
	return nil
}

// bumpAssessment moves assessment id from version (and state from) to state
// to and the next version, or fails with ErrConflict when someone changed it
// since that version was read. It returns the new version and the force.
func bumpAssessment(ctx context.Context, tx pgx.Tx, sc Scope, id int64, version int, from, to domain.State, actorID int64, at time.Time) (int, int64, error) {
	const q = `
		UPDATE assessments a SET state = $4, version = a.version + 1, updated_by = $5, updated_at = $6::timestamptz,
			published_at = CASE WHEN $4::text = 'published' THEN $6::timestamptz END
		FROM cases c
		WHERE a.id = $1 AND c.id = a.case_id AND a.version = $2 AND a.state = $3
		  AND ($7::bigint IS NULL OR c.force_id = $7)
		RETURNING a.version, c.force_id`
	var newVersion int
	var forceID int64
	err := tx.QueryRow(ctx, q, id, version, string(from), string(to), actorID, at, sc.ForceArg()).Scan(&newVersion, &forceID)
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		const check = `SELECT EXISTS (SELECT 1 FROM assessments a JOIN cases c ON c.id = a.case_id
			WHERE a.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2))`
		if err := tx.QueryRow(ctx, check, id, sc.ForceArg()).Scan(&exists); err != nil {
			return 0, 0, fmt.Errorf("store: assessment %d: %w", id, err)
		}
		if !exists {
			return 0, 0, fmt.Errorf("store: assessment %d: %w", id, ErrNotFound)
		}
		return 0, 0, fmt.Errorf("store: assessment %d changed since version %d: %w", id, version, ErrConflict)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: assessment %d: %w", id, err)
	}
	// A step recorded with its real, earlier date (past work entered now)
	// means the assessment had started by then.
	const started = `UPDATE cases c SET assessment_started_on = $2
		FROM assessments a WHERE a.id = $1 AND c.id = a.case_id AND c.assessment_started_on > $2`
	if _, err := tx.Exec(ctx, started, id, domain.LondonDate(at)); err != nil {
		return 0, 0, fmt.Errorf("store: assessment %d: started on: %w", id, err)
	}
	// An approval is of one version's letter: any step but approving and
	// publishing forgets it.
	if to != domain.StateApproved && to != domain.StatePublished {
		const forget = `UPDATE letters SET approved_sha256 = NULL WHERE assessment_id = $1 AND approved_sha256 IS NOT NULL`
		if _, err := tx.Exec(ctx, forget, id); err != nil {
			return 0, 0, fmt.Errorf("store: assessment %d: forget approval: %w", id, err)
		}
	}
	return newVersion, forceID, nil
}

// UpdateAssessment saves in over version of assessment id, moving it from
// state from to state to (domain.Transition decides: editing an approved
// assessment sends it back for approval). When the assessment changed since
// version was read, nothing is written and the error is ErrConflict.
func (s *Store) UpdateAssessment(ctx context.Context, a Actor, sc Scope, id int64, version int, from, to domain.State, in AssessmentInput, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		newVersion, forceID, err := bumpAssessment(ctx, tx, sc, id, version, from, to, a.UserID, at)
		if err != nil {
			return err
		}
		const q = `
			UPDATE assessments a SET period = $2, reviewed_up_to = $3, category_id = cat.id, summary = $5, findings_paragraph = $6
			FROM categories cat, cases c
			WHERE a.id = $1 AND c.id = a.case_id AND cat.id = $4 AND cat.finding_id = c.finding_id
			RETURNING c.finding_id`
		var findingID int64
		if err := tx.QueryRow(ctx, q, id, in.Period, in.ReviewedUpTo, in.CategoryID, in.Summary, in.FindingsParagraph).Scan(&findingID); err != nil {
			return notFound(err, "store: update assessment %d: category %d", id, in.CategoryID)
		}
		if err := writeAssessmentParts(ctx, tx, id, findingID, in); err != nil {
			return err
		}
		if err := addAssessmentEvent(ctx, tx, id, "edit", from, to, newVersion, a.UserID, "", at); err != nil {
			return err
		}
		summary := fmt.Sprintf("version %d -> %d", version, newVersion)
		if from != to {
			summary += fmt.Sprintf(", %s -> %s", from, to)
		}
		return Audit(ctx, tx, a.Event("assessment.edit", "assessment", id, forceID, summary))
	})
}

// TransitionAssessment takes a workflow step other than editing (submit,
// return, approve) on version of assessment id, from state from to state
// to, recording who, when and the comment. A stale version is ErrConflict:
// a manager approves exactly the version they read.
func (s *Store) TransitionAssessment(ctx context.Context, a Actor, sc Scope, id int64, version int, action domain.Action, from, to domain.State, comment string, at time.Time) error {
	if action == domain.ActionPublish || action == domain.ActionEdit {
		return fmt.Errorf("store: %s is not a plain transition", action)
	}
	return s.Tx(ctx, func(tx pgx.Tx) error {
		newVersion, forceID, err := bumpAssessment(ctx, tx, sc, id, version, from, to, a.UserID, at)
		if err != nil {
			return err
		}
		if err := addAssessmentEvent(ctx, tx, id, string(action), from, to, newVersion, a.UserID, comment, at); err != nil {
			return err
		}
		summary := fmt.Sprintf("%s -> %s", from, to)
		if comment != "" {
			summary += ": " + comment
		}
		if err := Audit(ctx, tx, a.Event("assessment."+string(action), "assessment", id, forceID, summary)); err != nil {
			return err
		}
		return s.notifyTransition(ctx, tx, a, id, action, comment)
	})
}

// notifyTransition tells managers an assessment awaits their approval, or
// its inspector that it was returned, with the manager's comment.
func (s *Store) notifyTransition(ctx context.Context, tx pgx.Tx, a Actor, id int64, action domain.Action, comment string) error {
	if action != domain.ActionSubmit && action != domain.ActionReturn {
		return nil
	}
	const q = `SELECT a.case_id, COALESCE((SELECT name FROM users WHERE id = $2), ''),
			COALESCE((SELECT actor_id FROM assessment_events e WHERE e.assessment_id = a.id AND e.action = 'submit' ORDER BY e.id DESC LIMIT 1), a.created_by)
		FROM assessments a WHERE a.id = $1`
	var caseID, inspectorID int64
	var actorName string
	if err := tx.QueryRow(ctx, q, id, a.UserID).Scan(&caseID, &actorName, &inspectorID); err != nil {
		return notFound(err, "store: assessment %d: notices", id)
	}
	_, p, err := caseNames(ctx, tx, caseID)
	if err != nil {
		return err
	}
	p["path"] = "/cases/" + strconv.FormatInt(caseID, 10) + "/assessment"
	var rs []recipient
	kind := notify.KindAssessmentSubmitted
	if action == domain.ActionSubmit {
		p["inspector"] = actorName
		rs, err = recipients(ctx, tx, `u.role = 'manager' AND u.id <> $1`, a.UserID)
	} else {
		kind = notify.KindAssessmentReturned
		p["manager"], p["comment"] = actorName, comment
		rs, err = recipients(ctx, tx, `u.id = $1 AND u.id <> $2`, inspectorID, a.UserID)
	}
	if err != nil {
		return err
	}
	return s.notifyUsers(ctx, tx, kind, rs, p)
}

// IsAssessmentAuthor reports whether user created or edited any version of
// assessment id, or of its letter: four eyes means such a user never
// approves it.
func (s *Store) IsAssessmentAuthor(ctx context.Context, id, userID int64) (bool, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM assessment_events
		WHERE assessment_id = $1 AND actor_id = $2 AND action IN ('create', 'edit'))`
	var yes bool
	if err := s.db().QueryRow(ctx, q, id, userID).Scan(&yes); err != nil {
		return false, fmt.Errorf("store: authors of assessment %d: %w", id, err)
	}
	return yes, nil
}

// AssessmentEvent is one step of an assessment's workflow.
type AssessmentEvent struct {
	ID         int64
	Action     string // create, edit, submit, return, approve, publish
	FromState  domain.State
	ToState    domain.State
	Version    int
	ActorName  string
	Comment    string
	OccurredAt time.Time
	TextSHA256 string // an approval: the hash of the letter text approved
}

// AssessmentEvents returns the steps of assessment id, oldest first.
func (s *Store) AssessmentEvents(ctx context.Context, sc Scope, id int64) ([]AssessmentEvent, error) {
	const q = `SELECT ` + assessmentEventColumns + assessmentEventFrom + `
		WHERE e.assessment_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		ORDER BY e.id`
	var b Batch
	var events []AssessmentEvent
	queryRows(&b, fmt.Sprintf("events of assessment %d", id), &events, scanAssessmentEvent, q, id, sc.ForceArg())
	return events, s.Send(ctx, &b)
}

const assessmentEventColumns = `e.id, e.action, COALESCE(e.from_state, ''), e.to_state, e.version, u.name, e.comment, e.occurred_at, e.text_sha256`

const assessmentEventFrom = `
		FROM assessment_events e
		JOIN users u ON u.id = e.actor_id
		JOIN assessments a ON a.id = e.assessment_id
		JOIN cases c ON c.id = a.case_id`

func scanAssessmentEvent(r pgx.Row) (AssessmentEvent, error) {
	var e AssessmentEvent
	err := r.Scan(&e.ID, &e.Action, &e.FromState, &e.ToState, &e.Version, &e.ActorName, &e.Comment, &e.OccurredAt, &e.TextSHA256)
	return e, err
}

// Recommendation is a recommendation as the assessment pages list them.
type Recommendation struct {
	ID          int64
	Reference   string
	Body        string
	ReportTitle string
}

// Name is a recommendation's reference, or the start of its text.
func (r Recommendation) Name() string {
	name := r.Reference
	if name == "" {
		name = r.Body
		if cut := strings.LastIndex(name[:min(len(name), 70)], " "); len(name) > 70 && cut > 0 {
			name = strings.TrimSpace(name[:cut]) + "…"
		}
	}
	return name
}

// Label is how a recommendation is named in a list of several reports'.
func (r Recommendation) Label() string { return r.ReportTitle + ": " + r.Name() }

// RecommendationsWithCases lists the recommendations applied to at least
// one force, newest report first.
func (s *Store) RecommendationsWithCases(ctx context.Context) ([]Recommendation, error) {
	const q = `
		SELECT fi.id, fi.reference, fi.body, r.title
		FROM findings fi JOIN reports r ON r.id = fi.report_id
		WHERE fi.kind = 'recommendation' AND EXISTS (SELECT 1 FROM cases c WHERE c.finding_id = fi.id)
		ORDER BY r.published_on DESC, r.id DESC, fi.id`
	rows, err := s.db().Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: recommendations: %w", err)
	}
	recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Recommendation, error) {
		var rec Recommendation
		err := r.Scan(&rec.ID, &rec.Reference, &rec.Body, &rec.ReportTitle)
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: recommendations: %w", err)
	}
	return recs, nil
}

// RecommendationByID returns one recommendation.
func (s *Store) RecommendationByID(ctx context.Context, id int64) (Recommendation, error) {
	const q = `
		SELECT fi.id, fi.reference, fi.body, r.title
		FROM findings fi JOIN reports r ON r.id = fi.report_id
		WHERE fi.id = $1 AND fi.kind = 'recommendation'`
	var rec Recommendation
	if err := s.db().QueryRow(ctx, q, id).Scan(&rec.ID, &rec.Reference, &rec.Body, &rec.ReportTitle); err != nil {
		return rec, notFound(err, "store: recommendation %d", id)
	}
	return rec, nil
}

// AssessmentRow is one case of a recommendation in the list of
// assessments: its force and where its assessment stands.
type AssessmentRow struct {
	CaseID        int64
	ForceCode     string
	ForceName     string
	Region        string
	State         domain.State // "" when not started
	CategoryLabel string
	UpdatedAt     *time.Time
	UpdatedByName string
}

// AssessmentFilter selects rows of the list of assessments.
type AssessmentFilter struct {
	FindingID int64
	State     string // a domain.State, "not_started", or "" for all
}

// ListAssessments returns the cases of a recommendation in sc, by force,
// with their assessments.
func (s *Store) ListAssessments(ctx context.Context, sc Scope, f AssessmentFilter) ([]AssessmentRow, error) {
	const q = `
		SELECT c.id, fo.code, fo.name, fo.region, COALESCE(a.state, ''), COALESCE(cat.label, ''), a.updated_at, COALESCE(u.name, '')
		FROM cases c
		JOIN forces fo ON fo.id = c.force_id
		LEFT JOIN assessments a ON a.case_id = c.id
		LEFT JOIN categories cat ON cat.id = a.category_id
		LEFT JOIN users u ON u.id = a.updated_by
		WHERE c.finding_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)
		  AND ($3 = '' OR ($3 = 'not_started' AND a.id IS NULL) OR a.state = $3)
		ORDER BY fo.name`
	rows, err := s.db().Query(ctx, q, f.FindingID, sc.ForceArg(), f.State)
	if err != nil {
		return nil, fmt.Errorf("store: assessments of finding %d: %w", f.FindingID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AssessmentRow, error) {
		var a AssessmentRow
		err := r.Scan(&a.CaseID, &a.ForceCode, &a.ForceName, &a.Region, &a.State, &a.CategoryLabel, &a.UpdatedAt, &a.UpdatedByName)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: assessments of finding %d: %w", f.FindingID, err)
	}
	return out, nil
}

// PendingLetter is an assessment awaiting approval or publication.
type PendingLetter struct {
	AssessmentID int64
	CaseID       int64
	ForceName    string
	ReportTitle  string
	State        domain.State
	Version      int
}

// PendingLetters lists the submitted and approved assessments in sc of
// recommendation findingID (0: any) and force forceCode ("": any), by
// report and force.
func (s *Store) PendingLetters(ctx context.Context, sc Scope, findingID int64, forceCode string) ([]PendingLetter, error) {
	const q = `
		SELECT a.id, a.case_id, f.name, r.title, a.state, a.version
		FROM assessments a JOIN cases c ON c.id = a.case_id JOIN forces f ON f.id = c.force_id
		JOIN findings fi ON fi.id = c.finding_id JOIN reports r ON r.id = fi.report_id
		WHERE a.state IN ('submitted', 'approved') AND ($1::bigint = 0 OR c.finding_id = $1)
		  AND ($2 = '' OR f.code = $2) AND ($3::bigint IS NULL OR c.force_id = $3)
		ORDER BY r.title, f.name, a.id`
	rows, err := s.db().Query(ctx, q, findingID, forceCode, sc.ForceArg())
	if err != nil {
		return nil, fmt.Errorf("store: pending letters: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PendingLetter, error) {
		var p PendingLetter
		err := r.Scan(&p.AssessmentID, &p.CaseID, &p.ForceName, &p.ReportTitle, &p.State, &p.Version)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending letters: %w", err)
	}
	return out, nil
}

// AssessmentDates are when a case's assessment started and was published,
// without the assessment itself: the demo's current report has only these.
type AssessmentDates struct {
	CaseID             int64
	Started, Published *time.Time // nil: not yet
}

// SetAssessmentDates sets the assessment dates of cases in one statement,
// audited as one event by a about the report reportID: demo data whose
// dashboard needs the dates and nothing more of the assessments.
func (s *Store) SetAssessmentDates(ctx context.Context, a Actor, reportID int64, ds []AssessmentDates) error {
	const q = `
		UPDATE cases c SET assessment_started_on = d.started, assessment_published_on = d.published
		FROM unnest($1::bigint[], $2::date[], $3::date[]) AS d (case_id, started, published)
		WHERE c.id = d.case_id`
	ids := make([]int64, len(ds))
	started := make([]*time.Time, len(ds))
	published := make([]*time.Time, len(ds))
	for i, d := range ds {
		ids[i], started[i], published[i] = d.CaseID, d.Started, d.Published
	}
	return s.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, ids, started, published)
		if err != nil {
			return fmt.Errorf("store: assessment dates: %w", err)
		}
		return Audit(ctx, tx, a.Event("case.assessment_dates", "report", reportID, 0,
			fmt.Sprintf("assessment dates set on %d cases", tag.RowsAffected())))
	})
}
