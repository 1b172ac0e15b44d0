package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/jobs"
	"inspectrack/internal/smtptest"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// BenchmarkRequestForPlansTo250ForcesOf40Liaisons issues a request for
// plans to 250 forces with 40 liaisons each: 10,000 messages enqueued in
// the request's transaction. It reports the commit's time and the rate at
// which the real workers deliver them to a local SMTP server.
// go test -run '^$' -bench BenchmarkRequestForPlans -benchtime 1x ./internal/jobs/
func BenchmarkRequestForPlansTo250ForcesOf40Liaisons(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		pool := testdb.Pool(b)
		st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
		testdb.Exec(b, pool, `INSERT INTO forces (code, name, region, chief_officer_title, oversight_body)
			SELECT 'f' || i, 'Force ' || i, 'Region', 'Chief Constable', 'Police and Crime Commissioner' FROM generate_series(1, 250) i`)
		testdb.Exec(b, pool, `INSERT INTO users (email, name, role, force_id, password_hash)
			SELECT 'l' || f.id || '.' || j || '@example.test', 'Liaison ' || j, 'liaison', f.id, 'x'
			FROM forces f, generate_series(1, 40) j`)
		a := store.Actor{Email: "bench@example.test", Role: "inspector"}
		reportID, err := st.CreateReport(ctx, a, store.NewReport{Title: "Bench report", Kind: "national", PublishedOn: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		findingID, err := st.CreateFinding(ctx, a, reportID, store.FindingInput{Kind: domain.FindingRecommendation, Body: "Do it.", Scope: store.ScopeAllPolice})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.ApplyFinding(ctx, a, findingID); err != nil {
			b.Fatal(err)
		}
		srv := smtptest.Start(b)
		b.StartTimer()

		start := time.Now()
		if _, err := st.RecordRequest(ctx, a, findingID, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			b.Fatal(err)
		}
		commit := time.Since(start)
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbound_messages`).Scan(&n); err != nil || n != 10000 {
			b.Fatalf("%d messages enqueued (%v), want 10000", n, err)
		}
		smtp, err := jobs.NewSMTP(srv.URL(), "inspectrack@example.test")
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		c, err := jobs.Start(ctx, pool, st, slog.New(slog.DiscardHandler), jobs.Options{BaseURL: base, Sender: smtp, Workers: 50, FetchPoll: 50 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		got := srv.Wait(n, 10*time.Minute)
		deliver := time.Since(start)
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_ = c.Stop(sctx)
		cancel()
		if len(got) != n {
			b.Fatalf("%d of %d delivered", len(got), n)
		}
		b.ReportMetric(float64(commit.Milliseconds()), "ms/commit")
		b.ReportMetric(float64(n)/deliver.Seconds(), "msgs/s")
	}
}
