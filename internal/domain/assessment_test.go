package domain_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"inspectrack/internal/domain"
)

func TestTransition(t *testing.T) {
	var (
		inspector    = domain.Actor{Role: domain.RoleInspector, IsAuthor: true}
		colleague    = domain.Actor{Role: domain.RoleInspector}
		manager      = domain.Actor{Role: domain.RoleManager}
		authorMgr    = domain.Actor{Role: domain.RoleManager, IsAuthor: true}
		liaison      = domain.Actor{Role: domain.RoleLiaison}
		admin        = domain.Actor{Role: domain.RoleAdmin}
		liaisonOwner = domain.Actor{Role: domain.RoleLiaison, IsAuthor: true}
	)
	const (
		draft     = domain.StateDraft
		submitted = domain.StateSubmitted
		returned  = domain.StateReturned
		approved  = domain.StateApproved
		published = domain.StatePublished
	)
	tests := []struct {
		name   string
		from   domain.State
		action domain.Action
		actor  domain.Actor
		want   domain.State
		err    error
	}{
		// The happy path.
		{"author edits draft", draft, domain.ActionEdit, inspector, draft, nil},
		{"author submits", draft, domain.ActionSubmit, inspector, submitted, nil},
		{"manager approves", submitted, domain.ActionApprove, manager, approved, nil},
		{"manager publishes", approved, domain.ActionPublish, manager, published, nil},

		// Returned and resubmitted.
		{"manager returns", submitted, domain.ActionReturn, manager, returned, nil},
		{"edit keeps it returned", returned, domain.ActionEdit, inspector, returned, nil},
		{"resubmit", returned, domain.ActionSubmit, inspector, submitted, nil},
		{"manager returns an approved one", approved, domain.ActionReturn, manager, returned, nil},

		// Editing after submission needs approval (again).
		{"edit while awaiting approval", submitted, domain.ActionEdit, inspector, submitted, nil},
		{"edit of approved needs approval again", approved, domain.ActionEdit, inspector, submitted, nil},
		{"a colleague may edit", draft, domain.ActionEdit, colleague, draft, nil},
		{"a manager may author", draft, domain.ActionSubmit, authorMgr, submitted, nil},

		// Four eyes.
		{"manager cannot approve own", submitted, domain.ActionApprove, authorMgr, submitted, domain.ErrOwnApproval},
		{"manager cannot return own", submitted, domain.ActionReturn, authorMgr, submitted, domain.ErrOwnApproval},
		{"author manager may publish once approved by another", approved, domain.ActionPublish, authorMgr, published, nil},

		// Roles.
		{"inspector cannot approve", submitted, domain.ActionApprove, colleague, submitted, domain.ErrNotAllowed},
		{"inspector cannot return", submitted, domain.ActionReturn, colleague, submitted, domain.ErrNotAllowed},
		{"inspector cannot publish", approved, domain.ActionPublish, inspector, approved, domain.ErrNotAllowed},
		{"liaison cannot edit", draft, domain.ActionEdit, liaison, draft, domain.ErrNotAllowed},
		{"liaison author cannot submit", draft, domain.ActionSubmit, liaisonOwner, draft, domain.ErrNotAllowed},
		{"admin cannot approve", submitted, domain.ActionApprove, admin, submitted, domain.ErrNotAllowed},
		{"no role", draft, domain.ActionEdit, domain.Actor{}, draft, domain.ErrNotAllowed},

		// States.
		{"cannot approve a draft", draft, domain.ActionApprove, manager, draft, domain.ErrBadTransition},
		{"cannot publish unapproved", submitted, domain.ActionPublish, manager, submitted, domain.ErrBadTransition},
		{"cannot publish a draft", draft, domain.ActionPublish, manager, draft, domain.ErrBadTransition},
		{"cannot submit twice", submitted, domain.ActionSubmit, inspector, submitted, domain.ErrBadTransition},
		{"cannot approve twice", approved, domain.ActionApprove, manager, approved, domain.ErrBadTransition},
		{"cannot return a draft", draft, domain.ActionReturn, manager, draft, domain.ErrBadTransition},
		{"cannot submit approved", approved, domain.ActionSubmit, inspector, approved, domain.ErrBadTransition},
		{"unknown action", draft, domain.Action("delete"), manager, draft, domain.ErrBadTransition},
		{"unknown state", domain.State("lost"), domain.ActionEdit, manager, domain.State("lost"), domain.ErrBadTransition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.Transition(tt.from, tt.action, tt.actor)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Transition(%q, %q, %+v) error = %v, want %v", tt.from, tt.action, tt.actor, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("Transition(%q, %q, %+v) = %q, want %q", tt.from, tt.action, tt.actor, got, tt.want)
			}
		})
	}
}

func TestPublishedIsFinal(t *testing.T) {
	actions := []domain.Action{domain.ActionEdit, domain.ActionSubmit, domain.ActionReturn, domain.ActionApprove, domain.ActionPublish}
	for _, a := range actions {
		// A manager may take every action somewhere, so only the state refuses.
		manager := domain.Actor{Role: domain.RoleManager}
		got, err := domain.Transition(domain.StatePublished, a, manager)
		if !errors.Is(err, domain.ErrBadTransition) || got != domain.StatePublished {
			t.Errorf("%s published as manager = %q, %v; want published, ErrBadTransition", a, got, err)
		}
		for _, role := range []string{domain.RoleInspector, domain.RoleLiaison, domain.RoleAdmin} {
			if _, err := domain.Transition(domain.StatePublished, a, domain.Actor{Role: role, IsAuthor: true}); err == nil {
				t.Errorf("%s published as %s succeeded", a, role)
			}
		}
	}
}

func TestActions(t *testing.T) {
	tests := []struct {
		from  domain.State
		actor domain.Actor
		want  []domain.Action
	}{
		{domain.StateDraft, domain.Actor{Role: domain.RoleInspector, IsAuthor: true}, []domain.Action{domain.ActionEdit, domain.ActionSubmit}},
		{domain.StateSubmitted, domain.Actor{Role: domain.RoleInspector, IsAuthor: true}, []domain.Action{domain.ActionEdit}},
		{domain.StateSubmitted, domain.Actor{Role: domain.RoleManager}, []domain.Action{domain.ActionEdit, domain.ActionReturn, domain.ActionApprove}},
		{domain.StateSubmitted, domain.Actor{Role: domain.RoleManager, IsAuthor: true}, []domain.Action{domain.ActionEdit}},
		{domain.StateApproved, domain.Actor{Role: domain.RoleManager}, []domain.Action{domain.ActionEdit, domain.ActionReturn, domain.ActionPublish}},
		{domain.StatePublished, domain.Actor{Role: domain.RoleManager}, nil},
		{domain.StateDraft, domain.Actor{Role: domain.RoleLiaison}, nil},
	}
	for _, tt := range tests {
		if got := domain.Actions(tt.from, tt.actor); !slices.Equal(got, tt.want) {
			t.Errorf("Actions(%q, %+v) = %q, want %q", tt.from, tt.actor, got, tt.want)
		}
	}
}

func TestDefaultCategories(t *testing.T) {
	want := []domain.Category{
		{Key: "insufficient_information", Label: "Insufficient information", Effect: domain.EffectNotAssessable},
		{Key: "plan_not_started", Label: "Plan in place, implementation not started", Effect: domain.EffectNotMet},
		{Key: "plan_started", Label: "Plan in place, implementation started", Effect: domain.EffectPartlyMet},
		{Key: "all_in_place", Label: "All elements in place", Effect: domain.EffectMet},
	}
	got := domain.DefaultCategories()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DefaultCategories() = %+v, want %+v", got, want)
	}
	got[0].Label = "changed"
	if domain.DefaultCategories()[0].Label != want[0].Label {
		t.Error("changing the returned slice changed the defaults")
	}
}

func TestLabels(t *testing.T) {
	tests := []struct {
		valid bool
		got   string
		want  string
	}{
		{domain.CriterionMet.Valid(), domain.CriterionMet.Label(), "Met"},
		{domain.CriterionPartiallyMet.Valid(), domain.CriterionPartiallyMet.Label(), "Partially met"},
		{domain.CriterionNotMet.Valid(), domain.CriterionNotMet.Label(), "Not met"},
		{domain.CriterionNoEvidence.Valid(), domain.CriterionNoEvidence.Label(), "No evidence"},
		{domain.StateDraft.Valid(), domain.StateDraft.Label(), "Draft"},
		{domain.StateSubmitted.Valid(), domain.StateSubmitted.Label(), "Submitted for approval"},
		{domain.StateReturned.Valid(), domain.StateReturned.Label(), "Returned"},
		{domain.StateApproved.Valid(), domain.StateApproved.Label(), "Approved"},
		{domain.StatePublished.Valid(), domain.StatePublished.Label(), "Published"},
		{domain.ClosedImplemented.Valid(), domain.ClosedImplemented.Label(), "Implemented"},
		{domain.ClosedSuperseded.Valid(), domain.ClosedSuperseded.Label(), "Superseded"},
		{domain.ClosedNotAccepted.Valid(), domain.ClosedNotAccepted.Label(), "Not accepted"},
		{domain.FindingCauseOfConcern.Valid(), domain.FindingCauseOfConcern.Label(), "Cause of concern"},
		{domain.FindingRecommendation.Valid(), domain.FindingRecommendation.Label(), "Recommendation"},
		{domain.FindingAFI.Valid(), domain.FindingAFI.Label(), "Area for improvement"},
		{true, domain.ActionSubmit.Label(), "Submit for approval"},
		{!domain.ClosedReason("fixed").Valid(), domain.ClosedReason("fixed").Label(), "fixed"},
		{!domain.CriterionFinding("").Valid(), domain.CriterionFinding("maybe").Label(), "maybe"},
	}
	for _, tt := range tests {
		if !tt.valid || tt.got != tt.want {
			t.Errorf("label %q (valid %v), want %q", tt.got, tt.valid, tt.want)
		}
	}
	if n := len(domain.CriterionFindings()); n != 4 {
		t.Errorf("CriterionFindings() has %d, want 4", n)
	}
	if n := len(domain.States()); n != 5 {
		t.Errorf("States() has %d, want 5", n)
	}
	if got := domain.ClosedReasons(); !slices.Equal(got, []domain.ClosedReason{"implemented", "superseded", "not_accepted"}) {
		t.Errorf("ClosedReasons() = %q", got)
	}
	if got := domain.FindingKinds(); !slices.Equal(got, []domain.FindingKind{"cause_of_concern", "recommendation", "afi"}) {
		t.Errorf("FindingKinds() = %q", got)
	}
	for _, s := range domain.States() {
		if s.Tag() == "" {
			t.Errorf("%q has no tag", s)
		}
	}
	for _, c := range domain.CriterionFindings() {
		if c.Tag() == "" {
			t.Errorf("%q has no tag", c)
		}
	}
}
