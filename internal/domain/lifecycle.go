package domain

import (
	"fmt"
	"strings"
	"time"
)

// Stage is where a case stands in its lifecycle. It is derived from the
// case's dates for an "as of" day, never stored.
type Stage string

// The stages of a case, in lifecycle order.
const (
	StageAwaitingPlan      Stage = "awaiting_plan"
	StagePlanOverdue       Stage = "plan_overdue"
	StagePlanReceived      Stage = "plan_received"
	StageAssessing         Stage = "assessing"
	StageAssessed          Stage = "assessed"
	StageFollowUpScheduled Stage = "follow_up_scheduled"
	StageFollowUpOverdue   Stage = "follow_up_overdue"
	StageClosed            Stage = "closed"
)

// Stages returns every stage in lifecycle order, for filters and counts.
func Stages() []Stage {
	return []Stage{
		StageAwaitingPlan, StagePlanOverdue, StagePlanReceived, StageAssessing,
		StageAssessed, StageFollowUpScheduled, StageFollowUpOverdue, StageClosed,
	}
}

var stageLabels = map[Stage]string{
	StageAwaitingPlan:      "Awaiting plan",
	StagePlanOverdue:       "Plan overdue",
	StagePlanReceived:      "Plan received",
	StageAssessing:         "Assessing",
	StageAssessed:          "Assessed",
	StageFollowUpScheduled: "Follow-up scheduled",
	StageFollowUpOverdue:   "Follow-up overdue",
	StageClosed:            "Closed",
}

// stageTags are govuk-tag colour modifiers: red for anything overdue, grey
// for closed, and a distinct colour for each step in between.
var stageTags = map[Stage]string{
	StageAwaitingPlan:      "govuk-tag--light-blue",
	StagePlanOverdue:       "govuk-tag--red",
	StagePlanReceived:      "govuk-tag--blue",
	StageAssessing:         "govuk-tag--yellow",
	StageAssessed:          "govuk-tag--green",
	StageFollowUpScheduled: "govuk-tag--turquoise",
	StageFollowUpOverdue:   "govuk-tag--red",
	StageClosed:            "govuk-tag--grey",
}

// Valid reports whether s is one of the stages, e.g. for a filter in a URL.
func (s Stage) Valid() bool { _, ok := stageLabels[s]; return ok }

// Label returns the stage as users read it, e.g. "Plan overdue"; an unknown
// stage returns its raw value.
func (s Stage) Label() string { return labelOr(stageLabels, s) }

// Tag returns the govuk-tag modifier class for the stage, e.g.
// "govuk-tag--red" for an overdue stage; "govuk-tag--grey" when unknown.
func (s Stage) Tag() string {
	if t, ok := stageTags[s]; ok {
		return t
	}
	return "govuk-tag--grey"
}

// IsOverdue reports whether the stage is one of the overdue ones.
func (s Stage) IsOverdue() bool { return s == StagePlanOverdue || s == StageFollowUpOverdue }

// labelOr looks a value up in a table of labels, falling back to the raw
// value so an unexpected one is visible rather than blank.
func labelOr[K ~string](labels map[K]string, k K) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return string(k)
}

// CaseFacts are the recorded dates of one case, as kept on the cases row.
// Calendar dates are *time.Time at 00:00 UTC; FirstSubmittedAt is an
// instant, counted on its Europe/London date. Nil means "not happened" or
// "not set".
//
// Event dates (request sent, first submission, assessment started and
// published, follow-up done, closed) dated after the "as of" day are
// ignored, so a case can be seen as it stood on a past day. Target dates
// (PlanDueOn, FollowUpPlannedOn) are taken as currently recorded: the
// history of their changes is not replayed.
type CaseFacts struct {
	RequestSentOn         *time.Time   // date the request letter was sent (nil: no request yet)
	PlanDueOn             *time.Time   // date the plan is due; counts only once the request is sent
	FirstSubmittedAt      *time.Time   // instant of the first plan submission
	AssessmentStartedOn   *time.Time   // date the first assessment draft was created
	AssessmentPublishedOn *time.Time   // date the assessment (its letter) was published
	FollowUpPlannedOn     *time.Time   // planned date of the latest follow-up
	FollowUpDoneOn        *time.Time   // date that follow-up was done (nil: still open)
	ClosedOn              *time.Time   // date the case was closed
	ClosedReason          ClosedReason // why it was closed; empty while open

	// FirstPlanDueOn is the due date in force when the first plan was sent,
	// recorded with it: a plan's lateness is measured against it, never
	// against a due date changed afterwards (nil: none was set).
	FirstPlanDueOn *time.Time
	// OutcomeEffect is the effect of the published assessment's category
	// (empty while none is published); it counts from AssessmentPublishedOn.
	OutcomeEffect Effect
}

// seen is the state of a case's facts as of one calendar day: what had
// happened by then, and the targets that applied. Every rule reads the facts
// through it, so no rule can see the future.
type seen struct {
	asOf time.Time

	requested   bool
	requestedOn time.Time
	planDue     *time.Time // nil unless requested and a due date is set

	submitted   bool
	submittedOn time.Time

	started   bool
	startedOn time.Time

	published   bool
	publishedOn time.Time
	effect      Effect // of the published outcome; empty until published

	followUpPlanned *time.Time // nil when there is none or it is done
	followUpDone    bool
	followUpDoneOn  time.Time

	closed       bool
	closedOn     time.Time
	closedReason ClosedReason
}

// asOf returns the facts as they stood at the end of the calendar day asOf.
func (f CaseFacts) asOf(asOf time.Time) seen {
	s := seen{asOf: dateOf(asOf)}
	happened := func(d *time.Time) (time.Time, bool) {
		if d == nil || dateOf(*d).After(s.asOf) {
			return time.Time{}, false
		}
		return dateOf(*d), true
	}

	s.requestedOn, s.requested = happened(f.RequestSentOn)
	if s.requested && f.PlanDueOn != nil {
		due := dateOf(*f.PlanDueOn)
		s.planDue = &due
	}
	if f.FirstSubmittedAt != nil {
		on := LondonDate(*f.FirstSubmittedAt)
		s.submittedOn, s.submitted = happened(&on)
	}
	s.startedOn, s.started = happened(f.AssessmentStartedOn)
	s.publishedOn, s.published = happened(f.AssessmentPublishedOn)
	if s.published {
		s.effect = f.OutcomeEffect
	}
	s.followUpDoneOn, s.followUpDone = happened(f.FollowUpDoneOn)
	if f.FollowUpPlannedOn != nil && !s.followUpDone {
		planned := dateOf(*f.FollowUpPlannedOn)
		s.followUpPlanned = &planned
	}
	s.closedOn, s.closed = happened(f.ClosedOn)
	if s.closed {
		s.closedReason = f.ClosedReason
	}
	return s
}

// stage applies the lifecycle, latest stage first:
//
//  1. closed, once closed;
//  2. follow-up overdue or scheduled, while a follow-up is planned and not
//     done, whatever came before (a follow-up may be the only check a
//     recommendation gets);
//  3. assessed, once the assessment is published (also after a follow-up is
//     done, until the case is closed or another follow-up is planned);
//  4. assessing, once an assessment draft exists;
//  5. plan received, once a plan is submitted;
//  6. plan overdue, once the due date of a sent request has passed;
//  7. awaiting plan otherwise, including before any request is sent.
//
// A date equal to the as-of day is due today, not overdue.
func (s seen) stage() Stage {
	switch {
	case s.closed:
		return StageClosed
	case s.followUpPlanned != nil && s.followUpPlanned.Before(s.asOf):
		return StageFollowUpOverdue
	case s.followUpPlanned != nil:
		return StageFollowUpScheduled
	case s.published:
		return StageAssessed
	case s.started:
		return StageAssessing
	case s.submitted:
		return StagePlanReceived
	case s.planDue != nil && s.planDue.Before(s.asOf):
		return StagePlanOverdue
	default:
		return StageAwaitingPlan
	}
}

// DeriveStage returns the stage of a case as of the calendar date asOf (use
// Today for the present). Facts dated after asOf are ignored; a due date
// equal to asOf is due today, not overdue; with no request sent yet the case
// is awaiting plan. When a follow-up is planned and not done, it decides the
// stage whatever came before it; once done, the case shows the stage its
// other facts give (normally assessed) until it is closed.
func DeriveStage(f CaseFacts, asOf time.Time) Stage {
	return f.asOf(asOf).stage()
}

// Explain returns the stage of a case as of asOf, as DeriveStage does, with a
// one-line reason for it such as "Plan due 31 May 2017, 1 day overdue".
func Explain(f CaseFacts, asOf time.Time) (Stage, string) {
	s := f.asOf(asOf)
	stage := s.stage()
	switch stage {
	case StageClosed:
		if s.closedReason == "" {
			return stage, "Closed " + FormatLong(s.closedOn)
		}
		return stage, "Closed " + FormatLong(s.closedOn) + ": " + strings.ToLower(s.closedReason.Label())
	case StageFollowUpOverdue, StageFollowUpScheduled:
		return stage, dueText("Follow-up planned for", *s.followUpPlanned, s.asOf)
	case StageAssessed:
		if s.followUpDone {
			return stage, "Follow-up done " + FormatLong(s.followUpDoneOn) + ", case not closed"
		}
		text := "Assessment published " + FormatLong(s.publishedOn)
		switch {
		case s.effect.StopsRecommendationClock():
			text += ": " + strings.ToLower(s.effect.Label()) + ", waiting for a follow-up or closure"
		case s.effect.Valid():
			text += ": " + strings.ToLower(s.effect.Label())
		}
		return stage, text
	case StageAssessing:
		return stage, "Assessment started " + FormatLong(s.startedOn)
	case StagePlanReceived:
		// Late against the due date in force when it was sent, as the
		// plan's page says, not against one changed since.
		text := "Plan received " + FormatLong(s.submittedOn)
		if late := LateDays(f.FirstPlanDueOn, *f.FirstSubmittedAt); late > 0 {
			text += ", " + days(late) + " late"
		}
		return stage, text
	default: // awaiting or overdue
		switch {
		case s.planDue != nil:
			return stage, dueText("Plan due", *s.planDue, s.asOf)
		case s.requested:
			return stage, "Request sent " + FormatLong(s.requestedOn) + ", no due date set"
		default:
			return stage, "No request for a plan sent yet"
		}
	}
}

// dueText says how a due date stands on asOf: "Plan due 31 May 2017, 11 days
// left", "Plan due today, 31 May 2017", "Plan due 31 May 2017, 1 day overdue".
func dueText(what string, due, asOf time.Time) string {
	switch left := DaysBetween(asOf, due); {
	case left > 0:
		return fmt.Sprintf("%s %s, %s left", what, FormatLong(due), days(left))
	case left == 0:
		return fmt.Sprintf("%s today, %s", what, FormatLong(due))
	default:
		return fmt.Sprintf("%s %s, %s overdue", what, FormatLong(due), days(-left))
	}
}

// days writes a count of days: "1 day", "2 days".
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
