package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// Finding is a cause of concern, recommendation or area for improvement
// in a report. Only recommendations have scope, criteria, categories and
// cases.
type Finding struct {
	ID                int64
	ReportID          int64
	ReportTitle       string
	ReportKind        string
	ReportPublishedOn time.Time

	Kind            domain.FindingKind
	ParentID        int64 // the cause of concern a recommendation answers (0: none)
	ParentReference string
	Reference       string
	Body            string

	DeadlineText       string
	DeadlineOn         *time.Time
	DeadlineOverridden bool // the date was entered by an inspector, not computed
	TerminologyNote    string

	Scope     string // ScopeAllPolice or ScopeListed
	CreatedAt time.Time
	UpdatedAt time.Time
	Cases     int // how many cases exist

	// Filled by Finding, not by ListFindings.
	Forces     []ForceRef  // the listed forces (scope listed)
	Criteria   []Criterion // in order
	Categories []Category  // in order
}

// The scopes of a recommendation, as stored in findings.scope.
const (
	ScopeAllPolice = "all_police"
	ScopeListed    = "listed"
)

// ForceRef names a force.
type ForceRef struct {
	ID   int64
	Code string
	Name string
}

// Criterion is what a plan is assessed against.
type Criterion struct {
	ID          int64
	Position    int
	Title       string
	Description string
}

// Category is an overall outcome category of an assessment.
type Category struct {
	ID       int64
	Position int
	Key      string
	Label    string
	Effect   domain.Effect // what it means for the recommendation's deadline
}

const findingColumns = `fi.id, fi.report_id, r.title, r.kind, r.published_on, fi.kind, COALESCE(fi.parent_id, 0),
	COALESCE(p.reference, ''), fi.reference, fi.body, fi.deadline_text, fi.deadline_on, fi.deadline_overridden,
	fi.terminology_note, fi.scope, fi.created_at, fi.updated_at,
	(SELECT count(*) FROM cases c WHERE c.finding_id = fi.id)`

const findingFrom = ` FROM findings fi JOIN reports r ON r.id = fi.report_id
	LEFT JOIN findings p ON p.id = fi.parent_id `

func scanFinding(row pgx.Row) (Finding, error) {
	var f Finding
	err := row.Scan(&f.ID, &f.ReportID, &f.ReportTitle, &f.ReportKind, &f.ReportPublishedOn, &f.Kind, &f.ParentID,
		&f.ParentReference, &f.Reference, &f.Body, &f.DeadlineText, &f.DeadlineOn, &f.DeadlineOverridden,
		&f.TerminologyNote, &f.Scope, &f.CreatedAt, &f.UpdatedAt, &f.Cases)
	return f, err
}

// kindOrder sorts a report's findings the way reports present them.
const kindOrder = `array_position(ARRAY['cause_of_concern', 'recommendation', 'afi'], fi.kind)`

// ListFindings returns the findings of a report: causes of concern, then
// recommendations, then areas for improvement, each in the order added.
func (s *Store) ListFindings(ctx context.Context, reportID int64) ([]Finding, error) {
	const q = `SELECT ` + findingColumns + findingFrom + `WHERE fi.report_id = $1 ORDER BY ` + kindOrder + `, fi.id`
	rows, err := s.db().Query(ctx, q, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: findings of report %d: %w", reportID, err)
	}
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Finding, error) { return scanFinding(r) })
	if err != nil {
		return nil, fmt.Errorf("store: findings of report %d: %w", reportID, err)
	}
	return fs, nil
}

// Finding returns the finding id with its listed forces, criteria and
// categories.
func (s *Store) Finding(ctx context.Context, id int64) (Finding, error) {
	const q = `SELECT ` + findingColumns + findingFrom + `WHERE fi.id = $1`
	f, err := scanFinding(s.db().QueryRow(ctx, q, id))
	if err != nil {
		return f, notFound(err, "store: finding %d", id)
	}
	const forces = `SELECT f.id, f.code, f.name FROM finding_forces ff JOIN forces f ON f.id = ff.force_id
		WHERE ff.finding_id = $1 ORDER BY f.name`
	rows, err := s.db().Query(ctx, forces, id)
	if err == nil {
		f.Forces, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ForceRef, error) {
			var fr ForceRef
			return fr, r.Scan(&fr.ID, &fr.Code, &fr.Name)
		})
	}
	if err != nil {
		return f, fmt.Errorf("store: finding %d forces: %w", id, err)
	}
	if f.Criteria, err = s.Criteria(ctx, id); err != nil {
		return f, err
	}
	if f.Categories, err = s.Categories(ctx, id); err != nil {
		return f, err
	}
	return f, nil
}

// FindingByReference returns the finding of a report with reference
// (case-insensitive), without its lists.
func (s *Store) FindingByReference(ctx context.Context, reportID int64, reference string) (Finding, error) {
	const q = `SELECT ` + findingColumns + findingFrom + `WHERE fi.report_id = $1 AND lower(fi.reference) = lower($2) AND fi.reference <> ''`
	f, err := scanFinding(s.db().QueryRow(ctx, q, reportID, strings.TrimSpace(reference)))
	if err != nil {
		return f, notFound(err, "store: finding %q of report %d", reference, reportID)
	}
	return f, nil
}

// Criteria returns a recommendation's criteria in order.
func (s *Store) Criteria(ctx context.Context, findingID int64) ([]Criterion, error) {
	const q = `SELECT id, position, title, description FROM criteria WHERE finding_id = $1 ORDER BY position`
	rows, err := s.db().Query(ctx, q, findingID)
	if err != nil {
		return nil, fmt.Errorf("store: criteria of finding %d: %w", findingID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Criterion, error) {
		var c Criterion
		return c, r.Scan(&c.ID, &c.Position, &c.Title, &c.Description)
	})
}

// Categories returns a recommendation's outcome categories in order.
func (s *Store) Categories(ctx context.Context, findingID int64) ([]Category, error) {
	const q = `SELECT id, position, key, label, effect FROM categories WHERE finding_id = $1 ORDER BY position`
	rows, err := s.db().Query(ctx, q, findingID)
	if err != nil {
		return nil, fmt.Errorf("store: categories of finding %d: %w", findingID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Category, error) {
		var c Category
		return c, r.Scan(&c.ID, &c.Position, &c.Key, &c.Label, &c.Effect)
	})
}

// ErrBadEffect is returned for an effect that is not one of domain.Effects.
var ErrBadEffect = errors.New("store: not an effect of a category")

// SetCategoryEffect says what a recommendation's outcome category means,
// and audits it. Unlike the list itself it may change once cases exist: a
// published assessment in that category then starts or stops its case's
// recommendation-overdue clock (the dashboard's items follow in the same
// transaction, by trigger).
func (s *Store) SetCategoryEffect(ctx context.Context, a Actor, findingID, categoryID int64, e domain.Effect) error {
	if !e.Valid() {
		return ErrBadEffect
	}
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `WITH old AS (SELECT id, label, effect FROM categories WHERE id = $1 AND finding_id = $2 FOR UPDATE)
			UPDATE categories k SET effect = $3 FROM old WHERE k.id = old.id
			RETURNING old.label, old.effect`
		var label string
		var before domain.Effect
		if err := tx.QueryRow(ctx, q, categoryID, findingID, string(e)).Scan(&label, &before); err != nil {
			return notFound(err, "store: category %d of finding %d", categoryID, findingID)
		}
		return Audit(ctx, tx, a.Event("category.effect", "finding", findingID, 0,
			fmt.Sprintf("category %q: %s -> %s", label, before, e)))
	})
}

// NewCriterion is a criterion to add.
type NewCriterion struct {
	Title, Description string
}

// FindingInput is what creating or editing a finding takes. The caller
// works out DeadlineOn (domain.DeadlineDate, or the inspector's date).
type FindingInput struct {
	Kind               domain.FindingKind
	ParentID           int64 // recommendations only: the cause of concern answered
	Reference          string
	Body               string
	DeadlineText       string
	DeadlineOn         *time.Time
	DeadlineOverridden bool
	TerminologyNote    string
	Scope              string
	ForceCodes         []string // scope listed
	// Creating only: the criteria in order, and the categories (nil:
	// domain.DefaultCategories for a recommendation).
	Criteria   []NewCriterion
	Categories []domain.Category
	// Editing only: why the deadline date changed (required when it did).
	DeadlineReason string
}

// The errors of changing findings.
var (
	ErrReferenceTaken    = fmt.Errorf("store: another finding of the report has this reference: %w", ErrConflict)
	ErrBadParent         = errors.New("store: a recommendation can only answer a cause of concern of the same report")
	ErrNotRecommendation = errors.New("store: only a recommendation has cases, criteria and categories")
	ErrCasesExist        = fmt.Errorf("store: cases exist, so criteria, categories and scope are fixed: %w", ErrConflict)
	ErrReasonRequired    = errors.New("store: a reason is required for a date change")
)

// CreateFinding adds a finding to a report, with its criteria and (for a
// recommendation) its categories, and audits it.
func (s *Store) CreateFinding(ctx context.Context, a Actor, reportID int64, in FindingInput) (int64, error) {
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = CreateFindingTx(ctx, tx, a, reportID, in)
		return err
	})
	return id, err
}

// CreateFindingTx is CreateFinding inside the caller's transaction, so an
// import writes all its findings or none.
func CreateFindingTx(ctx context.Context, tx pgx.Tx, a Actor, reportID int64, in FindingInput) (int64, error) {
	if err := checkParent(ctx, tx, reportID, in); err != nil {
		return 0, err
	}
	scope := in.Scope
	if scope == "" || in.Kind != domain.FindingRecommendation {
		scope = ScopeAllPolice
	}
	const q = `INSERT INTO findings (report_id, kind, parent_id, reference, body, deadline_text, deadline_on,
			deadline_overridden, terminology_note, scope, created_by)
		VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7, $8, $9, $10, NULLIF($11, 0)) RETURNING id`
	var id int64
	err := tx.QueryRow(ctx, q, reportID, string(in.Kind), in.ParentID, strings.TrimSpace(in.Reference),
		strings.TrimSpace(in.Body), strings.TrimSpace(in.DeadlineText), in.DeadlineOn, in.DeadlineOverridden,
		strings.TrimSpace(in.TerminologyNote), scope, a.UserID).Scan(&id)
	if isUniqueViolation(err, "findings_reference_key") {
		return 0, ErrReferenceTaken
	}
	if err != nil {
		return 0, fmt.Errorf("store: create finding in report %d: %w", reportID, err)
	}
	if in.Kind == domain.FindingRecommendation {
		if err := setFindingForces(ctx, tx, id, scope, in.ForceCodes); err != nil {
			return 0, err
		}
		for i, cr := range in.Criteria {
			const c = `INSERT INTO criteria (finding_id, position, title, description) VALUES ($1, $2, $3, $4)`
			if _, err := tx.Exec(ctx, c, id, i+1, strings.TrimSpace(cr.Title), strings.TrimSpace(cr.Description)); err != nil {
				return 0, fmt.Errorf("store: finding %d criterion %d: %w", id, i+1, err)
			}
		}
		cats := in.Categories
		if cats == nil {
			cats = domain.DefaultCategories()
		}
		for i, cat := range cats {
			effect := cat.Effect
			if !effect.Valid() {
				effect = domain.EffectNotMet // the column's default: only a met category stops a clock
			}
			const c = `INSERT INTO categories (finding_id, position, key, label, effect) VALUES ($1, $2, $3, $4, $5)`
			if _, err := tx.Exec(ctx, c, id, i+1, cat.Key, cat.Label, string(effect)); err != nil {
				return 0, fmt.Errorf("store: finding %d category %q: %w", id, cat.Key, err)
			}
		}
	}
	summary := fmt.Sprintf("%s %s added to report %d", in.Kind.Label(), quoteRef(in.Reference), reportID)
	if len(in.Criteria) > 0 {
		summary += fmt.Sprintf(" with %d criteria", len(in.Criteria))
	}
	return id, Audit(ctx, tx, a.Event("finding.create", "finding", id, 0, summary))
}

func quoteRef(ref string) string {
	if strings.TrimSpace(ref) == "" {
		return "(no reference)"
	}
	return fmt.Sprintf("%q", strings.TrimSpace(ref))
}

// checkParent refuses a parent that is not a cause of concern of the same
// report, or a parent on anything but a recommendation.
func checkParent(ctx context.Context, tx pgx.Tx, reportID int64, in FindingInput) error {
	if in.ParentID == 0 {
		return nil
	}
	if in.Kind != domain.FindingRecommendation {
		return ErrBadParent
	}
	const q = `SELECT EXISTS (SELECT 1 FROM findings WHERE id = $1 AND report_id = $2 AND kind = 'cause_of_concern')`
	var ok bool
	if err := tx.QueryRow(ctx, q, in.ParentID, reportID).Scan(&ok); err != nil {
		return fmt.Errorf("store: check parent %d: %w", in.ParentID, err)
	}
	if !ok {
		return ErrBadParent
	}
	return nil
}

// setFindingForces replaces the listed forces of a recommendation.
func setFindingForces(ctx context.Context, tx pgx.Tx, id int64, scope string, codes []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM finding_forces WHERE finding_id = $1`, id); err != nil {
		return fmt.Errorf("store: finding %d forces: %w", id, err)
	}
	if scope != ScopeListed {
		return nil
	}
	const q = `INSERT INTO finding_forces (finding_id, force_id)
		SELECT $1, f.id FROM forces f WHERE f.code = ANY($2::text[]) ON CONFLICT DO NOTHING`
	tag, err := tx.Exec(ctx, q, id, codes)
	if err != nil {
		return fmt.Errorf("store: finding %d forces: %w", id, err)
	}
	if int(tag.RowsAffected()) != len(uniqueStrings(codes)) {
		return ErrUnknownForce
	}
	return nil
}

func uniqueStrings(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// lockFinding locks a finding's row, so that applying it and changing its
// criteria, categories or scope run one at a time, and returns its kind,
// report and case count.
func lockFinding(ctx context.Context, tx pgx.Tx, id int64) (kind domain.FindingKind, reportID int64, cases int, err error) {
	const q = `SELECT kind, report_id, (SELECT count(*) FROM cases WHERE finding_id = $1)
		FROM findings WHERE id = $1 FOR UPDATE`
	if err := tx.QueryRow(ctx, q, id).Scan(&kind, &reportID, &cases); err != nil {
		return "", 0, 0, notFound(err, "store: finding %d", id)
	}
	return kind, reportID, cases, nil
}

// UpdateFinding changes a finding's words, deadline, terminology note,
// parent and scope, and audits it. A changed deadline date needs a reason
// and writes a date change. Scope may not drop a force that has a case.
func (s *Store) UpdateFinding(ctx context.Context, a Actor, id int64, in FindingInput) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		kind, reportID, cases, err := lockFinding(ctx, tx, id)
		if err != nil {
			return err
		}
		in.Kind = kind
		if err := checkParent(ctx, tx, reportID, in); err != nil {
			return err
		}
		var oldDeadline *time.Time
		if err := tx.QueryRow(ctx, `SELECT deadline_on FROM findings WHERE id = $1`, id).Scan(&oldDeadline); err != nil {
			return fmt.Errorf("store: finding %d: %w", id, err)
		}
		deadlineChanged := !sameDate(oldDeadline, in.DeadlineOn)
		if deadlineChanged && oldDeadline != nil && strings.TrimSpace(in.DeadlineReason) == "" {
			return ErrReasonRequired
		}
		scope := in.Scope
		if scope == "" || kind != domain.FindingRecommendation {
			scope = ScopeAllPolice
		}
		const q = `UPDATE findings SET parent_id = NULLIF($2, 0), reference = $3, body = $4, deadline_text = $5,
				deadline_on = $6, deadline_overridden = $7, terminology_note = $8, scope = $9, updated_at = now()
			WHERE id = $1`
		_, err = tx.Exec(ctx, q, id, in.ParentID, strings.TrimSpace(in.Reference), strings.TrimSpace(in.Body),
			strings.TrimSpace(in.DeadlineText), in.DeadlineOn, in.DeadlineOverridden, strings.TrimSpace(in.TerminologyNote), scope)
		if isUniqueViolation(err, "findings_reference_key") {
			return ErrReferenceTaken
		}
		if err != nil {
			return fmt.Errorf("store: update finding %d: %w", id, err)
		}
		if kind == domain.FindingRecommendation {
			if err := setFindingForces(ctx, tx, id, scope, in.ForceCodes); err != nil {
				return err
			}
			if cases > 0 {
				const outside = `SELECT count(*) FROM cases c JOIN forces f ON f.id = c.force_id
					JOIN findings fi ON fi.id = c.finding_id WHERE c.finding_id = $1 AND NOT ` + inScopeSQL
				var n int
				if err := tx.QueryRow(ctx, outside, id).Scan(&n); err != nil {
					return fmt.Errorf("store: finding %d scope: %w", id, err)
				}
				if n > 0 {
					return ErrCasesExist
				}
			}
		}
		summary := "edited " + quoteRef(in.Reference)
		if deadlineChanged {
			reason := strings.TrimSpace(in.DeadlineReason)
			if reason == "" {
				reason = "Deadline date set"
			}
			const dc = `INSERT INTO date_changes (finding_id, field, old_value, new_value, reason, changed_by)
				VALUES ($1, 'deadline_on', $2, $3, $4, NULLIF($5, 0))`
			if _, err := tx.Exec(ctx, dc, id, oldDeadline, in.DeadlineOn, reason, a.UserID); err != nil {
				return fmt.Errorf("store: finding %d deadline change: %w", id, err)
			}
			summary += fmt.Sprintf("; deadline %s -> %s: %s", domain.FormatLongOrNone(oldDeadline), domain.FormatLongOrNone(in.DeadlineOn), reason)
		}
		return Audit(ctx, tx, a.Event("finding.update", "finding", id, 0, summary))
	})
}

// inScopeSQL is true when force f is in the scope of recommendation fi.
const inScopeSQL = `((fi.scope = 'all_police' AND f.kind = 'police')
	OR (fi.scope = 'listed' AND EXISTS (SELECT 1 FROM finding_forces ff WHERE ff.finding_id = fi.id AND ff.force_id = f.id)))`

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// ApplyResult says what applying a recommendation did.
type ApplyResult struct {
	InScope int // forces in scope
	Created int // cases created now; the others existed
}

// ApplyFinding creates a case for every force in a recommendation's scope
// that has none, in one transaction; applying again creates nothing new.
// When the request for plans is already recorded, new cases get its dates
// (and a date change each, as if the request had reached them).
func (s *Store) ApplyFinding(ctx context.Context, a Actor, id int64) (ApplyResult, error) {
	var res ApplyResult
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		kind, _, _, err := lockFinding(ctx, tx, id)
		if err != nil {
			return err
		}
		if kind != domain.FindingRecommendation {
			return ErrNotRecommendation
		}
		const q = `WITH inserted AS (
				INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on)
				SELECT fi.id, f.id, rq.sent_on, rq.due_on
				FROM findings fi CROSS JOIN forces f LEFT JOIN requests rq ON rq.finding_id = fi.id
				WHERE fi.id = $1 AND ` + inScopeSQL + `
				ON CONFLICT (finding_id, force_id) DO NOTHING
				RETURNING id, request_sent_on, plan_due_on),
			changes AS (
				INSERT INTO date_changes (case_id, field, old_value, new_value, reason, changed_by)
				SELECT id, 'plan_due_on', NULL, plan_due_on, 'Case opened after the request for plans was sent', NULLIF($2, 0)
				FROM inserted WHERE plan_due_on IS NOT NULL)
			SELECT (SELECT count(*) FROM inserted),
				(SELECT count(*) FROM findings fi CROSS JOIN forces f WHERE fi.id = $1 AND ` + inScopeSQL + `)`
		if err := tx.QueryRow(ctx, q, id, a.UserID).Scan(&res.Created, &res.InScope); err != nil {
			return fmt.Errorf("store: apply finding %d: %w", id, err)
		}
		return Audit(ctx, tx, a.Event("finding.apply", "finding", id, 0,
			fmt.Sprintf("%d cases created, %d already existed (%d forces in scope)", res.Created, res.InScope-res.Created, res.InScope)))
	})
	return res, err
}

// List is one of a recommendation's ordered lists, its criteria or its
// outcome categories: the same add, move and remove rules apply to both.
type List struct {
	table  string // trusted constant
	object string // what one item is called, in audit events
}

// The ordered lists of a recommendation.
var (
	Criteria   = List{table: "criteria", object: "criterion"}
	Categories = List{table: "categories", object: "category"}
)

// editList runs change on a recommendation's list once no case exists,
// with the position constraint deferred so positions can be swapped, then
// audits it.
func (s *Store) editList(ctx context.Context, a Actor, l List, findingID int64, summary string, change func(tx pgx.Tx) error) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		kind, _, cases, err := lockFinding(ctx, tx, findingID)
		if err != nil {
			return err
		}
		if kind != domain.FindingRecommendation {
			return ErrNotRecommendation
		}
		if cases > 0 {
			return ErrCasesExist
		}
		if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
			return fmt.Errorf("store: %s of finding %d: %w", l.table, findingID, err)
		}
		if err := change(tx); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event(l.object+".change", "finding", findingID, 0, summary))
	})
}

func (l List) add(ctx context.Context, tx pgx.Tx, findingID int64, cols string, vals ...any) error {
	q := `INSERT INTO ` + l.table + ` (finding_id, position, ` + cols + `)
		SELECT $1, COALESCE(max(position), 0) + 1, ` + placeholders(2, len(vals)) + ` FROM ` + l.table + ` WHERE finding_id = $1`
	_, err := tx.Exec(ctx, q, append([]any{findingID}, vals...)...)
	if err != nil {
		return fmt.Errorf("store: add to %s of finding %d: %w", l.table, findingID, err)
	}
	return nil
}

func placeholders(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ps, ", ")
}

// move swaps an item with its neighbour above (delta -1) or below (+1).
func (l List) move(ctx context.Context, tx pgx.Tx, findingID, itemID int64, delta int) error {
	q := `WITH me AS (SELECT id, position FROM ` + l.table + ` WHERE id = $2 AND finding_id = $1),
		other AS (SELECT t.id, t.position FROM ` + l.table + ` t, me WHERE t.finding_id = $1 AND t.position = me.position + $3)
		UPDATE ` + l.table + ` t SET position = CASE WHEN t.id = me.id THEN other.position ELSE me.position END
		FROM me, other WHERE t.id IN (me.id, other.id)`
	tag, err := tx.Exec(ctx, q, findingID, itemID, delta)
	if err != nil {
		return fmt.Errorf("store: move in %s of finding %d: %w", l.table, findingID, err)
	}
	if tag.RowsAffected() == 0 {
		return l.exists(ctx, tx, findingID, itemID) // at the top or bottom already: nothing to do
	}
	return nil
}

// remove deletes an item and closes the gap it leaves.
func (l List) remove(ctx context.Context, tx pgx.Tx, findingID, itemID int64) error {
	tag, err := tx.Exec(ctx, `DELETE FROM `+l.table+` WHERE id = $2 AND finding_id = $1`, findingID, itemID)
	if err != nil {
		return fmt.Errorf("store: remove from %s of finding %d: %w", l.table, findingID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: %s %d of finding %d: %w", l.object, itemID, findingID, ErrNotFound)
	}
	q := `UPDATE ` + l.table + ` t SET position = n.rn
		FROM (SELECT id, row_number() OVER (ORDER BY position) AS rn FROM ` + l.table + ` WHERE finding_id = $1) n
		WHERE t.id = n.id AND t.position <> n.rn`
	if _, err := tx.Exec(ctx, q, findingID); err != nil {
		return fmt.Errorf("store: renumber %s of finding %d: %w", l.table, findingID, err)
	}
	return nil
}

func (l List) exists(ctx context.Context, tx pgx.Tx, findingID, itemID int64) error {
	var ok bool
	q := `SELECT EXISTS (SELECT 1 FROM ` + l.table + ` WHERE id = $2 AND finding_id = $1)`
	if err := tx.QueryRow(ctx, q, findingID, itemID).Scan(&ok); err != nil {
		return fmt.Errorf("store: %s %d: %w", l.object, itemID, err)
	}
	if !ok {
		return fmt.Errorf("store: %s %d of finding %d: %w", l.object, itemID, findingID, ErrNotFound)
	}
	return nil
}

// AddCriterion appends a criterion to a recommendation without cases.
func (s *Store) AddCriterion(ctx context.Context, a Actor, findingID int64, title, description string) error {
	title = strings.TrimSpace(title)
	return s.editList(ctx, a, Criteria, findingID, fmt.Sprintf("criterion added: %q", title), func(tx pgx.Tx) error {
		return Criteria.add(ctx, tx, findingID, "title, description", title, strings.TrimSpace(description))
	})
}

// MoveItem moves an item of a recommendation's list up (delta -1) or down
// (+1), until cases exist.
func (s *Store) MoveItem(ctx context.Context, a Actor, l List, findingID, itemID int64, delta int) error {
	return s.editList(ctx, a, l, findingID, fmt.Sprintf("%s %d moved %+d", l.object, itemID, delta), func(tx pgx.Tx) error {
		return l.move(ctx, tx, findingID, itemID, delta)
	})
}

// RemoveItem removes an item from a recommendation's list, until cases
// exist.
func (s *Store) RemoveItem(ctx context.Context, a Actor, l List, findingID, itemID int64) error {
	return s.editList(ctx, a, l, findingID, fmt.Sprintf("%s %d removed", l.object, itemID), func(tx pgx.Tx) error {
		return l.remove(ctx, tx, findingID, itemID)
	})
}

// ErrCategoryExists is returned when a recommendation has a category with
// the same key.
var ErrCategoryExists = fmt.Errorf("store: category already listed: %w", ErrConflict)

// AddCategory appends an outcome category, its key made from its label.
func (s *Store) AddCategory(ctx context.Context, a Actor, findingID int64, label string) error {
	label = strings.TrimSpace(label)
	return s.editList(ctx, a, Categories, findingID, fmt.Sprintf("category added: %q", label), func(tx pgx.Tx) error {
		err := Categories.add(ctx, tx, findingID, "key, label", CategoryKey(label), label)
		if isUniqueViolation(err, "categories_finding_id_key_key") {
			return ErrCategoryExists
		}
		return err
	})
}

var nonKey = regexp.MustCompile(`[^a-z0-9]+`)

// CategoryKey makes a category's stable key from its label: "Plan in
// place, implementation started" is "plan_in_place_implementation_started".
func CategoryKey(label string) string {
	k := strings.Trim(nonKey.ReplaceAllString(strings.ToLower(label), "_"), "_")
	if k == "" {
		return "category"
	}
	return k
}

// ListRecommendations returns the recommendations that have a case in sc,
// newest report first: the choices of the case list's filter.
func (s *Store) ListRecommendations(ctx context.Context, sc Scope) ([]Finding, error) {
	const q = `SELECT ` + findingColumns + findingFrom + `
		WHERE fi.kind = 'recommendation'
		  AND EXISTS (SELECT 1 FROM cases c WHERE c.finding_id = fi.id AND ($1::bigint IS NULL OR c.force_id = $1))
		ORDER BY r.published_on DESC, r.title, fi.id`
	rows, err := s.db().Query(ctx, q, sc.ForceArg())
	if err != nil {
		return nil, fmt.Errorf("store: list recommendations: %w", err)
	}
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Finding, error) { return scanFinding(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list recommendations: %w", err)
	}
	return fs, nil
}

// InScope counts the forces in a recommendation's scope: the cases
// applying it creates in all.
func (s *Store) InScope(ctx context.Context, findingID int64) (int, error) {
	const q = `SELECT count(*) FROM findings fi CROSS JOIN forces f WHERE fi.id = $1 AND ` + inScopeSQL
	var n int
	if err := s.db().QueryRow(ctx, q, findingID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: scope of finding %d: %w", findingID, err)
	}
	return n, nil
}
