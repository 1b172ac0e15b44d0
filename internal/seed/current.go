package seed

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/blob"
	"inspectrack/internal/domain"
	"inspectrack/internal/minipdf"
	"inspectrack/internal/store"
)

// CurrentReportTitle names the demo report whose dates fall around the day
// it is seeded, so the dashboard shows every kind of overdue and due-soon
// item on first run, not only the history of 2017.
const CurrentReportTitle = "Vetting, misconduct and counter-corruption: progress review"

// currentReport describes the demo report's two recommendations; dates are
// days from the day of seeding.
var currentRecommendations = []struct {
	ref, body, deadline string
	sent, due           int
}{
	{"R1", "Within six months, all forces should make sure their counter-corruption units can seek and act on intelligence about officers and staff who abuse their position for a sexual purpose.",
		"within six months", -70, -40},
	{"R2", "Within 12 months, all forces should review how they vet officers and staff who move into posts with access to vulnerable people.",
		"within 12 months", -10, 9},
}

// currentPublished is how many days before the day of seeding the demo
// report was published: its six-month deadline has just passed.
const currentPublished = -210

// Current adds the demo report of the present (see CurrentReportTitle) and
// its cases for every force, once: seeding again leaves it alone, so its
// dates stay those of the first run. Cases are spread over the stages by the
// force's position in the list, so every rule of the dashboard has items:
// plans overdue and due soon, assessments overdue, the recommendation
// overdue, follow-ups overdue and due soon, and some cases closed.
func Current(ctx context.Context, st *store.Store, now time.Time, opts ...Option) (bool, error) {
	today := domain.Today(now)
	day := func(n int) time.Time { return domain.AddDays(today, n) }
	var exists bool
	if err := st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reports WHERE title = $1)`, CurrentReportTitle).Scan(&exists); err != nil {
		return false, fmt.Errorf("seed: current report: %w", err)
	}
	if exists {
		return false, nil
	}
	inspector, err := st.UserByEmail(ctx, "inspector@demo.test")
	if err != nil {
		return false, fmt.Errorf("seed: current report needs the demo inspector: %w", err)
	}
	system := store.Actor{UserID: inspector.ID, Email: inspector.Email, Role: inspector.Role, RequestID: "seed-demo"}
	published := day(currentPublished)

	type plan struct {
		caseID                  int64
		planned, done, closedOn time.Time
	}
	var plans []plan
	liaisons := map[string]store.Actor{}
	for _, d := range DemoUsers {
		if d.ForceCode != "" {
			if liaisons[d.ForceCode], err = demoActor(ctx, st, d.Email); err != nil {
				return false, fmt.Errorf("seed: current report: %w", err)
			}
		}
	}
	blobs := blobStore(st, opts)
	// The report, its recommendations, their cases, requests and plans go
	// through the store's own methods, as an inspector's and the forces'
	// would, in one transaction (a commit each would cost a flush each).
	err = st.InTx(ctx, func(st *store.Store) error {
		reportID, err := st.CreateReport(ctx, system, store.NewReport{Title: CurrentReportTitle, Kind: "national",
			PublishedOn: published, Summary: "A demonstration report dated around today, so the dashboard has something current to show."})
		if err != nil {
			return fmt.Errorf("seed: current report: %w", err)
		}
		var assessed []store.AssessmentDates
		for ri, rec := range currentRecommendations {
			deadline, err := domain.DeadlineDate(published, rec.deadline)
			if err != nil {
				return fmt.Errorf("seed: current report: %s: %w", rec.ref, err)
			}
			findingID, err := st.CreateFinding(ctx, system, reportID, store.FindingInput{Kind: domain.FindingRecommendation,
				Reference: rec.ref, Body: rec.body, DeadlineText: rec.deadline, DeadlineOn: &deadline, Scope: store.ScopeAllPolice})
			if err != nil {
				return fmt.Errorf("seed: current report: %s: %w", rec.ref, err)
			}
			if _, err := st.ApplyFinding(ctx, system, findingID); err != nil {
				return fmt.Errorf("seed: current report: %s cases: %w", rec.ref, err)
			}
			if _, err := st.RecordRequest(ctx, system, findingID, day(rec.sent), day(rec.due)); err != nil {
				return fmt.Errorf("seed: current report: %s request: %w", rec.ref, err)
			}
			cases, err := st.CasePlans(ctx, store.Scope{}, store.CasePlanFilter{FindingID: findingID})
			if err != nil {
				return err
			}
			slices.SortFunc(cases, func(a, b store.CasePlan) int { return cmp.Compare(a.ForceName, b.ForceName) })
			for i, cp := range cases {
				c := currentCase(ri, i, day)
				if c.submitted != nil {
					if err := currentPlan(ctx, st, blobs, system, liaisons, cp, *c.submitted); err != nil {
						return fmt.Errorf("seed: current report: %s plan of %s: %w", rec.ref, cp.ForceCode, err)
					}
				}
				if c.started != nil {
					assessed = append(assessed, store.AssessmentDates{CaseID: cp.ID, Started: c.started, Published: c.published})
				}
				if !c.planned.IsZero() {
					plans = append(plans, plan{cp.ID, c.planned, c.done, c.closed})
				}
			}
		}
		// The assessments' dates only, not whole assessments with their
		// findings and letters: the dashboard needs no more of them.
		if err := st.SetAssessmentDates(ctx, system, reportID, assessed); err != nil {
			return fmt.Errorf("seed: current report: %w", err)
		}
		return st.AuditOne(ctx, system.Event("seed.current", "report", reportID, 0,
			fmt.Sprintf("demo report %q published %s", CurrentReportTitle, domain.FormatLong(published))))
	})
	if err != nil {
		return false, err
	}
	// Follow-ups and closures go through the store, as an inspector's would.
	for _, p := range plans {
		id, err := st.ScheduleFollowUp(ctx, system, store.Scope{}, p.caseID, store.NewFollowUp{PlannedOn: p.planned,
			Notes: "Revisit to check the plan is being carried out."})
		if err != nil {
			return false, err
		}
		if !p.done.IsZero() {
			if err := st.RecordFollowUp(ctx, system, store.Scope{}, id, store.FollowUpRecord{DoneOn: p.done,
				Outcome: domain.OutcomeImplemented, Notes: "The unit has the capability and capacity the recommendation asked for."}); err != nil {
				return false, err
			}
		}
		if !p.closedOn.IsZero() {
			if err := st.CloseCase(ctx, system, store.Scope{}, p.caseID, p.closedOn, domain.ClosedImplemented,
				"Confirmed at the follow-up inspection."); err != nil && !errors.Is(err, store.ErrCaseClosed) {
				return false, err
			}
		}
	}
	return true, nil
}

// currentPlan sends the plan of case c at the time at: by the force's demo
// liaison where it has one, else recorded by the demo inspector as received
// by email, as an inspector records a plan sent outside the portal.
func currentPlan(ctx context.Context, st *store.Store, blobs blob.Store, inspector store.Actor, liaisons map[string]store.Actor, c store.CasePlan, at time.Time) error {
	body := minipdf.Text(c.ForceName, c.Reference+": plan", "Demo data: a placeholder for the force's real plan.")
	n := store.NewSubmission{CaseID: c.ID, Kind: store.KindPlan, At: at,
		Documents: []store.NewDocument{{Name: c.ForceName + " - " + c.Reference + " plan.pdf", ContentType: "application/pdf",
			Size: int64(len(body)), SHA256: sha256.Sum256(body), Body: bytes.NewReader(body)}}}
	a, sc := inspector, store.Scope{}
	if l, ok := liaisons[c.ForceCode]; ok {
		a, sc = l, store.Scope{ForceID: c.ForceID}
	} else {
		n.Recorded = &store.Recording{Via: "email", Sender: "Chief officer's staff office, " + c.ForceName,
			Reason: "The force has no portal account yet (demo data).", At: at.Add(time.Hour)}
	}
	_, err := st.CreateSubmission(ctx, a, sc, blobs, n)
	return err
}

// currentDates are the dates of one demo case; zero means not happened.
type currentDates struct {
	submitted, started, published *time.Time
	planned, done, closed         time.Time
}

// currentCase spreads the forces of recommendation ri over the lifecycle by
// their position i.
func currentCase(ri, i int, day func(int) time.Time) currentDates {
	at := func(n int, hour int) *time.Time {
		t := day(n).Add(time.Duration(hour) * time.Hour)
		return &t
	}
	on := func(n int) *time.Time { t := day(n); return &t }
	var c currentDates
	if ri == 1 { // R2: plans due in 9 days; a third already in
		if i%3 == 0 {
			c.submitted = at(-2, 10)
		}
		return c
	}
	switch i % 7 {
	case 0: // done and closed
		c.submitted, c.started, c.published = at(-45, 11), on(-40), on(-25)
		c.planned, c.done, c.closed = day(-12), day(-10), day(-3)
	case 1: // no plan yet: plan overdue
	case 2: // plan in, not assessed: assessment overdue
		c.submitted, c.started = at(-38, 15), on(-30)
	case 3: // assessed, follow-up overdue
		c.submitted, c.started, c.published = at(-45, 9), on(-40), on(-5)
		c.planned = day(-4)
	case 4: // assessed, follow-up due soon
		c.submitted, c.started, c.published = at(-50, 14), on(-45), on(-12)
		c.planned = day(6)
	case 5: // plan in late, assessment still within its 30 days
		c.submitted = at(-20, 16)
	case 6: // assessed, no follow-up yet
		c.submitted, c.started, c.published = at(-42, 10), on(-36), on(-2)
	}
	return c
}

// StoryFollowUpsPlanned is the day the follow-up inspection of the 2017
// recommendation was planned for at every force: step 7 of the story.
var StoryFollowUpsPlanned = domain.Date(2018, 3, 12)

// StoryFollowUps records step 7 of the story once: the follow-up inspection
// of 2018 at every force, scheduled for every case of the recommendation at
// once, then done over the following weeks with an outcome that follows the
// force's 2017 category (all elements in place: implemented, and the case
// closed; implementation started: partially implemented; otherwise not
// implemented, the case left open and its recommendation overdue).
func StoryFollowUps(ctx context.Context, st *store.Store) (bool, error) {
	rec, err := StoryRecommendation(ctx, st)
	if err != nil {
		return false, err
	}
	var done bool
	if err := st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follow_ups fu JOIN cases c ON c.id = fu.case_id
		WHERE c.finding_id = $1)`, rec.ID).Scan(&done); err != nil {
		return false, fmt.Errorf("seed: story follow-ups: %w", err)
	}
	if done {
		return false, nil
	}
	inspector, err := st.UserByEmail(ctx, "inspector@demo.test")
	if err != nil {
		return false, fmt.Errorf("seed: story follow-ups need the demo inspector: %w", err)
	}
	system := store.Actor{UserID: inspector.ID, Email: inspector.Email, Role: inspector.Role, RequestID: "seed-demo"}
	rows, err := st.Pool().Query(ctx, `SELECT c.id, COALESCE(k.key, '') FROM cases c
		LEFT JOIN assessments a ON a.case_id = c.id LEFT JOIN categories k ON k.id = a.category_id
		WHERE c.finding_id = $1 ORDER BY c.id`, rec.ID)
	if err != nil {
		return false, fmt.Errorf("seed: story follow-ups: %w", err)
	}
	type storyCase struct {
		id       int64
		category string
	}
	cases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storyCase, error) {
		var c storyCase
		return c, r.Scan(&c.id, &c.category)
	})
	if err != nil {
		return false, fmt.Errorf("seed: story follow-ups: %w", err)
	}
	err = st.InTx(ctx, func(st *store.Store) error {
		if _, err := st.ScheduleFollowUps(ctx, system, store.Scope{}, rec.ID, store.NewFollowUp{PlannedOn: StoryFollowUpsPlanned,
			Notes: "The follow-up inspection of implementation the letters of 2 October 2017 announced."}); err != nil {
			return err
		}
		for i, c := range cases {
			fus, err := st.FollowUps(ctx, store.Scope{}, c.id)
			if err != nil || len(fus) == 0 {
				return fmt.Errorf("seed: story follow-up of case %d: %v", c.id, err)
			}
			on := domain.AddDays(StoryFollowUpsPlanned, i%40)
			outcome, notes := domain.OutcomeNotImplemented, "The plan has not yet been put into practice."
			switch c.category {
			case "all_in_place":
				outcome, notes = domain.OutcomeImplemented, "Every element of the plan is in place and working."
			case "plan_started":
				outcome, notes = domain.OutcomePartiallyImplemented, "IT monitoring is in place; the unit is still short of staff."
			}
			if err := st.RecordFollowUp(ctx, system, store.Scope{}, fus[len(fus)-1].ID,
				store.FollowUpRecord{DoneOn: on, Outcome: outcome, Notes: notes}); err != nil {
				return err
			}
			if outcome == domain.OutcomeImplemented {
				if err := st.CloseCase(ctx, system, store.Scope{}, c.id, domain.AddDays(on, 14), domain.ClosedImplemented,
					"Confirmed at the follow-up inspection of 2018."); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return err == nil, err
}
