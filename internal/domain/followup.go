package domain

// FollowUpOutcome is what a follow-up inspection found about the
// implementation of a recommendation at one force.
type FollowUpOutcome string

// The outcomes of a follow-up, as stored in follow_ups.outcome.
const (
	OutcomeImplemented          FollowUpOutcome = "implemented"
	OutcomePartiallyImplemented FollowUpOutcome = "partially_implemented"
	OutcomeNotImplemented       FollowUpOutcome = "not_implemented"
)

// FollowUpOutcomes returns every outcome in the order a form offers them.
func FollowUpOutcomes() []FollowUpOutcome {
	return []FollowUpOutcome{OutcomeImplemented, OutcomePartiallyImplemented, OutcomeNotImplemented}
}

var outcomeLabels = map[FollowUpOutcome]string{
	OutcomeImplemented:          "Implemented",
	OutcomePartiallyImplemented: "Partially implemented",
	OutcomeNotImplemented:       "Not implemented",
}

var outcomeTags = map[FollowUpOutcome]string{
	OutcomeImplemented:          "govuk-tag--green",
	OutcomePartiallyImplemented: "govuk-tag--yellow",
	OutcomeNotImplemented:       "govuk-tag--red",
}

// Valid reports whether o is one of the outcomes.
func (o FollowUpOutcome) Valid() bool { _, ok := outcomeLabels[o]; return ok }

// Label returns the outcome as users read it, e.g. "Partially implemented".
func (o FollowUpOutcome) Label() string { return labelOr(outcomeLabels, o) }

// Tag returns the govuk-tag modifier class for the outcome.
func (o FollowUpOutcome) Tag() string {
	if t, ok := outcomeTags[o]; ok {
		return t
	}
	return "govuk-tag--grey"
}
