package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/readcache"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// casesPerPage is how many cases a page of the case list shows.
const casesPerPage = 25

// caseStage is a case's stage as of a day, as the views show it: derived
// from the case's dates by the domain rules, never stored.
func caseStage(c store.Case, asOf time.Time) components.CaseStage {
	st, reason := domain.Explain(c.Facts(), asOf)
	return components.CaseStage{Key: string(st), Label: st.Label(), Tag: st.Tag(), Reason: reason, Overdue: st.IsOverdue()}
}

// caseFrom returns the case of the URL's {id} in the user's scope: a case
// of another force is not found.
func (s *Server) caseFrom(r *http.Request) (store.Case, store.Scope, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Case{}, store.Scope{}, err
	}
	sc := scope(r)
	c, err := s.store.Case(r.Context(), sc, id)
	return c, sc, err
}

func (s *Server) casesShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cr, err := s.caseRecord(r.Context(), scope(r), id)
	if err != nil {
		return err
	}
	c := cr.c
	asOf, field, isToday, asOfErr := s.asOfDate(r)
	items, hidden := components.CutTimeline(cr.timeline, asOf)
	u := auth.UserFrom(r.Context())
	v := components.CaseView{
		ID: c.ID, ForceCode: c.ForceCode, ForceName: c.ForceName, Region: c.Region,
		ReportID: c.ReportID, ReportTitle: c.ReportTitle, ReportPublished: c.ReportPublishedOn,
		FindingID: c.FindingID, Reference: c.Reference, Kind: c.FindingKind.Label(), Body: c.FindingBody,
		TerminologyNote: c.TerminologyNote, DeadlineText: c.DeadlineText, DeadlineOn: derefDate(c.DeadlineOn),
		RequestSent: derefDate(c.RequestSentOn), PlanDue: derefDate(c.PlanDueOn),
		Stage: caseStage(c, asOf), AsOf: asOf, IsToday: isToday, AsOfField: field, AsOfError: asOfErr,
		Timeline: items, HiddenLater: hidden, Actions: s.caseActions(r, c),
		CanChangeDue: auth.Allowed(u, auth.EditCases), CanSeeFinding: auth.Allowed(u, auth.ViewReports),
		Flash: s.sessions.PopString(r.Context(), "flash"),
	}
	p := s.page(r, c.ForceName+": "+components.ReferenceOr(c.Reference))
	p.HasErrors = asOfErr != ""
	return s.render(w, r, http.StatusOK, components.CasePage(p, v))
}

// caseRecord is a case and every entry of its timeline.
type caseRecord struct {
	c        store.Case
	timeline []components.TimelineItem // newest first
}

// caseRecord reads the case id in sc and every record on its timeline, in
// one round trip. What it reads is kept for the data version (see
// cached), under the scope and the role: what a timeline shows depends on
// the user's permissions, which come from their role.
func (s *Server) caseRecord(ctx context.Context, sc store.Scope, id int64) (caseRecord, error) {
	var role auth.Role
	if u := auth.UserFrom(ctx); u != nil {
		role = u.Role
	}
	return cached(ctx, s, readcache.Key("case", sc.ForceID, role, id), func() (caseRecord, error) {
		var b store.Batch
		var c store.Case
		b.Case(sc, id, &c)
		timeline := queueTimeline(ctx, &b, sc, id, &c)
		if err := s.store.Send(ctx, &b); err != nil {
			return caseRecord{}, err
		}
		if c.ID == 0 {
			return caseRecord{}, fmt.Errorf("web: case %d: %w", id, store.ErrNotFound)
		}
		return caseRecord{c: c, timeline: timeline()}, nil
	})
}

// caseActions are the buttons the case page offers the user, in order.
// Each part of the portal that acts on a case (submissions, assessments,
// follow-ups) adds its button here when the user may use it.
func (s *Server) caseActions(r *http.Request, c store.Case) []components.Link {
	links := submissionActions(r, c)
	links = append(links, s.assessmentActions(r, c)...)
	return append(links, s.followUpActions(r, c)...)
}

func derefDate(d *time.Time) time.Time {
	if d == nil {
		return time.Time{}
	}
	return *d
}

// timelineSource gives the timeline entries of one kind of record of the
// case caseID: it queues on b the reads it needs, and the function it
// returns makes the entries from them and the case c once b has been sent
// (c is read in the same batch, so a source cannot look at it before).
// The case page shows the entries of every source, newest first, all read
// in one round trip.
type timelineSource func(ctx context.Context, b *store.Batch, sc store.Scope, caseID int64, c *store.Case) func() []components.TimelineItem

// timelineSources are every kind of record on a case's timeline. A part of
// the portal that records something about a case (a submission, an
// assessment, a letter, a follow-up) adds its source here.
func timelineSources() []timelineSource {
	return []timelineSource{reportTimeline, requestTimeline, dateChangeTimeline, submissionTimeline, assessmentTimeline, followUpTimeline}
}

// queueTimeline queues on b the reads of every source and returns what
// collects and sorts their entries once b has been sent.
func queueTimeline(ctx context.Context, b *store.Batch, sc store.Scope, caseID int64, c *store.Case) func() []components.TimelineItem {
	var makers []func() []components.TimelineItem
	for _, src := range timelineSources() {
		makers = append(makers, src(ctx, b, sc, caseID, c))
	}
	return func() []components.TimelineItem {
		var items []components.TimelineItem
		for _, entries := range makers {
			items = append(items, entries()...)
		}
		components.SortTimeline(items)
		return items
	}
}

func reportTimeline(_ context.Context, _ *store.Batch, _ store.Scope, _ int64, c *store.Case) func() []components.TimelineItem {
	return func() []components.TimelineItem {
		return []components.TimelineItem{{
			On: c.ReportPublishedOn, Title: "Report published", Kind: "report",
			Lines: []string{c.ReportTitle + " made this " + strings.ToLower(c.FindingKind.Label()) + "."},
		}}
	}
}

func requestTimeline(_ context.Context, b *store.Batch, sc store.Scope, caseID int64, c *store.Case) func() []components.TimelineItem {
	var rq store.Request
	b.RequestOfCase(sc, caseID, &rq)
	return func() []components.TimelineItem {
		if c.RequestSentOn == nil {
			return nil
		}
		due := rq.DueOn
		if due.IsZero() && c.PlanDueOn != nil {
			due = *c.PlanDueOn
		}
		return []components.TimelineItem{{
			On: *c.RequestSentOn, Title: "Request for plan sent", By: rq.CreatedBy, Kind: "request",
			Lines: []string{fmt.Sprintf("The inspectorate wrote to %s asking for its plan by %s.", c.ForceName, domain.FormatLong(due))},
		}}
	}
}

// dateFieldLabels name the case dates a date change can be about.
var dateFieldLabels = map[string]string{
	"plan_due_on":          "Plan due date",
	"request_sent_on":      "Request date",
	"follow_up_planned_on": "Follow-up date",
	"closed_on":            "Closure date",
}

func dateChangeTimeline(_ context.Context, b *store.Batch, sc store.Scope, caseID int64, _ *store.Case) func() []components.TimelineItem {
	var changes []store.DateChange
	b.CaseDateChanges(sc, caseID, &changes)
	return func() []components.TimelineItem {
		var items []components.TimelineItem
		for _, d := range changes {
			if d.Old == nil {
				continue // a date first set: the record that set it has its own entry
			}
			label, ok := dateFieldLabels[d.Field]
			if !ok {
				label = d.Field
			}
			items = append(items, components.TimelineItem{
				On: domain.LondonDate(d.ChangedAt), At: d.ChangedAt, Title: label + " changed", By: d.ChangedBy, Kind: "date-change",
				Lines: []string{fmt.Sprintf("From %s to %s.", domain.FormatLongOrNone(d.Old), domain.FormatLongOrNone(d.New)), "Reason: " + d.Reason},
			})
		}
		return items
	}
}

// caseListSorts are the case list's columns, in order, with the sort key
// each offers (store.IsCaseSort).
var caseListSorts = []struct{ label, key string }{
	{"Force", "force"}, {"Region", "region"}, {"Recommendation", "reference"}, {"Plan due", "due"}, {"Stage", "stage"},
}

func (s *Server) casesList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sc := scope(r)
	q := r.URL.Query()
	asOf, field, isToday, asOfErr := s.asOfDate(r)
	f := store.CaseFilter{ForceCode: q.Get("force"), Region: q.Get("region"), Sort: q.Get("sort"),
		Desc: q.Get("dir") == "desc", AsOf: asOf, PerPage: casesPerPage}
	f.ReportID, _ = strconv.ParseInt(q.Get("report"), 10, 64)
	f.FindingID, _ = strconv.ParseInt(q.Get("finding"), 10, 64)
	page, err := pageNumber(r)
	if err != nil {
		return err
	}
	if f.After, f.Before, err = pageCursor(r); err != nil {
		return err
	}
	if page > 1 && f.After == 0 && f.Before == 0 {
		// A page number alone (a link from before the list paged by
		// keyset): the list from its start.
		q := r.URL.Query()
		q.Del("page")
		http.Redirect(w, r, pathWithQuery(r.URL.Path, q), http.StatusSeeOther)
		return nil
	}
	if st := domain.Stage(q.Get("stage")); st.Valid() {
		f.Stage = st
	}
	if !store.IsCaseSort(f.Sort) {
		f.Sort = ""
	}
	k := readcache.Key("cases", sc.ForceID, fmt.Sprintf("%+v", f), f.AsOf.Format(time.DateOnly))
	list, err := cached(ctx, s, k, func() (store.CaseList, error) { return s.store.ListCases(ctx, sc, f) })
	if err != nil {
		return err
	}
	form, err := s.caseFilterForm(ctx, r, sc, f)
	if err != nil {
		return err
	}
	form.AsOf = field
	v := components.CaseListView{Filter: form, AsOf: asOf, IsToday: isToday, AsOfError: asOfErr}
	for _, c := range list.Cases {
		v.Rows = append(v.Rows, components.CaseRow{ID: c.ID, ForceCode: c.ForceCode, ForceName: c.ForceName, Region: c.Region,
			ReportTitle: c.ReportTitle, Reference: c.Reference, FindingID: c.FindingID, PlanDue: derefDate(c.PlanDueOn),
			Stage: caseStage(c, asOf)})
	}
	for _, col := range caseListSorts {
		v.Headers = append(v.Headers, sortHeader(r.URL, col.label, col.key, f))
	}
	if len(list.Cases) == 0 && (f.After != 0 || f.Before != 0) {
		return errNoSuchPage
	}
	v.Page = keysetPagination(r.URL, page, casesPerPage, list)
	p := s.page(r, "Cases")
	p.Wide = true
	p.HasErrors = asOfErr != ""
	return s.render(w, r, http.StatusOK, components.CasesPage(p, v))
}

func (s *Server) caseFilterForm(ctx context.Context, r *http.Request, sc store.Scope, f store.CaseFilter) (components.CaseFilterForm, error) {
	q := r.URL.Query()
	form := components.CaseFilterForm{Report: q.Get("report"), Finding: q.Get("finding"), Force: f.ForceCode,
		Region: f.Region, Stage: string(f.Stage), Sort: f.Sort, Desc: f.Desc, ByForce: sc.ForceID == 0}
	form.Active = form.Report != "" || form.Finding != "" || form.Force != "" || form.Region != "" || form.Stage != "" ||
		q.Get("asof") != "" || q.Get("asof-day") != ""
	// What the filter offers, kept for the data version: at ten times the
	// national data, 4,000 recommendations.
	type choices struct {
		recs    []store.Finding
		forces  []store.Force
		regions []string
	}
	ch, err := cached(ctx, s, readcache.Key("case-filter", sc.ForceID, form.ByForce), func() (choices, error) {
		var ch choices
		var err error
		if ch.recs, err = s.store.ListRecommendations(ctx, sc); err != nil || !form.ByForce {
			return ch, err
		}
		if ch.forces, err = s.store.ListForces(ctx, sc); err != nil {
			return ch, err
		}
		ch.regions, err = s.store.Regions(ctx)
		return ch, err
	})
	if err != nil {
		return form, err
	}
	recs := ch.recs
	form.Reports = []components.Option{{Value: "", Label: "All reports"}}
	form.Findings = []components.Option{{Value: "", Label: "All recommendations"}}
	seen := map[int64]bool{}
	for _, rec := range recs {
		if !seen[rec.ReportID] {
			seen[rec.ReportID] = true
			form.Reports = append(form.Reports, components.Option{Value: strconv.FormatInt(rec.ReportID, 10), Label: rec.ReportTitle})
		}
		form.Findings = append(form.Findings, components.Option{Value: strconv.FormatInt(rec.ID, 10),
			Label: findingLabel(rec)})
	}
	form.Stages = []components.Option{{Value: "", Label: "All stages"}}
	for _, st := range domain.Stages() {
		form.Stages = append(form.Stages, components.Option{Value: string(st), Label: st.Label()})
	}
	if form.ByForce {
		form.Forces = []components.Option{{Value: "", Label: "All forces"}}
		for _, fo := range ch.forces {
			form.Forces = append(form.Forces, components.Option{Value: fo.Code, Label: fo.Name})
		}
		form.Regions = regionOptions(ch.regions)
	}
	return form, nil
}

func regionOptions(regions []string) []components.Option {
	opts := []components.Option{{Value: "", Label: "All regions"}}
	for _, rg := range regions {
		opts = append(opts, components.Option{Value: rg, Label: rg})
	}
	return opts
}

// findingLabel names a finding in lists: "PEEL: police legitimacy 2016 –
// Recommendation 1".
func findingLabel(f store.Finding) string {
	ref := f.Reference
	if ref == "" {
		ref = f.Kind.Label() + " " + strconv.FormatInt(f.ID, 10)
	}
	return f.ReportTitle + " – " + ref
}

// sortHeader is a column heading linking to the list sorted by key, the
// other way round when it is already sorted by it.
func sortHeader(u *url.URL, label, key string, f store.CaseFilter) components.SortHeader {
	current := f.Sort
	if current == "" {
		current = "force"
	}
	q := u.Query()
	for _, k := range []string{"page", "after", "before"} {
		q.Del(k) // a new order starts at its first page
	}
	q.Set("sort", key)
	h := components.SortHeader{Label: label, AriaSort: "none"}
	q.Del("dir")
	if current == key {
		h.AriaSort = "ascending"
		if f.Desc {
			h.AriaSort = "descending"
		} else {
			q.Set("dir", "desc")
		}
	}
	h.Href = u.Path + "?" + q.Encode()
	return h
}

// maxPage bounds page numbers: far beyond any list here, and small enough
// that (page-1)*perPage cannot overflow an OFFSET.
const maxPage = 1_000_000

// errNoSuchPage answers 404 for a page number that names no page.
var errNoSuchPage = fmt.Errorf("web: no such page: %w", store.ErrNotFound)

// pageNumber reads the "page" query parameter of every paged list: 1 when
// absent, else a whole number from 1 to maxPage; anything else is no page.
func pageNumber(r *http.Request) (int, error) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, errNoSuchPage
	}
	return n, nil
}

// checkPage refuses a page beyond the last of a list of total rows; page
// 1 exists even when the list is empty.
func checkPage(page, perPage, total int) error {
	if page > 1 && (page-1)*perPage >= total {
		return errNoSuchPage
	}
	return nil
}

// pageCursor reads the case a keyset page continues after (?after=) or
// comes before (?before=); neither is the first page.
func pageCursor(r *http.Request) (after, before int64, err error) {
	q := r.URL.Query()
	for _, c := range []struct {
		name string
		id   *int64
	}{{"after", &after}, {"before", &before}} {
		if v := q.Get(c.name); v != "" {
			if *c.id, err = strconv.ParseInt(v, 10, 64); err != nil || *c.id < 1 {
				return 0, 0, errNoSuchPage
			}
		}
	}
	if after != 0 && before != 0 {
		return 0, 0, errNoSuchPage
	}
	return after, before, nil
}

// keysetPagination builds the pager of page (from 1, a number for the
// reader: "Showing 26 to 50") of a list paged by keyset: Previous and Next
// continue from the page's first and last case, with no numbered pages
// (reaching page 40 would mean counting through the 39 before it).
func keysetPagination(u *url.URL, page, perPage int, list store.CaseList) components.Pagination {
	n := len(list.Cases)
	pg := components.Pagination{Total: list.Total, From: (page-1)*perPage + 1, To: (page-1)*perPage + n}
	if n == 0 {
		pg.From = 0
		return pg
	}
	href := func(cursor string, id int64, p int) string {
		q := u.Query()
		q.Del("after")
		q.Del("before")
		q.Del("page")
		if p > 1 {
			q.Set(cursor, strconv.FormatInt(id, 10))
			q.Set("page", strconv.Itoa(p))
		}
		return pathWithQuery(u.Path, q)
	}
	if list.HasPrev || page > 1 {
		pg.Prev = href("before", list.Cases[0].ID, max(page-1, 1))
	}
	if list.More {
		pg.Next = href("after", list.Cases[n-1].ID, page+1)
	}
	return pg
}

// pathWithQuery is path with q, or path alone when q is empty.
func pathWithQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// pagination builds the pager for page (from 1) of a list of total rows,
// n of them on this page.
func pagination(u *url.URL, page, perPage, n, total int) components.Pagination {
	if page < 1 {
		page = 1
	}
	pages := (total + perPage - 1) / perPage
	href := func(p int) string {
		q := u.Query()
		if p == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(p))
		}
		if len(q) == 0 {
			return u.Path
		}
		return u.Path + "?" + q.Encode()
	}
	pg := components.Pagination{Total: total, From: (page-1)*perPage + 1, To: (page-1)*perPage + n}
	if n == 0 {
		pg.From = 0
	}
	if pages <= 1 {
		return pg
	}
	if page > 1 {
		pg.Prev = href(page - 1)
	}
	if page < pages {
		pg.Next = href(page + 1)
	}
	gap := false
	for i := 1; i <= pages; i++ {
		if i == 1 || i == pages || (i >= page-1 && i <= page+1) {
			pg.Pages = append(pg.Pages, components.PageLink{Number: i, Href: href(i), Current: i == page})
			gap = false
		} else if !gap {
			pg.Pages = append(pg.Pages, components.PageLink{Gap: true})
			gap = true
		}
	}
	return pg
}

func (s *Server) casesDueDateForm(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	if c.RequestSentOn == nil {
		return withStatus(http.StatusBadRequest, errors.New("web: no request sent, no due date to change"))
	}
	f := dueDateForm(c)
	f.Due = components.DateField{Name: "due", Legend: "New plan due date"}
	return s.showForm(w, r, dueDatePage(f))
}

func dueDateForm(c store.Case) components.DueDateForm {
	return components.DueDateForm{Case: components.CaseHeader{ID: c.ID, ForceName: c.ForceName, Reference: c.Reference},
		RequestSent: derefDate(c.RequestSentOn), Current: derefDate(c.PlanDueOn)}
}

func dueDatePage(f components.DueDateForm) formPage {
	return newFormPage("Change the plan due date", components.DueDatePage, f)
}

func (s *Server) casesDueDatePost(w http.ResponseWriter, r *http.Request) error {
	c, sc, err := s.caseFrom(r)
	if err != nil {
		return err
	}
	f := dueDateForm(c)
	f.Reason = strings.TrimSpace(r.PostFormValue("reason"))
	var due time.Time
	due, f.Due = dateFromForm(r, "due", "New plan due date", "new plan due date", &f.Errors)
	if !due.IsZero() && c.RequestSentOn != nil && due.Before(*c.RequestSentOn) {
		dateProblem(&f.Due, &f.Errors, "New plan due date must be on or after the date the request was sent, "+domain.FormatLong(*c.RequestSentOn))
	} else if !due.IsZero() && c.PlanDueOn != nil && due.Equal(*c.PlanDueOn) {
		dateProblem(&f.Due, &f.Errors, "Enter a date different from the current due date, "+domain.FormatLong(due))
	}
	if f.Reason == "" {
		f.Errors.Add("reason", "Enter why the due date is changing")
	}
	if f.Errors.Any() {
		return invalid(dueDatePage(f))
	}
	switch err := s.store.ChangeDueDate(r.Context(), actor(r), sc, c.ID, due, f.Reason); {
	case errors.Is(err, store.ErrNoRequest):
		return withStatus(http.StatusBadRequest, err)
	case err != nil:
		return err
	}
	s.sessions.Put(r.Context(), "flash", "Plan due date changed to "+domain.FormatLong(due)+".")
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}
