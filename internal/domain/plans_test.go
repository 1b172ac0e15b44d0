package domain_test

import (
	"testing"
	"time"

	"inspectrack/internal/domain"
)

func TestLateDays(t *testing.T) {
	due := p(2017, 5, 31)
	for _, tc := range []struct {
		name   string
		due    *time.Time
		sentAt time.Time
		want   int
	}{
		{"no due date", nil, *at(2017, 9, 1, 12, 0), 0},
		{"days before", due, *at(2017, 5, 20, 9, 0), 0},
		{"on the day", due, *at(2017, 5, 31, 15, 0), 0},
		// 22:30 UTC on 31 May is 23:30 BST, still 31 May in London.
		{"late evening of the day, summer time", due, *at(2017, 5, 31, 22, 30), 0},
		// 23:30 UTC on 31 May is 00:30 BST on 1 June.
		{"just after midnight in London", due, *at(2017, 5, 31, 23, 30), 1},
		{"twelve days late", due, *at(2017, 6, 12, 10, 0), 12},
		{"winter, midnight UTC is midnight in London", p(2017, 12, 1), *at(2017, 12, 1, 23, 59), 0},
	} {
		if got := domain.LateDays(tc.due, tc.sentAt); got != tc.want {
			t.Errorf("%s: LateDays = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestPlanStatusOf(t *testing.T) {
	requested := domain.CaseFacts{RequestSentOn: p(2017, 5, 16), PlanDueOn: p(2017, 5, 31)}
	sent := requested
	sent.FirstSubmittedAt = at(2017, 6, 2, 9, 0)
	closed := requested
	closed.ClosedOn, closed.ClosedReason = p(2017, 7, 1), domain.ClosedSuperseded
	noDue := domain.CaseFacts{RequestSentOn: p(2017, 5, 16)}
	for _, tc := range []struct {
		name      string
		facts     domain.CaseFacts
		firstLate int
		asOf      time.Time
		want      domain.PlanStatus
		days      int
	}{
		{"nothing recorded", domain.CaseFacts{}, 0, d(2017, 5, 20), domain.PlanNotRequested, 0},
		{"before the request went", requested, 0, d(2017, 5, 15), domain.PlanNotRequested, 0},
		{"eleven days left", requested, 0, d(2017, 5, 20), domain.PlanAwaited, 11},
		{"due today", requested, 0, d(2017, 5, 31), domain.PlanAwaited, 0},
		{"one day overdue", requested, 0, d(2017, 6, 1), domain.PlanMissing, 1},
		{"sent two days late", sent, 2, d(2017, 6, 5), domain.PlanSentLate, 2},
		{"seen before it was sent", sent, 2, d(2017, 6, 1), domain.PlanMissing, 1},
		{"sent on time", sent, 0, d(2017, 6, 5), domain.PlanSentOnTime, 0},
		{"requested without a due date", noDue, 0, d(2017, 6, 5), domain.PlanAwaited, 0},
		{"closed with no plan", closed, 0, d(2017, 7, 2), domain.PlanNotNeeded, 0},
	} {
		got, days := domain.PlanStatusOf(tc.facts, tc.firstLate, tc.asOf)
		if got != tc.want || days != tc.days {
			t.Errorf("%s: got %s %d, want %s %d", tc.name, got, days, tc.want, tc.days)
		}
	}
	for _, s := range domain.PlanStatuses() {
		if !s.Valid() || s.Label() == string(s) || s.Tag() == "" {
			t.Errorf("status %q lacks a label or tag", s)
		}
	}
}

// TestPlanOverdueSaysTheSameWordsEverywhere: a plan missing past its due
// date is called what the dashboard calls it.
func TestPlanOverdueSaysTheSameWordsEverywhere(t *testing.T) {
	if got, want := domain.PlanMissing.Label(), domain.KindPlanOverdue.Label(); got != want {
		t.Errorf("PlanMissing.Label() = %q, want the dashboard's %q", got, want)
	}
}
