package web

import (
	"fmt"
	"net/http"
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

// Throttling: at most loginMaxFailures failed sign-ins per account and per
// client address within loginWindow; after that even the right password is
// refused until the window has passed.
const (
	loginMaxFailures = 10
	loginWindow      = 5 * time.Minute
)

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if auth.UserFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.renderLogin(w, r, http.StatusOK, components.LoginForm{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f components.LoginForm) error {
	p := s.page(r, "Sign in")
	p.HasErrors = f.Errors.Any()
	return s.render(w, r, status, components.LoginPage(p, f))
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
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, f)
	}

	a := actor(r)
	a.Email = store.NormalizeEmail(f.Email)
	byEmail, byAddr, err := s.store.LoginFailures(ctx, f.Email, a.ClientAddr, s.now().Add(-loginWindow))
	if err != nil {
		return err
	}
	if byEmail >= loginMaxFailures || byAddr >= loginMaxFailures {
		if err := s.store.AuditOne(ctx, a.Event("login.throttled", "user", "", 0,
			fmt.Sprintf("refused: %d failures for the account, %d from the address in %s", byEmail, byAddr, loginWindow))); err != nil {
			return err
		}
		f.Errors.Add("email", "Too many failed attempts to sign in. Wait 5 minutes, then try again.")
		return s.renderLogin(w, r, http.StatusTooManyRequests, f)
	}

	u, err := s.store.UserByEmail(ctx, f.Email)
	ok, rehash := false, false
	switch {
	case err == nil && u.DisabledAt == nil:
		ok, rehash, err = auth.CheckPassword(password, u.PasswordHash, s.pwParams)
		if err != nil {
			return fmt.Errorf("web: login %d: %w", u.ID, err)
		}
	case err == nil || isNotFound(err):
		// Unknown or disabled: spend the same time as a real check, so
		// timing does not tell which emails have accounts.
		auth.BurnPasswordCheck(password)
	default:
		return err
	}
	if !ok {
		if err := s.store.RecordLoginFailure(ctx, a.Event("login.failure", "user", "", 0, "wrong email or password"), f.Email, a.ClientAddr); err != nil {
			return err
		}
		f.Errors.Add("email", "Enter a correct email address and password")
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, f)
	}

	if rehash {
		if h, err := auth.HashPassword(password, s.pwParams); err == nil {
			a.UserID = u.ID
			if err := s.store.SetPassword(ctx, a, u.ID, h, false); err != nil {
				return err
			}
		}
	}
	// A new token at sign-in: a token planted before it is worth nothing.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionUserID, u.ID)
	s.sessions.Put(ctx, sessionEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessionSeen, s.now().Unix())
	a.UserID, a.ForceID = u.ID, u.ForceID
	if err := s.store.AuditOne(ctx, a.Event("login.success", "user", u.ID, u.ForceID, "signed in as "+u.Role)); err != nil {
		return err
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if err := s.store.AuditOne(ctx, a.Event("logout", "user", a.UserID, a.ForceID, "signed out")); err != nil {
		return err
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
