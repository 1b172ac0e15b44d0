package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// Longest texts a finding accepts.
const (
	maxReferenceLen = 100
	maxBodyLen      = 10000
	maxNoteLen      = 2000
)

// resolveDeadline works out a recommendation's deadline, the one rule the
// finding form and the import share: the words as written (text, else the
// phrase domain.ParseDeadline finds in body) and the date the inspector
// entered, else the date domain.DeadlineDate computes from the publication
// date. Words that give no date return an error matching
// domain.ErrManualDeadline: the inspector must enter the date. No words
// and no date is a recommendation without a deadline.
func resolveDeadline(published time.Time, body, text string, entered *time.Time) (phrase string, on *time.Time, overridden bool, err error) {
	phrase = strings.TrimSpace(text)
	if phrase == "" {
		if d, err := domain.ParseDeadline(body); err == nil {
			phrase = d.Phrase
		}
	}
	if entered != nil {
		return phrase, entered, true, nil
	}
	if phrase == "" {
		return "", nil, false, nil
	}
	d, err := domain.DeadlineDate(published, phrase)
	if err != nil {
		return phrase, nil, false, err
	}
	return phrase, &d, false, nil
}

// fillFindingForm adds the choices of the finding form: the report's
// causes of concern and the forces.
func (s *Server) fillFindingForm(r *http.Request, f *components.FindingForm) error {
	ctx := r.Context()
	rp, err := s.store.Report(ctx, f.ReportID)
	if err != nil {
		return err
	}
	f.ReportTitle, f.ReportPublished = rp.Title, rp.PublishedOn
	f.KindLabel = domain.FindingKind(f.Kind).Label()
	findings, err := s.store.ListFindings(ctx, f.ReportID)
	if err != nil {
		return err
	}
	f.Parents = []components.Option{{Value: "", Label: "None"}}
	for _, c := range findings {
		if c.Kind == domain.FindingCauseOfConcern {
			f.Parents = append(f.Parents, components.Option{Value: strconv.FormatInt(c.ID, 10),
				Label: components.FindingRef(c.Reference, c.Kind.Label()) + ": " + components.Excerpt(c.Body, 80)})
		}
	}
	forces, err := s.store.ListForces(ctx, store.Scope{})
	if err != nil {
		return err
	}
	f.Forces = nil
	for _, fo := range forces {
		f.Forces = append(f.Forces, components.Option{Value: fo.Code, Label: fo.Name})
	}
	if f.Deadline.Name == "" {
		f.Deadline.Name = "deadline"
	}
	f.Deadline.Legend = "Deadline date"
	return nil
}

func (s *Server) findingFormPage(f components.FindingForm) formPage {
	return formPage{build: func(r *http.Request, p *components.Page) (templ.Component, error) {
		if err := s.fillFindingForm(r, &f); err != nil {
			return nil, err
		}
		// The title names the kind and report that fillFindingForm reads.
		p.Title = "Change " + strings.ToLower(f.KindLabel) + " – " + f.ReportTitle
		if f.FindingID == 0 {
			p.Title = "Add " + strings.ToLower(f.KindLabel) + " – " + f.ReportTitle
		}
		return components.FindingFormPage(*p, f), nil
	}}
}

func (s *Server) findingsNewForm(w http.ResponseWriter, r *http.Request) error {
	reportID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	kind := domain.FindingKind(r.URL.Query().Get("kind"))
	if !kind.Valid() {
		kind = domain.FindingRecommendation
	}
	return s.showForm(w, r, s.findingFormPage(components.FindingForm{ReportID: reportID, Kind: string(kind),
		Scope: store.ScopeAllPolice, ForceCodes: map[string]bool{}}))
}

// readFindingForm reads and checks the finding form. existing is the
// finding being edited, nil when adding.
func (s *Server) readFindingForm(r *http.Request, reportID int64, existing *store.Finding) (components.FindingForm, store.FindingInput, error) {
	f := components.FindingForm{
		ReportID:        reportID,
		Kind:            r.PostFormValue("kind"),
		Reference:       strings.TrimSpace(r.PostFormValue("reference")),
		Body:            strings.TrimSpace(r.PostFormValue("body")),
		Parent:          r.PostFormValue("parent"),
		DeadlineText:    strings.TrimSpace(r.PostFormValue("deadline_text")),
		DeadlineReason:  strings.TrimSpace(r.PostFormValue("deadline_reason")),
		TerminologyNote: strings.TrimSpace(r.PostFormValue("terminology_note")),
		Scope:           r.PostFormValue("scope"),
		Criteria:        r.PostFormValue("criteria"),
		ForceCodes:      map[string]bool{},
	}
	if existing != nil {
		f.FindingID, f.Kind = existing.ID, string(existing.Kind)
		f.ShowReason = existing.DeadlineOn != nil
		f.Locked = existing.Cases > 0
	}
	kind := domain.FindingKind(f.Kind)
	if !kind.Valid() {
		return f, store.FindingInput{}, withStatus(http.StatusBadRequest, fmt.Errorf("web: finding kind %q", f.Kind))
	}
	rp, err := s.store.Report(r.Context(), reportID)
	if err != nil {
		return f, store.FindingInput{}, err
	}
	in := store.FindingInput{Kind: kind, Reference: f.Reference, Body: f.Body, DeadlineReason: f.DeadlineReason}
	switch {
	case utf8.RuneCountInString(f.Reference) > maxReferenceLen:
		f.Errors.Add("reference", "Reference must be 100 characters or fewer")
	}
	switch {
	case f.Body == "":
		f.Errors.Add("body", "Enter the text of the "+strings.ToLower(kind.Label()))
	case utf8.RuneCountInString(f.Body) > maxBodyLen:
		f.Errors.Add("body", "Text must be 10000 characters or fewer")
	}
	if kind != domain.FindingRecommendation {
		return f, in, nil
	}
	in.ParentID, _ = strconv.ParseInt(f.Parent, 10, 64)
	in.TerminologyNote = f.TerminologyNote
	if utf8.RuneCountInString(f.TerminologyNote) > maxNoteLen {
		f.Errors.Add("terminology_note", "Terminology note must be 2000 characters or fewer")
	}
	// The deadline date: entered, or worked out from the words.
	f.Deadline = components.DateField{Name: "deadline", Legend: "Deadline date"}
	var entered *time.Time
	if dateGiven(postValue(r), f.Deadline.Name) {
		if d, ok := readDate(postValue(r), &f.Deadline, &f.Errors, "the deadline date"); ok {
			entered = &d
		}
	}
	if f.Deadline.Error == "" {
		phrase, on, overridden, err := resolveDeadline(rp.PublishedOn, f.Body, f.DeadlineText, entered)
		if errors.Is(err, domain.ErrManualDeadline) {
			dateProblem(&f.Deadline, &f.Errors, fmt.Sprintf("The deadline “%s” gives no date: enter the deadline date", phrase))
		}
		in.DeadlineText, in.DeadlineOn, in.DeadlineOverridden = phrase, on, overridden
	}
	switch f.Scope {
	case store.ScopeAllPolice:
	case store.ScopeListed:
		in.ForceCodes = r.PostForm["forces"]
		for _, c := range in.ForceCodes {
			f.ForceCodes[c] = true
		}
		if len(in.ForceCodes) == 0 {
			f.Errors.Add("forces", "Select the forces the recommendation is to")
		}
	default:
		f.Errors.Add("scope", "Select which forces must act on the recommendation")
	}
	in.Scope = f.Scope
	for _, line := range lines(f.Criteria) {
		if utf8.RuneCountInString(line) > 300 {
			f.Errors.Add("criteria", "Each criterion must be 300 characters or fewer")
			break
		}
		in.Criteria = append(in.Criteria, store.NewCriterion{Title: line})
	}
	return f, in, nil
}

func (s *Server) findingsNewPost(w http.ResponseWriter, r *http.Request) error {
	reportID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, in, err := s.readFindingForm(r, reportID, nil)
	if err != nil {
		return err
	}
	if f.Errors.Any() {
		return invalid(s.findingFormPage(f))
	}
	id, err := s.store.CreateFinding(r.Context(), actor(r), reportID, in)
	if s.findingStoreError(err, &f) {
		return invalid(s.findingFormPage(f))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", in.Kind.Label()+" added.")
	http.Redirect(w, r, "/findings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// findingStoreError turns the store's refusals of a finding into form
// errors, reporting whether it did.
func (s *Server) findingStoreError(err error, f *components.FindingForm) bool {
	switch {
	case errors.Is(err, store.ErrReferenceTaken):
		f.Errors.Add("reference", "Another finding of this report has this reference")
	case errors.Is(err, store.ErrBadParent):
		f.Errors.Add("parent", "Select a cause of concern of this report")
	case errors.Is(err, store.ErrUnknownForce):
		f.Errors.Add("forces", "Select forces from the list")
	case errors.Is(err, store.ErrReasonRequired):
		f.Errors.Add("deadline_reason", "Enter why the deadline date is changing")
	case errors.Is(err, store.ErrCasesExist):
		f.Errors.Add("forces", "Cases exist for forces you removed: keep them in scope")
	default:
		return false
	}
	return true
}

func (s *Server) findingsEditForm(w http.ResponseWriter, r *http.Request) error {
	fd, err := s.findingFrom(r)
	if err != nil {
		return err
	}
	f := components.FindingForm{ReportID: fd.ReportID, FindingID: fd.ID, Kind: string(fd.Kind), Reference: fd.Reference,
		Body: fd.Body, DeadlineText: fd.DeadlineText, TerminologyNote: fd.TerminologyNote, Scope: fd.Scope,
		ShowReason: fd.DeadlineOn != nil, Locked: fd.Cases > 0, ForceCodes: map[string]bool{}}
	if fd.ParentID != 0 {
		f.Parent = strconv.FormatInt(fd.ParentID, 10)
	}
	if fd.DeadlineOverridden && fd.DeadlineOn != nil {
		// Only an entered date is shown: a computed one follows the words.
		f.Deadline = components.DateField{Name: "deadline"}
		setDate(&f.Deadline, *fd.DeadlineOn)
	}
	for _, fo := range fd.Forces {
		f.ForceCodes[fo.Code] = true
	}
	return s.showForm(w, r, s.findingFormPage(f))
}

func (s *Server) findingsEditPost(w http.ResponseWriter, r *http.Request) error {
	fd, err := s.findingFrom(r)
	if err != nil {
		return err
	}
	id := fd.ID
	f, in, err := s.readFindingForm(r, fd.ReportID, &fd)
	if err != nil {
		return err
	}
	if in.DeadlineOn != nil && fd.DeadlineOn != nil && !in.DeadlineOn.Equal(*fd.DeadlineOn) && f.DeadlineReason == "" {
		f.Errors.Add("deadline_reason", "Enter why the deadline date is changing from "+domain.FormatLong(*fd.DeadlineOn))
	}
	if f.Errors.Any() {
		return invalid(s.findingFormPage(f))
	}
	err = s.store.UpdateFinding(r.Context(), actor(r), id, in)
	if s.findingStoreError(err, &f) {
		return invalid(s.findingFormPage(f))
	}
	if err != nil {
		return err
	}
	return s.backToFinding(w, r, id, fd.Kind.Label()+" saved.")
}

func (s *Server) backToFinding(w http.ResponseWriter, r *http.Request, id int64, flash string) error {
	if flash != "" {
		s.sessions.Put(r.Context(), "flash", flash)
	}
	http.Redirect(w, r, "/findings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// recommendationsShow keeps /recommendations/{id} working: a
// recommendation's page is its finding's page.
func (s *Server) recommendationsShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/findings/"+strconv.FormatInt(id, 10), http.StatusMovedPermanently)
	return nil
}

func (s *Server) findingsShow(w http.ResponseWriter, r *http.Request) error {
	return s.showForm(w, r, s.findingPage(nil))
}

// renderFinding shows the finding page; change, when not nil, adjusts the
// view (the criteria and categories forms with their errors).
func (s *Server) findingPage(change func(*components.FindingView)) formPage {
	return formPage{build: func(r *http.Request, p *components.Page) (templ.Component, error) {
		ctx := r.Context()
		fd, err := s.findingFrom(r)
		if err != nil {
			return nil, err
		}
		u := auth.UserFrom(ctx)
		v := components.FindingView{ID: fd.ID, ReportID: fd.ReportID, ReportTitle: fd.ReportTitle, Published: fd.ReportPublishedOn,
			Kind: fd.Kind.Label(), IsRecommendation: fd.Kind == domain.FindingRecommendation, Reference: fd.Reference,
			Body: fd.Body, ParentID: fd.ParentID, ParentRef: fd.ParentReference, DeadlineText: fd.DeadlineText,
			DeadlineOn: derefDate(fd.DeadlineOn), TerminologyNote: fd.TerminologyNote, Locked: fd.Cases > 0, Cases: fd.Cases,
			CanEdit: auth.Allowed(u, auth.EditReports), CanViewCases: auth.Allowed(u, auth.ViewCases),
			Flash: s.sessions.PopString(ctx, "flash")}
		if fd.DeadlineOverridden {
			v.DeadlineHow = "Entered by an inspector"
		} else {
			v.DeadlineHow = "Worked out from the publication date, " + domain.FormatLong(fd.ReportPublishedOn)
		}
		if fd.Kind == domain.FindingCauseOfConcern {
			all, err := s.store.ListFindings(ctx, fd.ReportID)
			if err != nil {
				return nil, err
			}
			for _, a := range all {
				if a.ParentID == fd.ID {
					v.Answers = append(v.Answers, findingRow(a))
				}
			}
		}
		if v.IsRecommendation {
			if err := s.fillRecommendation(r, fd, &v); err != nil {
				return nil, err
			}
		}
		if change != nil {
			change(&v)
		}
		p.Title = components.FindingRef(fd.Reference, fd.Kind.Label()) + " – " + fd.ReportTitle
		return components.FindingPage(*p, v), nil
	}}
}

// fillRecommendation adds what only a recommendation has: scope, criteria,
// categories, cases by stage, the request and date changes.
func (s *Server) fillRecommendation(r *http.Request, fd store.Finding, v *components.FindingView) error {
	ctx := r.Context()
	if fd.Scope == store.ScopeListed {
		v.ScopeText = fmt.Sprintf("%d listed forces", len(fd.Forces))
		for _, fo := range fd.Forces {
			v.Forces = append(v.Forces, fo.Name)
		}
	} else {
		v.ScopeText = "All police forces"
	}
	for _, c := range fd.Criteria {
		v.Criteria = append(v.Criteria, components.ListItem{ID: c.ID, Title: c.Title, Description: c.Description})
	}
	for _, c := range fd.Categories {
		v.Categories = append(v.Categories, components.ListItem{ID: c.ID, Title: c.Label, Description: c.Key,
			Effect: string(c.Effect), EffectLabel: c.Effect.Label()})
	}
	for _, e := range domain.Effects() {
		v.EffectOptions = append(v.EffectOptions, components.Option{Value: string(e), Label: e.Label()})
	}
	n, err := s.store.InScope(ctx, fd.ID)
	if err != nil {
		return err
	}
	v.InScope = n
	today := domain.Today(s.now())
	counts, err := s.store.CaseStageCounts(ctx, scope(r), fd.ID, today)
	if err != nil {
		return err
	}
	base := "/cases?finding=" + strconv.FormatInt(fd.ID, 10)
	v.AllCasesHref = base
	if auth.Allowed(auth.UserFrom(ctx), auth.ReadPlans) {
		v.PlansHref = "/recommendations/" + strconv.FormatInt(fd.ID, 10) + "/plans"
	}
	for _, st := range domain.Stages() {
		if counts[st] > 0 {
			v.Stages = append(v.Stages, components.StageCount{Label: st.Label(), Tag: st.Tag(), Count: counts[st],
				Href: base + "&stage=" + url.QueryEscape(string(st))})
		}
	}
	rq, err := s.store.RequestFor(ctx, fd.ID)
	switch {
	case err == nil:
		v.Request = &components.RequestSummary{Sent: rq.SentOn, Due: rq.DueOn, By: rq.CreatedBy}
	case !isNotFound(err):
		return err
	}
	changes, err := s.store.FindingDateChanges(ctx, fd.ID)
	if err != nil {
		return err
	}
	for _, d := range changes {
		by := d.ChangedBy
		if by == "" {
			by = "the system"
		}
		v.DateChanges = append(v.DateChanges, fmt.Sprintf("%s: %s to %s – %s (%s, %s)", dateChangeLabel(d.Field),
			domain.FormatLongOrNone(d.Old), domain.FormatLongOrNone(d.New), d.Reason, by, components.FormatDateTime(d.ChangedAt)))
	}
	return nil
}

func dateChangeLabel(field string) string {
	switch field {
	case "deadline_on":
		return "Deadline"
	case "request.sent_on":
		return "Request sent"
	case "request.due_on":
		return "Plans due"
	}
	if l, ok := dateFieldLabels[field]; ok {
		return l
	}
	return field
}

func (s *Server) findingsApply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.store.ApplyFinding(r.Context(), actor(r), id)
	if errors.Is(err, store.ErrNotRecommendation) {
		return withStatus(http.StatusBadRequest, err)
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%d cases created.", res.Created)
	if existed := res.InScope - res.Created; existed > 0 {
		msg += fmt.Sprintf(" %d forces already had one.", existed)
	}
	return s.backToFinding(w, r, id, msg)
}

// listChange is an add, move or remove on a recommendation's criteria or
// categories: the store's refusals become the right answer.
func (s *Server) listChange(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) error {
	switch {
	case errors.Is(err, store.ErrCasesExist):
		return withStatus(http.StatusConflict, err)
	case errors.Is(err, store.ErrNotRecommendation):
		return withStatus(http.StatusBadRequest, err)
	case err != nil:
		return err
	}
	return s.backToFinding(w, r, id, flash)
}

// moveDelta reads the direction of a move button.
func moveDelta(r *http.Request) (int, error) {
	switch r.PostFormValue("direction") {
	case "up":
		return -1, nil
	case "down":
		return 1, nil
	}
	return 0, withStatus(http.StatusBadRequest, errors.New("web: move direction"))
}

func (s *Server) criteriaAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	title := strings.TrimSpace(r.PostFormValue("criterion"))
	desc := strings.TrimSpace(r.PostFormValue("criterion_description"))
	msg := ""
	switch {
	case title == "":
		msg = "Enter the criterion"
	case utf8.RuneCountInString(title) > 300:
		msg = "Criterion must be 300 characters or fewer"
	}
	if msg != "" {
		return invalid(s.findingPage(func(v *components.FindingView) {
			v.NewCriterion, v.NewCriterionDescription = title, desc
			v.Errors.Add("criterion", msg)
		}))
	}
	return s.listChange(w, r, id, s.store.AddCriterion(r.Context(), actor(r), id, title, desc), "Criterion added.")
}

// listMove moves an item of a recommendation's criteria or categories.
func (s *Server) listMove(l store.List) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, item, err := findingItem(r)
		if err != nil {
			return err
		}
		delta, err := moveDelta(r)
		if err != nil {
			return err
		}
		return s.listChange(w, r, id, s.store.MoveItem(r.Context(), actor(r), l, id, item, delta), "")
	}
}

// listRemove removes an item of a recommendation's criteria or categories.
func (s *Server) listRemove(l store.List, flash string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, item, err := findingItem(r)
		if err != nil {
			return err
		}
		return s.listChange(w, r, id, s.store.RemoveItem(r.Context(), actor(r), l, id, item), flash)
	}
}

func (s *Server) categoriesAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	label := strings.TrimSpace(r.PostFormValue("category"))
	msg := ""
	switch {
	case label == "":
		msg = "Enter the category"
	case utf8.RuneCountInString(label) > 200:
		msg = "Category must be 200 characters or fewer"
	}
	err = nil
	if msg == "" {
		err = s.store.AddCategory(r.Context(), actor(r), id, label)
		if errors.Is(err, store.ErrCategoryExists) {
			msg = "This recommendation already has that category"
		}
	}
	if msg != "" {
		return invalid(s.findingPage(func(v *components.FindingView) {
			v.NewCategory = label
			v.Errors.Add("category", msg)
		}))
	}
	return s.listChange(w, r, id, err, "Category added.")
}

// categoriesEffect says what a category counts as (met, partly met, not
// met, not assessable); unlike the list, it may change once cases exist.
func (s *Server) categoriesEffect(w http.ResponseWriter, r *http.Request) error {
	id, item, err := findingItem(r)
	if err != nil {
		return err
	}
	e := domain.Effect(r.PostFormValue("effect"))
	if !e.Valid() {
		return withStatus(http.StatusBadRequest, store.ErrBadEffect)
	}
	if err := s.store.SetCategoryEffect(r.Context(), actor(r), id, item, e); err != nil {
		return err
	}
	return s.backToFinding(w, r, id, "Category saved: it counts as "+strings.ToLower(e.Label())+".")
}

func findingItem(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	item, err := pathID(r, "item")
	return id, item, err
}

func (s *Server) requestForm(r *http.Request, fd store.Finding) components.RequestForm {
	return components.RequestForm{FindingID: fd.ID, Reference: components.FindingRef(fd.Reference, fd.Kind.Label()), ReportTitle: fd.ReportTitle,
		Cases: fd.Cases,
		Sent:  components.DateField{Name: "sent", Legend: "Date of the letter", Hint: "For example, 16 5 2017"},
		Due:   components.DateField{Name: "due", Legend: "Date plans are due", Hint: "For example, 31 5 2017"}}
}

// findingFrom returns the finding of the URL's {id}.
func (s *Server) findingFrom(r *http.Request) (store.Finding, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Finding{}, err
	}
	return s.store.Finding(r.Context(), id)
}

// recommendation returns the recommendation of the URL's {id}; any other
// finding has no such page.
func (s *Server) recommendation(r *http.Request) (store.Finding, error) {
	fd, err := s.findingFrom(r)
	if err != nil {
		return fd, err
	}
	if fd.Kind != domain.FindingRecommendation {
		return fd, fmt.Errorf("web: finding %d is a %s: %w", fd.ID, fd.Kind, store.ErrNotFound)
	}
	return fd, nil
}

func (s *Server) findingsRequestForm(w http.ResponseWriter, r *http.Request) error {
	fd, err := s.recommendation(r)
	if err != nil {
		return err
	}
	f := s.requestForm(r, fd)
	rq, err := s.store.RequestFor(r.Context(), fd.ID)
	switch {
	case err == nil:
		f.Existing = true
		setDate(&f.Sent, rq.SentOn)
		setDate(&f.Due, rq.DueOn)
	case !isNotFound(err):
		return err
	}
	return s.showForm(w, r, requestPage(f))
}

func requestPage(f components.RequestForm) formPage {
	return newFormPage("Request for plans – "+f.Reference, components.RequestPage, f)
}

func (s *Server) findingsRequestPost(w http.ResponseWriter, r *http.Request) error {
	fd, err := s.recommendation(r)
	if err != nil {
		return err
	}
	f := s.requestForm(r, fd)
	if _, err := s.store.RequestFor(r.Context(), fd.ID); err == nil {
		f.Existing = true
	}
	sent, sentOK := readDate(postValue(r), &f.Sent, &f.Errors, "the date of the letter")
	due, dueOK := readDate(postValue(r), &f.Due, &f.Errors, "the date plans are due")
	if sentOK && dueOK && due.Before(sent) {
		dateProblem(&f.Due, &f.Errors, "The date plans are due must be the same as or after the date of the letter, "+domain.FormatLong(sent))
	}
	if f.Errors.Any() {
		return invalid(requestPage(f))
	}
	res, err := s.store.RecordRequest(r.Context(), actor(r), fd.ID, sent, due)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Request recorded: sent %s, plans due %s. %d cases updated.", domain.FormatLong(sent), domain.FormatLong(due), res.Cases)
	if res.Changed {
		msg = fmt.Sprintf("Request corrected: sent %s, plans due %s. %d due dates changed.", domain.FormatLong(sent), domain.FormatLong(due), res.DueChanged)
	}
	return s.backToFinding(w, r, fd.ID, msg)
}
