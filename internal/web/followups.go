package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// maxReason bounds the words of a reason or note.
const maxReason = 2000

func caseHeading(c store.Case, today time.Time) components.CaseHeader {
	stage, why := domain.Explain(c.Facts(), today)
	return components.CaseHeader{ID: c.ID, ForceName: c.ForceName, ForceHref: "/forces/" + url.PathEscape(c.ForceCode),
		Reference: c.Reference, Body: c.FindingBody, ReportTitle: c.ReportTitle,
		Stage: stage.Label(), StageTag: stage.Tag(), StageReason: why}
}

func followUpsPath(caseID int64) string {
	return caseHref(caseID, "/follow-ups")
}

// followUpRows lists follow-ups with the actions u may take on them.
func followUpRows(fs []store.FollowUp, u *auth.User, today time.Time) []components.FollowUpRow {
	edit := auth.Allowed(u, auth.EditCases)
	rows := make([]components.FollowUpRow, 0, len(fs))
	for _, f := range fs {
		row := components.FollowUpRow{ID: f.ID, PlannedOn: domain.FormatLong(f.PlannedOn), Notes: f.Notes,
			CreatedBy: f.CreatedBy, RecordedBy: f.RecordedBy, TestID: "follow-up-" + strconv.FormatInt(f.ID, 10)}
		if f.DoneOn != nil {
			row.DoneOn = domain.FormatLong(*f.DoneOn)
			row.Outcome, row.OutcomeTag = f.Outcome.Label(), f.Outcome.Tag()
		} else {
			row.Overdue = f.PlannedOn.Before(today)
			if edit {
				base := "/follow-ups/" + strconv.FormatInt(f.ID, 10)
				row.RecordHref, row.MoveHref = base+"/record", base+"/move"
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func (s *Server) followUpsList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, sc, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	id := c.ID
	fs, err := s.store.FollowUps(ctx, sc, id)
	if err != nil {
		return err
	}
	changes, err := s.store.CaseDateChanges(ctx, sc, id)
	if err != nil {
		return err
	}
	today := domain.Today(s.now())
	u := auth.UserFrom(ctx)
	v := components.FollowUpsView{Case: caseHeading(c, today), Flash: s.sessions.PopString(ctx, "flash"),
		FollowUps: followUpRows(fs, u, today), Closed: c.ClosedOn != nil, ClosedNote: c.ClosedNote}
	if v.Closed {
		v.ClosedText = "Closed on " + domain.FormatLong(*c.ClosedOn) + ": " + c.ClosedReason.Label()
	}
	for _, d := range changes {
		row := components.DateChangeRow{What: dateFieldLabels[d.Field], Reason: d.Reason, By: d.ChangedBy,
			At: components.FormatDateTime(d.ChangedAt)}
		if row.What == "" {
			row.What = d.Field
		}
		if d.Old != nil {
			row.From = domain.FormatLong(*d.Old)
		}
		if d.New != nil {
			row.To = domain.FormatLong(*d.New)
		}
		v.Changes = append(v.Changes, row)
	}
	if auth.Allowed(u, auth.EditCases) {
		base := followUpsPath(id)
		planned := c.FollowUpPlannedOn != nil && c.FollowUpDoneOn == nil
		switch {
		case v.Closed:
			v.ReopenURL = caseHref(id, "/reopen")
		default:
			v.CloseURL = caseHref(id, "/close")
			if !planned {
				v.ScheduleURL = base + "/new"
			}
		}
	}
	return s.render(w, r, http.StatusOK, components.FollowUpsPage(s.page(r, "Follow-ups and closure"), v))
}

func followUpFormPage(title string, f components.FollowUpForm) formPage {
	return newFormPage(title, components.FollowUpFormPage, f)
}

// backToCase sends the browser to the case's follow-ups with a flash.
func (s *Server) backToCase(w http.ResponseWriter, r *http.Request, caseID int64, flash string) error {
	s.sessions.Put(r.Context(), "flash", flash)
	http.Redirect(w, r, followUpsPath(caseID), http.StatusSeeOther)
	return nil
}

// --- schedule one ---

func scheduleForm(c store.Case, today time.Time) components.FollowUpForm {
	return components.FollowUpForm{Case: caseHeading(c, today), Action: followUpsPath(c.ID),
		Date:   components.DateField{Name: "planned", Legend: "Planned date of the follow-up inspection"},
		Text:   components.Input{Name: "notes", Label: "Notes (optional)", Hint: "For example, who will visit and what they will look at."},
		Submit: "Schedule the follow-up"}
}

func (s *Server) followUpsNewForm(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	return s.showForm(w, r, followUpFormPage("Schedule a follow-up", scheduleForm(c, domain.Today(s.now()))))
}

func (s *Server) followUpsNewPost(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	id := c.ID
	f := scheduleForm(c, domain.Today(s.now()))
	planned, _ := readDate(postValue(r), &f.Date, &f.Errors, "the planned date")
	notes := textField(r, &f.Text, &f.Errors, "")
	if f.Errors.Any() {
		return invalid(followUpFormPage("Schedule a follow-up", f))
	}
	_, err = s.store.ScheduleFollowUp(r.Context(), actor(r), scope(r), id, store.NewFollowUp{PlannedOn: planned, Notes: notes})
	switch {
	case errors.Is(err, store.ErrFollowUpPlanned):
		return s.backToCase(w, r, id, "A follow-up was already planned: move its date instead. Nothing was changed.")
	case errors.Is(err, store.ErrCaseClosed):
		return s.backToCase(w, r, id, "The case is closed: reopen it to schedule a follow-up. Nothing was changed.")
	case err != nil:
		return err
	}
	return s.backToCase(w, r, id, "Follow-up scheduled for "+domain.FormatLong(planned)+".")
}

// --- schedule for every case of a recommendation ---

func bulkPath(findingID int64) string {
	return "/recommendations/" + strconv.FormatInt(findingID, 10) + "/follow-ups"
}

func bulkForm(fb store.FindingBrief) components.BulkFollowUpForm {
	return components.BulkFollowUpForm{Action: bulkPath(fb.ID), Reference: fb.Reference, Body: fb.Body,
		ReportTitle: fb.ReportTitle, Cases: fb.Cases, Open: fb.Open, Planned: fb.Planned,
		Date:       components.DateField{Name: "planned", Legend: "Planned date of the follow-up inspections"},
		Notes:      components.Input{Name: "notes", Label: "Notes (optional)", Hint: "Shown on every case's follow-up."},
		CancelHref: dashboardForRecommendation(fb)}
}

func dashboardForRecommendation(fb store.FindingBrief) string {
	return withQuery("/dashboard", url.Values{"report": {strconv.FormatInt(fb.ReportID, 10)},
		"recommendation": {strconv.FormatInt(fb.ID, 10)}})
}

func bulkFollowUpPage(f components.BulkFollowUpForm) formPage {
	return newFormPage("Schedule follow-ups for every force", components.BulkFollowUpPage, f)
}

func (s *Server) followUpsBulkForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fb, err := s.store.FindingBrief(r.Context(), scope(r), id)
	if err != nil {
		return err
	}
	return s.showForm(w, r, bulkFollowUpPage(bulkForm(fb)))
}

func (s *Server) followUpsBulkPost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fb, err := s.store.FindingBrief(r.Context(), scope(r), id)
	if err != nil {
		return err
	}
	f := bulkForm(fb)
	planned, _ := readDate(postValue(r), &f.Date, &f.Errors, "the planned date")
	notes := textField(r, &f.Notes, &f.Errors, "")
	if f.Errors.Any() {
		return invalid(bulkFollowUpPage(f))
	}
	res, err := s.store.ScheduleFollowUps(r.Context(), actor(r), scope(r), id, store.NewFollowUp{PlannedOn: planned, Notes: notes})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Follow-ups scheduled for %s: %d %s.", domain.FormatLong(planned), res.Scheduled, components.Plural(res.Scheduled, "case", "cases"))
	if res.Planned > 0 {
		msg += fmt.Sprintf(" %d already had one planned and kept it.", res.Planned)
	}
	if res.Closed > 0 {
		msg += fmt.Sprintf(" %d closed %s left alone.", res.Closed, components.Plural(res.Closed, "case was", "cases were"))
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, dashboardForRecommendation(fb), http.StatusSeeOther)
	return nil
}

// --- record, move ---

// openFollowUp loads the URL's follow-up and its case. One already recorded
// cannot be recorded again or moved: the browser goes back to the case with
// the message recorded, and done is true.
func (s *Server) openFollowUp(w http.ResponseWriter, r *http.Request, recorded string) (f store.FollowUp, c store.Case, done bool, err error) {
	id, err := pathID(r, "id")
	if err != nil {
		return f, c, false, err
	}
	if f, err = s.store.FollowUp(r.Context(), scope(r), id); err != nil {
		return f, c, false, err
	}
	if c, err = s.store.Case(r.Context(), scope(r), f.CaseID); err != nil {
		return f, c, false, err
	}
	if f.DoneOn != nil {
		return f, c, true, s.backToCase(w, r, c.ID, recorded)
	}
	return f, c, false, nil
}

func recordForm(f store.FollowUp, c store.Case, today time.Time) components.FollowUpForm {
	outcomes := make([]components.Option, 0, 3)
	for _, o := range domain.FollowUpOutcomes() {
		outcomes = append(outcomes, components.Option{Value: string(o), Label: o.Label()})
	}
	return components.FollowUpForm{Case: caseHeading(c, today), Action: "/follow-ups/" + strconv.FormatInt(f.ID, 10) + "/record",
		Date:   components.DateField{Name: "done", Legend: "Date the follow-up inspection happened", Hint: "Planned for " + domain.FormatLong(f.PlannedOn) + ". For example, 12 3 2018"},
		Choice: components.Input{Name: "outcome", Label: "Outcome", Options: outcomes},
		Text:   components.Input{Name: "notes", Label: "Notes", Hint: "What the inspection found.", Rows: 8, Value: f.Notes},
		Submit: "Record the follow-up"}
}

func (s *Server) followUpsRecordForm(w http.ResponseWriter, r *http.Request) error {
	f, c, done, err := s.openFollowUp(w, r, "That follow-up has already been recorded.")
	if err != nil || done {
		return err
	}
	return s.showForm(w, r, followUpFormPage("Record a follow-up", recordForm(f, c, domain.Today(s.now()))))
}

func (s *Server) followUpsRecordPost(w http.ResponseWriter, r *http.Request) error {
	f, c, done, err := s.openFollowUp(w, r, "That follow-up had already been recorded. Nothing was changed.")
	if err != nil || done {
		return err
	}
	today := domain.Today(s.now())
	form := recordForm(f, c, today)
	doneOn, ok := readDate(postValue(r), &form.Date, &form.Errors, "the date the follow-up happened")
	if ok && doneOn.After(today) {
		dateProblem(&form.Date, &form.Errors, "The date the follow-up happened must be today or in the past")
	}
	form.Choice.Value = r.PostFormValue("outcome")
	outcome := domain.FollowUpOutcome(form.Choice.Value)
	if !outcome.Valid() {
		form.Choice.Error = "Select the outcome of the follow-up"
		form.Errors.Add("outcome", form.Choice.Error)
	}
	notes := textField(r, &form.Text, &form.Errors, "")
	if form.Errors.Any() {
		return invalid(followUpFormPage("Record a follow-up", form))
	}
	err = s.store.RecordFollowUp(r.Context(), actor(r), scope(r), f.ID, store.FollowUpRecord{DoneOn: doneOn, Outcome: outcome, Notes: notes})
	if errors.Is(err, store.ErrFollowUpDone) {
		return s.backToCase(w, r, c.ID, "That follow-up had already been recorded. Nothing was changed.")
	}
	if err != nil {
		return err
	}
	return s.backToCase(w, r, c.ID, "Follow-up recorded: "+outcome.Label()+".")
}

func moveForm(f store.FollowUp, c store.Case, today time.Time) components.FollowUpForm {
	return components.FollowUpForm{Case: caseHeading(c, today), Action: "/follow-ups/" + strconv.FormatInt(f.ID, 10) + "/move",
		Date:   components.DateField{Name: "planned", Legend: "New planned date", Hint: "Now planned for " + domain.FormatLong(f.PlannedOn) + ". For example, 12 3 2018"},
		Text:   components.Input{Name: "reason", Label: "Why is the date moving?", Hint: "Kept in the case's history with your name."},
		Submit: "Move the date"}
}

func (s *Server) followUpsMoveForm(w http.ResponseWriter, r *http.Request) error {
	f, c, done, err := s.openFollowUp(w, r, "That follow-up has already been recorded: its date cannot move.")
	if err != nil || done {
		return err
	}
	return s.showForm(w, r, followUpFormPage("Move a follow-up", moveForm(f, c, domain.Today(s.now()))))
}

func (s *Server) followUpsMovePost(w http.ResponseWriter, r *http.Request) error {
	f, c, done, err := s.openFollowUp(w, r, "That follow-up has been recorded: its date cannot move.")
	if err != nil || done {
		return err
	}
	form := moveForm(f, c, domain.Today(s.now()))
	to, ok := readDate(postValue(r), &form.Date, &form.Errors, "the new planned date")
	if ok && to.Equal(f.PlannedOn) {
		dateProblem(&form.Date, &form.Errors, "Enter a date different from the one planned")
	}
	reason := textField(r, &form.Text, &form.Errors, "Enter why the date is moving")
	if form.Errors.Any() {
		return invalid(followUpFormPage("Move a follow-up", form))
	}
	err = s.store.MoveFollowUp(r.Context(), actor(r), scope(r), f.ID, to, reason)
	if errors.Is(err, store.ErrFollowUpDone) {
		return s.backToCase(w, r, c.ID, "That follow-up had been recorded meanwhile: its date did not move.")
	}
	if err != nil {
		return err
	}
	return s.backToCase(w, r, c.ID, "Follow-up moved from "+domain.FormatLong(f.PlannedOn)+" to "+domain.FormatLong(to)+".")
}

// --- close, reopen ---

func closeForm(c store.Case, today time.Time) components.FollowUpForm {
	reasons := make([]components.Option, 0, 3)
	hints := map[domain.ClosedReason]string{
		domain.ClosedImplemented: "The force has done what the recommendation asked.",
		domain.ClosedSuperseded:  "A later recommendation or national change replaced it.",
		domain.ClosedNotAccepted: "The force does not accept the recommendation and will not act on it.",
	}
	for _, cr := range domain.ClosedReasons() {
		reasons = append(reasons, components.Option{Value: string(cr), Label: cr.Label(), Hint: hints[cr]})
	}
	return components.FollowUpForm{Case: caseHeading(c, today), Action: caseHref(c.ID, "/close"),
		Choice:  components.Input{Name: "reason", Label: "Why is the case closing?", Options: reasons},
		Text:    components.Input{Name: "note", Label: "Note (optional)", Hint: "Kept with the closure and in the audit trail."},
		Submit:  "Close the case",
		Warning: "A closed case leaves the dashboard: nothing about it counts as overdue from today."}
}

func (s *Server) casesCloseForm(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	id := c.ID
	if c.ClosedOn != nil {
		return s.backToCase(w, r, id, "The case is already closed.")
	}
	return s.showForm(w, r, followUpFormPage("Close the case", closeForm(c, domain.Today(s.now()))))
}

func (s *Server) casesClosePost(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	id := c.ID
	today := domain.Today(s.now())
	f := closeForm(c, today)
	f.Choice.Value = r.PostFormValue("reason")
	reason := domain.ClosedReason(f.Choice.Value)
	if !reason.Valid() {
		f.Choice.Error = "Select why the case is closing"
		f.Errors.Add("reason", f.Choice.Error)
	}
	note := textField(r, &f.Text, &f.Errors, "")
	if f.Errors.Any() {
		return invalid(followUpFormPage("Close the case", f))
	}
	err = s.store.CloseCase(r.Context(), actor(r), scope(r), id, today, reason, note)
	if errors.Is(err, store.ErrCaseClosed) {
		return s.backToCase(w, r, id, "The case had already been closed. Nothing was changed.")
	}
	if err != nil {
		return err
	}
	return s.backToCase(w, r, id, "Case closed: "+reason.Label()+".")
}

func reopenForm(c store.Case, today time.Time) components.FollowUpForm {
	return components.FollowUpForm{Case: caseHeading(c, today), Action: caseHref(c.ID, "/reopen"),
		Text:   components.Input{Name: "reason", Label: "Why is the case reopening?", Hint: "Kept in the case's history with your name."},
		Submit: "Reopen the case"}
}

func (s *Server) casesReopenForm(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	id := c.ID
	if c.ClosedOn == nil {
		return s.backToCase(w, r, id, "The case is open.")
	}
	return s.showForm(w, r, followUpFormPage("Reopen the case", reopenForm(c, domain.Today(s.now()))))
}

func (s *Server) casesReopenPost(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	id := c.ID
	f := reopenForm(c, domain.Today(s.now()))
	reason := textField(r, &f.Text, &f.Errors, "Enter why the case is reopening")
	if f.Errors.Any() {
		return invalid(followUpFormPage("Reopen the case", f))
	}
	err = s.store.ReopenCase(r.Context(), actor(r), scope(r), id, reason)
	if errors.Is(err, store.ErrCaseOpen) {
		return s.backToCase(w, r, id, "The case had already been reopened. Nothing was changed.")
	}
	if err != nil {
		return err
	}
	return s.backToCase(w, r, id, "Case reopened.")
}

// followUpActions are the case page's buttons for follow-ups and closure.
func (s *Server) followUpActions(r *http.Request, c store.Case) []components.Link {
	base := caseHref(c.ID, "")
	links := []components.Link{{Href: base + "/follow-ups", Label: "Follow-ups and closure"}}
	if !auth.Allowed(auth.UserFrom(r.Context()), auth.EditCases) {
		return links
	}
	switch {
	case c.ClosedOn != nil:
		links = append(links, components.Link{Href: base + "/reopen", Label: "Reopen the case"})
	default:
		if c.FollowUpPlannedOn == nil || c.FollowUpDoneOn != nil {
			links = append(links, components.Link{Href: base + "/follow-ups/new", Label: "Schedule a follow-up"})
		}
		links = append(links, components.Link{Href: base + "/close", Label: "Close the case"})
	}
	return links
}

// followUpTimeline puts each follow-up (scheduled, then done) and the
// closure of the case on its timeline.
func followUpTimeline(_ context.Context, b *store.Batch, sc store.Scope, caseID int64, c *store.Case) func() []components.TimelineItem {
	var fs []store.FollowUp
	b.FollowUps(sc, caseID, &fs)
	return func() []components.TimelineItem {
		var items []components.TimelineItem
		if c.ClosedOn != nil {
			closed := components.TimelineItem{On: *c.ClosedOn, Title: "Case closed: " + c.ClosedReason.Label(), Kind: "closed"}
			if c.ClosedNote != "" {
				closed.Lines = []string{c.ClosedNote}
			}
			items = append(items, closed)
		}
		link := []components.Link{{Href: followUpsPath(c.ID), Label: "Follow-ups and closure"}}
		for _, f := range fs {
			scheduled := components.TimelineItem{On: domain.LondonDate(f.CreatedAt), At: f.CreatedAt,
				Title: "Follow-up inspection scheduled", By: f.CreatedBy, Kind: "follow-up-scheduled", Links: link,
				Lines: []string{"Planned for " + domain.FormatLong(f.PlannedOn) + "."}}
			if f.Notes != "" && f.DoneOn == nil {
				scheduled.Lines = append(scheduled.Lines, f.Notes)
			}
			items = append(items, scheduled)
			if f.DoneOn != nil {
				done := components.TimelineItem{On: *f.DoneOn, Title: "Follow-up inspection: " + f.Outcome.Label(),
					By: f.RecordedBy, Kind: "follow-up-done", Links: link,
					Lines: []string{"Planned for " + domain.FormatLong(f.PlannedOn) + "."}}
				if f.RecordedAt != nil {
					done.At = *f.RecordedAt
				}
				if f.Notes != "" {
					done.Lines = append(done.Lines, f.Notes)
				}
				items = append(items, done)
			}
		}
		return items
	}
}
