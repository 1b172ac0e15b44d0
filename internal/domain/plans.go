package domain

import "time"

// LateDays returns how many calendar days after its due date a plan sent
// at the instant sentAt arrived: 0 when it arrived on or before the due
// date, or when there was none (dueOn nil). The day of the instant is its
// Europe/London date: a plan sent at 11:30pm on the due day, in summer
// time, is on time even though it is already the next day in UTC.
func LateDays(dueOn *time.Time, sentAt time.Time) int {
	if dueOn == nil {
		return 0
	}
	return max(DaysBetween(dateOf(*dueOn), LondonDate(sentAt)), 0)
}

// PlanStatus is where a force stands with its plan for one case on a
// given day: what the per-recommendation view of plans counts.
type PlanStatus string

// The plan statuses, in the order a list of forces shows them: what needs
// chasing first.
const (
	PlanMissing      PlanStatus = "missing"       // due date passed, nothing sent
	PlanAwaited      PlanStatus = "awaited"       // requested, due today or later
	PlanNotRequested PlanStatus = "not_requested" // no request sent yet
	PlanSentLate     PlanStatus = "sent_late"     // the first version came after its due date
	PlanSentOnTime   PlanStatus = "sent_on_time"  // the first version came by its due date (or none was set)
	PlanNotNeeded    PlanStatus = "not_needed"    // case closed with no plan sent
)

// PlanStatuses returns every plan status in display order.
func PlanStatuses() []PlanStatus {
	return []PlanStatus{PlanMissing, PlanAwaited, PlanNotRequested, PlanSentLate, PlanSentOnTime, PlanNotNeeded}
}

var planStatusLabels = map[PlanStatus]string{
	PlanMissing:      "Plan overdue", // the dashboard's word: KindPlanOverdue
	PlanAwaited:      "Awaited",
	PlanNotRequested: "Not requested",
	PlanSentLate:     "Sent late",
	PlanSentOnTime:   "Sent on time",
	PlanNotNeeded:    "Not needed",
}

// Label returns the status as users read it, e.g. "Sent late".
func (s PlanStatus) Label() string { return labelOr(planStatusLabels, s) }

// Valid reports whether s is one of the plan statuses.
func (s PlanStatus) Valid() bool { _, ok := planStatusLabels[s]; return ok }

// Tag returns the govuk-tag modifier class for the status.
func (s PlanStatus) Tag() string {
	switch s {
	case PlanMissing:
		return "govuk-tag--red"
	case PlanSentLate:
		return "govuk-tag--orange"
	case PlanSentOnTime:
		return "govuk-tag--green"
	case PlanAwaited:
		return "govuk-tag--blue"
	}
	return "govuk-tag--grey"
}

// PlanStatusOf returns where a case's plan stands on asOf, and a number of
// days that goes with it: for a plan sent late, how late the first version
// was (firstLateDays, from LateDays against the due date recorded with it);
// for a missing plan, how many days overdue; for an awaited one, how many
// days are left (0: due today). Facts dated after asOf are ignored, as in
// DeriveStage.
func PlanStatusOf(f CaseFacts, firstLateDays int, asOf time.Time) (PlanStatus, int) {
	s := f.asOf(asOf)
	switch {
	case s.submitted && firstLateDays > 0:
		return PlanSentLate, firstLateDays
	case s.submitted:
		return PlanSentOnTime, 0
	case s.closed:
		return PlanNotNeeded, 0
	case !s.requested:
		return PlanNotRequested, 0
	case s.planDue == nil:
		return PlanAwaited, 0
	case s.planDue.Before(s.asOf):
		return PlanMissing, DaysBetween(*s.planDue, s.asOf)
	default:
		return PlanAwaited, DaysBetween(s.asOf, *s.planDue)
	}
}
