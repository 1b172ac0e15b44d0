package domain

import "time"

// DefaultAssessmentDays is how many calendar days the inspectorate allows
// itself, from the first plan submission, to publish its assessment.
const DefaultAssessmentDays = 30

// DueSoonDays is how far ahead a due date counts as due soon: a date from
// today up to and including DueSoonDays days from today. A date due today is
// due soon, not overdue.
const DueSoonDays = 14

// Kind is one of the rules that put a case on the dashboard.
type Kind string

// The dashboard rules.
const (
	KindPlanOverdue           Kind = "plan_overdue"
	KindAssessmentOverdue     Kind = "assessment_overdue"
	KindRecommendationOverdue Kind = "recommendation_overdue"
	KindFollowUpOverdue       Kind = "follow_up_overdue"
	KindDueSoon               Kind = "due_soon"
)

// Kinds returns every rule in the order Items reports them.
func Kinds() []Kind {
	return []Kind{KindPlanOverdue, KindAssessmentOverdue, KindRecommendationOverdue, KindFollowUpOverdue, KindDueSoon}
}

var kindLabels = map[Kind]string{
	KindPlanOverdue:           "Plan overdue",
	KindAssessmentOverdue:     "Assessment overdue",
	KindRecommendationOverdue: "Recommendation overdue",
	KindFollowUpOverdue:       "Follow-up overdue",
	KindDueSoon:               "Due soon",
}

// Valid reports whether k is one of the rules.
func (k Kind) Valid() bool { _, ok := kindLabels[k]; return ok }

// Label returns the rule as users read it, e.g. "Plan overdue".
func (k Kind) Label() string { return labelOr(kindLabels, k) }

// Subject is the thing an Item waits for; it tells a plan that is due soon
// from a follow-up that is due soon.
type Subject string

// The things a case waits for.
const (
	SubjectPlan           Subject = "plan"
	SubjectAssessment     Subject = "assessment"
	SubjectRecommendation Subject = "recommendation"
	SubjectFollowUp       Subject = "follow_up"
)

var subjectLabels = map[Subject]string{
	SubjectPlan:           "Plan",
	SubjectAssessment:     "Assessment",
	SubjectRecommendation: "Recommendation deadline",
	SubjectFollowUp:       "Follow-up",
}

// Label returns the subject as users read it, e.g. "Follow-up".
func (s Subject) Label() string { return labelOr(subjectLabels, s) }

// Item is one rule that applies to a case on the as-of day.
type Item struct {
	Kind    Kind
	Subject Subject
	// Since is the due date: passed for an overdue item, still to come (or
	// today) for a due-soon item.
	Since time.Time
	// Days is how many days overdue (at least 1), or for a due-soon item how
	// many days are left (0 to DueSoonDays).
	Days int
}

// PlanOverdue reports the plan overdue on asOf: the request has been sent,
// its due date has passed, and no plan was submitted by asOf.
func PlanOverdue(f CaseFacts, asOf time.Time) (Item, bool) {
	s := f.asOf(asOf)
	if s.closed || s.planDue == nil || s.submitted {
		return Item{}, false
	}
	return overdue(KindPlanOverdue, SubjectPlan, *s.planDue, s.asOf)
}

// AssessmentOverdue reports the assessment overdue on asOf: a plan was first
// submitted on day S (its Europe/London date), no assessment was published by
// asOf, and asOf is after S + assessDays. The item's Since is S + assessDays.
// assessDays <= 0 means DefaultAssessmentDays.
func AssessmentOverdue(f CaseFacts, asOf time.Time, assessDays int) (Item, bool) {
	if assessDays <= 0 {
		assessDays = DefaultAssessmentDays
	}
	s := f.asOf(asOf)
	if s.closed || !s.submitted || s.published {
		return Item{}, false
	}
	return overdue(KindAssessmentOverdue, SubjectAssessment, AddDays(s.submittedOn, assessDays), s.asOf)
}

// RecommendationOverdue reports the recommendation overdue on asOf: its
// deadline (nil: none) has passed, the case was not closed by asOf, and no
// assessment published by asOf found it met (an outcome whose effect
// StopsRecommendationClock; partly met, not met and not assessable keep the
// clock running).
func RecommendationOverdue(f CaseFacts, deadline *time.Time, asOf time.Time) (Item, bool) {
	s := f.asOf(asOf)
	if s.closed || deadline == nil || s.effect.StopsRecommendationClock() {
		return Item{}, false
	}
	return overdue(KindRecommendationOverdue, SubjectRecommendation, dateOf(*deadline), s.asOf)
}

// FollowUpOverdue reports the follow-up overdue on asOf: a follow-up is
// planned, its planned date has passed, and it was not done by asOf.
func FollowUpOverdue(f CaseFacts, asOf time.Time) (Item, bool) {
	s := f.asOf(asOf)
	if s.closed || s.followUpPlanned == nil {
		return Item{}, false
	}
	return overdue(KindFollowUpOverdue, SubjectFollowUp, *s.followUpPlanned, s.asOf)
}

// DueSoon reports the due dates that fall from asOf to DueSoonDays after it,
// both included, among those still awaited on asOf: the plan due date (request
// sent, no plan submitted) and then the planned follow-up (not done). Days is
// the number of days left, 0 when due today.
func DueSoon(f CaseFacts, asOf time.Time) []Item {
	s := f.asOf(asOf)
	if s.closed {
		return nil
	}
	var items []Item
	soon := func(subject Subject, due time.Time) {
		if left := DaysBetween(s.asOf, due); left >= 0 && left <= DueSoonDays {
			items = append(items, Item{Kind: KindDueSoon, Subject: subject, Since: due, Days: left})
		}
	}
	if s.planDue != nil && !s.submitted {
		soon(SubjectPlan, *s.planDue)
	}
	if s.followUpPlanned != nil {
		soon(SubjectFollowUp, *s.followUpPlanned)
	}
	return items
}

// overdue returns the item for a due date when it is before asOf; a date
// equal to asOf is due today and not overdue.
func overdue(kind Kind, subject Subject, due, asOf time.Time) (Item, bool) {
	late := DaysBetween(due, asOf)
	if late <= 0 {
		return Item{}, false
	}
	return Item{Kind: kind, Subject: subject, Since: due, Days: late}, true
}

// Items returns every dashboard rule that applies to a case as of the
// calendar date asOf, in the order of Kinds: PlanOverdue, AssessmentOverdue,
// RecommendationOverdue, FollowUpOverdue, then DueSoon. recommendationDeadline
// is the recommendation's deadline date (nil: none); assessDays <= 0 means
// DefaultAssessmentDays. A case closed by asOf has no items, facts dated after
// asOf are ignored (see CaseFacts), and a date equal to asOf is due soon,
// never overdue. The result is nil when nothing applies.
func Items(f CaseFacts, recommendationDeadline *time.Time, asOf time.Time, assessDays int) []Item {
	var items []Item
	if it, ok := PlanOverdue(f, asOf); ok {
		items = append(items, it)
	}
	if it, ok := AssessmentOverdue(f, asOf, assessDays); ok {
		items = append(items, it)
	}
	if it, ok := RecommendationOverdue(f, recommendationDeadline, asOf); ok {
		items = append(items, it)
	}
	if it, ok := FollowUpOverdue(f, asOf); ok {
		items = append(items, it)
	}
	return append(items, DueSoon(f, asOf)...)
}
