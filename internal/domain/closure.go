package domain

// ClosedReason is why a case was closed. Only an inspector or a manager
// closes a case, and always with a reason.
type ClosedReason string

// The reasons a case is closed, as stored in cases.closed_reason.
const (
	ClosedImplemented ClosedReason = "implemented"
	ClosedSuperseded  ClosedReason = "superseded"
	ClosedNotAccepted ClosedReason = "not_accepted"
)

// ClosedReasons returns every closure reason in the order a form lists them.
func ClosedReasons() []ClosedReason {
	return []ClosedReason{ClosedImplemented, ClosedSuperseded, ClosedNotAccepted}
}

var closedReasonLabels = map[ClosedReason]string{
	ClosedImplemented: "Implemented",
	ClosedSuperseded:  "Superseded",
	ClosedNotAccepted: "Not accepted",
}

// Valid reports whether r is one of the closure reasons.
func (r ClosedReason) Valid() bool { _, ok := closedReasonLabels[r]; return ok }

// Label returns the reason as users read it, e.g. "Not accepted".
func (r ClosedReason) Label() string { return labelOr(closedReasonLabels, r) }

// FindingKind is what a finding in a report is.
type FindingKind string

// The kinds of finding, as stored in findings.kind.
const (
	FindingCauseOfConcern FindingKind = "cause_of_concern"
	FindingRecommendation FindingKind = "recommendation"
	FindingAFI            FindingKind = "afi"
)

// FindingKinds returns every finding kind in the order a report presents them.
func FindingKinds() []FindingKind {
	return []FindingKind{FindingCauseOfConcern, FindingRecommendation, FindingAFI}
}

var findingKindLabels = map[FindingKind]string{
	FindingCauseOfConcern: "Cause of concern",
	FindingRecommendation: "Recommendation",
	FindingAFI:            "Area for improvement",
}

// Valid reports whether k is one of the finding kinds.
func (k FindingKind) Valid() bool { _, ok := findingKindLabels[k]; return ok }

// Label returns the kind as users read it, e.g. "Area for improvement".
func (k FindingKind) Label() string { return labelOr(findingKindLabels, k) }
