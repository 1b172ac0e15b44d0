package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"inspectrack/internal/blob"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestClosedCaseRefusesASubmission: the store itself refuses a plan sent to
// a closed case, under the case's lock, whatever the page checked before,
// and writes nothing; the same plan to the case reopened is taken.
func TestClosedCaseRefusesASubmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newDemo(t, time.Now())
	caseID := demoID(t, st, `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE f.code = 'leicestershire' AND c.closed_on IS NULL ORDER BY c.id LIMIT 1`)
	testdb.Exec(t, st.Pool(), `UPDATE cases SET closed_on = current_date, closed_reason = 'superseded' WHERE id = $1`, caseID)
	liaison := store.Actor{UserID: demoID(t, st, `SELECT id FROM users WHERE email = 'liaison.leicestershire@demo.test'`),
		Email: "liaison.leicestershire@demo.test", RequestID: "test"}
	send := func() error {
		body := []byte("Our plan.\n")
		_, err := st.CreateSubmission(ctx, liaison, store.Scope{}, blob.NewPostgres(st.Pool()), store.NewSubmission{
			CaseID: caseID, Kind: store.KindPlan, At: time.Now(),
			Documents: []store.NewDocument{{Name: "plan.txt", ContentType: "text/plain", Size: int64(len(body)),
				SHA256: sha256.Sum256(body), Body: bytes.NewReader(body)}}})
		return err
	}
	count := func() int64 {
		return demoID(t, st, `SELECT count(*) FROM submissions WHERE case_id = $1`, caseID)
	}
	before := count()
	if err := send(); !errors.Is(err, store.ErrCaseClosed) {
		t.Fatalf("a plan sent to a closed case: %v, want ErrCaseClosed", err)
	}
	if after := count(); after != before {
		t.Errorf("the closed case has %d submissions, had %d", after, before)
	}
	testdb.Exec(t, st.Pool(), `UPDATE cases SET closed_on = NULL, closed_reason = NULL WHERE id = $1`, caseID)
	if err := send(); err != nil {
		t.Fatalf("a plan sent to the reopened case: %v", err)
	}
	if after := count(); after != before+1 {
		t.Errorf("the reopened case has %d submissions, want %d", after, before+1)
	}
}
