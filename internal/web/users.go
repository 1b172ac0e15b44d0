package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

func (s *Server) usersList(w http.ResponseWriter, r *http.Request) error {
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	rows := make([]components.UserRow, 0, len(users))
	for _, u := range users {
		rows = append(rows, userRow(u))
	}
	// Five short columns fit the standard width: the header stays where it
	// is on every page the admin moves between (wide pages are for tables
	// that need it, like the audit trail).
	p := s.page(r, "Users")
	return s.render(w, r, http.StatusOK, components.UsersPage(p, rows, s.sessions.PopString(r.Context(), "flash")))
}

func userRow(u store.User) components.UserRow {
	return components.UserRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: auth.Role(u.Role).Label(),
		IsLiaison: u.Role == string(auth.RoleLiaison), ForceCode: u.ForceCode, ForceName: u.ForceName,
		Disabled: u.DisabledAt != nil, Invited: u.PasswordHash == "", CreatedAt: u.CreatedAt}
}

func (s *Server) forceOptions(r *http.Request) ([]components.Option, error) {
	forces, err := s.store.ListForces(r.Context(), store.Scope{})
	if err != nil {
		return nil, err
	}
	opts := []components.Option{{Value: "", Label: "Choose a force"}}
	for _, f := range forces {
		opts = append(opts, components.Option{Value: f.Code, Label: f.Name})
	}
	return opts, nil
}

func (s *Server) usersNewForm(w http.ResponseWriter, r *http.Request) error {
	return s.showForm(w, r, s.userFormPage(components.UserForm{Role: string(auth.RoleInspector)}))
}

func (s *Server) userFormPage(f components.UserForm) formPage {
	return formPage{title: "Add a user", build: func(r *http.Request, p *components.Page) (templ.Component, error) {
		opts, err := s.forceOptions(r)
		if err != nil {
			return nil, err
		}
		f.Forces = opts
		for _, role := range auth.Roles {
			f.Roles = append(f.Roles, components.Option{Value: string(role), Label: role.Label()})
		}
		return components.UserNewPage(*p, f), nil
	}}
}

func (s *Server) usersNewPost(w http.ResponseWriter, r *http.Request) error {
	f := components.UserForm{
		Email:     strings.TrimSpace(r.PostFormValue("email")),
		Name:      strings.TrimSpace(r.PostFormValue("name")),
		Role:      r.PostFormValue("role"),
		ForceCode: r.PostFormValue("force"),
	}
	role := auth.Role(f.Role)
	if f.Name == "" {
		f.Errors.Add("name", "Enter the user's full name")
	}
	if !validEmail(f.Email) {
		f.Errors.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if !role.Valid() {
		f.Errors.Add("role", "Select the user's role")
	}
	if role == auth.RoleLiaison && f.ForceCode == "" {
		f.Errors.Add("force", "Select the force this liaison works for")
	}
	if role != auth.RoleLiaison {
		f.ForceCode = "" // only liaisons belong to a force
	}
	if f.Errors.Any() {
		return invalid(s.userFormPage(f))
	}
	// No password is made here: the user is sent a one-time link to choose
	// their own, in the transaction that adds them.
	u, err := s.store.InviteUser(r.Context(), actor(r), store.NewUser{
		Email: f.Email, Name: f.Name, Role: f.Role, ForceCode: f.ForceCode})
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		f.Errors.Add("email", "A user with this email address already exists")
		return invalid(s.userFormPage(f))
	case errors.Is(err, store.ErrUnknownForce):
		f.Errors.Add("force", "Select a force from the list")
		return invalid(s.userFormPage(f))
	case err != nil:
		return err
	}
	return s.backToUser(w, r, u.ID, "User added. An invitation to choose a password has been sent to "+u.Email+".")
}

func validEmail(e string) bool {
	at := strings.LastIndex(e, "@")
	return at > 0 && at < len(e)-3 && strings.Contains(e[at:], ".") && !strings.ContainsAny(e, " \t\r\n<>\"")
}

func userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

func (s *Server) usersShow(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	events, err := s.store.ListAudit(r.Context(), store.AuditFilter{ActorID: id, Limit: 50})
	if err != nil {
		return err
	}
	opts, err := s.forceOptions(r)
	if err != nil {
		return err
	}
	row := userRow(u)
	if row.SecondFactor, row.HasSecondFactor, err = s.secondFactorStatus(r, id); err != nil {
		return err
	}
	if row.Invited {
		inv, err := s.store.InvitationOf(r.Context(), id)
		if err != nil {
			return err
		}
		row.InviteExpires, row.InviteSending = inv.ExpiresAt, inv.Sending
	}
	p := s.page(r, u.Name)
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.UserShowPage(p, row, opts, auditRows(events),
		s.sessions.PopString(r.Context(), "flash")))
}

func (s *Server) usersDisable(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if id == auth.UserFrom(r.Context()).ID {
		return withStatus(http.StatusBadRequest, errors.New("web: an admin cannot disable themselves"))
	}
	if err := s.store.DisableUser(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.backToUser(w, r, id, "User disabled. Their sessions have ended.")
}

func (s *Server) usersEnable(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := s.store.EnableUser(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.backToUser(w, r, id, "User enabled.")
}

func (s *Server) usersForce(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	err = s.store.SetUserForce(r.Context(), actor(r), id, r.PostFormValue("force"))
	if errors.Is(err, store.ErrUnknownForce) {
		return s.backToUser(w, r, id, "Select a force from the list: nothing was changed.")
	}
	if err != nil {
		return err
	}
	return s.backToUser(w, r, id, "Force changed. The liaison's sessions have ended.")
}

// usersResetPassword sends the user a link to choose a new password: the
// admin never sees or passes on a password.
func (s *Server) usersResetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.store.SendPasswordReset(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.backToUser(w, r, id, "A link to reset the password has been sent to "+u.Email+".")
}

// invitationGone answers a resend or withdrawal for a user who has no
// invitation waiting: they chose a password already, or are disabled.
func (s *Server) invitationGone(w http.ResponseWriter, r *http.Request, id int64) (bool, error) {
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		return true, err
	}
	switch {
	case u.PasswordHash != "":
		return true, s.backToUser(w, r, id, u.Name+" has already chosen a password: there is no invitation to send or withdraw.")
	case u.DisabledAt != nil:
		return true, s.backToUser(w, r, id, u.Name+" is disabled: enable them before sending an invitation.")
	}
	return false, nil
}

func (s *Server) usersInvitationResend(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if gone, err := s.invitationGone(w, r, id); gone {
		return err
	}
	if err := s.store.ResendInvitation(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.backToUser(w, r, id, "The invitation has been sent again. The link sent before no longer works once this one is sent.")
}

func (s *Server) usersInvitationRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if gone, err := s.invitationGone(w, r, id); gone {
		return err
	}
	if err := s.store.RevokeInvitation(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.backToUser(w, r, id, "The invitation has been withdrawn: its link no longer works.")
}

func (s *Server) backToUser(w http.ResponseWriter, r *http.Request, id int64, flash string) error {
	s.sessions.Put(r.Context(), "flash", flash)
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
