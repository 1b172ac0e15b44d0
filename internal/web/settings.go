package web

import (
	"net/http"

	"inspectrack/internal/auth"
	"inspectrack/web/components"
)

// settingsShow is GET /settings: who the user is and, for those with a
// calendar, the means to make, replace or revoke its secret address.
func (s *Server) settingsShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderSettings(w, r, "")
}

// renderSettings renders the settings page; newCalendarURL is the address
// just made, shown on this answer only (the database keeps its hash).
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, newCalendarURL string) error {
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	full, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	v := components.SettingsView{Flash: s.sessions.PopString(ctx, "flash"), Name: full.Name, Email: full.Email,
		Role: u.Role.Label(), ForceName: full.ForceName, CanCalendar: auth.Allowed(u, auth.UseCalendar)}
	v.HasCalendar = full.HasCalendar && v.CanCalendar
	switch u.Role {
	case auth.RoleLiaison:
		v.CanRemind = true
		if v.Reminders, err = s.store.RemindersOn(ctx, u.ID); err != nil {
			return err
		}
	case auth.RoleManager:
		v.CanDigest = true
		if v.Digest, err = s.store.DigestOn(ctx, u.ID); err != nil {
			return err
		}
	}
	if newCalendarURL != "" {
		v.CalendarURL = newCalendarURL
		v.Flash = "Your calendar has a new address. Any earlier address no longer works."
	}
	switch u.Role {
	case auth.RoleLiaison:
		v.Scope = "It holds the plans due, recommendation deadlines and follow-up inspections of " + full.ForceName + "."
	default:
		v.Scope = "It holds the plans due, recommendation deadlines, assessments due and follow-up inspections of every force."
	}
	return s.render(w, r, http.StatusOK, components.SettingsPage(s.page(r, "Your settings"), v))
}

// settingsCalendarPost issues a calendar address, replacing any earlier
// one (which stops working at once), and shows it on this answer, the only
// time it is shown: the database keeps its hash, and the session (a row in
// the database too) never holds it.
func (s *Server) settingsCalendarPost(w http.ResponseWriter, r *http.Request) error {
	u := auth.UserFrom(r.Context())
	token := newCalendarToken()
	if err := s.store.SetCalendarToken(r.Context(), actor(r), u.ID, token); err != nil {
		return err
	}
	return s.renderSettings(w, r, s.baseURL(r)+"/calendar/"+token+".ics")
}

// settingsCalendarRevoke turns the calendar address off.
func (s *Server) settingsCalendarRevoke(w http.ResponseWriter, r *http.Request) error {
	u := auth.UserFrom(r.Context())
	if err := s.store.SetCalendarToken(r.Context(), actor(r), u.ID, ""); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", "Your calendar address no longer works.")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}

// settingsNotificationsPost turns a liaison's plan reminders, or a
// manager's weekly digest, on or off.
func (s *Server) settingsNotificationsPost(w http.ResponseWriter, r *http.Request) error {
	u := auth.UserFrom(r.Context())
	if u.Role == auth.RoleManager {
		on := r.PostFormValue("digest") == "on"
		if err := s.store.SetDigest(r.Context(), actor(r), u.ID, on); err != nil {
			return err
		}
		msg := "You will not be emailed the weekly digest."
		if on {
			msg = "You will be emailed the weekly digest every Monday morning."
		}
		s.sessions.Put(r.Context(), "flash", msg)
		http.Redirect(w, r, "/settings", http.StatusSeeOther)
		return nil
	}
	on := r.PostFormValue("reminders") == "on"
	if err := s.store.SetReminders(r.Context(), actor(r), u.ID, on); err != nil {
		return err
	}
	msg := "You will not be emailed reminders."
	if on {
		msg = "You will be emailed reminders before your force's plans are due and when they are overdue."
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}
