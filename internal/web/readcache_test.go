package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/readcache"
)

// psql runs q on a connection of its own, as someone at a psql prompt
// would: outside the store, with no audit event. The test database refuses
// a change without an audit event (testdb's requireAudit, the design's
// rule for the portal's own changes); the setting it reads lets a change
// by hand through, as a production database would.
func psql(t *testing.T, ts *testServer, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, ts.store.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('inspectrack.audited', 'on', true)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, q, args...)
		return err
	})
	if err != nil {
		t.Fatalf("psql: %s: %v", q, err)
	}
}

// TestChangeByHandShowsOnTheNextRequestOfEveryPage: a change made in psql,
// with no audit event and no `audit note`, is on the very next request of
// every cached page, though each was answered from the cache just before.
func TestChangeByHandShowsOnTheNextRequestOfEveryPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	pool := ts.store.Pool()
	// The force ranked first on the dashboard, one of its cases and the
	// report that case answers.
	var forceID, caseID, reportID int64
	var code string
	err := pool.QueryRow(ctx, `SELECT f.id, f.code, c.id, fi.report_id FROM forces f
		JOIN cases c ON c.force_id = f.id JOIN findings fi ON fi.id = c.finding_id
		ORDER BY c.id LIMIT 1`).Scan(&forceID, &code, &caseID, &reportID)
	if err != nil {
		t.Fatal(err)
	}
	manager := ts.as("manager@demo.test")
	// The dashboard shows forces with something overdue or due soon:
	// make sure this one has (a plan overdue), through the portal's way of
	// changing data in a test.
	psql(t, ts, `UPDATE cases SET request_sent_on = current_date - 60, plan_due_on = current_date - 30,
		first_submitted_at = NULL, closed_on = NULL WHERE id = $1`, caseID)

	pages := []string{"/dashboard", "/plans", "/forces", "/cases", "/cases?force=" + url.QueryEscape(code),
		"/forces/" + url.PathEscape(code), fmt.Sprintf("/cases/%d", caseID)}
	const forceName, reportTitle = "Renamed By Hand Constabulary", "A Report Retitled By Hand"
	for _, p := range pages {
		for range 2 {
			res := manager.get(p)
			wantStatus(t, res, 200)
			if strings.Contains(res.Body, forceName) || strings.Contains(res.Body, reportTitle) {
				t.Fatalf("%s shows the new names before the change", p)
			}
		}
	}
	before := ts.srv.ReadCache().Stats()
	if before.Hits < int64(len(pages)) {
		t.Fatalf("the second request of each page was not answered from the cache: %+v", before)
	}

	psql(t, ts, `UPDATE forces SET name = $2 WHERE id = $1`, forceID, forceName)
	psql(t, ts, `UPDATE reports SET title = $2 WHERE id = $1`, reportID, reportTitle)

	want := map[string]string{"/dashboard": forceName, "/plans": reportTitle, "/forces": forceName,
		"/cases": forceName + "|" + reportTitle, pages[4]: forceName, pages[5]: forceName, pages[6]: forceName}
	for _, p := range pages {
		res := manager.get(p)
		wantStatus(t, res, 200)
		found := false
		for _, w := range strings.Split(want[p], "|") {
			found = found || strings.Contains(res.Body, w)
		}
		if !found {
			t.Errorf("%s: the change made by hand is not shown (want %q)", p, want[p])
		}
	}
}

// TestReadsLeaveTheCacheAlone: a sign-in, a sign-out, a 404, a refusal and
// a document download (each of which records an audit event or a session)
// do not move the data version: the page read before is answered from the
// cache after them, with no miss.
func TestReadsLeaveTheCacheAlone(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	manager := ts.as("manager@demo.test")
	wantStatus(t, manager.get("/dashboard"), 200)
	wantStatus(t, manager.get("/dashboard"), 200)
	before := ts.srv.ReadCache().Stats()

	inspector := ts.as("inspector@demo.test")
	wantStatus(t, manager.get("/no-such-page"), 404)
	wantStatus(t, manager.get("/cases/999999999"), 404)
	var docID int64
	if err := ts.store.Pool().QueryRow(ctx, `SELECT id FROM documents ORDER BY id LIMIT 1`).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, manager.get(fmt.Sprintf("/documents/%d", docID)), 200)
	wantStatus(t, inspector.post("/logout", nil), 303)
	liaison := ts.anon()
	res := liaison.post("/login", url.Values{"email": {"manager@demo.test"}, "password": {"wrong"}})
	if res.StatusCode == 303 {
		t.Fatal("a wrong password signed in")
	}

	mid := ts.srv.ReadCache().Stats()
	if mid.Version != before.Version {
		t.Errorf("reads moved the data version: before %+v, after %+v", before, mid)
	}
	wantStatus(t, manager.get("/dashboard"), 200)
	after := ts.srv.ReadCache().Stats()
	if after.Misses != mid.Misses || after.Hits != mid.Hits+1 {
		t.Errorf("the dashboard read again after reads only: before %+v, after %+v", mid, after)
	}
}

// TestJunkQueryParametersStayWithinTheByteBound: 4,000 dashboard URLs with
// parameters the page does not know share one entry, and 400 with filter
// values of their own stay within the cache's bound in bytes.
func TestJunkQueryParametersStayWithinTheByteBound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	manager := ts.as("manager@demo.test")
	junk := strings.Repeat("z", 200)
	for i := range 4000 {
		wantStatus(t, manager.get(fmt.Sprintf("/dashboard?utm_%d=%s&x=%d", i, junk, i)), 200)
	}
	st := ts.srv.ReadCache().Stats()
	if st.Entries != 1 || st.Misses != 1 {
		t.Fatalf("4,000 URLs differing only in unknown parameters: %+v, want one entry read once", st)
	}

	const bound = 256 << 10
	ts.srv.cache = readcache.New(bound)
	for i := range 400 {
		wantStatus(t, manager.get(fmt.Sprintf("/dashboard?region=%s-%d", junk, i)), 200)
	}
	st = ts.srv.ReadCache().Stats()
	if st.Bytes > bound || st.Entries >= 400 || st.Misses != 400 {
		t.Fatalf("400 distinct questions with a bound of %d bytes: %+v", bound, st)
	}
}
