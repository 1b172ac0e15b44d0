package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/store"
)

// BenchSize is the size of the national-scale data set loadBench builds.
type BenchSize struct {
	Forces          int // in all, including those already there
	Reports         int
	Recommendations int // in all, over the reports in order, filling each up to PerReport
	PerReport       int
	AuditEvents     int // at least this many
}

// BenchResult says what loadBench built.
type BenchResult struct {
	Forces, Reports, Recommendations, Cases, FollowUps int
	Submissions, Documents, Assessments                int
	AuditEvents                                        int64
	Steps                                              []BenchStep
}

// BenchStep is one timed step of loadBench.
type BenchStep struct {
	Name string
	Took time.Duration
}

// benchForces adds made-up forces, spread over the regions, until there are
// n in all, audited as one event by a.
func benchForces(ctx context.Context, st *store.Store, a store.Actor, n int) error {
	const q = `
		INSERT INTO forces (code, name, region, chief_officer_title, oversight_body)
		SELECT 'bench-' || lpad(n::text, 3, '0'), 'Bench Force ' || lpad(n::text, 3, '0'),
			(ARRAY['East Midlands', 'Eastern', 'London', 'North East', 'North West', 'South East',
				'South West', 'Wales', 'West Midlands', 'Yorkshire and the Humber'])[1 + n % 10],
			'Chief Constable', 'Police and crime commissioner'
		FROM generate_series(1, $1 - (SELECT count(*) FROM forces)) n`
	return st.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, n)
		if err != nil {
			return fmt.Errorf("seed: bench forces: %w", err)
		}
		return store.Audit(ctx, tx, a.Event("bench.forces", "force", "", 0, fmt.Sprintf("%d forces added", tag.RowsAffected())))
	})
}

// loadBench fills a database (migrated, with its forces, the demo users and
// the current report) with a national picture: size.Reports reports holding
// size.Recommendations recommendations published over the years up to
// today, a case for every recommendation and force with lifecycle dates
// drawn at random (seeded, so two runs build the same picture), follow-ups,
// and audit events for what happened, appended to the hash chain. Rows are
// made in SQL (generate_series, INSERT ... SELECT) and the audit trail is
// streamed with COPY, its hashes computed on the way: minutes, not hours.
// The dashboard's triggers are off during the load and its items are
// computed once at the end. It is one transaction, with its audit events,
// like every change to the portal's data; VACUUM ANALYZE follows.
func loadBench(ctx context.Context, st *store.Store, size BenchSize, today time.Time, inspectorID int64) (BenchResult, error) {
	var res BenchResult
	err := st.InTx(ctx, func(tx *store.Store) error {
		var err error
		res, err = loadBenchSteps(ctx, tx, size, today, inspectorID)
		return err
	})
	if err != nil {
		return res, err
	}
	start := time.Now()
	if _, err := st.Pool().Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return res, fmt.Errorf("seed: bench: vacuum analyze: %w", err)
	}
	res.Steps = append(res.Steps, BenchStep{"vacuum analyze", time.Since(start)})
	const counts = `SELECT (SELECT count(*) FROM forces), (SELECT count(*) FROM reports),
		(SELECT count(*) FROM findings WHERE kind = 'recommendation'), (SELECT count(*) FROM cases),
		(SELECT count(*) FROM follow_ups), (SELECT count(*) FROM submissions), (SELECT count(*) FROM documents),
		(SELECT count(*) FROM assessments)`
	if err := st.Pool().QueryRow(ctx, counts).Scan(&res.Forces, &res.Reports, &res.Recommendations, &res.Cases, &res.FollowUps,
		&res.Submissions, &res.Documents, &res.Assessments); err != nil {
		return res, fmt.Errorf("seed: bench: counts: %w", err)
	}
	return res, nil
}

func loadBenchSteps(ctx context.Context, st *store.Store, size BenchSize, today time.Time, inspectorID int64) (BenchResult, error) {
	var res BenchResult
	step := func(name string, fn func() error) error {
		start := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("seed: bench: %s: %w", name, err)
		}
		res.Steps = append(res.Steps, BenchStep{name, time.Since(start)})
		return nil
	}
	// Some steps take longer than a request may: the caller gives a Store
	// on a pool without the statement timeout.
	exec := func(q string, args ...any) func() error {
		return func() error {
			return st.Tx(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, q, args...); return err })
		}
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		// The dashboard's items are computed once at the end: its triggers
		// on cases, and the one on new assessments (which would compute the
		// items of every published case a first time), are off meanwhile.
		{"dashboard triggers off", exec(`ALTER TABLE cases DISABLE TRIGGER USER;
			ALTER TABLE assessments DISABLE TRIGGER assessments_dashboard_insert`)},
		// Reports every 66 days back from a month ago; recommendations with a
		// six- or twelve-month deadline; requests sent a month after
		// publication (not yet for a report younger than that).
		{"reports", exec(`
			INSERT INTO reports (title, kind, published_on, created_by)
			SELECT 'Bench report ' || lpad(n::text, 3, '0'), 'national', $2::date - 30 - ($1 - n) * 66, $3
			FROM generate_series(1, $1) n`, size.Reports, today, inspectorID)},
		{"recommendations", exec(`
			INSERT INTO findings (report_id, kind, reference, body, deadline_text, deadline_on, created_by)
			SELECT r.id, 'recommendation', 'R' || (1 + (n - 1) % $2),
				'Within ' || CASE WHEN n % 2 = 0 THEN 'six' ELSE '12' END || ' months, all forces should act on bench recommendation ' || n || '.',
				CASE WHEN n % 2 = 0 THEN 'within six months' ELSE 'within 12 months' END,
				r.published_on + CASE WHEN n % 2 = 0 THEN interval '6 months' ELSE interval '12 months' END, $3
			FROM generate_series(1, $1) n
			JOIN reports r ON r.title = 'Bench report ' || lpad((1 + (n - 1) / $2)::text, 3, '0')
			ORDER BY n`, size.Recommendations, size.PerReport, inspectorID)},
		{"requests", exec(`
			INSERT INTO requests (finding_id, sent_on, due_on, created_by)
			SELECT f.id, r.published_on + 30, r.published_on + 61, $2
			FROM findings f JOIN reports r ON r.id = f.report_id
			WHERE r.title LIKE 'Bench report %' AND r.published_on + 30 <= $1`, today, inspectorID)},
		{"cases", func() error { return benchCases(ctx, st, today) }},
		{"liaisons", exec(`
			INSERT INTO users (email, name, role, force_id, password_hash)
			SELECT 'liaison.' || f.code || '@bench.test', 'Liaison of ' || f.name, 'liaison', f.id, '!bench: no sign-in'
			FROM forces f
			WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.force_id = f.id)`)},
		{"submissions (small documents)", func() error { return benchSubmissions(ctx, st) }},
		{"categories", exec(`
			INSERT INTO categories (finding_id, position, key, label)
			SELECT f.id, c.position, c.key, c.label
			FROM findings f JOIN reports r ON r.id = f.report_id
			CROSS JOIN (VALUES (1, 'insufficient_information', 'Insufficient information'),
				(2, 'plan_not_started', 'Plan in place, implementation not started'),
				(3, 'plan_started', 'Plan in place, implementation started'),
				(4, 'all_in_place', 'All elements in place')) AS c (position, key, label)
			WHERE r.title LIKE 'Bench report %'`)},
		// An assessment for every case whose assessment started: published
		// when the case says so, else a draft or waiting for approval.
		{"assessments", exec(`
			INSERT INTO assessments (case_id, period, reviewed_up_to, category_id, summary, state, created_by,
				updated_by, created_at, updated_at, published_at)
			SELECT c.id, to_char(c.assessment_started_on, 'FMMonth YYYY'),
				(c.first_submitted_at AT TIME ZONE 'Europe/London')::date,
				(SELECT k.id FROM categories k WHERE k.finding_id = c.finding_id AND k.position = 1 + c.id % 4),
				'The plan was assessed against the criteria.',
				CASE WHEN c.assessment_published_on IS NOT NULL THEN 'published'
					WHEN c.id % 3 = 0 THEN 'submitted' ELSE 'draft' END,
				$1, $1, c.assessment_started_on + time '10:00', COALESCE(c.assessment_published_on, c.assessment_started_on) + time '11:00',
				c.assessment_published_on + time '11:00'
			FROM cases c JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id
			WHERE r.title LIKE 'Bench report %' AND c.assessment_started_on IS NOT NULL
			  AND c.first_submitted_at IS NOT NULL`, inspectorID)},
		{"follow-ups", exec(`
			INSERT INTO follow_ups (case_id, planned_on, done_on, outcome, notes, created_by, created_at, recorded_by, recorded_at)
			SELECT c.id, c.follow_up_planned_on, c.follow_up_done_on,
				CASE WHEN c.follow_up_done_on IS NULL THEN NULL
					WHEN c.closed_on IS NOT NULL THEN 'implemented'
					WHEN c.id % 2 = 0 THEN 'partially_implemented' ELSE 'not_implemented' END,
				'Revisit to check the plan is being carried out.', $1,
				(c.assessment_published_on + 1)::timestamptz,
				CASE WHEN c.follow_up_done_on IS NOT NULL THEN $1::bigint END,
				(c.follow_up_done_on + 1)::timestamptz
			FROM cases c JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id
			WHERE r.title LIKE 'Bench report %' AND c.follow_up_planned_on IS NOT NULL`, inspectorID)},
		{"audit events (hash chain, COPY)", func() error {
			n, err := benchAudit(ctx, st, size.AuditEvents, inspectorID)
			res.AuditEvents = n
			return err
		}},
		// (A table with trigger events still queued cannot be altered: the
		// deferred checks run now, at the end of the load, not at commit.)
		{"dashboard triggers on", exec(`SET CONSTRAINTS ALL IMMEDIATE;
			ALTER TABLE cases ENABLE TRIGGER USER;
			ALTER TABLE assessments ENABLE TRIGGER assessments_dashboard_insert`)},
		{"case counts", exec(`SELECT case_counts_rebuild()`)},
		{"dashboard items", exec(`SELECT dashboard_refresh(NULL)`)},
	}
	for _, st := range steps {
		if err := step(st.name, st.fn); err != nil {
			return res, err
		}
	}
	return res, nil
}

// benchCases draws each case's lifecycle: most plans arrive around their
// due date, most are assessed within three months, most assessed cases get
// a follow-up four to twelve months later, and most visited cases close.
// Nothing is dated after today; a step that has not happened yet is NULL,
// and so is everything after it.
func benchCases(ctx context.Context, st *store.Store, today time.Time) error {
	const q = `
		WITH base AS (
			SELECT f.id AS finding_id, fo.id AS force_id, rq.sent_on, rq.due_on,
				random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
				random() r7, random() r8, random() r9, random() r10, random() r11, random() r12, random() r13
			FROM findings f
			JOIN reports r ON r.id = f.report_id
			LEFT JOIN requests rq ON rq.finding_id = f.id
			CROSS JOIN forces fo
			WHERE r.title LIKE 'Bench report %'
		), sub AS (
			SELECT *, CASE WHEN r2 < 0.93 AND due_on - 25 + floor(r1 * 70)::int <= $1
				THEN due_on - 25 + floor(r1 * 70)::int END AS sub_on
			FROM base
		), assess AS (
			SELECT *,
				CASE WHEN sub_on + 3 + floor(r3 * 10)::int <= $1 THEN sub_on + 3 + floor(r3 * 10)::int END AS started_on,
				CASE WHEN r5 < 0.95 AND sub_on + 15 + floor(r4 * 80)::int <= $1 THEN sub_on + 15 + floor(r4 * 80)::int END AS published_on
			FROM sub
		), planned AS (
			SELECT *, CASE WHEN r7 < 0.8 THEN published_on + 120 + floor(r6 * 240)::int END AS planned_on
			FROM assess
		), done AS (
			SELECT *, CASE WHEN r9 < 0.9 AND planned_on + floor(r8 * 40)::int - 5 <= $1
				THEN planned_on + floor(r8 * 40)::int - 5 END AS done_on
			FROM planned
		), closed AS (
			SELECT *, CASE WHEN r11 < 0.85 AND done_on + 10 + floor(r10 * 60)::int <= $1
				THEN done_on + 10 + floor(r10 * 60)::int END AS closed_on
			FROM done
		)
		INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on, first_submitted_at, last_submitted_at,
			assessment_started_on, assessment_published_on, follow_up_planned_on, follow_up_done_on,
			closed_on, closed_reason, closed_note)
		SELECT finding_id, force_id, sent_on, due_on,
			(sub_on + make_interval(hours => 8 + floor(r12 * 9)::int, mins => floor(r13 * 60)::int)) AT TIME ZONE 'Europe/London',
			(sub_on + make_interval(hours => 8 + floor(r12 * 9)::int, mins => floor(r13 * 60)::int)) AT TIME ZONE 'Europe/London'
				+ CASE WHEN r13 < 0.3 THEN interval '20 days' ELSE interval '0' END,
			started_on, published_on, planned_on, done_on, closed_on,
			CASE WHEN closed_on IS NOT NULL THEN (ARRAY['implemented', 'implemented', 'implemented', 'superseded', 'not_accepted'])[1 + floor(r12 * 5)::int] END,
			CASE WHEN closed_on IS NOT NULL THEN 'Confirmed at the follow-up inspection.' ELSE '' END
		FROM closed`
	return st.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT setseed(0.2017)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, q, today)
		return err
	})
}

// benchSubmissions gives every case with a plan in its first version, sent
// by a liaison of the force, with one small text document stored as a blob
// of one chunk, as an upload would store it.
func benchSubmissions(ctx context.Context, st *store.Store) error {
	return st.Tx(ctx, func(tx pgx.Tx) error {
		steps := []string{
			`INSERT INTO submissions (case_id, kind, version, submitted_by, submitted_at, due_on, note)
			SELECT c.id, 'plan', 1, (SELECT min(u.id) FROM users u WHERE u.force_id = c.force_id), c.first_submitted_at,
				c.plan_due_on, 'Our plan, agreed by the chief officer group.'
			FROM cases c JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id
			WHERE r.title LIKE 'Bench report %' AND c.first_submitted_at IS NOT NULL`,
			`CREATE TEMP TABLE bench_docs ON COMMIT DROP AS
			SELECT s.id AS submission_id, s.case_id,
				nextval(pg_get_serial_sequence('blobs', 'id')) AS blob_id,
				convert_to('Plan for case ' || s.case_id || E'.\n' || repeat(E'We will review the counter-corruption unit''s capability and capacity.\n', 4), 'UTF8') AS data
			FROM submissions s
			WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.submission_id = s.id)`,
			`INSERT INTO blob_chunks (blob_id, seq, data) SELECT blob_id, 0, data FROM bench_docs`,
			`INSERT INTO blobs (id, size, sha256, chunks) OVERRIDING SYSTEM VALUE
			SELECT blob_id, octet_length(data), sha256(data), 1 FROM bench_docs`,
			`INSERT INTO documents (submission_id, position, blob_id, display_name, content_type)
			SELECT submission_id, 1, blob_id, 'plan-' || case_id || '.txt', 'text/plain; charset=utf-8'
			FROM bench_docs`,
		}
		for _, q := range steps {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// benchEvent is one audit event to be, kept small: a million of them are
// sorted by time before the chain is hashed.
type benchEvent struct {
	at     int64 // Unix microseconds
	caseID int64
	force  int32
	action uint8
}

var benchActions = []struct{ action, summary string }{
	{"request.send", "request for the plan sent"},
	{"submission.create", "plan submitted"},
	{"document.upload", "document uploaded"},
	{"assessment.create", "assessment drafted"},
	{"assessment.edit", "assessment edited"},
	{"assessment.submit", "assessment submitted for approval"},
	{"assessment.approve", "assessment approved"},
	{"assessment.publish", "assessment and letter published"},
	{"follow_up.schedule", "follow-up scheduled"},
	{"follow_up.record", "follow-up recorded"},
	{"case.close", "closed: implemented"},
	{"case.view", "case read"},
}

// benchAudit writes at least n audit events for what the cases record,
// in time order, continuing the hash chain (see store.CopyAuditEvents).
func benchAudit(ctx context.Context, st *store.Store, n int, actorID int64) (int64, error) {
	const q = `SELECT id, force_id, request_sent_on, first_submitted_at, assessment_started_on,
		assessment_published_on, follow_up_planned_on, follow_up_done_on, closed_on FROM cases`
	rng := rand.New(rand.NewPCG(2017, 10))
	var events []benchEvent
	day := func(d *time.Time, hour int) int64 {
		return d.Add(time.Duration(hour)*time.Hour + time.Duration(rng.IntN(3600))*time.Second).UnixMicro()
	}
	add := func(at int64, caseID int64, force int32, action int) {
		events = append(events, benchEvent{at: at, caseID: caseID, force: force, action: uint8(action)})
	}
	// Read in the load's transaction: the cases are not committed yet.
	err := st.Tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var force int32
			var sent, started, published, planned, done, closed *time.Time
			var submitted *time.Time
			if err := rows.Scan(&id, &force, &sent, &submitted, &started, &published, &planned, &done, &closed); err != nil {
				return err
			}
			if sent != nil {
				add(day(sent, 9), id, force, 0)
			}
			if submitted != nil {
				at := submitted.UnixMicro()
				add(at, id, force, 1)
				add(at+1, id, force, 2)
				add(at+2, id, force, 2)
			}
			if started != nil {
				add(day(started, 10), id, force, 3)
				add(day(started, 14), id, force, 4)
				add(day(started, 16), id, force, 5)
			}
			if published != nil {
				add(day(published, 9), id, force, 6)
				add(day(published, 11), id, force, 7)
			}
			if planned != nil && published != nil {
				add(day(published, 12), id, force, 8)
			}
			if done != nil {
				add(day(done, 17), id, force, 9)
			}
			if closed != nil {
				add(day(closed, 10), id, force, 10)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	// Reading cases tops the trail up to n: inspectors and liaisons open
	// cases far more often than they change them.
	if len(events) > 0 {
		for i := 0; len(events) < n; i++ {
			e := events[rng.IntN(len(events))]
			add(e.at+int64(1+rng.IntN(86400))*1e6, e.caseID, e.force, 11)
		}
	}
	slices.SortFunc(events, func(a, b benchEvent) int {
		if a.at != b.at {
			return int(max(-1, min(1, a.at-b.at)))
		}
		return int(max(-1, min(1, a.caseID-b.caseID)))
	})

	actor, err := st.UserByID(ctx, actorID)
	if err != nil {
		return 0, err
	}
	err = st.CopyAuditEvents(ctx, len(events), func(i int) store.AuditEvent {
		be := events[i]
		act := benchActions[be.action]
		return store.AuditEvent{OccurredAt: time.UnixMicro(be.at), ActorID: actorID, ActorEmail: actor.Email,
			Action: act.action, ObjectType: "case", ObjectID: strconv.FormatInt(be.caseID, 10), ForceID: int64(be.force),
			Summary: act.summary, RequestID: "bench", ClientAddr: "127.0.0.1"}
	})
	return int64(len(events)), err
}
