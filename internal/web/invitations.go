package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// One-time links: an invitation (/invitation/{token}, 7 days) and a
// password reset (/password-reset/{token}, 1 hour). The token is the
// credential; the database keeps only its hash (store.UseToken), and logs
// show the path without it (loggedPath).

// tokenPages are the words of each purpose's pages.
var tokenPages = map[string]struct{ path, title, heading, done string }{
	"invite": {"/invitation/", "Choose your password", "Choose your password", "Your password is saved. Sign in with it now."},
	"reset":  {"/password-reset/", "Reset your password", "Choose a new password", "Your new password is saved. Sign in with it now."},
}

func (s *Server) invitationShow(w http.ResponseWriter, r *http.Request) error {
	return s.tokenShow(w, r, "invite")
}

func (s *Server) invitationPost(w http.ResponseWriter, r *http.Request) error {
	return s.tokenPost(w, r, "invite")
}

func (s *Server) passwordResetShow(w http.ResponseWriter, r *http.Request) error {
	return s.tokenShow(w, r, "reset")
}

func (s *Server) passwordResetPost(w http.ResponseWriter, r *http.Request) error {
	return s.tokenPost(w, r, "reset")
}

// linkProblem renders the plain page for a link that no longer works, or
// returns err when it is something else.
func (s *Server) linkProblem(w http.ResponseWriter, r *http.Request, purpose string, err error) error {
	again := "Ask your inspection tracker administrator to send you a new invitation."
	if purpose == "reset" {
		again = "Ask for a new link to reset your password."
	}
	switch {
	case errors.Is(err, store.ErrTokenUsed):
		return s.render(w, r, http.StatusGone, components.LinkProblemPage(s.page(r, "This link has already been used"),
			"Each link works once, and a newer link replaces an older one. "+again))
	case errors.Is(err, store.ErrTokenExpired):
		life := "7 days"
		if purpose == "reset" {
			life = "1 hour"
		}
		return s.render(w, r, http.StatusGone, components.LinkProblemPage(s.page(r, "This link has expired"),
			"The link worked for "+life+" after it was sent. "+again))
	case errors.Is(err, store.ErrNotFound):
		return s.render(w, r, http.StatusNotFound, components.LinkProblemPage(s.page(r, "This link does not work"),
			"Check that you copied the whole link from the email. "+again))
	}
	return err
}

func (s *Server) tokenShow(w http.ResponseWriter, r *http.Request, purpose string) error {
	token := chi.URLParam(r, "token")
	u, err := s.store.TokenUser(r.Context(), purpose, token)
	if err != nil {
		return s.linkProblem(w, r, purpose, err)
	}
	return s.showForm(w, r, passwordChoicePage(purpose, token, u, components.Errors{}))
}

// passwordChoicePage is the form to choose a password from a one-time link.
func passwordChoicePage(purpose, token string, u store.User, errs components.Errors) formPage {
	tp := tokenPages[purpose]
	return newFormPage(tp.title, components.ChoosePasswordPage, components.PasswordChoiceForm{
		Action: tp.path + token, Heading: tp.heading, Name: u.Name, Email: u.Email, Errors: errs})
}

func (s *Server) tokenPost(w http.ResponseWriter, r *http.Request, purpose string) error {
	token := chi.URLParam(r, "token")
	u, err := s.store.TokenUser(r.Context(), purpose, token)
	if err != nil {
		return s.linkProblem(w, r, purpose, err)
	}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	var errs components.Errors
	if err := auth.ValidatePassword(password, u.Email); err != nil {
		var pe *auth.PasswordError
		if errors.As(err, &pe) {
			errs.Add("password", pe.Reason)
		} else {
			return err
		}
	} else if password != confirm {
		errs.Add("confirm", "The passwords do not match: type the same password twice")
	}
	if errs.Any() {
		return invalid(passwordChoicePage(purpose, token, u, errs))
	}
	hash, err := auth.HashPassword(password, s.pwParams)
	if err != nil {
		return err
	}
	if _, err := s.store.UseToken(r.Context(), actor(r), purpose, token, hash); err != nil {
		return s.linkProblem(w, r, purpose, err)
	}
	s.sessions.Put(r.Context(), "flash", tokenPages[purpose].done)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) passwordForgotForm(w http.ResponseWriter, r *http.Request) error {
	return s.showForm(w, r, forgotPasswordPage(components.ForgotForm{}))
}

// forgotPasswordPage is the form to ask for a password reset link.
func forgotPasswordPage(f components.ForgotForm) formPage {
	return newFormPage("Reset your password", components.ForgotPasswordPage, f)
}

// passwordForgotPost sends a reset link when the address has an account,
// and answers the same either way.
func (s *Server) passwordForgotPost(w http.ResponseWriter, r *http.Request) error {
	f := components.ForgotForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
	if !validEmail(f.Email) {
		f.Errors.Add("email", "Enter an email address in the correct format, like name@example.com")
		return invalid(forgotPasswordPage(f))
	}
	err := s.store.RequestPasswordReset(r.Context(), actor(r), f.Email)
	if errors.Is(err, store.ErrThrottled) {
		return s.render(w, r, http.StatusTooManyRequests, components.LinkProblemPage(s.page(r, "Too many requests"),
			"Too many password reset links have been asked for from this network in the last hour. Wait an hour and try again, or ask your inspection tracker administrator."))
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, components.ResetSentPage(s.page(r, "Check your email"), f.Email))
}
