package seed

import (
	"context"
	"fmt"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
)

// NationalBench is the national scale `seed bench` builds: 250 forces, 400
// recommendations (397 in 80 bench reports, the 2017 story's and the 2 of
// the current demo report), a case for each recommendation at each force
// (99,793: the story's is at the 43 real forces only), and a million audit
// events.
var NationalBench = BenchSize{Forces: 250, Reports: 80, Recommendations: 397, PerReport: 5, AuditEvents: 1_000_000}

// BenchSizeFor is BenchSize grown (or shrunk) to about cases cases: the
// same 250 forces, with as many recommendations as it takes at five a
// report, and the same million audit events. BenchSizeFor(1_000_000) is
// ten times the national data: 4,000 recommendations, 800 reports.
func BenchSizeFor(cases int) BenchSize {
	size := NationalBench
	if cases <= 0 {
		return size
	}
	// The demo's recommendations have cases too: 3 at every force.
	recs := max(1, (cases+size.Forces-1)/size.Forces-3)
	size.Recommendations = recs
	size.Reports = (recs + size.PerReport - 1) / size.PerReport
	return size
}

// Bench fills an empty, migrated database with the demo data (forces,
// users, the current report) and then a data set of size (NationalBench
// for `seed bench`; the tests build a small one).
func Bench(ctx context.Context, st *store.Store, password string, params auth.Params, now time.Time, size BenchSize) (BenchResult, error) {
	var existing int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&existing); err != nil {
		return BenchResult{}, fmt.Errorf("seed: bench: %w", err)
	}
	if existing > 0 {
		return BenchResult{}, fmt.Errorf("seed: bench: the database already has %d cases: the bench data set goes into an empty one", existing)
	}
	// The demo (the 43 real forces, users, the story of 2017 and its
	// assessments) first, then made-up forces up to size.Forces, then the
	// current report, which so has a case at every force.
	if _, err := Demo(ctx, st, password, params); err != nil {
		return BenchResult{}, err
	}
	if err := benchForces(ctx, st, store.Actor{Email: "seed", RequestID: "seed-bench"}, size.Forces); err != nil {
		return BenchResult{}, err
	}
	if _, err := StoryFollowUps(ctx, st); err != nil {
		return BenchResult{}, err
	}
	if _, err := Current(ctx, st, now); err != nil {
		return BenchResult{}, err
	}
	inspector, err := st.UserByEmail(ctx, "inspector@demo.test")
	if err != nil {
		return BenchResult{}, err
	}
	res, err := loadBench(ctx, st, size, domain.Today(now), inspector.ID)
	if err != nil {
		return res, err
	}
	return res, nil
}
