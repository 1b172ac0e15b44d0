package web

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// The liaison import file: a CSV file (UTF-8, a header row first, columns
// in any order, headers in any case) of liaison accounts, one a row:
//
//	email  required: their email address, not yet anyone's
//	name   required: their full name
//	force  required: the force's code, e.g. kent (also "force code", "force_code")
//
// As with the findings import (imports.go), a dry run checks every row and
// writes nothing; the checked content travels back in the confirm form with
// its SHA-256 and is checked again; then every account is created in one
// transaction, each audited, or none. Each is sent an invitation (a
// one-time link to choose a password), enqueued in that transaction, as
// when an admin adds one user.
var userImportColumns = map[string]string{"email": "email", "name": "name", "force": "force", "force code": "force", "force_code": "force"}

// maxUserImportRows bounds an import: its page lists every row.
const maxUserImportRows = 200

// usersImport is the shape of the liaison import file.
var usersImport = csvImport{columns: userImportColumns, known: "email, name and force",
	required: []string{"email", "name", "force"}, maxRows: maxUserImportRows, things: "liaisons"}

// userImportPlan is what a dry run found.
type userImportPlan struct {
	users      []store.NewUser
	view       []components.UserImportRow
	fileErrors []string
}

func (p userImportPlan) ok() bool {
	return importOK(p.fileErrors, p.view, func(r components.UserImportRow) []string { return r.Errors })
}

// checkUserImport reads and checks a liaison import file against the
// forces (code to name) and the accounts that exist (taken reports whether
// an email address is anyone's). It writes nothing.
func checkUserImport(content []byte, forces map[string]string, taken func(email string) (bool, error)) (userImportPlan, error) {
	var plan userImportPlan
	seen := map[string]int{} // normalised email -> line
	var err error
	plan.fileErrors, err = usersImport.read(content, func(cr csvRow) error {
		line, get := cr.line, cr.get
		v := components.UserImportRow{Line: line, Email: get("email"), Name: get("name"), ForceCode: strings.ToLower(get("force"))}
		if cr.problem != "" {
			v.Errors = append(v.Errors, cr.problem)
		}
		email := store.NormalizeEmail(v.Email)
		switch {
		case !validEmail(v.Email):
			v.Errors = append(v.Errors, "Enter an email address in the correct format, like name@example.com")
		case seen[email] != 0:
			v.Errors = append(v.Errors, fmt.Sprintf("The email address appears twice in the file, also on line %d", seen[email]))
		default:
			seen[email] = line
			t, err := taken(email)
			if err != nil {
				return err
			}
			if t {
				v.Errors = append(v.Errors, "A user with this email address already exists")
			}
		}
		switch n := utf8.RuneCountInString(v.Name); {
		case n == 0:
			v.Errors = append(v.Errors, "Enter the liaison's full name")
		case n > 200:
			v.Errors = append(v.Errors, "Name must be 200 characters or fewer")
		}
		if name, ok := forces[v.ForceCode]; ok {
			v.ForceName = name
		} else if v.ForceCode == "" {
			v.Errors = append(v.Errors, "Enter the code of the liaison's force")
		} else {
			v.Errors = append(v.Errors, fmt.Sprintf("No force has the code “%s”", v.ForceCode))
		}
		plan.view = append(plan.view, v)
		plan.users = append(plan.users, store.NewUser{Email: v.Email, Name: v.Name, Role: string(auth.RoleLiaison), ForceCode: v.ForceCode})
		return nil
	})
	if err != nil || len(plan.fileErrors) > 0 {
		return plan, err
	}
	if len(plan.view) == 0 {
		plan.fileErrors = append(plan.fileErrors, "The file has a header but no liaisons")
	}
	return plan, nil
}

func (s *Server) planUserImport(r *http.Request, content []byte) (userImportPlan, error) {
	ctx := r.Context()
	forces, err := s.store.ListForces(ctx, store.Scope{})
	if err != nil {
		return userImportPlan{}, err
	}
	names := map[string]string{}
	for _, f := range forces {
		names[f.Code] = f.Name
	}
	return checkUserImport(content, names, func(email string) (bool, error) {
		_, err := s.store.UserByEmail(ctx, email)
		if isNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}

func userImportPage(v components.UserImportView) formPage {
	fp := newFormPage("Add liaisons from a CSV file", components.UserImportPage, v)
	fp.wide = len(v.Rows) > 0
	return fp
}

// usersImportForm shows the liaison import's upload form.
func (s *Server) usersImportForm(w http.ResponseWriter, r *http.Request) error {
	return s.showForm(w, r, userImportPage(components.UserImportView{}))
}

// usersImportPost checks an uploaded liaison file and shows every row's
// result; it writes nothing.
func (s *Server) usersImportPost(w http.ResponseWriter, r *http.Request) error {
	name, content, err := readUpload(w, r, "file")
	if err != nil {
		return err
	}
	v := components.UserImportView{FileName: name}
	if len(content) == 0 {
		v.Errors.Add("file", "Select a CSV file of liaisons")
		return invalid(userImportPage(v))
	}
	return s.showUserImportPlan(w, r, v, content)
}

func (s *Server) showUserImportPlan(w http.ResponseWriter, r *http.Request, v components.UserImportView, content []byte) error {
	plan, err := s.planUserImport(r, content)
	if err != nil {
		return err
	}
	v.Rows, v.FileErrors = plan.view, plan.fileErrors
	if !plan.ok() {
		v.Errors.Add("file", "The file has problems: nobody has been added. Correct them and upload it again")
		return invalid(userImportPage(v))
	}
	v.Content = base64.StdEncoding.EncodeToString(content)
	v.Hash = contentHash(content)
	v.Ready = true
	return s.showForm(w, r, userImportPage(v))
}

// usersImportConfirmPost creates the checked file's liaisons: the content must
// be what the dry run showed (its hash), is checked again, and every
// account is created in one transaction, each audited with its
// invitation, or none (and then no invitation is sent).
func (s *Server) usersImportConfirmPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxImportBytes)
	content, err := base64.StdEncoding.DecodeString(r.PostFormValue("content"))
	hash := r.PostFormValue("sha256")
	if err != nil || len(content) == 0 || len(content) > maxImportBytes ||
		subtle.ConstantTimeCompare([]byte(contentHash(content)), []byte(hash)) != 1 {
		return withStatus(http.StatusBadRequest, errors.New("web: liaison import content does not match what the dry run checked"))
	}
	v := components.UserImportView{FileName: r.PostFormValue("file_name")}
	plan, err := s.planUserImport(r, content)
	if err != nil {
		return err
	}
	if !plan.ok() { // an address was taken since the dry run
		return s.showUserImportPlan(w, r, v, content)
	}
	var created []components.CreatedUser
	err = s.store.InTx(r.Context(), func(st *store.Store) error {
		for i, n := range plan.users {
			u, err := st.InviteUser(r.Context(), actor(r), n)
			if err != nil {
				return fmt.Errorf("web: liaison import line %d: %w", plan.view[i].Line, err)
			}
			created = append(created, components.CreatedUser{User: userRow(u)})
		}
		return nil
	})
	if errors.Is(err, store.ErrEmailTaken) || errors.Is(err, store.ErrUnknownForce) {
		return s.showUserImportPlan(w, r, v, content) // raced with another change: check again
	}
	if err != nil {
		return err
	}
	p := s.page(r, strconv.Itoa(len(created))+" liaisons added")
	return s.render(w, r, http.StatusCreated, components.UsersImportedPage(p, created))
}
