package web

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// newProxiedTestServer is a test server behind a trusted proxy (the test
// itself, on 127.0.0.1), so X-Forwarded-For names the client and one test
// can sign in from many addresses.
func newProxiedTestServer(t *testing.T) *testServer {
	t.Helper()
	cfg := testConfig()
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	return newTestServerWith(t, cfg)
}

// signInFrom posts the sign-in form as a browser at address from.
func signInFrom(ts *testServer, from, email, password string) response {
	ts.t.Helper()
	return ts.anon().signIn(email, password, map[string]string{"X-Forwarded-For": from})
}

// failFrom makes n wrong sign-ins for email from address from and returns
// how many were checked (422) and how many refused unchecked (429).
func failFrom(ts *testServer, from, email string, n int) (checked, refused int) {
	ts.t.Helper()
	for i := range n {
		res := signInFrom(ts, from, email, "wrong password "+strconv.Itoa(i))
		switch res.StatusCode {
		case http.StatusUnprocessableEntity:
			checked++
		case http.StatusTooManyRequests:
			refused++
		default:
			ts.t.Fatalf("wrong password %d for %s from %s: status %d", i, email, from, res.StatusCode)
		}
	}
	return checked, refused
}

func TestConcurrentWrongPasswordsAreCheckedNoMoreThanTheLimit(t *testing.T) {
	t.Parallel()
	ts := newProxiedTestServer(t)
	const n = 60
	var (
		mu       sync.Mutex
		byCode   = map[int]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
		noFollow = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	)
	for i := range n {
		wg.Go(func() {
			form := url.Values{"email": {"manager@demo.test"}, "password": {"wrong password " + strconv.Itoa(i)}}
			req, _ := http.NewRequest(http.MethodPost, ts.ts.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Origin", ts.ts.URL)
			req.Header.Set("X-Forwarded-For", "203.0.113.5")
			<-start
			res, err := (&http.Client{CheckRedirect: noFollow}).Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			res.Body.Close()
			mu.Lock()
			byCode[res.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	checked, refused := byCode[http.StatusUnprocessableEntity], byCode[http.StatusTooManyRequests]
	if checked+refused != n {
		t.Fatalf("answers %v, want only 422 and 429", byCode)
	}
	if checked != loginMaxFailures {
		t.Errorf("%d of %d concurrent wrong passwords were checked, want exactly the limit %d (answers %v)",
			checked, n, loginMaxFailures, byCode)
	}
}

func TestOwnerSignsInWhileAttackerIsThrottled(t *testing.T) {
	t.Parallel()
	ts := newProxiedTestServer(t)
	const owner = "manager@demo.test"
	const tries = 2 * loginMaxFailures
	checked, refused := failFrom(ts, "203.0.113.66", owner, tries)
	if checked != loginMaxFailures || refused != tries-loginMaxFailures {
		t.Fatalf("attacker: %d checked, %d refused; want %d and %d", checked, refused, loginMaxFailures, tries-loginMaxFailures)
	}
	// The attacker's client is refused even the right password, and told
	// when to come back.
	res := signInFrom(ts, "203.0.113.66", owner, demoPassword)
	wantStatus(t, res, http.StatusTooManyRequests)
	if !strings.Contains(res.Body, "Too many failed attempts") {
		t.Error("no throttling message")
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s <= 0 || s > int(loginWindow/time.Second) {
		t.Errorf("Retry-After %q, want seconds within the window", res.Header.Get("Retry-After"))
	}

	// The owner, from a client that has not been failing, gets in: slowed
	// down, never refused; both steps (the password and the code) alike.
	before := len(ts.sleeps())
	wantStatus(t, signInFrom(ts, "198.51.100.7", owner, demoPassword), http.StatusSeeOther)
	slept := ts.sleeps()[before:]
	if len(slept) != 2 || slept[0] <= 0 || slept[0] > loginDelayMax || slept[1] != slept[0] {
		t.Fatalf("owner's sign-in slowed by %v, want one delay in (0, %v] at each step", slept, loginDelayMax)
	}
	first := slept[0]

	// More attackers, more failures for the account: a longer delay, but
	// still no more than the bound, and the owner still gets in.
	failFrom(ts, "203.0.113.67", owner, loginMaxFailures)
	before = len(ts.sleeps())
	wantStatus(t, signInFrom(ts, "198.51.100.8", owner, demoPassword), http.StatusSeeOther)
	slept = ts.sleeps()[before:]
	if len(slept) != 2 || slept[0] <= first || slept[0] > loginDelayMax || slept[1] != slept[0] {
		t.Errorf("after more failures the owner was slowed by %v, want one delay in (%v, %v] at each step", slept, first, loginDelayMax)
	}

	// An account nobody is attacking is not slowed at all.
	before = len(ts.sleeps())
	wantStatus(t, signInFrom(ts, "198.51.100.9", "inspector@demo.test", demoPassword), http.StatusSeeOther)
	if slept := ts.sleeps()[before:]; len(slept) != 0 {
		t.Errorf("an account without failures was slowed by %v", slept)
	}
}

func TestOneClientFailingAcrossManyAccountsIsThrottled(t *testing.T) {
	t.Parallel()
	ts := newProxiedTestServer(t)
	const sprayer = "203.0.113.90"
	// Wrong passwords spread over the demo accounts: each account stays
	// under its limits, the client reaches its own.
	accounts := []string{"admin@demo.test", "manager@demo.test", "inspector@demo.test",
		"liaison.leicestershire@demo.test", "liaison.sussex@demo.test"}
	per := loginMaxClientFailures / len(accounts)
	if per >= loginMaxFailures || per*len(accounts) != loginMaxClientFailures {
		t.Fatalf("cannot spread %d failures over %d accounts under %d each", loginMaxClientFailures, len(accounts), loginMaxFailures)
	}
	for _, email := range accounts {
		if checked, refused := failFrom(ts, sprayer, email, per); checked != per || refused != 0 {
			t.Fatalf("%s: %d checked, %d refused; want %d and 0", email, checked, refused, per)
		}
	}
	// Now every account is refused to that client, a right password or
	// an email that is no account alike.
	for _, email := range []string{"manager@demo.test", "someone.else@demo.test"} {
		wantStatus(t, signInFrom(ts, sprayer, email, demoPassword), http.StatusTooManyRequests)
	}
	// Other clients are not affected, and neither are the accounts.
	wantStatus(t, signInFrom(ts, "198.51.100.20", "inspector@demo.test", demoPassword), http.StatusSeeOther)
	wantStatus(t, signInFrom(ts, "198.51.100.21", "manager@demo.test", demoPassword), http.StatusSeeOther)
}

// allAuditEvents is the number of audit events of any kind.
func allAuditEvents(t *testing.T, ts *testServer) int {
	t.Helper()
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFailedSignInsStayOutOfTheAuditTrail(t *testing.T) {
	t.Parallel()
	ts := newProxiedTestServer(t)
	ctx := context.Background()
	start := allAuditEvents(t, ts)

	// A password typed into the email box is stored nowhere.
	const typed = "Hunter2-Typed-In-The-Email-Box"
	for range 3 {
		wantStatus(t, signInFrom(ts, "203.0.113.10", typed, typed), http.StatusUnprocessableEntity)
	}
	for _, table := range []string{"audit_events", "login_failures"} {
		var n int
		q := `SELECT count(*) FROM ` + table + ` t WHERE lower(t::text) LIKE '%' || lower($1) || '%'`
		if err := ts.store.Pool().QueryRow(ctx, q, typed).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows hold what was typed into the email box", table, n)
		}
	}
	var failures int
	if err := ts.store.Pool().QueryRow(ctx, `SELECT count(*) FROM login_failures`).Scan(&failures); err != nil {
		t.Fatal(err)
	}
	if failures != 3 {
		t.Errorf("%d failures kept, want 3 (to throttle on)", failures)
	}

	// Wrong passwords for a real account: no audit events, until the
	// throttle trips, which is recorded once however long the attack goes.
	failFrom(ts, "203.0.113.11", "manager@demo.test", loginMaxFailures-1)
	if n := allAuditEvents(t, ts) - start; n != 0 {
		t.Fatalf("%d audit events for failed sign-ins, want none", n)
	}
	failFrom(ts, "203.0.113.11", "manager@demo.test", loginMaxFailures+5)
	if n := countAudit(t, ts, "login.throttled"); n != 1 {
		t.Errorf("%d login.throttled events after one tripped throttle, want 1", n)
	}
	var summary, email string
	if err := ts.store.Pool().QueryRow(ctx, `SELECT summary, actor_email FROM audit_events WHERE action = 'login.throttled'`).Scan(&summary, &email); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "manager@demo.test") || email != "" {
		t.Errorf("throttle event: summary %q, actor %q; want the account named, no actor", summary, email)
	}

	// A successful sign-in is two events: its first step, then the second.
	wantStatus(t, signInFrom(ts, "198.51.100.30", "manager@demo.test", demoPassword), http.StatusSeeOther)
	if n := countAudit(t, ts, "login.success"); n != 1 {
		t.Errorf("%d login.success events, want 1", n)
	}
	if n := countAudit(t, ts, "login.first-step"); n != 1 {
		t.Errorf("%d login.first-step events, want 1", n)
	}
	if n := allAuditEvents(t, ts) - start; n != 3 {
		t.Errorf("%d audit events in all, want 3 (the throttle, the password and the code)", n)
	}
}

func TestOldSignInFailuresAreDeleted(t *testing.T) {
	t.Parallel()
	ts := newProxiedTestServer(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ts.setClock(t0)
	failFrom(ts, "203.0.113.40", "manager@demo.test", 3)
	ts.setClock(t0.Add(48 * time.Hour))
	failFrom(ts, "203.0.113.40", "manager@demo.test", 1)

	n, err := ts.store.DeleteLoginFailuresBefore(ctx, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var left int
	if err := ts.store.Pool().QueryRow(ctx, `SELECT count(*) FROM login_failures`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if n != 3 || left != 1 {
		t.Errorf("deleted %d, %d left; want 3 deleted and the recent one left", n, left)
	}
}

func TestLoginThrottleKeepsToTheServersClock(t *testing.T) {
	t.Parallel()
	// The server's clock far from the database's, either way: the window
	// is still measured on one clock.
	for name, at := range map[string]time.Time{
		"behind": time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		"ahead":  time.Now().AddDate(3, 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newProxiedTestServer(t)
			ts.setClock(at)
			failFrom(ts, "203.0.113.50", "manager@demo.test", loginMaxFailures)
			wantStatus(t, signInFrom(ts, "203.0.113.50", "manager@demo.test", demoPassword), http.StatusTooManyRequests)
			ts.setClock(at.Add(loginWindow - time.Second))
			wantStatus(t, signInFrom(ts, "203.0.113.50", "manager@demo.test", demoPassword), http.StatusTooManyRequests)
			ts.setClock(at.Add(loginWindow + time.Second))
			wantStatus(t, signInFrom(ts, "203.0.113.50", "manager@demo.test", demoPassword), http.StatusSeeOther)
		})
	}
}
