package domain_test

import (
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
)

// The Leicestershire story of the fixture letter, one fact at a time.
var (
	storyRequest = domain.CaseFacts{RequestSentOn: p(2017, 5, 16), PlanDueOn: p(2017, 5, 31)}
	storyPlan    = with(storyRequest, func(f *domain.CaseFacts) { f.FirstSubmittedAt = at(2017, 5, 30, 16, 45) })
	storyStarted = with(storyPlan, func(f *domain.CaseFacts) { f.AssessmentStartedOn = p(2017, 6, 5) })
	storyLetter  = with(storyStarted, func(f *domain.CaseFacts) { f.AssessmentPublishedOn = p(2017, 10, 2) })
	storyFollow  = with(storyLetter, func(f *domain.CaseFacts) { f.FollowUpPlannedOn = p(2018, 3, 12) })
	storyVisited = with(storyFollow, func(f *domain.CaseFacts) { f.FollowUpDoneOn = p(2018, 3, 20) })
	storyClosed  = with(storyVisited, func(f *domain.CaseFacts) {
		f.ClosedOn = p(2018, 5, 1)
		f.ClosedReason = domain.ClosedImplemented
	})
)

// with returns a copy of f changed by change.
func with(f domain.CaseFacts, change func(*domain.CaseFacts)) domain.CaseFacts {
	change(&f)
	return f
}

func TestDeriveStageAndExplain(t *testing.T) {
	tests := []struct {
		name  string
		facts domain.CaseFacts
		asOf  time.Time
		stage domain.Stage
		why   string
	}{
		{"nothing recorded", domain.CaseFacts{}, d(2017, 5, 20), domain.StageAwaitingPlan, "No request for a plan sent yet"},
		{"before the request letter", storyRequest, d(2017, 5, 15), domain.StageAwaitingPlan, "No request for a plan sent yet"},
		{"on the day of the request", storyRequest, d(2017, 5, 16), domain.StageAwaitingPlan, "Plan due 31 May 2017, 15 days left"},
		{"20 May, no plan yet", storyRequest, d(2017, 5, 20), domain.StageAwaitingPlan, "Plan due 31 May 2017, 11 days left"},
		{"20 May, plan sent later on 30 May", storyPlan, d(2017, 5, 20), domain.StageAwaitingPlan, "Plan due 31 May 2017, 11 days left"},
		{"due today is not overdue", storyRequest, d(2017, 5, 31), domain.StageAwaitingPlan, "Plan due today, 31 May 2017"},
		{"1 June, no plan", storyRequest, d(2017, 6, 1), domain.StagePlanOverdue, "Plan due 31 May 2017, 1 day overdue"},
		{"20 June, no plan", storyRequest, d(2017, 6, 20), domain.StagePlanOverdue, "Plan due 31 May 2017, 20 days overdue"},
		{"1 June, plan sent 30 May", storyPlan, d(2017, 6, 1), domain.StagePlanReceived, "Plan received 30 May 2017"},
		{"on the day of submission", storyPlan, d(2017, 5, 30), domain.StagePlanReceived, "Plan received 30 May 2017"},
		{"late plan, counted on its London date",
			with(storyRequest, func(f *domain.CaseFacts) {
				f.FirstSubmittedAt, f.FirstPlanDueOn = at(2017, 5, 31, 23, 30), p(2017, 5, 31)
			}),
			d(2017, 6, 1), domain.StagePlanReceived, "Plan received 1 June 2017, 1 day late"},
		{"late plan not yet sent as of its due date",
			with(storyRequest, func(f *domain.CaseFacts) { f.FirstSubmittedAt = at(2017, 5, 31, 23, 30) }),
			d(2017, 5, 31), domain.StageAwaitingPlan, "Plan due today, 31 May 2017"},
		{"request with no due date", domain.CaseFacts{RequestSentOn: p(2017, 5, 16)}, d(2017, 6, 20),
			domain.StageAwaitingPlan, "Request sent 16 May 2017, no due date set"},
		{"due date without a request is not overdue", domain.CaseFacts{PlanDueOn: p(2017, 5, 31)}, d(2017, 6, 20),
			domain.StageAwaitingPlan, "No request for a plan sent yet"},
		{"assessment started", storyStarted, d(2017, 6, 10), domain.StageAssessing, "Assessment started 5 June 2017"},
		{"assessment started later", storyStarted, d(2017, 6, 4), domain.StagePlanReceived, "Plan received 30 May 2017"},
		{"assessed without a plan",
			domain.CaseFacts{RequestSentOn: p(2017, 5, 16), PlanDueOn: p(2017, 5, 31), AssessmentStartedOn: p(2017, 6, 5)},
			d(2017, 6, 10), domain.StageAssessing, "Assessment started 5 June 2017"},
		{"day before the letter", storyLetter, d(2017, 10, 1), domain.StageAssessing, "Assessment started 5 June 2017"},
		{"letter published", storyLetter, d(2017, 10, 2), domain.StageAssessed, "Assessment published 2 October 2017"},
		{"published as met waits for follow-up or closure", met(storyLetter, domain.EffectMet), d(2017, 10, 2), domain.StageAssessed,
			"Assessment published 2 October 2017: met, waiting for a follow-up or closure"},
		{"published as not met", met(storyLetter, domain.EffectNotMet), d(2017, 10, 2), domain.StageAssessed,
			"Assessment published 2 October 2017: not met"},
		{"late against the due date recorded with the plan, not today's",
			with(storyRequest, func(f *domain.CaseFacts) {
				f.FirstSubmittedAt, f.FirstPlanDueOn = at(2017, 6, 3, 9, 0), p(2017, 5, 31)
				f.PlanDueOn = p(2017, 6, 30) // moved after the plan came
			}),
			d(2017, 6, 10), domain.StagePlanReceived, "Plan received 3 June 2017, 3 days late"},
		{"on time against the due date in force when sent",
			with(storyRequest, func(f *domain.CaseFacts) {
				f.FirstSubmittedAt, f.FirstPlanDueOn = at(2017, 6, 3, 9, 0), p(2017, 6, 5)
				f.PlanDueOn = p(2017, 6, 1) // moved earlier after the plan came
			}),
			d(2017, 6, 10), domain.StagePlanReceived, "Plan received 3 June 2017"},
		{"follow-up scheduled", storyFollow, d(2017, 10, 2), domain.StageFollowUpScheduled, "Follow-up planned for 12 March 2018, 161 days left"},
		{"follow-up due today", storyFollow, d(2018, 3, 12), domain.StageFollowUpScheduled, "Follow-up planned for today, 12 March 2018"},
		{"follow-up overdue", storyFollow, d(2018, 3, 13), domain.StageFollowUpOverdue, "Follow-up planned for 12 March 2018, 1 day overdue"},
		{"follow-up done later", storyVisited, d(2018, 3, 19), domain.StageFollowUpOverdue, "Follow-up planned for 12 March 2018, 7 days overdue"},
		{"follow-up done, case open", storyVisited, d(2018, 3, 20), domain.StageAssessed, "Follow-up done 20 March 2018, case not closed"},
		{"closed later", storyClosed, d(2018, 4, 30), domain.StageAssessed, "Follow-up done 20 March 2018, case not closed"},
		{"closed", storyClosed, d(2018, 5, 1), domain.StageClosed, "Closed 1 May 2018: implemented"},
		{"closed as not accepted",
			with(storyRequest, func(f *domain.CaseFacts) { f.ClosedOn, f.ClosedReason = p(2017, 6, 2), domain.ClosedNotAccepted }),
			d(2017, 6, 2), domain.StageClosed, "Closed 2 June 2017: not accepted"},
		{"closed with no reason recorded",
			with(storyRequest, func(f *domain.CaseFacts) { f.ClosedOn = p(2017, 6, 2) }),
			d(2017, 6, 2), domain.StageClosed, "Closed 2 June 2017"},
		{"follow-up is the only check",
			domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 12)},
			d(2018, 3, 1), domain.StageFollowUpScheduled, "Follow-up planned for 12 March 2018, 11 days left"},
		{"follow-up planned while the plan is overdue",
			with(storyRequest, func(f *domain.CaseFacts) { f.FollowUpPlannedOn = p(2017, 9, 1) }),
			d(2017, 9, 2), domain.StageFollowUpOverdue, "Follow-up planned for 1 September 2017, 1 day overdue"},
		{"as-of with a time of day still counts by date", storyRequest,
			time.Date(2017, 6, 1, 0, 0, 1, 0, time.UTC), domain.StagePlanOverdue, "Plan due 31 May 2017, 1 day overdue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.DeriveStage(tt.facts, tt.asOf); got != tt.stage {
				t.Errorf("DeriveStage = %q, want %q", got, tt.stage)
			}
			stage, why := domain.Explain(tt.facts, tt.asOf)
			if stage != tt.stage || why != tt.why {
				t.Errorf("Explain = %q, %q; want %q, %q", stage, why, tt.stage, tt.why)
			}
		})
	}
}

func TestStageLabelsAndTags(t *testing.T) {
	want := map[domain.Stage]string{
		domain.StageAwaitingPlan:      "Awaiting plan",
		domain.StagePlanOverdue:       "Plan overdue",
		domain.StagePlanReceived:      "Plan received",
		domain.StageAssessing:         "Assessing",
		domain.StageAssessed:          "Assessed",
		domain.StageFollowUpScheduled: "Follow-up scheduled",
		domain.StageFollowUpOverdue:   "Follow-up overdue",
		domain.StageClosed:            "Closed",
	}
	stages := domain.Stages()
	if len(stages) != len(want) {
		t.Fatalf("Stages() has %d stages, want %d", len(stages), len(want))
	}
	for _, s := range stages {
		if !s.Valid() || s.Label() != want[s] {
			t.Errorf("%q: Valid %v, Label %q; want %q", s, s.Valid(), s.Label(), want[s])
		}
		if !strings.HasPrefix(s.Tag(), "govuk-tag--") {
			t.Errorf("%q: Tag %q is not a govuk-tag modifier", s, s.Tag())
		}
		if overdue := s.Tag() == "govuk-tag--red"; overdue != s.IsOverdue() {
			t.Errorf("%q: red tag %v but IsOverdue %v", s, overdue, s.IsOverdue())
		}
	}
	if domain.StagePlanOverdue.Tag() != "govuk-tag--red" || domain.StageFollowUpOverdue.Tag() != "govuk-tag--red" {
		t.Error("overdue stages must be red")
	}
	if bad := domain.Stage("nonsense"); bad.Valid() || bad.Label() != "nonsense" {
		t.Errorf("unknown stage: Valid %v, Label %q", bad.Valid(), bad.Label())
	}
}
