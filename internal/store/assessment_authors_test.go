package store_test

import (
	"context"
	"testing"
	"time"

	"inspectrack/internal/store"
)

// TestAnyoneWhoEditedAnAssessmentIsItsAuthor: the four-eyes rule refuses
// approval to the assessment's authors, and an author is whoever created
// or edited it, not only its creator; approving it makes no one an author.
func TestAnyoneWhoEditedAnAssessmentIsItsAuthor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newDemo(t, time.Now())
	caseID := demoID(t, st, `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id JOIN assessments a ON a.case_id = c.id
		WHERE f.code = 'leicestershire'`)
	a, err := st.AssessmentByCase(ctx, store.Scope{}, caseID)
	if err != nil {
		t.Fatal(err)
	}
	userID := func(email string) int64 { return demoID(t, st, `SELECT id FROM users WHERE email = $1`, email) }
	creator := demoID(t, st, `SELECT actor_id FROM assessment_events WHERE assessment_id = $1 AND action = 'create'`, a.ID)
	approver := demoID(t, st, `SELECT actor_id FROM assessment_events WHERE assessment_id = $1 AND action = 'approve'`, a.ID)
	editor := userID("admin@demo.test")
	if editor == creator || editor == approver || creator == approver {
		t.Fatalf("creator %d, approver %d, editor %d: want three people", creator, approver, editor)
	}
	isAuthor := func(who int64) bool {
		t.Helper()
		yes, err := st.IsAssessmentAuthor(ctx, a.ID, who)
		if err != nil {
			t.Fatal(err)
		}
		return yes
	}
	if isAuthor(editor) {
		t.Fatal("someone who never touched the assessment is its author")
	}
	in := store.AssessmentInput{Period: a.Period, ReviewedUpTo: a.ReviewedUpTo, CategoryID: a.CategoryID,
		Summary: a.Summary + " Edited.", Findings: a.Findings}
	for _, r := range a.Reviewed {
		in.SubmissionIDs = append(in.SubmissionIDs, r.ID)
	}
	edit := store.Actor{UserID: editor, Email: "admin@demo.test", RequestID: "test"}
	if err := st.UpdateAssessment(ctx, edit, store.Scope{}, a.ID, a.Version, a.State, a.State, in, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !isAuthor(editor) {
		t.Error("the user who edited the assessment is not one of its authors")
	}
	if !isAuthor(creator) {
		t.Error("the user who created the assessment is not one of its authors")
	}
	if isAuthor(approver) {
		t.Error("the user who approved the assessment counts as its author")
	}
}
