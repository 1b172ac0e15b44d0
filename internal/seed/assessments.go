package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"inspectrack/internal/compose"
	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
)

// StoryLetterTemplate is the wording of the letters of 2 October 2017 on
// the PEEL: police legitimacy 2016 recommendation: the default wording,
// except for the first two paragraphs, which explain the change of
// terminology and the cause of concern in words of their own.
func StoryLetterTemplate() letter.Template {
	t := letter.DefaultTemplate()
	t.Body = storyLetterOpening + t.Body[strings.Index(t.Body, "\n\n{{recommendation}}"):]
	return t
}

const storyLetterOpening = `In {{report_published}}, we published our national *{{report_title}}* inspection report in which we referred to the problem as 'abuse of authority for sexual gain'. In the interests of consistency and in line with the terminology used in the National Police Chiefs' Council's national strategy, we now refer to this as '{{term}}'.

The report highlighted our concerns that some police counter-corruption units did not have the capability or capacity to seek intelligence on the potential {{term}}. This meant that some forces were not able to intervene early to safeguard potential victims and tackle unacceptable and potentially corrupt behaviour. This concern led to the following recommendation:`

// leicestershireFindings are Leicestershire's findings against the four
// criteria, in criterion order. The narratives are written for the letter,
// which joins them into its findings paragraph: the last two criteria share
// one sentence, as in the letter of 2 October 2017.
var leicestershireFindings = []struct {
	finding   domain.CriterionFinding
	narrative string
}{
	{domain.CriterionNotMet, "Your plans did not reflect the national strategy agreed at the National Police Chiefs' Council in April of this year."},
	{domain.CriterionPartiallyMet, "They did include improvements to your IT systems' monitoring capability and work had commenced on this prior to our review."},
	{domain.CriterionNoEvidence, "However, no information was provided that allowed us to assess your progress in reviewing the capability and capacity of your counter-corruption unit"},
	{domain.CriterionNoEvidence, "or any work done to seek intelligence from those organisations that support vulnerable people."},
}

// LeicestershireFindings returns Leicestershire's findings as the letter
// composer takes them.
func LeicestershireFindings() []letter.Finding {
	out := make([]letter.Finding, len(leicestershireFindings))
	for i, f := range leicestershireFindings {
		out[i] = letter.Finding{Finding: f.finding, Narrative: f.narrative}
	}
	return out
}

// storyDefaults are the contact and signatory of every letter of
// 2 October 2017, kept as the template's defaults.
var storyDefaults = store.LetterDetails{
	ContactName:      "John Young",
	ContactEmail:     "john.young@hmic.gsi.gov.uk",
	ContactPhone:     "07802 948502",
	SignatoryName:    "Michael Cunningham",
	SignatoryHonours: "QPM",
	SignatoryTitles:  "Her Majesty's Inspector of Constabulary\nHer Majesty's Inspector of Fire & Rescue Services",
}

// The dates of the story's assessments.
var (
	storyLetterDate   = domain.Date(2017, 10, 2)
	storyReviewedUpTo = domain.Date(2017, 5, 31)
	storyPublishedAt  = time.Date(2017, 10, 2, 8, 0, 0, 0, time.UTC) // 9am in London
	storyApprovedAt   = time.Date(2017, 9, 20, 14, 0, 0, 0, time.UTC)
)

// storyCategoryCounts are the four categories of the 2017 review and how
// many forces it placed in each.
var storyCategoryCounts = map[string]int{
	"insufficient_information": 11,
	"plan_not_started":         15,
	"plan_started":             15,
	"all_in_place":             2,
}

// realCategories are the forces whose category the story knows; every
// other force's is illustrative.
var realCategories = map[string]string{
	"leicestershire": "plan_started",
	"derbyshire":     "all_in_place",
	"merseyside":     "all_in_place",
}

// illustrativeFindings are the findings of an illustrative assessment in
// each category, criterion by criterion.
var illustrativeFindings = map[string][]domain.CriterionFinding{
	"insufficient_information": {domain.CriterionNoEvidence, domain.CriterionNoEvidence, domain.CriterionNoEvidence, domain.CriterionNoEvidence},
	"plan_not_started":         {domain.CriterionMet, domain.CriterionNotMet, domain.CriterionPartiallyMet, domain.CriterionNotMet},
	"plan_started":             {domain.CriterionMet, domain.CriterionPartiallyMet, domain.CriterionPartiallyMet, domain.CriterionPartiallyMet},
	"all_in_place":             {domain.CriterionMet, domain.CriterionMet, domain.CriterionMet, domain.CriterionMet},
}

// criterionSubjects say what each of the story's criteria is about, for
// the illustrative narratives.
var criterionSubjects = []string{
	"the national strategy agreed at the National Police Chiefs' Council in April of this year",
	"the technology and resources required to monitor IT systems actively",
	"a review of the capability and capacity of your counter-corruption unit",
	"seeking intelligence from organisations that support vulnerable people",
}

func illustrativeNarrative(f domain.CriterionFinding, subject string) string {
	switch f {
	case domain.CriterionMet:
		return "Your plans fully addressed " + subject + "."
	case domain.CriterionPartiallyMet:
		return "Your plans addressed " + subject + " in part."
	case domain.CriterionNotMet:
		return "Your plans did not address " + subject + "."
	}
	return "No information was provided about " + subject + "."
}

// demoAssessments records the story's assessments, on top of the story:
// Leicestershire's as in the letter of 2 October 2017, and one for every
// other force so that the national overview shows the real counts of the
// 2017 review (11, 15, 15 and 2). All are approved by the demo manager and
// published on 2 October 2017 with their letters, as is the overview. A
// force already assessed is left alone, so seeding twice adds nothing.
func demoAssessments(ctx context.Context, st *store.Store) error {
	rec, err := StoryRecommendation(ctx, st)
	if err != nil {
		return err
	}
	findingID := rec.ID
	author, err := demoActor(ctx, st, "inspector@demo.test")
	if err != nil {
		return err
	}
	approver, err := demoActor(ctx, st, "manager@demo.test")
	if err != nil {
		return err
	}
	if _, err := st.LetterTemplate(ctx, findingID); errors.Is(err, store.ErrNotFound) {
		if err := st.SaveLetterTemplate(ctx, author, store.LetterTemplate{FindingID: findingID,
			Wording: StoryLetterTemplate(), Defaults: storyDefaults}, storyApprovedAt); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	rows, err := st.ListAssessments(ctx, store.Scope{}, store.AssessmentFilter{FindingID: findingID})
	if err != nil {
		return err
	}
	categories := storyCategoriesFor(rows)
	for i, row := range rows {
		if row.State != "" {
			continue
		}
		if err := demoAssessment(ctx, st, author, approver, row, categories[row.ForceCode], i); err != nil {
			return fmt.Errorf("seed: assessment of %s: %w", row.ForceCode, err)
		}
	}
	o, err := st.Overview(ctx, findingID)
	if err != nil {
		return err
	}
	if o.PublishedAt == nil {
		return st.PublishOverview(ctx, approver, findingID, storyPublishedAt)
	}
	return nil
}

// storyCategoriesFor gives each force its category: the known ones, then
// the others in a fixed pseudo-random order (by a hash of the force's code)
// filling the categories up to the real counts.
func storyCategoriesFor(rows []store.AssessmentRow) map[string]string {
	out := map[string]string{}
	left := map[string]int{}
	for k, n := range storyCategoryCounts {
		left[k] = n
	}
	var others []string
	for _, r := range rows {
		if k, ok := realCategories[r.ForceCode]; ok {
			out[r.ForceCode] = k
			left[k]--
			continue
		}
		others = append(others, r.ForceCode)
	}
	sort.Slice(others, func(i, j int) bool {
		hi, hj := sha256.Sum256([]byte(others[i])), sha256.Sum256([]byte(others[j]))
		return bytes.Compare(hi[:], hj[:]) < 0
	})
	for _, code := range others {
		for _, k := range []string{"insufficient_information", "plan_not_started", "plan_started", "all_in_place"} {
			if left[k] > 0 {
				out[code] = k
				left[k]--
				break
			}
		}
	}
	return out
}

func demoAssessment(ctx context.Context, st *store.Store, author, approver store.Actor, row store.AssessmentRow, categoryKey string, i int) error {
	ac, err := st.AssessmentCase(ctx, store.Scope{}, row.CaseID)
	if err != nil {
		return err
	}
	if len(ac.Criteria) != len(criterionSubjects) {
		return fmt.Errorf("the story's recommendation has %d criteria, want %d", len(ac.Criteria), len(criterionSubjects))
	}
	in := store.AssessmentInput{Period: "June 2017", ReviewedUpTo: storyReviewedUpTo}
	for _, c := range ac.Categories {
		if c.Key == categoryKey {
			in.CategoryID = c.ID
		}
	}
	if in.CategoryID == 0 {
		return fmt.Errorf("no category %q", categoryKey)
	}
	if row.ForceCode == "leicestershire" {
		in.Summary = "Plans did not reflect the national strategy. Improvements to IT monitoring were included and under way. " +
			"No information on the review of the counter-corruption unit or on intelligence from organisations that support vulnerable people."
		for j, f := range leicestershireFindings {
			in.Findings = append(in.Findings, store.AssessmentFinding{CriterionID: ac.Criteria[j].ID, Finding: f.finding, Narrative: f.narrative})
		}
	} else {
		label := ""
		for _, c := range ac.Categories {
			if c.ID == in.CategoryID {
				label = c.Label
			}
		}
		in.Summary = "Illustrative demo data: the category (" + label + ") is the real one for this force; the findings and their wording are invented."
		if _, real := realCategories[row.ForceCode]; !real {
			in.Summary = "Illustrative demo data: this force's category (" + label + ") and findings are invented, so that the national overview shows the real counts of the 2017 review."
		}
		for j, f := range illustrativeFindings[categoryKey] {
			n := illustrativeNarrative(f, criterionSubjects[j])
			if j == 0 {
				n = "This is illustrative demo data, not the inspectorate's assessment of your force. " + n
			}
			in.Findings = append(in.Findings, store.AssessmentFinding{CriterionID: ac.Criteria[j].ID, Finding: f, Narrative: n})
		}
	}
	// The submissions the force sent by the deadline (storyPlans): the
	// late force's plan came after the review's cut-off.
	for _, sub := range ac.Submissions {
		if !domain.LondonDate(sub.SubmittedAt).After(storyReviewedUpTo) {
			in.SubmissionIDs = append(in.SubmissionIDs, sub.ID)
		}
	}
	created := time.Date(2017, 6, 5+i%20, 9, 30, 0, 0, time.UTC)
	id, err := st.CreateAssessment(ctx, author, store.Scope{}, row.CaseID, in, created)
	if err != nil {
		return err
	}
	submitted := created.Add(72 * time.Hour)
	if err := st.TransitionAssessment(ctx, author, store.Scope{}, id, 1, domain.ActionSubmit, domain.StateDraft, domain.StateSubmitted, "", submitted); err != nil {
		return err
	}
	if err := st.TransitionAssessment(ctx, approver, store.Scope{}, id, 2, domain.ActionApprove, domain.StateSubmitted, domain.StateApproved, "", storyApprovedAt); err != nil {
		return err
	}
	recs, err := st.LetterRecords(ctx, store.Scope{}, row.CaseID)
	if err != nil {
		return err
	}
	pub, err := compose.ForPublication(recs, storyLetterDate)
	if err != nil {
		return err
	}
	return st.PublishAssessment(ctx, approver, store.Scope{}, id, 3, pub, storyPublishedAt)
}

func demoActor(ctx context.Context, st *store.Store, email string) (store.Actor, error) {
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		return store.Actor{}, err
	}
	return store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, RequestID: "seed-demo"}, nil
}
