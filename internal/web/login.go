package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// Session keys.
const (
	sessionUserID = store.SessionUserID
	sessionEpoch  = "epoch"
	sessionSeen   = "seen" // unix seconds of the last request, to a minute
)

// seenResolution is how stale "seen" may get before a request rewrites it:
// a session row is written at most once a minute, not on every request.
const seenResolution = 60

// Throttling of sign-ins, measured on the server's clock (s.now) alone:
//   - a client with loginMaxFailures failures for one account within
//     loginWindow is refused that account, even its right password, until
//     the oldest leaves the window;
//   - a client with loginMaxClientFailures failures across accounts is
//     refused every account likewise;
//   - an account with loginMaxFailures failures from anywhere is slowed
//     down (loginDelay) for every client, but never refused: its owner,
//     from a client that has not been failing, still gets in.
//
// Failures are kept in their own table (store.LoginFailureRetention), not
// the audit trail; a tripped throttle is audited once per episode.
const (
	loginMaxFailures       = 10
	loginMaxClientFailures = 30
	loginWindow            = 5 * time.Minute
	loginDelayBase         = time.Second
	loginDelayMax          = 8 * time.Second
)

var loginLimits = store.LoginLimits{
	Window:           loginWindow,
	PerAccountClient: loginMaxFailures,
	PerClient:        loginMaxClientFailures,
	PerAccount:       loginMaxFailures,
}

// loginDelay is how long a sign-in to an account with failures recent
// failures waits before its password is checked: nothing below
// loginMaxFailures, then loginDelayBase, doubling with each further
// loginMaxFailures, up to loginDelayMax.
func loginDelay(failures int) time.Duration {
	if failures < loginMaxFailures {
		return 0
	}
	steps := min((failures-loginMaxFailures)/loginMaxFailures, 8)
	return min(loginDelayBase<<steps, loginDelayMax)
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if auth.UserFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.showForm(w, r, s.loginPage(components.LoginForm{Next: safeNext(r.URL.Query().Get("next")),
		Flash: s.sessions.PopString(r.Context(), "flash")}))
}

// loginPage is the sign-in form with the single sign-on providers' buttons.
func (s *Server) loginPage(f components.LoginForm) formPage {
	f.Providers = s.ssoButtons()
	return newFormPage("Sign in", components.LoginPage, f)
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := components.LoginForm{
		Email: strings.TrimSpace(r.PostFormValue("email")),
		Next:  safeNext(r.PostFormValue("next")),
	}
	password := r.PostFormValue("password")
	if f.Email == "" {
		f.Errors.Add("email", "Enter your email address")
	}
	if password == "" {
		f.Errors.Add("password", "Enter your password")
	}
	if f.Errors.Any() {
		return invalid(s.loginPage(f))
	}

	a := actor(r)
	u, err := s.store.UserByEmail(ctx, f.Email)
	known := err == nil
	if err != nil && !isNotFound(err) {
		return err
	}
	var key store.LoginKey
	if known {
		key = store.NewLoginKey(u.ID, u.Email, a.ClientAddr)
	} else {
		key = store.NewLoginKey(0, f.Email, a.ClientAddr)
	}
	now := s.now()
	claim, err := s.store.ClaimLoginAttempt(ctx, key, loginLimits, now)
	if err != nil {
		return err
	}
	if claim.ID == 0 {
		s.metrics.SignInThrottled(true)
		wait := max(claim.RetryAt.Sub(now), time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		f.Errors.Add("email", "Too many failed attempts to sign in from this device. Wait "+waitText(wait)+", then try again.")
		return rejected(http.StatusTooManyRequests, s.loginPage(f))
	}
	if d := loginDelay(claim.AccountFailures); d > 0 {
		s.metrics.SignInThrottled(false)
		s.sleep(ctx, d)
	}

	ok, rehash := false, false
	// An invited user who has not chosen a password yet has none to match.
	if known && u.DisabledAt == nil && u.PasswordHash != "" {
		ok, rehash, err = auth.CheckPassword(password, u.PasswordHash, s.pwParams)
		if err != nil {
			return fmt.Errorf("web: login %d: %w", u.ID, err)
		}
	} else {
		// Unknown or disabled: spend the same time as a real check, so
		// timing does not tell which emails have accounts.
		auth.BurnPasswordCheck(password)
	}
	s.metrics.SignIn(ok)
	if !ok {
		throttled := func(t store.LoginTrips) store.AuditEvent {
			// Only a real account's address is named: whatever else was
			// typed into the email box (a password, even) is not kept.
			who, id, force := "an email that is no account", any(""), int64(0)
			if known {
				who, id, force = u.Email, u.ID, u.ForceID
			}
			return a.Event("login.throttled", "user", id, force, throttleSummary(t, who, a.ClientAddr))
		}
		if _, err := s.store.LoginFailed(ctx, key, claim.ID, loginLimits, s.now(), throttled); err != nil {
			return err
		}
		f.Errors.Add("email", "Enter a correct email address and password")
		return invalid(s.loginPage(f))
	}

	if rehash {
		if h, err := auth.HashPassword(password, s.pwParams); err == nil {
			a.UserID = u.ID
			if err := s.store.SetPassword(ctx, a, u.ID, h, false); err != nil {
				return err
			}
		}
	}
	return s.firstStepPassed(w, r, u, f.Next, "with a password", false, claim.ID)
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	e := a.Event("logout", "user", a.UserID, a.ForceID, "signed out")
	if p, ok := s.pending(r); ok && a.UserID == 0 {
		// Half way through signing in: left at the second step.
		e = a.Event("logout", "user", p.UserID, 0, "left at the second step of signing in")
	}
	if err := s.store.AuditOne(ctx, e); err != nil {
		return err
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// throttleSummary says, for the audit trail, which throttles a failed
// sign-in to who's account from addr tripped.
func throttleSummary(t store.LoginTrips, who, addr string) string {
	var parts []string
	if t.AccountClient {
		parts = append(parts, fmt.Sprintf("%d failures for the account from %s: that address is refused it", t.AccountClientFailures, addr))
	}
	if t.Client {
		parts = append(parts, fmt.Sprintf("%d failures from %s across accounts: that address is refused", t.ClientFailures, addr))
	}
	if t.Account {
		parts = append(parts, fmt.Sprintf("%d failures for the account from anywhere: its sign-ins are slowed", t.AccountFailures))
	}
	return fmt.Sprintf("sign-ins to %s throttled (within %s): %s", who, loginWindow, strings.Join(parts, "; "))
}

// waitText is a wait as the error message says it: whole minutes, or
// seconds under one.
func waitText(d time.Duration) string {
	if d < time.Minute {
		n := int(math.Ceil(d.Seconds()))
		if n == 1 {
			return "1 second"
		}
		return strconv.Itoa(n) + " seconds"
	}
	n := int(math.Ceil(d.Minutes()))
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}

// sleepCtx waits d, or less if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
