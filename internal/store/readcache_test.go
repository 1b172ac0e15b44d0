package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// signedIn gives a session of a new manager; each call of the function it
// returns is a request's context, which has read the session and the data
// version as the portal's middleware does.
func signedIn(t *testing.T, st *store.Store) func() context.Context {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUser(ctx, store.Actor{}, store.NewUser{Email: "mo@example.test", Name: "Mo Manager",
		Role: "manager", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := store.SessionCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{store.SessionUserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Sessions().CommitCtx(ctx, "token", data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return func() context.Context {
		t.Helper()
		rctx := store.WithSessionUser(ctx)
		if _, found, err := st.Sessions().FindCtx(rctx, "token"); err != nil || !found {
			t.Fatalf("session: %v %v", found, err)
		}
		return rctx
	}
}

// TestReadsAreKeptForTheDataVersion: what a page reads is kept for the
// data version its request read with the session. A request that read the
// version before a change may be answered from what was read before it (it
// overlapped the change); a request that starts after the change never is;
// a request without a session always reads the database.
func TestReadsAreKeptForTheDataVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3, 1, 1)
	st := w.st
	request := signedIn(t, st)
	today := propStart
	f := store.DashboardFilter{AsOf: today, Today: today}
	planOverdue := func(rctx context.Context) int {
		t.Helper()
		d, err := st.Dashboard(rctx, store.Scope{}, f)
		if err != nil {
			t.Fatal(err)
		}
		return d.Totals[domain.KindPlanOverdue]
	}
	cases := func(rctx context.Context) int {
		t.Helper()
		fp, err := st.ForcePage(rctx, store.Scope{}, "force-00", today, 1, 20)
		if err != nil {
			t.Fatal(err)
		}
		return fp.Cases
	}

	before := request()
	wasOverdue, hadCases := planOverdue(before), cases(before)
	vBefore, _ := store.DataVersionFrom(before)

	// A plan falls overdue and force-00 gets a case, each with its audit
	// event, as every change to the data is made.
	testdb.Exec(t, w.pool, `UPDATE cases SET request_sent_on = $2, plan_due_on = $3 WHERE id = $1`,
		w.cases[0], domain.AddDays(today, -20), domain.AddDays(today, -10))
	testdb.Exec(t, w.pool, `INSERT INTO findings (report_id, kind, reference, body) VALUES ($1, 'recommendation', 'R9', 'Do more')`, w.reports[0])
	testdb.Exec(t, w.pool, `INSERT INTO cases (finding_id, force_id) SELECT max(id), $1 FROM findings`, w.forces[0])

	if got := planOverdue(before); got != wasOverdue {
		t.Errorf("a request that read the version before the change: %d plans overdue, want %d kept from before", got, wasOverdue)
	}
	if got := cases(before); got != hadCases {
		t.Errorf("a request that read the version before the change: force has %d cases, want %d kept from before", got, hadCases)
	}
	after := request()
	if vAfter, _ := store.DataVersionFrom(after); vAfter <= vBefore {
		t.Fatalf("data version %d after the change, %d before", vAfter, vBefore)
	}
	if got := planOverdue(after); got != wasOverdue+1 {
		t.Errorf("a request after the change: %d plans overdue, want %d", got, wasOverdue+1)
	}
	if got := cases(after); got != hadCases+1 {
		t.Errorf("a request after the change: force has %d cases, want %d", got, hadCases+1)
	}
	// Once a newer version is kept, an older request reads the database
	// and leaves the newer entries alone.
	if got := planOverdue(before); got != wasOverdue+1 {
		t.Errorf("a request older than what is kept: %d plans overdue, want %d read now", got, wasOverdue+1)
	}
	if got := planOverdue(ctx); got != wasOverdue+1 {
		t.Errorf("without a session: %d plans overdue, want %d", got, wasOverdue+1)
	}
}

// TestRequestsMissingTogetherReadOnce: requests that miss the same entry at
// once wait for the first one's read; when it fails, each reads for
// itself.
func TestRequestsMissingTogetherReadOnce(t *testing.T) {
	t.Parallel()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	rctx := signedIn(t, st)()
	for _, fail := range []bool{false, true} {
		var mu sync.Mutex
		reads := 0
		started, release := make(chan struct{}), make(chan struct{})
		read := func() (int, error) {
			mu.Lock()
			reads++
			first := reads == 1
			mu.Unlock()
			if first {
				close(started)
				<-release
				if fail {
					return 0, errors.New("the first read failed")
				}
			}
			return 42, nil
		}
		key := fmt.Sprint("key ", fail)
		var wg sync.WaitGroup
		results := make([]int, 8)
		errs := make([]error, 8)
		wg.Go(func() { results[0], errs[0] = store.Cached(rctx, st, key, read) })
		<-started
		for i := 1; i < len(results); i++ {
			wg.Go(func() { results[i], errs[i] = store.Cached(rctx, st, key, read) })
		}
		close(release)
		wg.Wait()
		for i := 1; i < len(results); i++ {
			if errs[i] != nil || results[i] != 42 {
				t.Errorf("fail=%v: request %d got %d, %v", fail, i, results[i], errs[i])
			}
		}
		if fail && errs[0] == nil {
			t.Errorf("the failed read returned no error")
		}
		if want := 1; !fail && reads != want {
			t.Errorf("%d reads of one entry missed together, want %d", reads, want)
		}
	}
}
