package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"inspectrack/internal/auth"
	"inspectrack/internal/compose"
	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
	"inspectrack/internal/upload"
	"inspectrack/web/components"
)

// letterSheet is a composed letter as the view lays it out.
func letterSheet(l letter.Letter) components.LetterSheet {
	sheet := components.LetterSheet{Address: l.Address, CopiedTo: l.CopiedTo, Date: l.Date, Salutation: l.Salutation,
		Subject: l.Subject, Closing: l.Closing, Signature: l.Signature}
	for _, p := range l.Body {
		var spans []components.LetterSpan
		for _, s := range p {
			spans = append(spans, components.LetterSpan{Text: s.Text, Italic: s.Italic})
		}
		sheet.Body = append(sheet.Body, spans)
	}
	return sheet
}

// caseLetter is a case's letter: as published, or composed afresh from the
// records, with the facts it lacks.
func (s *Server) caseLetter(r *http.Request, caseID int64) (store.LetterRecords, letter.Composed, error) {
	recs, err := s.store.LetterRecords(r.Context(), scope(r), caseID)
	if err != nil {
		return recs, letter.Composed{}, err
	}
	if recs.Letter.PublishedAt != nil {
		var l letter.Letter
		if err := json.Unmarshal(recs.Letter.Composed, &l); err != nil {
			return recs, letter.Composed{}, fmt.Errorf("web: published letter %d: %w", recs.Letter.ID, err)
		}
		return recs, letter.Composed{Letter: l}, nil
	}
	c, err := letter.Draft(compose.Wording(recs), compose.Data(recs))
	return recs, c, err
}

// lettersShow shows a case's letter to the inspectorate.
func (s *Server) lettersShow(w http.ResponseWriter, r *http.Request) error {
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	recs, c, err := s.caseLetter(r, caseID)
	if err != nil {
		return err
	}
	v := components.LetterPageView{Case: caseView(recs.Case), State: stateTag(recs.Assessment.State),
		Published: recs.Letter.PublishedAt != nil, Letter: letterSheet(c.Letter), Missing: letterProblems(recs, c.Missing),
		Flash: s.sessions.PopString(r.Context(), "flash")}
	if st := recs.Assessment.State; !v.Published && (st == domain.StateSubmitted || st == domain.StateApproved) && recs.Letter.Frozen.SHA256 != "" {
		// Awaiting approval or publication: the text frozen for approval.
		var l letter.Letter
		if err := json.Unmarshal(recs.Letter.Frozen.Blocks, &l); err != nil {
			return fmt.Errorf("web: frozen letter %d: %w", recs.Letter.ID, err)
		}
		v.Letter, v.SHA256 = letterSheet(l), recs.Letter.Frozen.SHA256
		v.Approved = recs.Letter.ApprovedSHA256 == v.SHA256
	}
	if !v.Published {
		v.Addressee = addressee(recs)
	}
	v.CanEdit = !v.Published && auth.Allowed(auth.UserFrom(r.Context()), auth.Assess)
	if v.Published {
		v.PublicHref = publicationHref(recs.Letter.ID, "")
	}
	return s.render(w, r, http.StatusOK, components.LetterPage(s.page(r, "Letter: "+recs.Case.Force.Name), v))
}

// lettersPDF downloads a case's letter as a PDF; an unpublished one says
// DRAFT on every page.
func (s *Server) lettersPDF(w http.ResponseWriter, r *http.Request) error {
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	recs, c, err := s.caseLetter(r, caseID)
	if err != nil {
		return err
	}
	opts := letter.PDFOptions{Title: c.Letter.Subject + ": " + recs.Case.Force.Name, Draft: recs.Letter.PublishedAt == nil}
	if at := recs.Letter.PublishedAt; at != nil {
		// Published, it never changes (see httpcache.go).
		if cacheValidated(w, r, versionETag("letter", recs.Letter.ID, *at), *at) {
			return nil
		}
		opts.Created = *at
	}
	return writePDF(w, c.Letter, opts, letterFilename(recs.Case.Force.Code, c.Letter.Date, opts.Draft))
}

// letterFilename names a letter's PDF: hmicfrs-letter-leicestershire-2-october-2017.pdf.
func letterFilename(forceCode, date string, draft bool) string {
	name := "hmicfrs-letter-" + forceCode
	if date != "" {
		name += "-" + strings.ToLower(strings.ReplaceAll(date, " ", "-"))
	}
	if draft {
		name += "-draft"
	}
	return name + ".pdf"
}

// writePDF renders the PDF into a buffer first, so a failure answers the
// error page rather than half a file.
func writePDF(w http.ResponseWriter, l letter.Letter, opts letter.PDFOptions, filename string) error {
	var buf bytes.Buffer
	if err := letter.WritePDF(&buf, l, opts); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", upload.ContentDisposition(filename))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := buf.WriteTo(w)
	return err
}

// lettersEditForm shows the form for a letter's date, contact and signatory.
func (s *Server) lettersEditForm(w http.ResponseWriter, r *http.Request) error {
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	recs, err := s.store.LetterRecords(r.Context(), scope(r), caseID)
	if err != nil {
		return err
	}
	if recs.Letter.PublishedAt != nil {
		return s.publishedIsFinal(w, r, caseID)
	}
	return s.showForm(w, r, letterDetailsPage(letterDetailsForm(recs)))
}

func letterDetailsForm(recs store.LetterRecords) components.LetterDetailsForm {
	d := recs.Letter.LetterDetails
	f := components.LetterDetailsForm{Case: caseView(recs.Case), Version: recs.Assessment.Version,
		ContactName: d.ContactName, ContactEmail: d.ContactEmail, ContactPhone: d.ContactPhone,
		SignatoryName: d.SignatoryName, SignatoryHonours: d.SignatoryHonours, SignatoryTitles: d.SignatoryTitles,
		Approved: recs.Assessment.State == domain.StateApproved, Addressee: addressee(recs)}
	f.Date = letterDateField()
	if d.LetterDate != nil {
		setDate(&f.Date, *d.LetterDate)
	}
	return f
}

func letterDateField() components.DateField {
	return components.DateField{Name: "letter_date", Legend: "Date of the letter (optional)",
		Hint: "Leave it empty to date the letter the day it is published. For example, 2 10 2017"}
}

func letterDetailsPage(f components.LetterDetailsForm) formPage {
	return newFormPage("The letter’s details: "+f.Case.ForceName, components.LetterDetailsPage, f)
}

// Longest letter facts; more is a validation error.
const maxLetterFact = 200

// readLetterDetails reads and checks the letter's details as posted.
func readLetterDetails(r *http.Request, f *components.LetterDetailsForm) store.LetterDetails {
	get := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f.ContactName, f.ContactEmail, f.ContactPhone = get("contact_name"), get("contact_email"), get("contact_phone")
	f.SignatoryName, f.SignatoryHonours = get("signatory_name"), get("signatory_honours")
	f.SignatoryTitles = strings.ReplaceAll(get("signatory_titles"), "\r\n", "\n")
	f.Date = letterDateField()
	d := store.LetterDetails{ContactName: f.ContactName, ContactEmail: f.ContactEmail, ContactPhone: f.ContactPhone,
		SignatoryName: f.SignatoryName, SignatoryHonours: f.SignatoryHonours, SignatoryTitles: f.SignatoryTitles}
	if dateGiven(postValue(r), f.Date.Name) {
		if date, ok := readDate(postValue(r), &f.Date, &f.Errors, "the date of the letter"); ok {
			d.LetterDate = &date
		}
	}
	checkContact(&f.Errors, f.ContactName, f.ContactEmail, f.SignatoryName)
	for name, v := range map[string]string{"contact_phone": f.ContactPhone, "signatory_honours": f.SignatoryHonours} {
		if len(v) > maxLetterFact {
			f.Errors.Add(name, fmt.Sprintf("Enter %d characters or fewer", maxLetterFact))
		}
	}
	if len(f.SignatoryTitles) > 4*maxLetterFact {
		f.Errors.Add("signatory_titles", fmt.Sprintf("Titles must be %d characters or fewer", 4*maxLetterFact))
	}
	return d
}

// checkContact checks the contact and signatory a letter needs, when they
// are given (a template's defaults may be left empty).
func checkContact(errs *components.Errors, name, email, signatory string) {
	if len(name) > maxLetterFact {
		errs.Add("contact_name", fmt.Sprintf("Contact’s name must be %d characters or fewer", maxLetterFact))
	}
	if email != "" && !validEmail(email) {
		errs.Add("contact_email", "Enter an email address in the correct format, like name@example.com")
	}
	if len(signatory) > maxLetterFact {
		errs.Add("signatory_name", fmt.Sprintf("Signatory’s name must be %d characters or fewer", maxLetterFact))
	}
}

// lettersEditPost saves a letter's details over the version of the assessment
// the user read: the letter is part of what a manager approves.
func (s *Server) lettersEditPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	recs, err := s.store.LetterRecords(ctx, scope(r), caseID)
	if err != nil {
		return err
	}
	if recs.Letter.PublishedAt != nil {
		return s.publishedIsFinal(w, r, caseID)
	}
	a := recs.Assessment
	f := components.LetterDetailsForm{Case: caseView(recs.Case), Approved: a.State == domain.StateApproved, Addressee: addressee(recs)}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	d := readLetterDetails(r, &f)
	if f.ContactName == "" {
		f.Errors.Add("contact_name", "Enter the name of the contact for queries")
	}
	if f.ContactEmail == "" {
		f.Errors.Add("contact_email", "Enter the contact’s email address")
	}
	// The letter offers the contact by telephone too ("or on ..."): a letter
	// must never go out with the number missing.
	if f.ContactPhone == "" {
		f.Errors.Add("contact_phone", "Enter the contact’s telephone number")
	}
	if f.SignatoryName == "" {
		f.Errors.Add("signatory_name", "Enter the name of the person who signs the letter")
	}
	if f.Errors.Any() {
		return invalid(letterDetailsPage(f))
	}
	act, err := s.workflowActor(r, a.ID)
	if err != nil {
		return err
	}
	to, err := domain.Transition(a.State, domain.ActionEdit, act)
	if err != nil {
		return errHidden
	}
	if f.Version != a.Version {
		return s.letterConflict(w, r, recs, f)
	}
	now := s.now()
	err = s.store.InTx(ctx, func(st *store.Store) error {
		if err := st.UpdateLetterDetails(ctx, actor(r), scope(r), a.ID, f.Version, a.State, to, d, now); err != nil {
			return err
		}
		if to != domain.StateSubmitted {
			return nil
		}
		return freezeLetter(ctx, st, actor(r), scope(r), caseID, now) // what a manager approves is the letter as changed
	})
	if errors.Is(err, store.ErrConflict) {
		if recs, err = s.store.LetterRecords(ctx, scope(r), caseID); err != nil {
			return err
		}
		return s.letterConflict(w, r, recs, f)
	}
	if err != nil {
		return err
	}
	msg := "The letter’s details are saved."
	if a.State == domain.StateApproved {
		msg += " The assessment was approved, so it has gone back to a manager for approval."
	}
	s.sessions.Put(ctx, "flash", msg)
	http.Redirect(w, r, caseHref(caseID, "/letter"), http.StatusSeeOther)
	return nil
}

// letterConflict answers a refused save of a letter's details with the
// user's text beside the saved one.
func (s *Server) letterConflict(w http.ResponseWriter, r *http.Request, recs store.LetterRecords, f components.LetterDetailsForm) error {
	saved := letterDetailsForm(recs)
	c := &components.Conflict{What: "assessment", RedoHref: caseHref(recs.Case.CaseID, "/letter/edit"),
		SavedBy: recs.Assessment.UpdatedByName, SavedAt: recs.Assessment.UpdatedAt, Version: recs.Assessment.Version}
	row := func(label, yours, theirs string) {
		c.Rows = append(c.Rows, components.ConflictRow{Label: label, Yours: yours, Saved: theirs, Differs: yours != theirs})
	}
	row("Date of the letter", strings.Join([]string{f.Date.Day, f.Date.Month, f.Date.Year}, " "),
		strings.Join([]string{saved.Date.Day, saved.Date.Month, saved.Date.Year}, " "))
	row("Contact’s name", f.ContactName, saved.ContactName)
	row("Contact’s email address", f.ContactEmail, saved.ContactEmail)
	row("Contact’s telephone number", f.ContactPhone, saved.ContactPhone)
	row("Signatory’s name", f.SignatoryName, saved.SignatoryName)
	row("Signatory’s honours", f.SignatoryHonours, saved.SignatoryHonours)
	row("Signatory’s titles", f.SignatoryTitles, saved.SignatoryTitles)
	f.Conflict = c
	f.Version = recs.Assessment.Version
	f.Errors = nil
	f.Errors.Add("letter_date-day", "Your changes were not saved: "+recs.Assessment.UpdatedByName+" changed this assessment after you opened it")
	return rejected(http.StatusConflict, letterDetailsPage(f))
}

func templateHref(findingID int64) string {
	return "/recommendations/" + strconv.FormatInt(findingID, 10) + "/letter-template"
}

// letterTemplatesForm shows the wording of a recommendation's letters with
// a preview.
func (s *Server) letterTemplatesForm(w http.ResponseWriter, r *http.Request) error {
	findingID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.store.RecommendationByID(r.Context(), findingID)
	if err != nil {
		return err
	}
	t, err := s.store.LetterTemplate(r.Context(), findingID)
	if isNotFound(err) {
		t, err = store.LetterTemplate{FindingID: findingID}, nil
	}
	if err != nil {
		return err
	}
	f := templateForm(rec, t, compose.InUse(t))
	f.PreviewCase = r.URL.Query().Get("case")
	f.Flash = s.sessions.PopString(r.Context(), "flash")
	wording, err := s.copyWording(r, &f, compose.InUse(t))
	if err != nil {
		return err
	}
	if err := s.previewTemplate(r, &f, wording, t.Defaults); err != nil {
		return err
	}
	return s.showForm(w, r, templateFormPage(f))
}

// templateHints help with the blocks of a template.
var templateHints = map[string]string{
	"address":   "One line each",
	"copied_to": "One line each; leave empty when the letter is copied to nobody",
	"body":      "Leave a blank line between paragraphs",
	"signature": "Below the space for the handwritten signature, one line each",
}

// templateForm fills the form with wording and the defaults of t.
func templateForm(rec store.Recommendation, t store.LetterTemplate, wording letter.Template) components.LetterTemplateForm {
	f := components.LetterTemplateForm{FindingID: rec.ID, Recommendation: rec.Label(), Version: t.Version,
		IsDefault: t.Version == 0, UpdatedBy: t.UpdatedByName,
		ContactName: t.Defaults.ContactName, ContactEmail: t.Defaults.ContactEmail, ContactPhone: t.Defaults.ContactPhone,
		SignatoryName: t.Defaults.SignatoryName, SignatoryHonours: t.Defaults.SignatoryHonours,
		SignatoryTitles: t.Defaults.SignatoryTitles}
	for _, fl := range letter.Fields {
		f.Fields = append(f.Fields, templateField(fl, fl.Get(wording)))
	}
	for _, p := range letter.Placeholders {
		f.Placeholders = append(f.Placeholders, components.PlaceholderRow{Name: p.Name, Description: p.Description})
	}
	return f
}

func templateField(fl letter.Field, value string) components.TemplateField {
	rows := 3
	if fl.Key == "body" {
		rows = 24
	}
	return components.TemplateField{Key: fl.Key, Label: fl.Label, Hint: templateHints[fl.Key], Value: value, Rows: rows}
}

// previewTemplate composes the letter of the chosen case (or the first
// assessed one) with wording, and lists the cases to choose from. A case
// not assessed yet takes the contact and signatory of defaults.
func (s *Server) previewTemplate(r *http.Request, f *components.LetterTemplateForm, wording letter.Template, defaults store.LetterDetails) error {
	rows, err := s.store.ListAssessments(r.Context(), scope(r), store.AssessmentFilter{FindingID: f.FindingID})
	if err != nil || len(rows) == 0 {
		return err
	}
	var caseID int64
	for _, row := range rows {
		id := strconv.FormatInt(row.CaseID, 10)
		f.PreviewCases = append(f.PreviewCases, components.Option{Value: id, Label: row.ForceName})
		if id == f.PreviewCase || (f.PreviewCase == "" && caseID == 0 && row.State != "") {
			caseID = row.CaseID
		}
	}
	if caseID == 0 {
		caseID = rows[0].CaseID
	}
	f.PreviewCase = strconv.FormatInt(caseID, 10)
	recs, err := s.store.LetterRecords(r.Context(), scope(r), caseID)
	if isNotFound(err) {
		// Not assessed yet: the case's own facts, the template's contact.
		recs.Case, err = s.store.AssessmentCase(r.Context(), scope(r), caseID)
		recs.Letter.LetterDetails = defaults
	}
	if err != nil {
		return err
	}
	c, err := letter.Draft(wording, compose.Data(recs))
	if err != nil {
		return err
	}
	sheet := letterSheet(c.Letter)
	f.Preview = &sheet
	f.PreviewMissing = letterProblems(recs, c.Missing)
	return nil
}

func templateFormPage(f components.LetterTemplateForm) formPage {
	fp := newFormPage("Wording of the letters", components.LetterTemplatePage, f)
	fp.wide = true
	return fp
}

// letterTemplatesPost previews the posted wording, or saves it over the
// version the user read. Unknown placeholders are validation errors.
func (s *Server) letterTemplatesPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	findingID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.store.RecommendationByID(ctx, findingID)
	if err != nil {
		return err
	}
	get := func(name string) string {
		return strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n"))
	}
	t := store.LetterTemplate{FindingID: findingID, Defaults: store.LetterDetails{
		ContactName: get("contact_name"), ContactEmail: get("contact_email"), ContactPhone: get("contact_phone"),
		SignatoryName: get("signatory_name"), SignatoryHonours: get("signatory_honours"), SignatoryTitles: get("signatory_titles")}}
	t.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	for _, fl := range letter.Fields {
		fl.Set(&t.Wording, get(fl.Key))
	}
	wording := t.Wording
	f := templateForm(rec, t, wording)
	f.IsDefault = false
	f.PreviewCase = r.PostFormValue("case")
	var problems letter.ProblemsError
	if err := letter.Validate(wording); errors.As(err, &problems) {
		for _, p := range problems {
			f.Errors.Add(p.Field, p.Message)
		}
	} else if err != nil {
		return err
	}
	checkContact(&f.Errors, t.Defaults.ContactName, t.Defaults.ContactEmail, t.Defaults.SignatoryName)
	if f.Errors.Any() {
		return invalid(templateFormPage(f))
	}
	if r.PostFormValue("action") != "save" {
		if err := s.previewTemplate(r, &f, wording, t.Defaults); err != nil {
			return err
		}
		return s.showForm(w, r, templateFormPage(f))
	}
	now := s.now()
	sentBack := 0
	err = s.store.InTx(ctx, func(st *store.Store) error {
		if err := st.SaveLetterTemplate(ctx, actor(r), t, now); err != nil {
			return err
		}
		// Letters awaiting approval or publication were approved, or are
		// to be, as they read before: those that now read otherwise go back.
		sentBack, err = sendBackStale(ctx, st, actor(r), store.Scope{}, findingID, "", now)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return s.templateConflict(w, r, rec, f, wording)
	}
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, "flash", "The wording of the letters is saved. Letters not yet published use it from now on."+sentBackNote(sentBack))
	http.Redirect(w, r, templateHref(findingID)+"?case="+url.QueryEscape(f.PreviewCase)+"#preview", http.StatusSeeOther)
	return nil
}

// templateConflict answers a save of wording someone else saved meanwhile.
func (s *Server) templateConflict(w http.ResponseWriter, r *http.Request, rec store.Recommendation, f components.LetterTemplateForm, yours letter.Template) error {
	cur, err := s.store.LetterTemplate(r.Context(), rec.ID)
	if err != nil {
		return err
	}
	saved := compose.InUse(cur)
	c := &components.Conflict{What: "wording", RedoHref: templateHref(rec.ID), SavedBy: cur.UpdatedByName,
		SavedAt: cur.UpdatedAt, Version: cur.Version}
	for _, fl := range letter.Fields {
		c.Rows = append(c.Rows, components.ConflictRow{Label: fl.Label, Yours: fl.Get(yours), Saved: fl.Get(saved),
			Differs: fl.Get(yours) != fl.Get(saved)})
	}
	f.Conflict = c
	f.Version = cur.Version
	f.Errors.Add("body", "Your wording was not saved: "+cur.UpdatedByName+" changed the wording after you opened it")
	return rejected(http.StatusConflict, templateFormPage(f))
}
