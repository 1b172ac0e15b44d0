package domain_test

import (
	"testing"
	"time"

	"inspectrack/internal/domain"
)

// TestOverdueBoundaries pins each rule on the days either side of its due
// date, and across both changes of the clocks in Europe/London: days are
// counted on calendar dates, so an hour gained or lost never moves a count.
func TestOverdueBoundaries(t *testing.T) {
	deadline := p(2018, 3, 25) // the spring clock change: 01:00 GMT becomes 02:00 BST
	tests := []struct {
		name string
		item func() (domain.Item, bool)
		ok   bool
		days int
	}{
		{"plan due today is not overdue", func() (domain.Item, bool) {
			return domain.PlanOverdue(storyRequest, d(2017, 5, 31))
		}, false, 0},
		{"plan overdue the day after", func() (domain.Item, bool) {
			return domain.PlanOverdue(storyRequest, d(2017, 6, 1))
		}, true, 1},
		{"nothing overdue before the request is sent", func() (domain.Item, bool) {
			return domain.PlanOverdue(storyRequest, d(2017, 5, 15))
		}, false, 0},
		{"plan submitted at 00:30 BST on 1 June counts as 1 June", func() (domain.Item, bool) {
			return domain.PlanOverdue(with(storyRequest, func(f *domain.CaseFacts) { f.FirstSubmittedAt = at(2017, 5, 31, 23, 30) }), d(2017, 6, 1))
		}, false, 0},
		{"plan submitted at 23:30 GMT on 31 December is still 31 December", func() (domain.Item, bool) {
			f := domain.CaseFacts{RequestSentOn: p(2017, 12, 1), PlanDueOn: p(2017, 12, 31), FirstSubmittedAt: at(2017, 12, 31, 23, 30)}
			return domain.PlanOverdue(f, d(2018, 1, 1))
		}, false, 0},
		{"recommendation deadline today is not overdue", func() (domain.Item, bool) {
			return domain.RecommendationOverdue(domain.CaseFacts{}, deadline, d(2018, 3, 25))
		}, false, 0},
		{"recommendation overdue the day after the spring change", func() (domain.Item, bool) {
			return domain.RecommendationOverdue(domain.CaseFacts{}, deadline, d(2018, 3, 26))
		}, true, 1},
		{"recommendation closed on the as-of day is not overdue", func() (domain.Item, bool) {
			return domain.RecommendationOverdue(domain.CaseFacts{ClosedOn: p(2018, 4, 1), ClosedReason: domain.ClosedImplemented}, deadline, d(2018, 4, 1))
		}, false, 0},
		{"recommendation closed the day after the as-of day is overdue", func() (domain.Item, bool) {
			return domain.RecommendationOverdue(domain.CaseFacts{ClosedOn: p(2018, 4, 2), ClosedReason: domain.ClosedImplemented}, deadline, d(2018, 4, 1))
		}, true, 7},
		{"assessment due on day 30 from a plan sent in the first minutes of BST", func() (domain.Item, bool) {
			// 23:30Z on 30 June 2017 is 00:30 on 1 July in London: day 30 is 31 July.
			return domain.AssessmentOverdue(domain.CaseFacts{FirstSubmittedAt: at(2017, 6, 30, 23, 30)}, d(2017, 7, 31), 30)
		}, false, 0},
		{"assessment overdue on day 31", func() (domain.Item, bool) {
			return domain.AssessmentOverdue(domain.CaseFacts{FirstSubmittedAt: at(2017, 6, 30, 23, 30)}, d(2017, 8, 1), 30)
		}, true, 1},
		{"assessment published on the as-of day is not overdue", func() (domain.Item, bool) {
			return domain.AssessmentOverdue(domain.CaseFacts{FirstSubmittedAt: at(2017, 6, 1, 9, 0), AssessmentPublishedOn: p(2017, 8, 1)}, d(2017, 8, 1), 30)
		}, false, 0},
		{"assessment allowed one day", func() (domain.Item, bool) {
			return domain.AssessmentOverdue(domain.CaseFacts{FirstSubmittedAt: at(2017, 6, 1, 9, 0)}, d(2017, 6, 3), 1)
		}, true, 1},
		{"follow-up planned on the day the clocks go forward, due that day", func() (domain.Item, bool) {
			return domain.FollowUpOverdue(domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 25)}, d(2018, 3, 25))
		}, false, 0},
		{"follow-up overdue the day after the clocks go forward", func() (domain.Item, bool) {
			return domain.FollowUpOverdue(domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 25)}, d(2018, 3, 26))
		}, true, 1},
		{"follow-up overdue across the spring change", func() (domain.Item, bool) {
			return domain.FollowUpOverdue(domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 24)}, d(2018, 3, 26))
		}, true, 2},
		{"follow-up done on the as-of day is not overdue", func() (domain.Item, bool) {
			return domain.FollowUpOverdue(domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 12), FollowUpDoneOn: p(2018, 3, 20)}, d(2018, 3, 20))
		}, false, 0},
		{"follow-up done the day after the as-of day was overdue", func() (domain.Item, bool) {
			return domain.FollowUpOverdue(domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 12), FollowUpDoneOn: p(2018, 3, 21)}, d(2018, 3, 20))
		}, true, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, ok := tt.item()
			if ok != tt.ok || it.Days != tt.days {
				t.Errorf("got %+v, %v; want ok=%v days=%d", it, ok, tt.ok, tt.days)
			}
		})
	}
}

// TestDueSoonBoundaries pins the due-soon window: today up to 14 days ahead.
func TestDueSoonBoundaries(t *testing.T) {
	f := domain.CaseFacts{FollowUpPlannedOn: p(2018, 3, 25)}
	for _, tt := range []struct {
		asOf time.Time
		want int // days left; -1 for none
	}{
		{d(2018, 3, 10), -1},
		{d(2018, 3, 11), 14},
		{d(2018, 3, 24), 1},
		{d(2018, 3, 25), 0},
		{d(2018, 3, 26), -1},
	} {
		items := domain.DueSoon(f, tt.asOf)
		got := -1
		if len(items) == 1 {
			got = items[0].Days
		}
		if got != tt.want || len(items) > 1 {
			t.Errorf("as of %s: %+v, want %d days left", tt.asOf.Format(time.DateOnly), items, tt.want)
		}
	}
}

// TestTodayAroundMidnight: "today" is the London date, which is a day ahead of
// UTC for the last hour of a summer day and the same all winter.
func TestTodayAroundMidnight(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want time.Time
	}{
		{time.Date(2018, 3, 24, 23, 59, 0, 0, time.UTC), d(2018, 3, 24)},
		{time.Date(2018, 3, 25, 0, 30, 0, 0, time.UTC), d(2018, 3, 25)},
		{time.Date(2018, 3, 25, 23, 30, 0, 0, time.UTC), d(2018, 3, 26)},
		{time.Date(2018, 10, 27, 23, 30, 0, 0, time.UTC), d(2018, 10, 28)},
		{time.Date(2018, 10, 28, 23, 30, 0, 0, time.UTC), d(2018, 10, 28)},
	} {
		if got := domain.Today(tt.now); !got.Equal(tt.want) {
			t.Errorf("Today(%s) = %s, want %s", tt.now.Format(time.RFC3339), got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

func TestFollowUpOutcomes(t *testing.T) {
	for _, o := range domain.FollowUpOutcomes() {
		if !o.Valid() || o.Label() == string(o) || o.Tag() == "govuk-tag--grey" {
			t.Errorf("outcome %q: valid %v, label %q, tag %q", o, o.Valid(), o.Label(), o.Tag())
		}
	}
	if domain.FollowUpOutcome("done").Valid() {
		t.Error(`"done" is not an outcome`)
	}
}
