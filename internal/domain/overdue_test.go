package domain_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"inspectrack/internal/domain"
)

func TestItems(t *testing.T) {
	deadline := p(2017, 6, 13) // within six months of 13 December 2016
	type item = domain.Item
	const (
		planOverdue = domain.KindPlanOverdue
		assessLate  = domain.KindAssessmentOverdue
		recOverdue  = domain.KindRecommendationOverdue
		followLate  = domain.KindFollowUpOverdue
		soon        = domain.KindDueSoon
		plan        = domain.SubjectPlan
		assessment  = domain.SubjectAssessment
		rec         = domain.SubjectRecommendation
		followUp    = domain.SubjectFollowUp
	)
	tests := []struct {
		name       string
		facts      domain.CaseFacts
		deadline   *time.Time
		asOf       time.Time
		assessDays int
		want       []item
	}{
		{"nothing recorded", domain.CaseFacts{}, nil, d(2017, 5, 20), 0, nil},
		{"before the request", storyRequest, nil, d(2017, 5, 15), 0, nil},
		{"plan due in 15 days is not soon", storyRequest, nil, d(2017, 5, 16), 0, nil},
		{"plan due in 14 days is soon", storyRequest, nil, d(2017, 5, 17), 0,
			[]item{{soon, plan, d(2017, 5, 31), 14}}},
		{"20 May", storyRequest, deadline, d(2017, 5, 20), 0,
			[]item{{soon, plan, d(2017, 5, 31), 11}}},
		{"plan due today is soon, not overdue", storyRequest, nil, d(2017, 5, 31), 0,
			[]item{{soon, plan, d(2017, 5, 31), 0}}},
		{"1 June, no plan", storyRequest, deadline, d(2017, 6, 1), 0,
			[]item{{planOverdue, plan, d(2017, 5, 31), 1}}},
		{"recommendation deadline today", storyRequest, deadline, d(2017, 6, 13), 0,
			[]item{{planOverdue, plan, d(2017, 5, 31), 13}}},
		{"recommendation deadline passed", storyRequest, deadline, d(2017, 6, 14), 0,
			[]item{{planOverdue, plan, d(2017, 5, 31), 14}, {recOverdue, rec, d(2017, 6, 13), 1}}},
		{"plan sent after the as-of day is not seen", with(storyRequest, func(f *domain.CaseFacts) { f.FirstSubmittedAt = at(2017, 6, 2, 9, 0) }),
			nil, d(2017, 6, 1), 0, []item{{planOverdue, plan, d(2017, 5, 31), 1}}},
		{"plan sent 23:30Z on 31 May is 1 June in London", with(storyRequest, func(f *domain.CaseFacts) { f.FirstSubmittedAt = at(2017, 5, 31, 23, 30) }),
			nil, d(2017, 5, 31), 0, []item{{soon, plan, d(2017, 5, 31), 0}}},
		{"plan sent 23:30Z on 31 May, seen on 1 June", with(storyRequest, func(f *domain.CaseFacts) { f.FirstSubmittedAt = at(2017, 5, 31, 23, 30) }),
			nil, d(2017, 6, 1), 0, nil},
		{"plan received", storyPlan, nil, d(2017, 6, 1), 0, nil},
		{"assessment due on day 30", storyPlan, nil, d(2017, 6, 29), 0, nil},
		{"assessment overdue on day 31", storyPlan, nil, d(2017, 6, 30), 0,
			[]item{{assessLate, assessment, d(2017, 6, 29), 1}}},
		{"assessment started is not published", storyStarted, nil, d(2017, 6, 30), 0,
			[]item{{assessLate, assessment, d(2017, 6, 29), 1}}},
		{"assessment days given", storyPlan, nil, d(2017, 6, 10), 10,
			[]item{{assessLate, assessment, d(2017, 6, 9), 1}}},
		{"negative assessment days mean the default", storyPlan, nil, d(2017, 6, 30), -5,
			[]item{{assessLate, assessment, d(2017, 6, 29), 1}}},
		{"published late stops the clock", storyLetter, nil, d(2017, 10, 2), 0, nil},
		{"as of the day before the letter", storyLetter, deadline, d(2017, 10, 1), 0,
			[]item{{assessLate, assessment, d(2017, 6, 29), 94}, {recOverdue, rec, d(2017, 6, 13), 110}}},
		{"follow-up in 15 days", storyFollow, nil, d(2018, 2, 25), 0, nil},
		{"follow-up in 14 days", storyFollow, nil, d(2018, 2, 26), 0,
			[]item{{soon, followUp, d(2018, 3, 12), 14}}},
		{"follow-up today", storyFollow, nil, d(2018, 3, 12), 0,
			[]item{{soon, followUp, d(2018, 3, 12), 0}}},
		{"follow-up overdue", storyFollow, nil, d(2018, 3, 13), 0,
			[]item{{followLate, followUp, d(2018, 3, 12), 1}}},
		{"follow-up done later", storyVisited, nil, d(2018, 3, 19), 0,
			[]item{{followLate, followUp, d(2018, 3, 12), 7}}},
		{"follow-up done", storyVisited, nil, d(2018, 3, 20), 0, nil},
		{"recommendation overdue until closed", storyVisited, deadline, d(2018, 4, 30), 0,
			[]item{{recOverdue, rec, d(2017, 6, 13), 321}}},
		{"closed: nothing", storyClosed, deadline, d(2018, 5, 1), 0, nil},
		{"published as met stops the recommendation clock", met(storyLetter, domain.EffectMet), deadline, d(2017, 10, 2), 0, nil},
		{"met, seen before it was published", met(storyLetter, domain.EffectMet), deadline, d(2017, 10, 1), 0,
			[]item{{assessLate, assessment, d(2017, 6, 29), 94}, {recOverdue, rec, d(2017, 6, 13), 110}}},
		{"partly met keeps it running", met(storyLetter, domain.EffectPartlyMet), deadline, d(2017, 10, 2), 0,
			[]item{{recOverdue, rec, d(2017, 6, 13), 111}}},
		{"not met keeps it running", met(storyLetter, domain.EffectNotMet), deadline, d(2017, 10, 2), 0,
			[]item{{recOverdue, rec, d(2017, 6, 13), 111}}},
		{"not assessable keeps it running", met(storyLetter, domain.EffectNotAssessable), deadline, d(2017, 10, 2), 0,
			[]item{{recOverdue, rec, d(2017, 6, 13), 111}}},
		{"met, follow-up still overdue", met(storyFollow, domain.EffectMet), deadline, d(2018, 3, 13), 0,
			[]item{{followLate, followUp, d(2018, 3, 12), 1}}},
		{"closed with everything else overdue",
			with(storyRequest, func(f *domain.CaseFacts) {
				f.FollowUpPlannedOn = p(2017, 7, 1)
				f.ClosedOn, f.ClosedReason = p(2017, 9, 1), domain.ClosedSuperseded
			}), deadline, d(2017, 9, 1), 0, nil},
		{"every rule in order",
			domain.CaseFacts{
				RequestSentOn: p(2017, 5, 16), PlanDueOn: p(2017, 5, 31),
				FollowUpPlannedOn: p(2017, 6, 20),
			}, deadline, d(2017, 6, 14), 0,
			[]item{{planOverdue, plan, d(2017, 5, 31), 14}, {recOverdue, rec, d(2017, 6, 13), 1}, {soon, followUp, d(2017, 6, 20), 6}}},
		{"plan and follow-up both due soon",
			domain.CaseFacts{RequestSentOn: p(2017, 5, 16), PlanDueOn: p(2017, 5, 31), FollowUpPlannedOn: p(2017, 6, 1)},
			nil, d(2017, 5, 30), 0,
			[]item{{soon, plan, d(2017, 5, 31), 1}, {soon, followUp, d(2017, 6, 1), 2}}},
		{"overdue across the autumn clock change",
			domain.CaseFacts{AssessmentPublishedOn: p(2017, 10, 2), FollowUpPlannedOn: p(2017, 10, 28)},
			nil, d(2017, 10, 30), 0, []item{{followLate, followUp, d(2017, 10, 28), 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.Items(tt.facts, tt.deadline, tt.asOf, tt.assessDays)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Items =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

func TestKindLabels(t *testing.T) {
	want := []string{"Plan overdue", "Assessment overdue", "Recommendation overdue", "Follow-up overdue", "Due soon"}
	var got []string
	for _, k := range domain.Kinds() {
		if !k.Valid() {
			t.Errorf("%q not Valid", k)
		}
		got = append(got, k.Label())
	}
	if !slices.Equal(got, want) {
		t.Errorf("labels = %q, want %q", got, want)
	}
	for s, want := range map[domain.Subject]string{
		domain.SubjectPlan: "Plan", domain.SubjectAssessment: "Assessment",
		domain.SubjectRecommendation: "Recommendation deadline", domain.SubjectFollowUp: "Follow-up",
	} {
		if s.Label() != want {
			t.Errorf("%q.Label() = %q, want %q", s, s.Label(), want)
		}
	}
}

// TestItemsProperties checks, over many random cases and days, the promises
// the dashboard relies on.
func TestItemsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2017, 10))
	start := d(2017, 5, 1)
	day := func() *time.Time {
		if rng.IntN(3) == 0 {
			return nil
		}
		t := domain.AddDays(start, rng.IntN(90))
		return &t
	}
	kindOrder := func(k domain.Kind) int { return slices.Index(domain.Kinds(), k) }
	seenKinds := map[domain.Kind]int{}
	seenStages := map[domain.Stage]int{}

	for range 20000 {
		f := domain.CaseFacts{
			RequestSentOn:         day(),
			PlanDueOn:             day(),
			AssessmentStartedOn:   day(),
			AssessmentPublishedOn: day(),
			FollowUpPlannedOn:     day(),
			FollowUpDoneOn:        day(),
			ClosedOn:              day(),
		}
		if sub := day(); sub != nil {
			instant := sub.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
			f.FirstSubmittedAt = &instant
		}
		if f.ClosedOn != nil {
			f.ClosedReason = domain.ClosedImplemented
		}
		if f.AssessmentPublishedOn != nil {
			f.OutcomeEffect = domain.Effects()[rng.IntN(len(domain.Effects()))]
		}
		deadline := day()
		asOf := domain.AddDays(start, rng.IntN(100))
		assessDays := rng.IntN(40)

		items := domain.Items(f, deadline, asOf, assessDays)
		stage := domain.DeriveStage(f, asOf)

		// Facts dated after asOf change nothing.
		past := pastOnly(f, asOf)
		if got := domain.Items(past, deadline, asOf, assessDays); !reflect.DeepEqual(got, items) {
			t.Fatalf("future facts changed Items as of %v:\n%+v\n%+v", asOf, items, got)
		}
		if got := domain.DeriveStage(past, asOf); got != stage {
			t.Fatalf("future facts changed the stage as of %v: %q vs %q", asOf, stage, got)
		}

		if (f.ClosedOn != nil && !f.ClosedOn.After(asOf)) != (stage == domain.StageClosed) {
			t.Fatalf("closed on %v, as of %v: stage %q", f.ClosedOn, asOf, stage)
		}
		if stage == domain.StageClosed && items != nil {
			t.Fatalf("closed case has items %+v", items)
		}

		seenStages[stage]++
		has := map[domain.Kind]bool{}
		for i, it := range items {
			has[it.Kind] = true
			seenKinds[it.Kind]++
			if i > 0 && kindOrder(items[i-1].Kind) > kindOrder(it.Kind) {
				t.Fatalf("items out of order: %+v", items)
			}
			if it.Kind == domain.KindDueSoon {
				if it.Days < 0 || it.Days > domain.DueSoonDays || !domain.AddDays(asOf, it.Days).Equal(it.Since) {
					t.Fatalf("bad due-soon item %+v as of %v", it, asOf)
				}
				continue
			}
			if it.Days < 1 || !domain.AddDays(it.Since, it.Days).Equal(asOf) {
				t.Fatalf("bad overdue item %+v as of %v", it, asOf)
			}
		}

		// A published met outcome stops the recommendation clock; nothing
		// else but closing does.
		if f.OutcomeEffect == domain.EffectMet && f.AssessmentPublishedOn != nil && !f.AssessmentPublishedOn.After(asOf) &&
			has[domain.KindRecommendationOverdue] {
			t.Fatalf("published met on %v, as of %v, still recommendation overdue", f.AssessmentPublishedOn, asOf)
		}

		// The stage and the items tell the same story.
		if stage == domain.StagePlanOverdue && !has[domain.KindPlanOverdue] {
			t.Fatalf("stage plan overdue without the item: %+v", items)
		}
		if (stage == domain.StageFollowUpOverdue) != has[domain.KindFollowUpOverdue] {
			t.Fatalf("stage %q but items %+v", stage, items)
		}
		if (stage == domain.StageAwaitingPlan || stage == domain.StagePlanOverdue) &&
			has[domain.KindPlanOverdue] != (stage == domain.StagePlanOverdue) {
			t.Fatalf("stage %q but items %+v", stage, items)
		}
	}

	// The random cases must reach every rule and stage to prove anything.
	for _, k := range domain.Kinds() {
		if seenKinds[k] < 100 {
			t.Errorf("only %d random cases had %q", seenKinds[k], k)
		}
	}
	for _, s := range domain.Stages() {
		if seenStages[s] < 100 {
			t.Errorf("only %d random cases were %q", seenStages[s], s)
		}
	}
}

// met returns the facts with the published assessment's category effect.
func met(f domain.CaseFacts, e domain.Effect) domain.CaseFacts {
	f.OutcomeEffect = e
	return f
}

// pastOnly returns the facts with every event after asOf removed, worked out
// independently of the package: targets stay, events after asOf go.
func pastOnly(f domain.CaseFacts, asOf time.Time) domain.CaseFacts {
	drop := func(t **time.Time) {
		if *t != nil && (*t).After(asOf) {
			*t = nil
		}
	}
	drop(&f.RequestSentOn)
	drop(&f.AssessmentStartedOn)
	drop(&f.AssessmentPublishedOn)
	drop(&f.FollowUpDoneOn)
	drop(&f.ClosedOn)
	if f.ClosedOn == nil {
		f.ClosedReason = ""
	}
	if f.FirstSubmittedAt != nil && domain.LondonDate(*f.FirstSubmittedAt).After(asOf) {
		f.FirstSubmittedAt = nil
	}
	return f
}
