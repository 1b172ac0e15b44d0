package web

import (
	"net/http"

	"inspectrack/internal/auth"
	"inspectrack/web/components"
)

// settingsShow is GET /settings: who the user is and, for those with a
// calendar, its secret address with the means to replace or revoke it.
func (s *Server) settingsShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	full, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	v := components.SettingsView{Flash: s.sessions.PopString(ctx, "flash"), Name: full.Name, Email: full.Email,
		Role: u.Role.Label(), ForceName: full.ForceName, CanCalendar: auth.Allowed(u, auth.UseCalendar)}
	if full.CalendarToken != "" && v.CanCalendar {
		v.CalendarURL = s.baseURL(r) + "/calendar/" + full.CalendarToken + ".ics"
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
// one (which stops working at once).
func (s *Server) settingsCalendarPost(w http.ResponseWriter, r *http.Request) error {
	u := auth.UserFrom(r.Context())
	if err := s.store.SetCalendarToken(r.Context(), actor(r), u.ID, newCalendarToken()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", "Your calendar has a new address. Any earlier address no longer works.")
	http.Redirect(w, r, "/settings#calendar", http.StatusSeeOther)
	return nil
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
