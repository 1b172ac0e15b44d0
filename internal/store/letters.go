package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/notify"
)

// LetterDetails are the facts of one letter that are not in any other
// record: its date, the contact for queries and the signatory.
type LetterDetails struct {
	LetterDate       *time.Time // nil: dated the day it is published
	ContactName      string
	ContactEmail     string
	ContactPhone     string
	SignatoryName    string
	SignatoryHonours string
	SignatoryTitles  string // one a line
}

// LetterTemplate is the wording of a recommendation's letters (placeholder
// names in braces) and the contact and signatory its letters start with.
type LetterTemplate struct {
	FindingID int64
	Wording   letter.Template // meaningful when Version > 0
	Defaults  LetterDetails   // LetterDate unused
	// Version is 0 for a recommendation whose letters still use the
	// default wording, then counts saves (checked like an assessment's).
	Version       int
	UpdatedByName string
	UpdatedAt     time.Time
}

// LetterTemplate returns the template of recommendation findingID, or
// ErrNotFound when it has none of its own.
func (s *Store) LetterTemplate(ctx context.Context, findingID int64) (LetterTemplate, error) {
	const q = `
		SELECT t.finding_id, t.address, t.copied_to, t.salutation, t.subject, t.body, t.closing, t.signature,
			t.contact_name, t.contact_email, t.contact_phone, t.signatory_name, t.signatory_honours,
			t.signatory_titles, t.version, COALESCE(u.name, ''), t.updated_at
		FROM letter_templates t LEFT JOIN users u ON u.id = t.updated_by
		WHERE t.finding_id = $1`
	var t LetterTemplate
	d, w := &t.Defaults, &t.Wording
	err := s.db().QueryRow(ctx, q, findingID).Scan(&t.FindingID, &w.Address, &w.CopiedTo, &w.Salutation, &w.Subject,
		&w.Body, &w.Closing, &w.Signature, &d.ContactName, &d.ContactEmail, &d.ContactPhone, &d.SignatoryName,
		&d.SignatoryHonours, &d.SignatoryTitles, &t.Version, &t.UpdatedByName, &t.UpdatedAt)
	if err != nil {
		return t, notFound(err, "store: letter template of finding %d", findingID)
	}
	return t, nil
}

// SaveLetterTemplate saves t over the version read (t.Version; 0 when it
// had none of its own). Someone else's save in between is ErrConflict and
// writes nothing. Published letters keep the wording they were published
// with.
func (s *Store) SaveLetterTemplate(ctx context.Context, a Actor, t LetterTemplate, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		d, w := t.Defaults, t.Wording
		var q string
		if t.Version == 0 {
			q = `INSERT INTO letter_templates (finding_id, address, copied_to, salutation, subject, body, closing,
					signature, contact_name, contact_email, contact_phone, signatory_name, signatory_honours,
					signatory_titles, updated_by, updated_at)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULLIF($15, 0), $16
				FROM findings WHERE id = $1 AND kind = 'recommendation'
				ON CONFLICT (finding_id) DO NOTHING
				RETURNING version`
		} else {
			q = `UPDATE letter_templates SET address = $2, copied_to = $3, salutation = $4, subject = $5, body = $6,
					closing = $7, signature = $8, contact_name = $9, contact_email = $10, contact_phone = $11,
					signatory_name = $12, signatory_honours = $13, signatory_titles = $14,
					updated_by = NULLIF($15, 0), updated_at = $16, version = version + 1
				WHERE finding_id = $1 AND version = $17
				RETURNING version`
		}
		args := []any{t.FindingID, w.Address, w.CopiedTo, w.Salutation, w.Subject, w.Body, w.Closing, w.Signature,
			d.ContactName, d.ContactEmail, d.ContactPhone, d.SignatoryName, d.SignatoryHonours, d.SignatoryTitles,
			a.UserID, at}
		if t.Version != 0 {
			args = append(args, t.Version)
		}
		var version int
		err := tx.QueryRow(ctx, q, args...).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			const check = `SELECT EXISTS (SELECT 1 FROM findings WHERE id = $1 AND kind = 'recommendation')`
			if err := tx.QueryRow(ctx, check, t.FindingID).Scan(&exists); err != nil {
				return fmt.Errorf("store: letter template of finding %d: %w", t.FindingID, err)
			}
			if !exists {
				return fmt.Errorf("store: letter template of finding %d: %w", t.FindingID, ErrNotFound)
			}
			return fmt.Errorf("store: letter template of finding %d changed since version %d: %w", t.FindingID, t.Version, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: letter template of finding %d: %w", t.FindingID, err)
		}
		return Audit(ctx, tx, a.Event("letter_template.edit", "recommendation", t.FindingID, 0, fmt.Sprintf("version %d", version)))
	})
}

// Letter is the letter of an assessment. ComposedText and Composed (the
// letter's blocks as JSON) are set when it is published, and never change
// afterwards.
type Letter struct {
	ID           int64
	AssessmentID int64
	LetterDetails
	ComposedText string
	Composed     []byte
	PublishedAt  *time.Time
	// Frozen is the letter as composed when its assessment was last
	// submitted for approval (zero before), and ApprovedSHA256 the hash of
	// the text a manager approved ("" until approved).
	Frozen         FrozenLetter
	ApprovedSHA256 string
}

// FrozenLetter is a letter composed for approval: the text a manager
// approves, its blocks as JSON, the SHA-256 of the text in hex, and the
// fingerprints of the inputs it was composed from (JSON), so a later
// change can be named.
type FrozenLetter struct {
	Text   string
	Blocks []byte
	SHA256 string
	Inputs []byte
	At     *time.Time
}

// LetterOfAssessment returns the letter of assessment id in sc.
func (s *Store) LetterOfAssessment(ctx context.Context, sc Scope, id int64) (Letter, error) {
	const q = `
		SELECT l.id, l.assessment_id, l.letter_date, l.contact_name, l.contact_email, l.contact_phone,
			l.signatory_name, l.signatory_honours, l.signatory_titles, COALESCE(l.composed_text, ''),
			l.composed, l.published_at, COALESCE(l.frozen_text, ''), l.frozen, COALESCE(l.frozen_sha256, ''),
			l.frozen_inputs, l.frozen_at, COALESCE(l.approved_sha256, '')
		FROM letters l
		JOIN assessments a ON a.id = l.assessment_id
		JOIN cases c ON c.id = a.case_id
		WHERE l.assessment_id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	var l Letter
	d := &l.LetterDetails
	err := s.db().QueryRow(ctx, q, id, sc.ForceArg()).Scan(&l.ID, &l.AssessmentID, &d.LetterDate, &d.ContactName,
		&d.ContactEmail, &d.ContactPhone, &d.SignatoryName, &d.SignatoryHonours, &d.SignatoryTitles,
		&l.ComposedText, &l.Composed, &l.PublishedAt, &l.Frozen.Text, &l.Frozen.Blocks, &l.Frozen.SHA256,
		&l.Frozen.Inputs, &l.Frozen.At, &l.ApprovedSHA256)
	if err != nil {
		return l, notFound(err, "store: letter of assessment %d", id)
	}
	return l, nil
}

// UpdateLetterDetails saves the letter's details over version of
// assessment id: the letter is part of what is approved, so this is an
// edit of the assessment (from state from to state to, the editor becomes
// an author) and a stale version is ErrConflict.
func (s *Store) UpdateLetterDetails(ctx context.Context, a Actor, sc Scope, id int64, version int, from, to domain.State, d LetterDetails, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		newVersion, forceID, err := bumpAssessment(ctx, tx, sc, id, version, from, to, a.UserID, at)
		if err != nil {
			return err
		}
		const q = `UPDATE letters SET letter_date = $2, contact_name = $3, contact_email = $4, contact_phone = $5,
				signatory_name = $6, signatory_honours = $7, signatory_titles = $8, updated_at = $9
			WHERE assessment_id = $1 AND published_at IS NULL`
		tag, err := tx.Exec(ctx, q, id, d.LetterDate, d.ContactName, d.ContactEmail, d.ContactPhone,
			d.SignatoryName, d.SignatoryHonours, d.SignatoryTitles, at)
		if err != nil {
			return fmt.Errorf("store: letter of assessment %d: %w", id, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("store: letter of assessment %d is published: %w", id, ErrConflict)
		}
		if err := addAssessmentEvent(ctx, tx, id, "edit", from, to, newVersion, a.UserID, "Letter details changed", at); err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("letter.edit", "assessment", id, forceID, fmt.Sprintf("version %d -> %d", version, newVersion)))
	})
}

// FreezeLetter stores f as the letter of assessment id that a manager is
// to approve, in place of any earlier one, and forgets any approval.
func (s *Store) FreezeLetter(ctx context.Context, a Actor, sc Scope, id int64, f FrozenLetter, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE letters l SET frozen_text = $2, frozen = $3, frozen_sha256 = $4, frozen_inputs = $5,
				frozen_at = $6, approved_sha256 = NULL
			FROM assessments a JOIN cases c ON c.id = a.case_id
			WHERE l.assessment_id = $1 AND a.id = l.assessment_id AND l.published_at IS NULL
			  AND ($7::bigint IS NULL OR c.force_id = $7)
			RETURNING c.force_id`
		var forceID int64
		err := tx.QueryRow(ctx, q, id, f.Text, f.Blocks, f.SHA256, f.Inputs, at, sc.ForceArg()).Scan(&forceID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: freeze letter of assessment %d: none unpublished: %w", id, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: freeze letter of assessment %d: %w", id, err)
		}
		return Audit(ctx, tx, a.Event("letter.freeze", "assessment", id, forceID, "text sha256 "+f.SHA256))
	})
}

// ApproveAssessment approves version of submitted assessment id and the
// text of its letter whose SHA-256 is sha: if the frozen letter is not
// that text, nothing is written and the error is ErrConflict.
func (s *Store) ApproveAssessment(ctx context.Context, a Actor, sc Scope, id int64, version int, sha, comment string, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		newVersion, forceID, err := bumpAssessment(ctx, tx, sc, id, version, domain.StateSubmitted, domain.StateApproved, a.UserID, at)
		if err != nil {
			return err
		}
		const q = `UPDATE letters SET approved_sha256 = $2 WHERE assessment_id = $1 AND frozen_sha256 = $2 AND published_at IS NULL`
		tag, err := tx.Exec(ctx, q, id, sha)
		if err != nil {
			return fmt.Errorf("store: approve letter of assessment %d: %w", id, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("store: letter of assessment %d is not the text %s: %w", id, sha, ErrConflict)
		}
		const event = `INSERT INTO assessment_events (assessment_id, action, from_state, to_state, version, actor_id, comment, occurred_at, text_sha256)
			VALUES ($1, 'approve', 'submitted', 'approved', $2, $3, $4, $5, $6)`
		if _, err := tx.Exec(ctx, event, id, newVersion, a.UserID, comment, at, sha); err != nil {
			return fmt.Errorf("store: assessment %d: approve event: %w", id, err)
		}
		summary := "submitted -> approved: letter text sha256 " + sha
		if comment != "" {
			summary += ": " + comment
		}
		return Audit(ctx, tx, a.Event("assessment.approve", "assessment", id, forceID, summary))
	})
}

// PublishedLetter is what publishing stores: the letter as composed, in
// text and as JSON blocks, and its date. ApprovedSHA256 is the hash of the
// approved text it was made from: publishing is refused unless the letter
// still holds that approval ("" only for letters never frozen, as the
// seeded history of 2017 is).
type PublishedLetter struct {
	LetterDate     time.Time
	Text           string
	Composed       []byte
	ApprovedSHA256 string
	Note           string // why it is recorded after the fact, with its real date; "" when not
}

// PublishAssessment publishes version of approved assessment id and its
// letter, as composed by the caller, in one transaction, and records the
// case's assessment as published on the London date of at.
func (s *Store) PublishAssessment(ctx context.Context, a Actor, sc Scope, id int64, version int, p PublishedLetter, at time.Time) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		newVersion, forceID, err := bumpAssessment(ctx, tx, sc, id, version, domain.StateApproved, domain.StatePublished, a.UserID, at)
		if err != nil {
			return err
		}
		const letter = `UPDATE letters SET letter_date = $2, composed_text = $3, composed = $4, published_at = $5, updated_at = $5
			WHERE assessment_id = $1 AND published_at IS NULL AND approved_sha256 IS NOT DISTINCT FROM NULLIF($6, '')`
		tag, err := tx.Exec(ctx, letter, id, p.LetterDate, p.Text, p.Composed, at, p.ApprovedSHA256)
		if err != nil {
			return fmt.Errorf("store: publish letter of assessment %d: %w", id, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("store: letter of assessment %d already published, or not as approved: %w", id, ErrConflict)
		}
		const published = `UPDATE cases c SET assessment_published_on = $2
			FROM assessments a WHERE a.id = $1 AND c.id = a.case_id`
		if _, err := tx.Exec(ctx, published, id, domain.LondonDate(at)); err != nil {
			return fmt.Errorf("store: case of assessment %d: published: %w", id, err)
		}
		if err := addAssessmentEvent(ctx, tx, id, "publish", domain.StateApproved, domain.StatePublished, newVersion, a.UserID, p.Note, at); err != nil {
			return err
		}
		summary := "letter dated " + domain.FormatLong(p.LetterDate) + " published"
		if p.Note != "" {
			summary += ": " + p.Note
		}
		if err := Audit(ctx, tx, a.Event("assessment.publish", "assessment", id, forceID, summary)); err != nil {
			return err
		}
		var letterID, caseID int64
		const ids = `SELECT l.id, a.case_id FROM letters l JOIN assessments a ON a.id = l.assessment_id WHERE a.id = $1`
		if err := tx.QueryRow(ctx, ids, id).Scan(&letterID, &caseID); err != nil {
			return fmt.Errorf("store: publish assessment %d: notices: %w", id, err)
		}
		return s.notifyCaseLiaisons(ctx, tx, notify.KindLetterPublished, caseID, "/publications/"+strconv.FormatInt(letterID, 10), nil)
	})
}

// LetterRecords are the records a case's letter is composed from.
type LetterRecords struct {
	Case       AssessmentCase
	Assessment Assessment
	Letter     Letter
	Template   LetterTemplate // Version 0: the recommendation has no wording of its own
}

// LetterRecords returns the records of the letter of case caseID in sc:
// ErrNotFound when the case has no assessment.
func (s *Store) LetterRecords(ctx context.Context, sc Scope, caseID int64) (LetterRecords, error) {
	var r LetterRecords
	var err error
	if r.Case, err = s.AssessmentCase(ctx, sc, caseID); err != nil {
		return r, err
	}
	if r.Assessment, err = s.AssessmentByCase(ctx, sc, caseID); err != nil {
		return r, err
	}
	if r.Letter, err = s.LetterOfAssessment(ctx, sc, r.Assessment.ID); err != nil {
		return r, err
	}
	r.Template, err = s.LetterTemplate(ctx, r.Case.FindingID)
	if errors.Is(err, ErrNotFound) {
		r.Template, err = LetterTemplate{FindingID: r.Case.FindingID}, nil
	}
	return r, err
}
