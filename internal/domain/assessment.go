package domain

import (
	"errors"
	"fmt"
)

// CriterionFinding is an inspector's finding against one criterion of a plan.
type CriterionFinding string

// The findings against a criterion, as stored in assessment_findings.finding.
const (
	CriterionMet          CriterionFinding = "met"
	CriterionPartiallyMet CriterionFinding = "partially_met"
	CriterionNotMet       CriterionFinding = "not_met"
	CriterionNoEvidence   CriterionFinding = "no_evidence"
)

// CriterionFindings returns every criterion finding in the order a form
// offers them.
func CriterionFindings() []CriterionFinding {
	return []CriterionFinding{CriterionMet, CriterionPartiallyMet, CriterionNotMet, CriterionNoEvidence}
}

var criterionFindingLabels = map[CriterionFinding]string{
	CriterionMet:          "Met",
	CriterionPartiallyMet: "Partially met",
	CriterionNotMet:       "Not met",
	CriterionNoEvidence:   "No evidence",
}

var criterionFindingTags = map[CriterionFinding]string{
	CriterionMet:          "govuk-tag--green",
	CriterionPartiallyMet: "govuk-tag--yellow",
	CriterionNotMet:       "govuk-tag--red",
	CriterionNoEvidence:   "govuk-tag--grey",
}

// Valid reports whether c is one of the criterion findings.
func (c CriterionFinding) Valid() bool { _, ok := criterionFindingLabels[c]; return ok }

// Label returns the finding as users read it, e.g. "Partially met".
func (c CriterionFinding) Label() string { return labelOr(criterionFindingLabels, c) }

// Tag returns the govuk-tag modifier class for the finding.
func (c CriterionFinding) Tag() string {
	if t, ok := criterionFindingTags[c]; ok {
		return t
	}
	return "govuk-tag--grey"
}

// Category is an overall outcome category of an assessment. Key is stable
// (stored, used in URLs); Label is what users read; Effect is what the
// category means for the recommendation's deadline.
type Category struct {
	Key    string
	Label  string
	Effect Effect
}

// Effect is what an outcome category means: whether the force has done
// what the recommendation asked. Only a published assessment whose
// category is met stops the recommendation-overdue clock (see
// RecommendationOverdue); the others keep it running.
type Effect string

// The effects of a category, as stored in categories.effect.
const (
	EffectMet           Effect = "met"
	EffectPartlyMet     Effect = "partly_met"
	EffectNotMet        Effect = "not_met"
	EffectNotAssessable Effect = "not_assessable"
)

// Effects returns every effect, from met to not assessable.
func Effects() []Effect {
	return []Effect{EffectMet, EffectPartlyMet, EffectNotMet, EffectNotAssessable}
}

var effectLabels = map[Effect]string{
	EffectMet:           "Met",
	EffectPartlyMet:     "Partly met",
	EffectNotMet:        "Not met",
	EffectNotAssessable: "Not assessable (insufficient information)",
}

// Valid reports whether e is one of the effects.
func (e Effect) Valid() bool { _, ok := effectLabels[e]; return ok }

// Label returns the effect as users read it, e.g. "Partly met".
func (e Effect) Label() string { return labelOr(effectLabels, e) }

// StopsRecommendationClock reports whether a published assessment with
// this effect means the recommendation is no longer overdue.
func (e Effect) StopsRecommendationClock() bool { return e == EffectMet }

// DefaultCategories returns the four outcome categories of the 2017 review of
// plans on abuse of position for a sexual purpose, in order from least to
// most advanced, with the effects they have for a recommendation that asks
// for a thing done: only all elements in place is met. (A recommendation
// that asks forces to have started, as the 2017 one did, makes "plan in
// place, implementation started" met too: its inspector, or the seed, says
// so.) Each call returns a new slice the caller may change.
func DefaultCategories() []Category {
	return []Category{
		{Key: "insufficient_information", Label: "Insufficient information", Effect: EffectNotAssessable},
		{Key: "plan_not_started", Label: "Plan in place, implementation not started", Effect: EffectNotMet},
		{Key: "plan_started", Label: "Plan in place, implementation started", Effect: EffectPartlyMet},
		{Key: "all_in_place", Label: "All elements in place", Effect: EffectMet},
	}
}

// State is where an assessment stands in the four-eyes workflow.
type State string

// The states of an assessment, as stored in assessments.state.
const (
	StateDraft     State = "draft"
	StateSubmitted State = "submitted"
	StateReturned  State = "returned"
	StateApproved  State = "approved"
	StatePublished State = "published"
)

// States returns every state in workflow order.
func States() []State {
	return []State{StateDraft, StateSubmitted, StateReturned, StateApproved, StatePublished}
}

var stateLabels = map[State]string{
	StateDraft:     "Draft",
	StateSubmitted: "Submitted for approval",
	StateReturned:  "Returned",
	StateApproved:  "Approved",
	StatePublished: "Published",
}

var stateTags = map[State]string{
	StateDraft:     "govuk-tag--grey",
	StateSubmitted: "govuk-tag--blue",
	StateReturned:  "govuk-tag--orange",
	StateApproved:  "govuk-tag--green",
	StatePublished: "govuk-tag--purple",
}

// Valid reports whether s is one of the states.
func (s State) Valid() bool { _, ok := stateLabels[s]; return ok }

// Label returns the state as users read it, e.g. "Submitted for approval".
func (s State) Label() string { return labelOr(stateLabels, s) }

// Tag returns the govuk-tag modifier class for the state.
func (s State) Tag() string {
	if t, ok := stateTags[s]; ok {
		return t
	}
	return "govuk-tag--grey"
}

// Action is something a user does to an assessment.
type Action string

// The actions on an assessment, in the order their buttons appear.
const (
	ActionEdit    Action = "edit"
	ActionSubmit  Action = "submit"
	ActionReturn  Action = "return"
	ActionApprove Action = "approve"
	ActionPublish Action = "publish"
)

var actionLabels = map[Action]string{
	ActionEdit:    "Edit",
	ActionSubmit:  "Submit for approval",
	ActionReturn:  "Return to author",
	ActionApprove: "Approve",
	ActionPublish: "Publish",
}

// Label returns the action as a button reads, e.g. "Submit for approval".
func (a Action) Label() string { return labelOr(actionLabels, a) }

// The roles of users, as stored in users.role.
const (
	RoleAdmin     = "admin"
	RoleManager   = "manager"
	RoleInspector = "inspector"
	RoleLiaison   = "liaison"
)

// Actor is the user acting on an assessment. IsAuthor must be true when the
// user created or edited any version of this assessment: four eyes means the
// approver contributed nothing to what they approve.
type Actor struct {
	Role     string
	IsAuthor bool
}

// The errors of Transition; it wraps them with the action and state, so test
// with errors.Is.
var (
	// ErrNotAllowed: the actor's role may not take this action.
	ErrNotAllowed = errors.New("domain: not allowed for this role")
	// ErrOwnApproval: a manager may not approve or return an assessment they
	// authored or edited.
	ErrOwnApproval = errors.New("domain: cannot approve or return your own assessment")
	// ErrBadTransition: the action does not apply in the assessment's state
	// (for example anything on a published assessment).
	ErrBadTransition = errors.New("domain: action not possible in this state")
)

// transitions maps each state and action to the state it leads to; absent
// pairs are not possible.
var transitions = map[State]map[Action]State{
	StateDraft: {
		ActionEdit:   StateDraft,
		ActionSubmit: StateSubmitted,
	},
	StateReturned: {
		ActionEdit:   StateReturned, // stays returned until resubmitted
		ActionSubmit: StateSubmitted,
	},
	StateSubmitted: {
		ActionEdit:    StateSubmitted, // still awaiting approval, of the new version
		ActionReturn:  StateReturned,
		ActionApprove: StateApproved,
	},
	StateApproved: {
		ActionEdit:    StateSubmitted, // a changed assessment needs approval again
		ActionReturn:  StateReturned,
		ActionPublish: StatePublished,
	},
	StatePublished: {}, // final
}

// Transition returns the state an assessment in state from moves to when
// actor takes action, or an error wrapping ErrNotAllowed, ErrOwnApproval or
// ErrBadTransition. The rules:
//
//   - edit and submit: inspectors and managers. Editing a draft or a
//     returned assessment leaves its state alone; editing a submitted or an
//     approved one leaves it submitted, needing (again) an approval of the
//     changed text;
//   - approve (from submitted) and return (from submitted or approved): a
//     manager who is not an author;
//   - publish (from approved): any manager, the approval having provided the
//     second pair of eyes;
//   - a published assessment is final: every action fails.
//
// Roles are checked before states, so a liaison or an admin gets
// ErrNotAllowed whatever the state.
func Transition(from State, action Action, actor Actor) (State, error) {
	fail := func(err error) (State, error) {
		return from, fmt.Errorf("domain: %s %s assessment as %s: %w", action, from, actor.Role, err)
	}
	staff := actor.Role == RoleInspector || actor.Role == RoleManager
	switch action {
	case ActionEdit, ActionSubmit:
		if !staff {
			return fail(ErrNotAllowed)
		}
	case ActionApprove, ActionReturn:
		if actor.Role != RoleManager {
			return fail(ErrNotAllowed)
		}
		if actor.IsAuthor {
			return fail(ErrOwnApproval)
		}
	case ActionPublish:
		if actor.Role != RoleManager {
			return fail(ErrNotAllowed)
		}
	default:
		return fail(ErrBadTransition)
	}
	to, ok := transitions[from][action]
	if !ok {
		return fail(ErrBadTransition)
	}
	return to, nil
}

// Actions returns the actions actor may take on an assessment in state from,
// in button order; it is what Transition would accept.
func Actions(from State, actor Actor) []Action {
	var actions []Action
	for _, a := range []Action{ActionEdit, ActionSubmit, ActionReturn, ActionApprove, ActionPublish} {
		if _, err := Transition(from, a, actor); err == nil {
			actions = append(actions, a)
		}
	}
	return actions
}
