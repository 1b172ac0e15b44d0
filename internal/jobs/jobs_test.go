package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/jobs"
	"inspectrack/internal/notify"
	"inspectrack/internal/smtptest"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

const base = "https://inspectrack.example.test"

var admin = store.Actor{Email: "admin@example.test", Role: "admin", RequestID: "test"}

// fixture is a database with one force and a store on it.
func fixture(t *testing.T) (*pgxpool.Pool, *store.Store) {
	t.Helper()
	pool := testdb.Pool(t)
	testdb.Exec(t, pool, `INSERT INTO forces (code, name, region, chief_officer_title, oversight_body)
		VALUES ('leics', 'Leicestershire Police', 'East Midlands', 'Chief Constable', 'Police and Crime Commissioner')`)
	return pool, store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
}

// work starts workers delivering to srv (nil: the mailbox), stopped when
// t ends.
func work(t *testing.T, pool *pgxpool.Pool, st *store.Store, srv *smtptest.Server) {
	t.Helper()
	o := jobs.Options{BaseURL: base, RetryPolicy: jobs.QuickRetry{Delay: 100 * time.Millisecond}, FetchPoll: 50 * time.Millisecond}
	if srv != nil {
		smtp, err := jobs.NewSMTP(srv.URL(), "inspectrack@example.test")
		if err != nil {
			t.Fatal(err)
		}
		o.Sender = smtp
	}
	c, err := jobs.Start(context.Background(), pool, st, slog.New(slog.DiscardHandler), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
}

func invite(t *testing.T, st *store.Store, n int) []store.User {
	t.Helper()
	var users []store.User
	for i := range n {
		u, err := st.InviteUser(context.Background(), admin, store.NewUser{
			Email: fmt.Sprintf("liaison%d@example.test", i), Name: fmt.Sprintf("Liaison %d", i), Role: "liaison", ForceCode: "leics"})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	return users
}

// waitStatus waits until every message has left the queue, and returns them.
func waitStatus(t *testing.T, st *store.Store, want int, d time.Duration) []store.OutboundMessage {
	t.Helper()
	end := time.Now().Add(d)
	for {
		ms, err := st.ListMessages(context.Background(), store.MessageFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, m := range ms {
			if m.Status == "sent" || m.Status == "mailbox" || m.Status == "failed" {
				done++
			}
		}
		if done >= want || time.Now().After(end) {
			return ms
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEachKindOfMessageReachesTheMailServerWithTextAndHTML(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st := fixture(t)
	srv := smtptest.Start(t)
	users := invite(t, st, 1)
	params := notify.Params{"name": "Liaison 0", "force": "Leicestershire Police", "report": "PEEL: police legitimacy 2016",
		"due": "31 May 2017", "version": "2", "files": "2 files", "inspector": "Ina Inspector", "manager": "Mo Manager",
		"comment": "Say more about the IT monitoring.", "planned": "5 March 2018", "path": "/cases/1",
		"week": "29 March 2027", "counts": "Plan overdue: 3", "behind": "1. Kent Police: 3 overdue, the oldest 12 days"}
	var msgs []store.NewMessage
	for _, k := range notify.Kinds[1:] { // the invitation went with the user
		msgs = append(msgs, store.NewMessage{Kind: k, UserID: users[0].ID, Params: params})
	}
	if err := st.Notify(ctx, admin.Event("test.notify", "user", users[0].ID, 0, "each kind"), msgs); err != nil {
		t.Fatal(err)
	}
	work(t, pool, st, srv)
	got := srv.Wait(len(notify.Kinds), 15*time.Second)
	if len(got) != len(notify.Kinds) {
		t.Fatalf("received %d messages, want %d", len(got), len(notify.Kinds))
	}
	bySubject := map[string]smtptest.Message{}
	for _, m := range got {
		bySubject[m.Subject] = m
		if len(m.To) != 1 || m.To[0] != "liaison0@example.test" {
			t.Errorf("%q went to %v", m.Subject, m.To)
		}
		if m.Text == "" || m.HTML == "" {
			t.Errorf("%q: text %d bytes, HTML %d bytes: want both parts", m.Subject, len(m.Text), len(m.HTML))
		}
		if n := strings.Count(m.Text, base); n != 1 {
			t.Errorf("%q: %d links in the text, want one:\n%s", m.Subject, n, m.Text)
		}
		if n := strings.Count(m.HTML, "<a "); n != 1 {
			t.Errorf("%q: %d links in the HTML, want one", m.Subject, n)
		}
	}
	for _, k := range notify.Kinds {
		if _, ok := bySubject[notify.Subject(k, params)]; !ok {
			t.Errorf("no %s message (subject %q) received", k, notify.Subject(k, params))
		}
	}
	inv := bySubject[notify.Subject(notify.KindInvite, nil)]
	if !strings.Contains(inv.Text, base+"/invitation/") {
		t.Errorf("invitation has no link to choose a password:\n%s", inv.Text)
	}
	ret := bySubject[notify.Subject(notify.KindAssessmentReturned, params)]
	if !strings.Contains(ret.Text, "Say more about the IT monitoring.") {
		t.Errorf("a returned assessment's message lacks the manager's comment:\n%s", ret.Text)
	}
	// Every message is recorded as sent; over SMTP no body (and so no
	// link's token) is kept.
	for _, m := range waitStatus(t, st, len(notify.Kinds), 5*time.Second) {
		if m.Status != "sent" || m.SentAt == nil || m.Attempts != 1 || m.EventID == 0 {
			t.Errorf("message %d (%s): status %s, attempts %d, sent %v, event %d", m.ID, m.Kind, m.Status, m.Attempts, m.SentAt, m.EventID)
		}
		if m.BodyText != "" {
			t.Errorf("message %d (%s) kept its body after sending it over SMTP", m.ID, m.Kind)
		}
	}
}

func TestMessagesOutlastARefusingAndThenAbsentMailServerAndArriveOnce(t *testing.T) {
	t.Parallel()
	pool, st := fixture(t)
	srv := smtptest.Start(t)
	srv.Refuse(true)
	const n = 20
	invite(t, st, n)
	work(t, pool, st, srv)
	time.Sleep(400 * time.Millisecond) // several refused attempts each
	srv.Down()
	time.Sleep(400 * time.Millisecond) // and some with nobody listening
	if got := len(srv.Messages()); got != 0 {
		t.Fatalf("%d messages accepted while refusing", got)
	}
	srv.Refuse(false)
	srv.Up()
	srv.Wait(n, 30*time.Second)
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive by now
	got := srv.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.To[0]]++
	}
	for i := range n {
		if c := seen[fmt.Sprintf("liaison%d@example.test", i)]; c != 1 {
			t.Errorf("liaison%d got %d invitations, want exactly 1", i, c)
		}
	}
	retried := 0
	for _, m := range waitStatus(t, st, n, 5*time.Second) {
		if m.Status != "sent" {
			t.Errorf("message %d: %s (%s)", m.ID, m.Status, m.LastError)
		}
		if m.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no message needed a second attempt: the server's refusal was not exercised")
	}
}

func TestAChangeThatRollsBackSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st := fixture(t)
	srv := smtptest.Start(t)
	errBoom := errors.New("something after the invitation failed")
	err := st.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.InviteUser(ctx, admin, store.NewUser{Email: "gone@example.test", Name: "Gone", Role: "inspector"}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx: %v", err)
	}
	invite(t, st, 1) // a change that commits, to know when the workers have looked
	work(t, pool, st, srv)
	srv.Wait(1, 15*time.Second)
	time.Sleep(300 * time.Millisecond)
	got := srv.Messages()
	if len(got) != 1 || got[0].To[0] != "liaison0@example.test" {
		t.Fatalf("received %d messages (%v), want only the committed invitation", len(got), got)
	}
	var jobsCount, msgs int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM river_job), (SELECT count(*) FROM outbound_messages)`).Scan(&jobsCount, &msgs); err != nil {
		t.Fatal(err)
	}
	if jobsCount != 1 || msgs != 1 {
		t.Errorf("%d jobs and %d messages recorded, want 1 of each", jobsCount, msgs)
	}
}

func TestTwoInstancesOnOneDatabaseSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	pool, st := fixture(t)
	srv := smtptest.Start(t)
	const n = 40
	invite(t, st, n)
	// Two processes: each its own pool and store, one database.
	cs := pool.Config().ConnString()
	for range 2 {
		p2, err := pgxpool.New(context.Background(), cs)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p2.Close)
		work(t, p2, store.New(p2, store.WithAuditKeys(testdb.AuditKeys())), srv)
	}
	srv.Wait(n, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[m.MessageID]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages received, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s received %d times", id, c)
		}
	}
	// The periodic job (reminders, digest) is run by the elected leader
	// alone: once, not once per instance.
	periodic := func() int {
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'reminders'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for end := time.Now().Add(20 * time.Second); periodic() == 0 && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if n := periodic(); n != 1 {
		t.Errorf("the periodic job ran %d times on start across two instances, want once", n)
	}
}

func TestWithoutAMailServerMessagesWaitInTheMailbox(t *testing.T) {
	t.Parallel()
	pool, st := fixture(t)
	invite(t, st, 1)
	work(t, pool, st, nil)
	ms := waitStatus(t, st, 1, 10*time.Second)
	if len(ms) != 1 || ms[0].Status != "mailbox" {
		t.Fatalf("messages: %+v", ms)
	}
	m := ms[0]
	if !strings.Contains(m.BodyText, base+"/invitation/") || !strings.Contains(m.BodyHTML, base+"/invitation/") {
		t.Errorf("the mailbox copy lacks the invitation link:\n%s", m.BodyText)
	}
	// The link's token is kept only as a hash.
	token := m.BodyText[strings.Index(m.BodyText, "/invitation/")+len("/invitation/"):]
	token = strings.Fields(token)[0]
	var clear int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM user_tokens WHERE token_hash = $1`, []byte(token)).Scan(&clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Error("the token is stored in clear")
	}
	if _, err := st.TokenUser(context.Background(), "invite", token); err != nil {
		t.Errorf("the mailbox's link does not work: %v", err)
	}
}
