// Package compose turns the records of a case, as the store reads them,
// into its letter: the one place above the store where letters are
// composed, shared by the web handlers and the seed. The store only reads
// and writes the records and the letter composed.
package compose

import (
	"encoding/json"
	"fmt"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
)

// Wording is the wording of the letter of r: its recommendation's own, or
// the default (see InUse).
func Wording(r store.LetterRecords) letter.Template { return InUse(r.Template) }

// InUse is the wording letters are composed with: the recommendation's
// own, or letter.DefaultTemplate while it has none (Version 0).
func InUse(t store.LetterTemplate) letter.Template {
	if t.Version == 0 {
		return letter.DefaultTemplate()
	}
	return t.Wording
}

// ForPublication composes the letter of the records dated date, as
// publishing stores it.
func ForPublication(r store.LetterRecords, date time.Time) (store.PublishedLetter, error) {
	r.Letter.LetterDate = &date
	c, err := letter.Compose(Wording(r), Data(r))
	if err != nil {
		return store.PublishedLetter{}, err
	}
	body, err := json.Marshal(c.Letter)
	if err != nil {
		return store.PublishedLetter{}, fmt.Errorf("compose: letter of case %d: %w", r.Case.CaseID, err)
	}
	return store.PublishedLetter{LetterDate: date, Text: c.Letter.Text(), Composed: body}, nil
}

// Data are the facts of the records as the composer takes them.
func Data(r store.LetterRecords) letter.Data {
	c, a, d, f := r.Case, r.Assessment, r.Letter.LetterDetails, r.Case.Force
	data := letter.Data{
		LetterDate:          deref(d.LetterDate),
		ForceName:           f.Name,
		ChiefOfficerTitle:   f.ChiefOfficerTitle,
		ChiefOfficerName:    f.ChiefOfficerName,
		ChiefOfficerHonours: f.ChiefOfficerHonours,
		OversightBody:       f.OversightBody,
		OversightHolderName: f.OversightHolderName,
		ReportTitle:         c.ReportTitle,
		ReportPublished:     c.ReportPublished,
		Term:                c.Term,
		CauseOfConcern:      c.CauseOfConcern,
		Recommendation:      c.Recommendation,
		RequestDate:         deref(c.RequestSentOn),
		PlanDueDate:         deref(c.PlanDueOn),
		Period:              a.Period,
		ReviewedUpTo:        a.ReviewedUpTo,
		FindingsParagraph:   a.FindingsParagraph,
		ContactName:         d.ContactName,
		ContactEmail:        d.ContactEmail,
		ContactPhone:        d.ContactPhone,
		SignatoryName:       d.SignatoryName,
		SignatoryHonours:    d.SignatoryHonours,
		SignatoryTitles:     d.SignatoryTitles,
	}
	for _, sub := range a.Reviewed {
		if d := domain.LondonDate(sub.SubmittedAt); d.After(data.SubmissionDate) {
			data.SubmissionDate = d
		}
	}
	for _, cr := range c.Criteria {
		for _, af := range a.Findings {
			if af.CriterionID == cr.ID {
				data.Findings = append(data.Findings, letter.Finding{Criterion: cr.Title, Finding: af.Finding, Narrative: af.Narrative})
			}
		}
	}
	return data
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
