package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/compose"
	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// assessmentActions are the case page's buttons to the assessment and its
// letter, for the inspectorate.
func (s *Server) assessmentActions(r *http.Request, c store.Case) []components.Link {
	u := auth.UserFrom(r.Context())
	switch {
	case !auth.Allowed(u, auth.ViewAssessments):
		return nil
	case c.AssessmentStartedOn == nil && auth.Allowed(u, auth.Assess):
		return []components.Link{{Href: caseHref(c.ID, "/assessment/edit"), Label: "Record the assessment"}}
	case c.AssessmentStartedOn == nil:
		return nil
	}
	return []components.Link{{Href: caseHref(c.ID, "/assessment"), Label: "Assessment"}, {Href: caseHref(c.ID, "/letter"), Label: "Letter"}}
}

// assessmentTimeline gives the case's timeline the steps of its assessment
// for the inspectorate, and for everyone else (a liaison) only its
// publication, with the published letter: never a draft.
func assessmentTimeline(ctx context.Context, b *store.Batch, sc store.Scope, caseID int64, c *store.Case) func() []components.TimelineItem {
	if !auth.Allowed(auth.UserFrom(ctx), auth.ViewAssessments) {
		var pub store.Publication
		b.PublicationOfCase(sc, caseID, &pub)
		return func() []components.TimelineItem {
			if pub.ID == 0 {
				return nil // no letter published
			}
			return []components.TimelineItem{{On: domain.LondonDate(pub.PublishedAt), At: pub.PublishedAt,
				Title: "Assessment published", Kind: "assessment",
				Lines: []string{"The inspectorate published its letter dated " + domain.FormatLong(pub.LetterDate) + "."},
				Links: []components.Link{{Href: publicationHref(pub.ID, ""), Label: "Read the letter"}}}}
		}
	}
	var events []store.AssessmentEvent
	b.AssessmentEventsOfCase(sc, caseID, &events)
	return func() []components.TimelineItem {
		var items []components.TimelineItem
		for _, e := range historyItems(events) {
			if e.Kind == "edit" {
				continue // changes that leave the state alone are on the assessment's page
			}
			it := components.TimelineItem{On: domain.LondonDate(e.At), At: e.At, Title: e.Label, By: e.By, Kind: "assessment",
				Links: []components.Link{{Href: caseHref(c.ID, "/assessment"), Label: "See the assessment"}}}
			if e.Comment != "" {
				it.Lines = []string{e.Comment}
			}
			if e.Kind == "publish" {
				it.Links = append(it.Links, components.Link{Href: caseHref(c.ID, "/letter"), Label: "Read the letter"})
			}
			items = append(items, it)
		}
		return items
	}
}

// workflowActor is the signed-in user as the workflow rules see them.
func (s *Server) workflowActor(r *http.Request, assessmentID int64) (domain.Actor, error) {
	u := auth.UserFrom(r.Context())
	act := domain.Actor{Role: string(u.Role)}
	if assessmentID == 0 {
		return act, nil
	}
	isAuthor, err := s.store.IsAssessmentAuthor(r.Context(), assessmentID, u.ID)
	act.IsAuthor = isAuthor
	return act, err
}

func caseView(ac store.AssessmentCase) components.CaseHeader {
	return components.CaseHeader{ID: ac.CaseID, ForceName: ac.Force.Name, ReportTitle: ac.ReportTitle,
		Body: ac.Recommendation}
}

func stateTag(st domain.State) components.StateTag {
	if st == "" {
		return components.StateTag{}
	}
	return components.StateTag{Label: st.Label(), Class: st.Tag()}
}

func findingTag(f domain.CriterionFinding) components.StateTag {
	if f == "" {
		return components.StateTag{Label: "Not recorded", Class: "govuk-tag--grey"}
	}
	return components.StateTag{Label: f.Label(), Class: f.Tag()}
}

// assessmentsList lists a recommendation's cases with their assessments.
func (s *Server) assessmentsList(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.store.RecommendationsWithCases(r.Context())
	if err != nil {
		return err
	}
	v := components.AssessmentList{State: r.URL.Query().Get("state")}
	var findingID int64
	if len(recs) > 0 {
		findingID = recs[0].ID
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("recommendation"), 10, 64); err == nil {
		findingID = id
	}
	for _, rec := range recs {
		v.Recommendations = append(v.Recommendations, components.Option{Value: strconv.FormatInt(rec.ID, 10), Label: rec.Label()})
	}
	v.Recommendation = strconv.FormatInt(findingID, 10)
	v.States = []components.Option{{Value: "", Label: "All"}, {Value: "not_started", Label: "Not started"}}
	for _, st := range domain.States() {
		v.States = append(v.States, components.Option{Value: string(st), Label: st.Label()})
	}
	if !slices.ContainsFunc(v.States, func(o components.Option) bool { return o.Value == v.State }) {
		v.State = ""
	}
	if findingID != 0 {
		rows, err := s.store.ListAssessments(r.Context(), scope(r), store.AssessmentFilter{FindingID: findingID, State: v.State})
		if err != nil {
			return err
		}
		for _, row := range rows {
			v.Rows = append(v.Rows, components.AssessmentListRow{CaseID: row.CaseID, ForceName: row.ForceName,
				Region: row.Region, State: stateTag(row.State), Category: row.CategoryLabel,
				UpdatedAt: row.UpdatedAt, UpdatedBy: row.UpdatedByName})
		}
		v.TemplateHref = templateHref(findingID)
		v.OverviewHref = overviewHref(findingID, "")
		if auth.Allowed(auth.UserFrom(r.Context()), auth.ApproveAssess) {
			v.BulkHref = "/assessments/approve"
		}
	}
	p := s.page(r, "Assessments")
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.AssessmentListPage(p, v))
}

// assessmentsShow shows a case's assessment and the steps the user may take.
func (s *Server) assessmentsShow(w http.ResponseWriter, r *http.Request) error {
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.assessmentView(r, caseID)
	if err != nil {
		return err
	}
	v.Flash = s.sessions.PopString(r.Context(), "flash")
	return s.showForm(w, r, assessmentPage(v))
}

func assessmentPage(v components.AssessmentView) formPage {
	return newFormPage("Assessment: "+v.Case.ForceName, components.AssessmentPage, v)
}

// assessmentView builds the assessment page of case caseID for the user.
func (s *Server) assessmentView(r *http.Request, caseID int64) (components.AssessmentView, error) {
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	ac, err := s.store.AssessmentCase(ctx, scope(r), caseID)
	if err != nil {
		return components.AssessmentView{}, err
	}
	v := components.AssessmentView{Case: caseView(ac), CanRecord: auth.Allowed(u, auth.Assess)}
	a, err := s.store.AssessmentByCase(ctx, scope(r), caseID)
	if isNotFound(err) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Exists = true
	v.State = stateTag(a.State)
	v.Version = a.Version
	v.Period = a.Period
	v.ReviewedUpTo = a.ReviewedUpTo
	v.Category = a.CategoryLabel
	v.Summary = a.Summary
	v.FindingsParagraph = a.FindingsParagraph
	v.UpdatedBy, v.UpdatedAt = a.UpdatedByName, a.UpdatedAt
	v.Published = a.State == domain.StatePublished
	v.Findings = findingRows(ac, a)
	for _, sub := range a.Reviewed {
		v.Submissions = append(v.Submissions, components.Link{Href: "/submissions/" + strconv.FormatInt(sub.ID, 10),
			Label: reviewedLabel(sub.Kind, sub.Version, sub.SubmittedAt)})
	}
	events, err := s.store.AssessmentEvents(ctx, scope(r), a.ID)
	if err != nil {
		return v, err
	}
	v.History = historyItems(events)
	v.Returned = returnedNote(a.State, events)
	act, err := s.workflowActor(r, a.ID)
	if err != nil {
		return v, err
	}
	// The step that moves the assessment on comes first, returning last.
	for _, action := range []domain.Action{domain.ActionSubmit, domain.ActionApprove, domain.ActionPublish, domain.ActionReturn} {
		if !slices.Contains(domain.Actions(a.State, act), action) || !auth.Allowed(u, stepPermission[action]) {
			continue
		}
		if b, ok := stepButton(action); ok {
			v.Steps = append(v.Steps, b)
		}
	}
	v.OwnApproval = act.Role == domain.RoleManager && act.IsAuthor &&
		(a.State == domain.StateSubmitted || a.State == domain.StateApproved)
	if v.Published {
		pub, err := s.store.PublicationOfCase(ctx, scope(r), caseID)
		if err != nil {
			return v, err
		}
		v.PublicHref = publicationHref(pub.ID, "")
	} else {
		recs, err := s.store.LetterRecords(ctx, scope(r), caseID)
		if err != nil {
			return v, err
		}
		c, err := letter.Compose(compose.Wording(recs), compose.Data(recs))
		if err != nil {
			return v, err
		}
		v.Missing = letterProblems(recs, c.Missing)
	}
	v.Comments, v.Past, v.Reasons = map[string]string{}, map[string]components.DateField{}, map[string]string{}
	return v, nil
}

func findingRows(ac store.AssessmentCase, a store.Assessment) []components.CriterionFindingRow {
	var rows []components.CriterionFindingRow
	for _, cr := range ac.Criteria {
		row := components.CriterionFindingRow{Criterion: cr.Title, Finding: findingTag("")}
		for _, f := range a.Findings {
			if f.CriterionID == cr.ID {
				row.Finding, row.Narrative = findingTag(f.Finding), f.Narrative
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// eventLabels say what each recorded step was.
var eventLabels = map[string]string{
	"create":  "Assessment recorded",
	"edit":    "Assessment changed",
	"submit":  "Submitted for approval",
	"return":  "Returned with comments",
	"approve": "Approved",
	"publish": "Published with its letter",
}

// reviewedLabel names a submission: "Plan version 2, sent 30 May 2017 at 4pm".
func reviewedLabel(kind store.SubmissionKind, version int, at time.Time) string {
	name := "Plan version " + strconv.Itoa(version)
	if kind == store.KindProgress {
		name = "Progress update " + strconv.Itoa(version)
	}
	return name + ", sent " + components.FormatDateTime(at)
}

// submissionOptions are the case's submissions as checkboxes, oldest first,
// those in checked ticked.
func submissionOptions(subs []store.Submission, checked []int64) []components.CheckOption {
	var opts []components.CheckOption
	for i := len(subs) - 1; i >= 0; i-- {
		sub := subs[i]
		label := reviewedLabel(sub.Kind, sub.Version, sub.SubmittedAt) + " by " + sub.SubmitterName
		if late := sub.LateDays(); late > 0 {
			label += fmt.Sprintf(" (%d days late)", late)
		}
		opts = append(opts, components.CheckOption{Value: strconv.FormatInt(sub.ID, 10), Label: label,
			Checked: slices.Contains(checked, sub.ID)})
	}
	return opts
}

func historyItems(events []store.AssessmentEvent) []components.HistoryItem {
	items := make([]components.HistoryItem, 0, len(events))
	for _, e := range events {
		label, kind := eventLabels[e.Action], e.Action
		if e.Action == "edit" && e.FromState != e.ToState {
			label, kind = label+": back for approval", "back-for-approval"
		}
		items = append(items, components.HistoryItem{Kind: kind, Label: label, By: e.ActorName, At: e.OccurredAt,
			Comment: e.Comment, Version: e.Version})
	}
	return items
}

// returnedNote is the comment of the latest return, shown while the
// assessment stays returned.
func returnedNote(st domain.State, events []store.AssessmentEvent) *components.Note {
	if st != domain.StateReturned {
		return nil
	}
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Action == "return" {
			return &components.Note{By: e.ActorName, At: e.OccurredAt, Text: e.Comment}
		}
	}
	return nil
}

// stepPermission is the permission of each step's route (routes.go): the
// workflow lets a manager submit, the policy does not.
var stepPermission = map[domain.Action]auth.Permission{
	domain.ActionSubmit:  auth.Assess,
	domain.ActionReturn:  auth.ApproveAssess,
	domain.ActionApprove: auth.ApproveAssess,
	domain.ActionPublish: auth.ApproveAssess,
}

// stepButton is the button of a workflow step; editing is a link, not a step.
func stepButton(a domain.Action) (components.StepButton, bool) {
	switch a {
	case domain.ActionSubmit:
		return components.StepButton{Action: "submit", Label: a.Label(), CommentLabel: "Note for the approver (optional)", PastWork: true}, true
	case domain.ActionReturn:
		return components.StepButton{Action: "return", Label: a.Label(), CommentLabel: "What needs to change", CommentRequired: true, Warning: true}, true
	case domain.ActionApprove:
		return components.StepButton{Action: "approve", Label: a.Label(), CommentLabel: "Comment (optional)", PastWork: true}, true
	case domain.ActionPublish:
		return components.StepButton{Action: "publish", Label: "Publish the assessment and its letter", PastWork: true}, true
	}
	return components.StepButton{}, false
}

// assessmentsEditForm shows the form to record the assessment, or to edit it.
func (s *Server) assessmentsEditForm(w http.ResponseWriter, r *http.Request) error {
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ac, err := s.store.AssessmentCase(r.Context(), scope(r), caseID)
	if err != nil {
		return err
	}
	a, err := s.store.AssessmentByCase(r.Context(), scope(r), caseID)
	switch {
	case isNotFound(err):
		f := s.assessmentForm(ac, nil)
		return s.showForm(w, r, assessmentFormPage(f))
	case err != nil:
		return err
	}
	if a.State == domain.StatePublished {
		return s.publishedIsFinal(w, r, caseID)
	}
	f := s.assessmentForm(ac, &a)
	if f.Returned, err = s.returnedNoteOf(r, a); err != nil {
		return err
	}
	return s.showForm(w, r, assessmentFormPage(f))
}

func (s *Server) returnedNoteOf(r *http.Request, a store.Assessment) (*components.Note, error) {
	if a.State != domain.StateReturned {
		return nil, nil
	}
	events, err := s.store.AssessmentEvents(r.Context(), scope(r), a.ID)
	if err != nil {
		return nil, err
	}
	return returnedNote(a.State, events), nil
}

// publishedIsFinal sends the user back to a published assessment, which
// nothing changes.
func (s *Server) publishedIsFinal(w http.ResponseWriter, r *http.Request, caseID int64) error {
	v, err := s.assessmentView(r, caseID)
	if err != nil {
		return err
	}
	v.Errors.Add("assessment", "This assessment is published, with its letter: it can no longer be changed")
	return rejected(http.StatusConflict, assessmentPage(v))
}

// assessmentForm fills the form from the case and, when there is one, the
// saved assessment.
func (s *Server) assessmentForm(ac store.AssessmentCase, a *store.Assessment) components.AssessmentForm {
	f := components.AssessmentForm{Case: caseView(ac), New: a == nil, Reviewed: reviewedField()}
	for _, c := range domain.CriterionFindings() {
		f.FindingOptions = append(f.FindingOptions, components.Option{Value: string(c), Label: c.Label()})
	}
	for _, c := range ac.Categories {
		f.Categories = append(f.Categories, components.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Label})
	}
	for _, c := range ac.Criteria {
		f.Criteria = append(f.Criteria, components.CriterionInput{ID: c.ID, Title: c.Title, Description: c.Description})
	}
	if a == nil {
		// A new assessment starts with every plan version ticked.
		var plans []int64
		for _, sub := range ac.Submissions {
			if sub.Kind == store.KindPlan {
				plans = append(plans, sub.ID)
			}
		}
		f.Submissions = submissionOptions(ac.Submissions, plans)
		return f
	}
	f.Submissions = submissionOptions(ac.Submissions, a.SubmissionIDs())
	f.Version = a.Version
	f.Period = a.Period
	setDate(&f.Reviewed, a.ReviewedUpTo)
	f.Category = strconv.FormatInt(a.CategoryID, 10)
	f.Summary = a.Summary
	f.FindingsParagraph = a.FindingsParagraph
	f.Approved = a.State == domain.StateApproved
	for i, c := range f.Criteria {
		for _, af := range a.Findings {
			if af.CriterionID == c.ID {
				f.Criteria[i].Finding, f.Criteria[i].Narrative = string(af.Finding), af.Narrative
			}
		}
	}
	return f
}

// reviewedField is the date input of the cut-off date.
func reviewedField() components.DateField {
	return components.DateField{Name: "reviewed_up_to", Legend: "Documents reviewed up to",
		Hint: "The letter says the review included all documents submitted by this date. For example, 31 5 2017"}
}

func assessmentFormPage(f components.AssessmentForm) formPage {
	title := "Edit the assessment: "
	if f.New {
		title = "Record the assessment: "
	}
	return newFormPage(title+f.Case.ForceName, components.AssessmentFormPage, f)
}

// Longest texts an assessment keeps; more is a validation error, not a
// silently cut text.
const (
	maxPeriod    = 60
	maxNarrative = 5000
	maxSummary   = 5000
	// maxFindingsParagraph holds every criterion's narrative written as one.
	maxFindingsParagraph = 20000
	maxComment           = 5000
)

// readAssessmentForm reads and checks the posted form against the case:
// the form as typed (for showing again), what to save, and the problems.
func readAssessmentForm(r *http.Request, ac store.AssessmentCase, today time.Time) (components.AssessmentForm, store.AssessmentInput, error) {
	f := components.AssessmentForm{Case: caseView(ac)}
	var in store.AssessmentInput
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	f.Period = strings.TrimSpace(r.PostFormValue("period"))
	switch {
	case f.Period == "":
		f.Errors.Add("period", "Enter the assessment period")
	case len(f.Period) > maxPeriod:
		f.Errors.Add("period", fmt.Sprintf("Assessment period must be %d characters or fewer", maxPeriod))
	}
	in.Period = f.Period
	f.Reviewed = reviewedField()
	d, ok := readDate(postValue(r), &f.Reviewed, &f.Errors, "the date documents were reviewed up to")
	if ok && d.After(today) {
		dateProblem(&f.Reviewed, &f.Errors, "The date documents were reviewed up to must be today or in the past")
	}
	in.ReviewedUpTo = d
	for _, c := range ac.Criteria {
		ci := components.CriterionInput{ID: c.ID, Title: c.Title, Description: c.Description,
			Finding: r.PostFormValue(components.FindingField(c.ID)), Narrative: strings.TrimSpace(r.PostFormValue(components.NarrativeField(c.ID)))}
		if !domain.CriterionFinding(ci.Finding).Valid() {
			f.Errors.Add(components.FindingField(c.ID), "Select the finding against “"+c.Title+"”")
			ci.Finding = ""
		}
		// A narrative is optional: the findings may be one paragraph, and
		// a letter without any findings is refused at submission.
		if len(ci.Narrative) > maxNarrative {
			f.Errors.Add(components.NarrativeField(c.ID), fmt.Sprintf("The narrative for “%s” must be %d characters or fewer", c.Title, maxNarrative))
		}
		f.Criteria = append(f.Criteria, ci)
		in.Findings = append(in.Findings, store.AssessmentFinding{CriterionID: c.ID, Finding: domain.CriterionFinding(ci.Finding), Narrative: ci.Narrative})
	}
	f.FindingsParagraph = strings.TrimSpace(r.PostFormValue("findings_paragraph"))
	if len(f.FindingsParagraph) > maxFindingsParagraph {
		f.Errors.Add("findings_paragraph", fmt.Sprintf("The findings paragraph must be %d characters or fewer", maxFindingsParagraph))
	}
	in.FindingsParagraph = f.FindingsParagraph
	f.Category = r.PostFormValue("category")
	for _, c := range ac.Categories {
		if strconv.FormatInt(c.ID, 10) == f.Category {
			in.CategoryID = c.ID
		}
	}
	switch {
	case len(ac.Categories) == 0:
		f.Errors.Add("category", "This recommendation has no outcome categories: add them to the recommendation first")
	case in.CategoryID == 0:
		f.Errors.Add("category", "Select the overall category")
		f.Category = ""
	}
	f.Summary = strings.TrimSpace(r.PostFormValue("summary"))
	if len(f.Summary) > maxSummary {
		f.Errors.Add("summary", fmt.Sprintf("Summary must be %d characters or fewer", maxSummary))
	}
	in.Summary = f.Summary
	for _, v := range r.PostForm["submissions"] {
		id, _ := strconv.ParseInt(v, 10, 64)
		i := slices.IndexFunc(ac.Submissions, func(sub store.Submission) bool { return sub.ID == id })
		if i < 0 {
			f.Errors.Add("submissions", "Select submissions from the list")
			break
		}
		sub := ac.Submissions[i]
		if !in.ReviewedUpTo.IsZero() && domain.LondonDate(sub.SubmittedAt).After(in.ReviewedUpTo) {
			f.Errors.Add("submissions", fmt.Sprintf("%s was sent after the date documents were reviewed up to (%s): untick it or change the date",
				reviewedLabel(sub.Kind, sub.Version, sub.SubmittedAt), domain.FormatLong(in.ReviewedUpTo)))
			break
		}
		in.SubmissionIDs = append(in.SubmissionIDs, id)
	}
	f.Submissions = submissionOptions(ac.Submissions, in.SubmissionIDs)
	for i, o := range f.Submissions { // keep what was ticked, even when refused
		f.Submissions[i].Checked = slices.Contains(r.PostForm["submissions"], o.Value)
	}
	return f, in, nil
}

// assessmentsEditPost records a new assessment or saves over the version the
// user read. A save over a version someone else replaced meanwhile is
// refused: the page shows the user's text beside the saved one.
func (s *Server) assessmentsEditPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ac, err := s.store.AssessmentCase(ctx, scope(r), caseID)
	if err != nil {
		return err
	}
	posted, in, err := readAssessmentForm(r, ac, domain.Today(s.now()))
	if err != nil {
		return err
	}
	cur, err := s.store.AssessmentByCase(ctx, scope(r), caseID)
	exists := err == nil
	if err != nil && !isNotFound(err) {
		return err
	}
	// The form keeps the options and context of the saved assessment; the
	// values are the user's.
	f := s.assessmentForm(ac, nil)
	if exists {
		f = s.assessmentForm(ac, &cur)
		if cur.State == domain.StatePublished {
			return s.publishedIsFinal(w, r, caseID)
		}
		if f.Returned, err = s.returnedNoteOf(r, cur); err != nil {
			return err
		}
	}
	f.New = !exists && posted.Version == 0
	f.Version, f.Period, f.Reviewed, f.Submissions, f.Criteria, f.FindingsParagraph, f.Category, f.Summary, f.Errors =
		posted.Version, posted.Period, posted.Reviewed, posted.Submissions, posted.Criteria, posted.FindingsParagraph, posted.Category, posted.Summary, posted.Errors
	if f.Errors.Any() {
		return invalid(assessmentFormPage(f))
	}
	now := s.now()
	if !exists {
		if posted.Version != 0 {
			return store.ErrNotFound // an edit of an assessment that is not there
		}
		_, err := s.store.CreateAssessment(ctx, actor(r), scope(r), caseID, in, now)
		if errors.Is(err, store.ErrConflict) {
			return s.assessmentConflict(w, r, ac, f, in)
		}
		if err != nil {
			return err
		}
		return s.backToAssessment(w, r, caseID, "Assessment recorded as a draft.")
	}
	if posted.Version != cur.Version {
		return s.assessmentConflict(w, r, ac, f, in)
	}
	act, err := s.workflowActor(r, cur.ID)
	if err != nil {
		return err
	}
	to, err := domain.Transition(cur.State, domain.ActionEdit, act)
	if err != nil {
		return errHidden // the route's permission already holds edit; anything else is a probe
	}
	err = s.store.InTx(ctx, func(st *store.Store) error {
		if err := st.UpdateAssessment(ctx, actor(r), scope(r), cur.ID, posted.Version, cur.State, to, in, now); err != nil {
			return err
		}
		if to != domain.StateSubmitted {
			return nil
		}
		return freezeLetter(ctx, st, actor(r), scope(r), caseID, now) // what a manager approves is the letter as changed
	})
	if errors.Is(err, store.ErrConflict) {
		return s.assessmentConflict(w, r, ac, f, in)
	}
	if err != nil {
		return err
	}
	msg := "Assessment saved."
	if cur.State == domain.StateApproved {
		msg = "Assessment saved. It was approved, so it has gone back to a manager for approval."
	}
	return s.backToAssessment(w, r, caseID, msg)
}

// assessmentConflict answers a save refused because the assessment changed
// since the user read it: 409, their text beside the saved version, and the
// form with their text over the saved version's number so that saving again
// is a deliberate choice.
func (s *Server) assessmentConflict(w http.ResponseWriter, r *http.Request, ac store.AssessmentCase, f components.AssessmentForm, in store.AssessmentInput) error {
	cur, err := s.store.AssessmentByCase(r.Context(), scope(r), ac.CaseID)
	if err != nil {
		return err
	}
	saved := s.assessmentForm(ac, &cur)
	c := &components.Conflict{What: "assessment", RedoHref: caseHref(ac.CaseID, "/assessment/edit"),
		SavedBy: cur.UpdatedByName, SavedAt: cur.UpdatedAt, Version: cur.Version}
	row := func(label, yours, theirs string) {
		c.Rows = append(c.Rows, components.ConflictRow{Label: label, Yours: yours, Saved: theirs, Differs: yours != theirs})
	}
	row("Assessment period", f.Period, saved.Period)
	row("Documents reviewed up to", domain.FormatLong(in.ReviewedUpTo), domain.FormatLong(cur.ReviewedUpTo))
	row("Submissions reviewed", checkedLabels(f.Submissions), checkedLabels(saved.Submissions))
	for i, crit := range f.Criteria {
		row(crit.Title, findingText(crit.Finding, crit.Narrative), findingText(saved.Criteria[i].Finding, saved.Criteria[i].Narrative))
	}
	row("Findings as one paragraph", f.FindingsParagraph, saved.FindingsParagraph)
	row("Overall category", optionLabel(f.Categories, f.Category), optionLabel(saved.Categories, saved.Category))
	row("Summary", f.Summary, saved.Summary)
	f.Conflict = c
	f.Version = cur.Version
	f.New = false
	f.Approved = cur.State == domain.StateApproved
	f.Errors = nil
	f.Errors.Add("assessment", "Your changes were not saved: "+cur.UpdatedByName+" changed this assessment after you opened it")
	return rejected(http.StatusConflict, assessmentFormPage(f))
}

func checkedLabels(opts []components.CheckOption) string {
	var labels []string
	for _, o := range opts {
		if o.Checked {
			labels = append(labels, o.Label)
		}
	}
	if len(labels) == 0 {
		return "None"
	}
	return strings.Join(labels, "\n")
}

func findingText(finding, narrative string) string {
	label := "No finding"
	if f := domain.CriterionFinding(finding); f.Valid() {
		label = f.Label()
	}
	return label + ": " + narrative
}

func optionLabel(opts []components.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return ""
}

func (s *Server) backToAssessment(w http.ResponseWriter, r *http.Request, caseID int64, flash string) error {
	s.sessions.Put(r.Context(), "flash", flash)
	http.Redirect(w, r, caseHref(caseID, "/assessment"), http.StatusSeeOther)
	return nil
}

func (s *Server) assessmentsSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.assessmentStep(w, r, domain.ActionSubmit)
}

func (s *Server) assessmentsReturn(w http.ResponseWriter, r *http.Request) error {
	return s.assessmentStep(w, r, domain.ActionReturn)
}

func (s *Server) assessmentsApprove(w http.ResponseWriter, r *http.Request) error {
	return s.assessmentStep(w, r, domain.ActionApprove)
}

func (s *Server) assessmentsPublish(w http.ResponseWriter, r *http.Request) error {
	return s.assessmentStep(w, r, domain.ActionPublish)
}

// stepDone is the confirmation of each step.
var stepDone = map[domain.Action]string{
	domain.ActionSubmit:  "Assessment submitted for approval.",
	domain.ActionReturn:  "Assessment returned to its author with your comments.",
	domain.ActionApprove: "Assessment approved. A manager can now publish it with its letter.",
	domain.ActionPublish: "Assessment and letter published.",
}

// stepRefused is a workflow step refused for reasons the user can act on:
// the status to answer and the problems, in plain words.
type stepRefused struct {
	status int
	errs   components.Errors // a problem with no Field is about the step itself
}

func (e *stepRefused) Error() string {
	return fmt.Sprintf("web: step refused (%d): %v", e.status, e.errs)
}

func refused(status int, msg string) *stepRefused {
	return &stepRefused{status: status, errs: components.Errors{{Message: msg}}}
}

// assessmentStep takes a workflow step on the version of the assessment
// the user read. A step refused shows the assessment again with the
// reasons.
func (s *Server) assessmentStep(w http.ResponseWriter, r *http.Request, action domain.Action) error {
	caseID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	comment := strings.TrimSpace(r.PostFormValue(components.CommentField(string(action))))
	past, pastDate, reason, err := s.readPastStep(r, caseID, action)
	if err == nil {
		err = s.takeStep(r, caseID, action, version, comment, past)
	}
	var no *stepRefused
	if !errors.As(err, &no) {
		if err != nil {
			return err
		}
		return s.backToAssessment(w, r, caseID, stepDone[action])
	}
	v, err := s.assessmentView(r, caseID)
	if err != nil {
		return err
	}
	// A problem with the step points at its comment box, or at the state
	// when the user has no such step.
	field := "state"
	for _, b := range v.Steps {
		if b.Action == string(action) && b.CommentLabel != "" {
			field = components.CommentField(string(action))
		}
	}
	for _, e := range no.errs {
		if e.Field == "" {
			e.Field = field
		}
		v.Errors = append(v.Errors, e)
	}
	v.Comments[string(action)] = comment
	if pastDate.Name != "" {
		v.Past[string(action)], v.Reasons[string(action)] = pastDate, reason
	}
	return rejected(no.status, assessmentPage(v))
}

// takeStep takes action on version of the assessment of case caseID as
// the signed-in user: nil when done, a *stepRefused for reasons the user
// can act on. The rules are domain.Transition's, and for approving and
// publishing, the letter's: complete, and still the text submitted.
func (s *Server) takeStep(r *http.Request, caseID int64, action domain.Action, version int, comment string, past *pastStep) error {
	ctx := r.Context()
	a, err := s.store.AssessmentByCase(ctx, scope(r), caseID)
	if err != nil {
		return err
	}
	act, err := s.workflowActor(r, a.ID)
	if err != nil {
		return err
	}
	to, err := domain.Transition(a.State, action, act)
	switch {
	case errors.Is(err, domain.ErrOwnApproval):
		return refused(http.StatusForbidden, "You wrote or changed this assessment, so you cannot "+strings.ToLower(action.Label())+" it: another manager must")
	case errors.Is(err, domain.ErrBadTransition):
		return refused(http.StatusConflict, fmt.Sprintf("This assessment is %s: it cannot be %s now", strings.ToLower(a.State.Label()), pastTense(action)))
	case err != nil:
		return errHidden
	}
	changed := refused(http.StatusConflict, "This assessment changed since you opened it: read the current version, then try again")
	if version != a.Version {
		return changed
	}
	switch {
	case action == domain.ActionReturn && comment == "":
		return refused(http.StatusUnprocessableEntity, "Enter what needs to change before the assessment can be approved")
	case len(comment) > maxComment:
		return refused(http.StatusUnprocessableEntity, fmt.Sprintf("The comment must be %d characters or fewer", maxComment))
	}
	now := s.now()
	if past != nil {
		now, comment = past.at(), past.note(comment, s.now())
	}
	switch action {
	case domain.ActionSubmit:
		err = s.store.InTx(ctx, func(st *store.Store) error {
			if err := st.TransitionAssessment(ctx, actor(r), scope(r), a.ID, version, action, a.State, to, comment, now); err != nil {
				return err
			}
			return freezeLetter(ctx, st, actor(r), scope(r), caseID, now)
		})
	case domain.ActionApprove, domain.ActionPublish:
		err = s.approveOrPublish(r, caseID, a, action, comment, past, now)
	default:
		err = s.store.TransitionAssessment(ctx, actor(r), scope(r), a.ID, version, action, a.State, to, comment, now)
	}
	if errors.Is(err, store.ErrConflict) {
		return changed
	}
	return err
}

// approveOrPublish approves or publishes assessment a with its letter,
// once the letter is complete and still composes to the text submitted for
// approval; a letter whose inputs changed since goes back to the inspector
// with a note saying what changed.
func (s *Server) approveOrPublish(r *http.Request, caseID int64, a store.Assessment, action domain.Action, comment string, past *pastStep, now time.Time) error {
	ctx := r.Context()
	recs, err := s.store.LetterRecords(ctx, scope(r), caseID)
	if err != nil {
		return err
	}
	c, fresh, err := composedLetter(recs)
	if err != nil {
		return err
	}
	if problems := letterProblems(recs, c.Missing); problems.Any() {
		return &stepRefused{status: http.StatusUnprocessableEntity, errs: problems}
	}
	l := recs.Letter
	if l.Frozen.SHA256 != fresh.SHA256 {
		changes := changedInputs(l.Frozen.Inputs, letterInputs(recs))
		err := s.store.TransitionAssessment(ctx, actor(r), scope(r), a.ID, a.Version, domain.ActionReturn, a.State, domain.StateReturned,
			staleNote(changes), now)
		if err != nil {
			return err
		}
		return refused(http.StatusConflict, "This letter has been sent back to the inspector, because "+strings.Join(changes, "; ")+
			" after it was submitted for approval: nobody approved its text as it now reads")
	}
	if action == domain.ActionApprove {
		return s.store.ApproveAssessment(ctx, actor(r), scope(r), a.ID, a.Version, fresh.SHA256, comment, now)
	}
	if l.ApprovedSHA256 != fresh.SHA256 {
		return refused(http.StatusConflict, "This letter’s text has not been approved: a manager must approve it before it is published")
	}
	date := domain.Today(now)
	if l.LetterDate != nil {
		date = *l.LetterDate
	}
	pub, err := publishedFromFrozen(l, date)
	if err != nil {
		return err
	}
	if past != nil {
		pub.Note = past.note("", s.now())
	}
	return s.store.PublishAssessment(ctx, actor(r), scope(r), a.ID, a.Version, pub, now)
}

func pastTense(a domain.Action) string {
	switch a {
	case domain.ActionSubmit:
		return "submitted for approval"
	case domain.ActionReturn:
		return "returned"
	case domain.ActionApprove:
		return "approved"
	case domain.ActionPublish:
		return "published"
	}
	return "changed"
}
