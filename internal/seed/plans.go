package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"inspectrack/internal/blob"
	"inspectrack/internal/domain"
	"inspectrack/internal/minipdf"
	"inspectrack/internal/store"
)

// StoryLateForce is the one force whose plan came late, on 2 June 2017
// (StoryLatePlanAt): every force sent something, but not all on time, and
// the "as of" views of late May and early June 2017 have a case to show.
const StoryLateForce = "wiltshire"

// StoryLeicestershirePlanAt is when Leicestershire sent its plan: the last
// afternoon before the deadline.
var StoryLeicestershirePlanAt = time.Date(2017, 5, 31, 16, 45, 0, 0, domain.London())

// StoryLatePlanAt is when StoryLateForce sent its plan, two days late.
var StoryLatePlanAt = time.Date(2017, 6, 2, 11, 20, 0, 0, domain.London())

// storyPlans records the plan each force sent for the story's
// recommendation in answer to the request of 16 May 2017: one submission
// per case with one small document, sent by the force's demo liaison where
// there is one, else recorded by the demo inspector as received by email
// (a submission needs a user, and the demo has liaisons for two forces
// only). They go through Store.CreateSubmission, the portal's own path, so
// the cases' submission dates and the audit trail are kept as the portal
// keeps them. A case with a plan already is left alone, so seeding twice
// adds nothing.
func storyPlans(ctx context.Context, st *store.Store, blobs blob.Store) error {
	rec, err := StoryRecommendation(ctx, st)
	if err != nil {
		return err
	}
	cases, err := st.CasePlans(ctx, store.Scope{}, store.CasePlanFilter{FindingID: rec.ID})
	if err != nil {
		return err
	}
	liaisons := map[string]store.Actor{}
	for _, d := range DemoUsers {
		if d.ForceCode == "" {
			continue
		}
		a, err := demoActor(ctx, st, d.Email)
		if err != nil {
			return fmt.Errorf("seed: story plans: %w", err)
		}
		liaisons[d.ForceCode] = a
	}
	recorder, err := demoActor(ctx, st, "inspector@demo.test")
	if err != nil {
		return fmt.Errorf("seed: story plans: %w", err)
	}
	for i, c := range cases {
		if c.PlanVersions > 0 || c.ClosedOn != nil {
			continue
		}
		a, sc, note := recorder, store.Scope{}, "Sent by email to the inspectorate and recorded here on the force's behalf (demo data)."
		if l, ok := liaisons[c.ForceCode]; ok {
			a, sc, note = l, store.Scope{ForceID: c.ForceID}, ""
		}
		name := c.ForceName + " - plan for abuse of position for a sexual purpose.pdf"
		body := storyPlanPDF(c.ForceName)
		_, err := st.CreateSubmission(ctx, a, sc, blobs, store.NewSubmission{
			CaseID: c.ID, Kind: store.KindPlan, Note: note, At: storyPlanAt(c.ForceCode, i),
			Documents: []store.NewDocument{{Name: name, ContentType: "application/pdf", Size: int64(len(body)),
				SHA256: sha256.Sum256(body), Body: bytes.NewReader(body)}},
		})
		if err != nil {
			return fmt.Errorf("seed: story plan of %s: %w", c.ForceCode, err)
		}
	}
	return nil
}

// storyPlanAt is when the force with code sent its plan: Leicestershire's
// and the late force's as recorded, the others spread over 22 to 31 May
// 2017 in office hours, London time, by their place in the list.
func storyPlanAt(code string, i int) time.Time {
	switch code {
	case "leicestershire":
		return StoryLeicestershirePlanAt
	case StoryLateForce:
		return StoryLatePlanAt
	}
	return time.Date(2017, 5, 22+i%10, 9+i%8, (i*7)%60, 0, 0, domain.London())
}

// storyPlanPDF is a one-page PDF saying whose plan it is: small, but a real
// document that opens in a viewer.
func storyPlanPDF(forceName string) []byte {
	return minipdf.Text(forceName,
		"Plan for abuse of position for a sexual purpose",
		"In answer to the inspectorate's letter of 16 May 2017.",
		"Demo data: a placeholder for the force's real plan.")
}
