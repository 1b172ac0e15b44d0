package seed

import (
	"context"
	"fmt"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
)

// The story of the fixture letter (shared/fixtures/letter-leicestershire-
// 2017-10-02.txt), as recorded data. Later seed steps (submissions,
// assessments, letters, follow-ups) find the recommendation through
// StoryReportTitle, StoryPublishedOn and StoryRecommendationRef.
const (
	StoryReportTitle       = "PEEL: police legitimacy 2016"
	StoryCauseRef          = "Cause of concern 1"
	StoryRecommendationRef = "Recommendation 1"
)

// StoryPublishedOn is the day PEEL: police legitimacy 2016 was published.
var StoryPublishedOn = domain.Date(2016, 12, 8)

// StoryRequestSentOn and StoryPlanDueOn are the dates of the inspectorate's
// letter of 16 May 2017 asking every force for its plan by 31 May 2017.
var (
	StoryRequestSentOn = domain.Date(2017, 5, 16)
	StoryPlanDueOn     = domain.Date(2017, 5, 31)
)

// StoryRecommendationText is the recommendation as the letter quotes it.
const StoryRecommendationText = "To address this cause of concern, we recommend that within six months, all forces should have started to implement a plan to achieve the capability and capacity required to seek intelligence on potential abuse of authority for sexual gain. These plans should include consideration of the technology and resources required to monitor IT systems actively and to build relationships with the individuals and organisations that support vulnerable people."

const storySummary = "The national report of the 2016 PEEL inspections of police legitimacy: how forces treat the public and their workforce, and how they ensure their staff behave ethically and lawfully."

const storyCauseText = "Some police forces' counter-corruption units do not have the capability or capacity to seek intelligence on the potential abuse of authority for sexual gain. This means that some forces are not able to intervene early to safeguard potential victims and tackle unacceptable and potentially corrupt behaviour."

const storyTerminology = "In April 2017 the National Police Chiefs' Council agreed a national strategy, which calls this 'abuse of position for a sexual purpose'. The recommendation keeps its original words; letters use the new term."

// storyCriteria are what the June 2017 review assessed each plan against.
var storyCriteria = []store.NewCriterion{
	{Title: "Reflects the national strategy", Description: "The plan reflects the national strategy on abuse of position for a sexual purpose agreed at the National Police Chiefs' Council in April 2017."},
	{Title: "IT systems monitoring", Description: "The plan includes the technology and resources required to monitor IT systems actively."},
	{Title: "Review of counter-corruption unit capability and capacity", Description: "The force has reviewed the capability and capacity of its counter-corruption unit to seek intelligence on abuse of position for a sexual purpose."},
	{Title: "Intelligence from organisations that support vulnerable people", Description: "The force is building relationships with the individuals and organisations that support vulnerable people, to seek intelligence from them."},
}

// storyForce is Leicestershire's chief officer and police and crime
// commissioner as the letter names them.
var storyForce = struct {
	code    string
	details store.ForceDetails
}{"leicestershire", store.ForceDetails{ChiefOfficerName: "Simon Cole", ChiefOfficerHonours: "QPM", OversightHolderName: "Lord Willy Bach"}}

// Story adds the story of the 2017 letter: the report, its cause of
// concern, the recommendation with its deadline, terminology note and four
// criteria, a case for each of the 43 forces, the request of 16 May 2017
// due 31 May 2017, and Leicestershire's chief officer and PCC. Every part
// is looked up before it is added, so running it again adds nothing; what
// an inspector has since changed is left alone.
func Story(ctx context.Context, st *store.Store) error {
	system := store.Actor{Email: "seed", RequestID: "seed-story"}
	report, err := st.ReportByTitle(ctx, StoryReportTitle, StoryPublishedOn)
	if isNotFound(err) {
		_, err = st.CreateReport(ctx, system, store.NewReport{Title: StoryReportTitle, Kind: store.ReportNational,
			PublishedOn: StoryPublishedOn, URL: "https://www.justiceinspectorates.gov.uk/hmicfrs/publications/peel-police-legitimacy-2016/",
			Summary: storySummary})
		if err == nil {
			report, err = st.ReportByTitle(ctx, StoryReportTitle, StoryPublishedOn)
		}
	}
	if err != nil {
		return fmt.Errorf("seed: story report: %w", err)
	}
	cause, err := storyFinding(ctx, st, system, report.ID, store.FindingInput{
		Kind: domain.FindingCauseOfConcern, Reference: StoryCauseRef, Body: storyCauseText})
	if err != nil {
		return err
	}
	deadline, err := domain.DeadlineDate(StoryPublishedOn, StoryRecommendationText)
	if err != nil {
		return fmt.Errorf("seed: story deadline: %w", err)
	}
	rec, err := storyFinding(ctx, st, system, report.ID, store.FindingInput{
		Kind: domain.FindingRecommendation, ParentID: cause, Reference: StoryRecommendationRef,
		Body: StoryRecommendationText, DeadlineText: "within six months", DeadlineOn: &deadline,
		TerminologyNote: storyTerminology, Scope: store.ScopeAllPolice, Criteria: storyCriteria})
	if err != nil {
		return err
	}
	if err := storyCategoryEffects(ctx, st, system, rec); err != nil {
		return err
	}
	if _, err := st.ApplyFinding(ctx, system, rec); err != nil {
		return fmt.Errorf("seed: story cases: %w", err)
	}
	if _, err := st.RequestFor(ctx, rec); isNotFound(err) {
		if _, err := st.RecordRequest(ctx, system, rec, StoryRequestSentOn, StoryPlanDueOn); err != nil {
			return fmt.Errorf("seed: story request: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("seed: story request: %w", err)
	}
	force, err := st.ForceByCode(ctx, store.Scope{}, storyForce.code)
	if err != nil {
		return fmt.Errorf("seed: story force: %w", err)
	}
	if force.ChiefOfficerName == "" && force.OversightHolderName == "" {
		d := storyForce.details
		d.LiaisonContacts = force.LiaisonContacts
		if err := st.UpdateForceDetails(ctx, system, storyForce.code, d); err != nil {
			return fmt.Errorf("seed: story force: %w", err)
		}
	}
	return nil
}

// StoryCategoryEffects are what the 2017 categories count as. The
// recommendation asked forces to have started implementing their plans, so
// "plan in place, implementation started" is met, as is "all elements in
// place"; a plan not started is not met, and insufficient information is
// not assessable.
var StoryCategoryEffects = map[string]domain.Effect{
	"insufficient_information": domain.EffectNotAssessable,
	"plan_not_started":         domain.EffectNotMet,
	"plan_started":             domain.EffectMet,
	"all_in_place":             domain.EffectMet,
}

// storyCategoryEffects gives the story's categories their effects where
// they still have the default one (domain.DefaultCategories), so running it
// again, or after an inspector's change, changes nothing.
func storyCategoryEffects(ctx context.Context, st *store.Store, system store.Actor, rec int64) error {
	cats, err := st.Categories(ctx, rec)
	if err != nil {
		return fmt.Errorf("seed: story categories: %w", err)
	}
	defaults := map[string]domain.Effect{}
	for _, c := range domain.DefaultCategories() {
		defaults[c.Key] = c.Effect
	}
	for _, c := range cats {
		want, ok := StoryCategoryEffects[c.Key]
		if !ok || c.Effect == want || c.Effect != defaults[c.Key] {
			continue
		}
		if err := st.SetCategoryEffect(ctx, system, rec, c.ID, want); err != nil {
			return fmt.Errorf("seed: story category %q: %w", c.Key, err)
		}
	}
	return nil
}

// storyFinding returns the id of the report's finding with in.Reference,
// adding it first when it does not exist.
func storyFinding(ctx context.Context, st *store.Store, system store.Actor, reportID int64, in store.FindingInput) (int64, error) {
	f, err := st.FindingByReference(ctx, reportID, in.Reference)
	if err == nil {
		return f.ID, nil
	}
	if !isNotFound(err) {
		return 0, fmt.Errorf("seed: story %s: %w", in.Reference, err)
	}
	id, err := st.CreateFinding(ctx, system, reportID, in)
	if err != nil {
		return 0, fmt.Errorf("seed: story %s: %w", in.Reference, err)
	}
	return id, nil
}

// StoryRecommendation returns the story's recommendation, for later seed
// steps and tests.
func StoryRecommendation(ctx context.Context, st *store.Store) (store.Finding, error) {
	report, err := st.ReportByTitle(ctx, StoryReportTitle, StoryPublishedOn)
	if err != nil {
		return store.Finding{}, fmt.Errorf("seed: story report: %w", err)
	}
	f, err := st.FindingByReference(ctx, report.ID, StoryRecommendationRef)
	if err != nil {
		return f, fmt.Errorf("seed: story recommendation: %w", err)
	}
	return f, nil
}
