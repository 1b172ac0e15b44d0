package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// Publication is a published letter. Published letters are public, so
// these queries take no Scope: nothing unpublished is ever selected.
type Publication struct {
	ID              int64 // the letter's id
	CaseID          int64
	ForceCode       string
	ForceName       string
	FindingID       int64
	Reference       string
	Recommendation  string
	ReportID        int64
	ReportTitle     string
	ReportPublished time.Time
	LetterDate      time.Time
	PublishedAt     time.Time
	Text            string // PublicationByID only
	Composed        []byte // PublicationByID only
}

const publicationColumns = `l.id, c.id, fo.code, fo.name, fi.id, fi.reference, fi.body, r.id, r.title, r.published_on,
	l.letter_date, l.published_at`

const publicationFrom = `
	FROM letters l
	JOIN assessments a ON a.id = l.assessment_id
	JOIN cases c ON c.id = a.case_id
	JOIN forces fo ON fo.id = c.force_id
	JOIN findings fi ON fi.id = c.finding_id
	JOIN reports r ON r.id = fi.report_id
	WHERE l.published_at IS NOT NULL AND a.state = 'published'`

func scanPublication(r pgx.Row, extra ...any) (Publication, error) {
	var p Publication
	dest := append([]any{&p.ID, &p.CaseID, &p.ForceCode, &p.ForceName, &p.FindingID, &p.Reference, &p.Recommendation,
		&p.ReportID, &p.ReportTitle, &p.ReportPublished, &p.LetterDate, &p.PublishedAt}, extra...)
	return p, r.Scan(dest...)
}

// ListPublications returns every published letter by report (newest
// first), recommendation and force; forceID > 0 keeps one force's.
func (s *Store) ListPublications(ctx context.Context, forceID int64) ([]Publication, error) {
	const q = `SELECT ` + publicationColumns + publicationFrom + `
		AND ($1::bigint = 0 OR c.force_id = $1)
		ORDER BY r.published_on DESC, r.id DESC, fi.id, fo.name`
	rows, err := s.db().Query(ctx, q, forceID)
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Publication, error) { return scanPublication(r) })
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	return out, nil
}

// PublicationByID returns published letter id, or ErrNotFound for a
// letter that does not exist or is not published.
func (s *Store) PublicationByID(ctx context.Context, id int64) (Publication, error) {
	const q = `SELECT ` + publicationColumns + `, l.composed_text, l.composed` + publicationFrom + ` AND l.id = $1`
	var text string
	var composed []byte
	p, err := scanPublication(s.db().QueryRow(ctx, q, id), &text, &composed)
	if err != nil {
		return p, notFound(err, "store: publication %d", id)
	}
	p.Text, p.Composed = text, composed
	return p, nil
}

// PublicationOfCase returns the published letter of case caseID in sc,
// without its text (PublicationByID has it).
func (s *Store) PublicationOfCase(ctx context.Context, sc Scope, caseID int64) (Publication, error) {
	var b Batch
	var p Publication
	b.PublicationOfCase(sc, caseID, &p)
	if err := s.Send(ctx, &b); err != nil {
		return p, err
	}
	if p.ID == 0 {
		return p, fmt.Errorf("store: publication of case %d: %w", caseID, ErrNotFound)
	}
	return p, nil
}

// Overview is the national overview of a recommendation: the published
// assessment of every force, by category and by criterion.
type Overview struct {
	Recommendation
	ReportID    int64
	PublishedAt *time.Time // of the overview; nil while only staff may see it
	Criteria    []Criterion
	Categories  []Category
	Forces      []OverviewForce // forces with a published assessment, by name
	Cases       int             // forces the recommendation applies to
}

// OverviewForce is one force's published assessment in an overview.
type OverviewForce struct {
	Code       string
	Name       string
	Region     string
	CategoryID int64
	LetterID   int64
	Findings   []domain.CriterionFinding // aligned with Overview.Criteria; "" where none was recorded
}

// Overview returns the overview of recommendation findingID.
func (s *Store) Overview(ctx context.Context, findingID int64) (Overview, error) {
	var o Overview
	const head = `
		SELECT fi.id, fi.reference, fi.body, r.title, r.id, op.published_at,
			(SELECT count(*) FROM cases c WHERE c.finding_id = fi.id)
		FROM findings fi
		JOIN reports r ON r.id = fi.report_id
		LEFT JOIN overview_publications op ON op.finding_id = fi.id
		WHERE fi.id = $1 AND fi.kind = 'recommendation'`
	err := s.db().QueryRow(ctx, head, findingID).Scan(&o.ID, &o.Reference, &o.Body, &o.ReportTitle, &o.ReportID,
		&o.PublishedAt, &o.Cases)
	if err != nil {
		return o, notFound(err, "store: overview of finding %d", findingID)
	}
	if o.Criteria, err = s.Criteria(ctx, findingID); err != nil {
		return o, err
	}
	if o.Categories, err = s.Categories(ctx, findingID); err != nil {
		return o, err
	}
	const forces = `
		SELECT fo.code, fo.name, fo.region, a.category_id, l.id,
			COALESCE((SELECT array_agg(COALESCE(af.finding, '') ORDER BY cr.position)
				FROM criteria cr
				LEFT JOIN assessment_findings af ON af.criterion_id = cr.id AND af.assessment_id = a.id
				WHERE cr.finding_id = c.finding_id), '{}')
		FROM cases c
		JOIN forces fo ON fo.id = c.force_id
		JOIN assessments a ON a.case_id = c.id AND a.state = 'published'
		JOIN letters l ON l.assessment_id = a.id AND l.published_at IS NOT NULL
		WHERE c.finding_id = $1
		ORDER BY fo.name`
	rows, err := s.db().Query(ctx, forces, findingID)
	if err != nil {
		return o, fmt.Errorf("store: overview of finding %d: %w", findingID, err)
	}
	o.Forces, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OverviewForce, error) {
		var f OverviewForce
		var findings []string
		err := r.Scan(&f.Code, &f.Name, &f.Region, &f.CategoryID, &f.LetterID, &findings)
		for _, x := range findings {
			f.Findings = append(f.Findings, domain.CriterionFinding(x))
		}
		return f, err
	})
	if err != nil {
		return o, fmt.Errorf("store: overview of finding %d: %w", findingID, err)
	}
	return o, nil
}

// OverviewSummary is a published overview in the list of publications.
type OverviewSummary struct {
	Recommendation
	PublishedAt time.Time
}

// PublishedOverviews lists the published overviews, newest report first.
func (s *Store) PublishedOverviews(ctx context.Context) ([]OverviewSummary, error) {
	const q = `
		SELECT fi.id, fi.reference, fi.body, r.title, op.published_at
		FROM overview_publications op
		JOIN findings fi ON fi.id = op.finding_id
		JOIN reports r ON r.id = fi.report_id
		ORDER BY r.published_on DESC, r.id DESC, fi.id`
	rows, err := s.db().Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: published overviews: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OverviewSummary, error) {
		var o OverviewSummary
		err := r.Scan(&o.ID, &o.Reference, &o.Body, &o.ReportTitle, &o.PublishedAt)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: published overviews: %w", err)
	}
	return out, nil
}

// PublishOverview makes the overview of recommendation findingID public.
// Publishing twice is ErrConflict.
func (s *Store) PublishOverview(ctx context.Context, a Actor, findingID int64, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `INSERT INTO overview_publications (finding_id, published_at, published_by)
			SELECT id, $2, $3 FROM findings WHERE id = $1 AND kind = 'recommendation'
			ON CONFLICT (finding_id) DO NOTHING`
		tag, err := tx.Exec(ctx, q, findingID, at, a.UserID)
		if err != nil {
			return fmt.Errorf("store: publish overview of finding %d: %w", findingID, err)
		}
		if tag.RowsAffected() == 0 {
			if _, err := s.RecommendationByID(ctx, findingID); err != nil {
				return err
			}
			return fmt.Errorf("store: overview of finding %d already published: %w", findingID, ErrConflict)
		}
		return Audit(ctx, tx, a.Event("overview.publish", "recommendation", findingID, 0, "national overview published"))
	})
}
