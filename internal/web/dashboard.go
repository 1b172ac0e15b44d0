package web

import (
	"errors"
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

// dashboardQuery is the dashboard's filter as read from the URL.
type dashboardQuery struct {
	filter              store.DashboardFilter
	asOf                components.DateField // the "as of" boxes, as typed or as read from ?asof=
	isToday             bool
	report, rec, region string
	kind, sort          string
	errs                components.Errors
	pageErr             error // the page asked for is no page (see pageNumber)
}

// dashboardPageSize is how many ranked forces a page of the dashboard
// shows; the CSV has them all.
const dashboardPageSize = 25

// values is the query string that shows q again, with changes applied.
func (q dashboardQuery) values(change func(url.Values)) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("report", q.report)
	set("recommendation", q.rec)
	set("region", q.region)
	set("kind", q.kind)
	set("sort", q.sort)
	switch {
	case q.errs.For("asof-day") != "":
		// Not a real date: the boxes as typed, to be shown again.
		set("asof-day", q.asOf.Day)
		set("asof-month", q.asOf.Month)
		set("asof-year", q.asOf.Year)
	case !q.isToday:
		v.Set("asof", q.filter.AsOf.Format(time.DateOnly)) // the one URL form of the day
	}
	if change != nil {
		change(v)
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// parseDashboardQuery reads the filters; anything unknown is ignored, and a
// date that is not a real date is an error shown by the date input (the
// page then counts as of today).
func (s *Server) parseDashboardQuery(r *http.Request) dashboardQuery {
	get := func(k string) string { return strings.TrimSpace(r.URL.Query().Get(k)) }
	today := domain.Today(s.now())
	q := dashboardQuery{region: get("region"), kind: get("kind"), sort: get("sort")}
	asOf, field, isToday, asOfErr := s.asOfDate(r)
	q.asOf, q.isToday = field, isToday
	if asOfErr != "" {
		q.errs.Add("asof-day", asOfErr)
	}
	q.filter = store.DashboardFilter{AsOf: asOf, Today: today, Region: q.region}
	if id, err := strconv.ParseInt(get("report"), 10, 64); err == nil && id > 0 {
		q.filter.ReportID, q.report = id, strconv.FormatInt(id, 10)
	}
	if id, err := strconv.ParseInt(get("recommendation"), 10, 64); err == nil && id > 0 {
		q.filter.FindingID, q.rec = id, strconv.FormatInt(id, 10)
	}
	if k := domain.Kind(q.kind); k.Valid() {
		q.filter.Kind = k
	} else {
		q.kind = ""
	}
	page, err := pageNumber(r)
	q.filter.Offset, q.pageErr = (page-1)*dashboardPageSize, err
	if q.sort == "oldest" {
		q.filter.SortOldest = true
	} else {
		q.sort = ""
	}
	return q
}

// dashboardColumns are the rules shown as columns: all, or the one filtered.
func dashboardColumns(k domain.Kind) []domain.Kind {
	if k != "" {
		return []domain.Kind{k}
	}
	return domain.Kinds()
}

// dashboardTable is the ranked forces of d, the first of them ranked
// first+1, as the page shows them; dashboardCSV writes its rows from it
// too, so the two cannot differ.
func dashboardTable(d store.Dashboard, kind domain.Kind, first int) components.DashboardTable {
	var t components.DashboardTable
	cols := dashboardColumns(kind)
	for _, k := range cols {
		t.Kinds = append(t.Kinds, components.DashboardKind{Key: string(k), Label: k.Label(), DueSoon: k == domain.KindDueSoon})
	}
	t.Rows = make([]components.DashboardRow, 0, len(d.Forces))
	for i, f := range d.Forces {
		row := components.DashboardRow{Rank: first + i + 1, Code: f.Code, Force: f.Name, ForceHref: "/forces/" + url.PathEscape(f.Code), Region: f.Region,
			Cells: make([]components.DashboardCell, 0, len(cols))}
		for _, k := range cols {
			kc := f.Count(k)
			row.Cells = append(row.Cells, components.DashboardCell{Items: kc.Items, Days: kc.Days})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// dashboardPage is the table of the page of the ranking d holds; a force's
// link keeps the as-of day.
func dashboardPage(d store.Dashboard, q dashboardQuery, r *http.Request) components.DashboardTable {
	t := dashboardTable(d, q.filter.Kind, d.Offset)
	for i := range t.Rows {
		t.Rows[i].ForceHref = withAsOf(t.Rows[i].ForceHref, q.filter.AsOf, q.isToday)
	}
	// The links of the pages keep the filters, not the rest of the query
	// string: the HTML is kept for every request asking the same question.
	u := &url.URL{Path: r.URL.Path, RawQuery: q.values(nil).Encode()}
	t.Page = pagination(u, d.Offset/dashboardPageSize+1, dashboardPageSize, len(t.Rows), d.Ranked)
	return t
}

// dashboardRecords are the CSV's header and rows: for each rule a column of
// items and one of days (empty when there are no items).
func dashboardRecords(t components.DashboardTable) [][]string {
	header := []string{"Rank", "Force", "Region"}
	for _, k := range t.Kinds {
		days := k.Label + ": oldest (days overdue)"
		if k.DueSoon {
			days = k.Label + ": nearest (days left)"
		}
		header = append(header, k.Label+": items", days)
	}
	out := [][]string{header}
	for _, r := range t.Rows {
		rec := []string{strconv.Itoa(r.Rank), r.Force, r.Region}
		for _, c := range r.Cells {
			days := ""
			if c.Items > 0 {
				days = strconv.Itoa(c.Days)
			}
			rec = append(rec, strconv.Itoa(c.Items), days)
		}
		out = append(out, rec)
	}
	return out
}

// kindColours are the chart colours of the rules (GOV.UK palette).
var kindColours = map[domain.Kind]string{
	domain.KindPlanOverdue:           "#d4351c",
	domain.KindAssessmentOverdue:     "#f47738",
	domain.KindRecommendationOverdue: "#912b88",
	domain.KindFollowUpOverdue:       "#1d70b8",
	domain.KindDueSoon:               "#00703c",
}

func (s *Server) dashboardShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.parseDashboardQuery(r)
	if q.pageErr != nil {
		return q.pageErr
	}
	flash := s.sessions.PopString(ctx, "flash")
	content, err := s.dashboardContent(r, q)
	if err != nil {
		return err
	}
	p := s.page(r, "Dashboard")
	p.Wide = true
	p.HasErrors = q.errs.Any()
	status := http.StatusOK
	if q.errs.Any() {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, status, components.DashboardPage(p, flash, content))
}

// dashboardContent is the HTML of the dashboard below the flash for q. It
// depends only on the question (the filters q read, whatever else the
// query string holds), the user's scope and role (which may schedule
// follow-ups) and the day, so the HTML of a question without errors is
// kept for the data version (cached): rendering the page was most of its
// cost. It is the dashboard's only cached layer: the counts it shows are
// read off dashboard_today in one round trip, so keeping them apart as
// well saved nothing.
func (s *Server) dashboardContent(r *http.Request, q dashboardQuery) (string, error) {
	render := func() (string, error) {
		v, err := s.dashboardView(r, q)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		err = components.DashboardContent(v).Render(r.Context(), &b)
		return b.String(), err
	}
	if q.errs.Any() {
		return render()
	}
	var role auth.Role
	if u := auth.UserFrom(r.Context()); u != nil {
		role = u.Role
	}
	k := readcache.Key("dashboard", scope(r).ForceID, role, q.filter.Today.Format(time.DateOnly),
		q.values(nil).Encode(), q.filter.Offset)
	return cached(r.Context(), s, k, render)
}

// dashboardView reads and lays out the dashboard for q.
func (s *Server) dashboardView(r *http.Request, q dashboardQuery) (components.DashboardView, error) {
	ctx := r.Context()
	q.filter.Limit = dashboardPageSize
	d, err := s.store.Dashboard(ctx, scope(r), q.filter)
	if err != nil {
		return components.DashboardView{}, err
	}
	regions, reports := d.Options.Regions, d.Options.Reports
	v := components.DashboardView{
		AsOf:      components.DateField{Name: "asof", Legend: "As of", Hint: "Leave empty for today. For example, 2 10 2017", Day: q.asOf.Day, Month: q.asOf.Month, Year: q.asOf.Year, Error: q.errs.For("asof-day")},
		AsOfText:  domain.FormatLong(q.filter.AsOf),
		IsToday:   q.isToday,
		Errors:    q.errs,
		Table:     dashboardPage(d, q, r),
		CSVHref:   withQuery("/dashboard.csv", q.values(nil)),
		ClearHref: "/dashboard",
	}

	v.Report = components.Input{Name: "report", Label: "Report", Value: q.report,
		Options: []components.Option{{Value: "", Label: "All reports"}}}
	var reportTitle string
	for _, rp := range reports {
		id := strconv.FormatInt(rp.ID, 10)
		v.Report.Options = append(v.Report.Options, components.Option{Value: id, Label: rp.Title})
		if id == q.report {
			reportTitle = rp.Title
		}
	}
	v.Rec = components.Input{Name: "recommendation", Label: "Recommendation", Value: q.rec,
		Options: []components.Option{{Value: "", Label: "All recommendations"}}}
	var recLabel string
	if q.filter.ReportID != 0 {
		for _, rc := range d.Options.Recommendations {
			id := strconv.FormatInt(rc.ID, 10)
			label := recommendationLabel(rc.Reference, rc.Body)
			v.Rec.Options = append(v.Rec.Options, components.Option{Value: id, Label: label})
			if id == q.rec {
				recLabel = label
			}
		}
	} else {
		v.Rec.Hint = "Choose a report first, then apply the filters."
	}
	if q.rec != "" && recLabel == "" {
		recLabel = "recommendation " + q.rec
	}
	v.Region = components.Input{Name: "region", Label: "Region", Value: q.region,
		Options: []components.Option{{Value: "", Label: "All regions"}}}
	for _, rg := range regions {
		v.Region.Options = append(v.Region.Options, components.Option{Value: rg, Label: rg})
	}
	v.Kind = components.Input{Name: "kind", Label: "What is late", Value: q.kind,
		Options: []components.Option{{Value: "", Label: "Everything overdue or due soon"}}}
	for _, k := range domain.Kinds() {
		v.Kind.Options = append(v.Kind.Options, components.Option{Value: string(k), Label: k.Label()})
	}
	v.Sort = components.Input{Name: "sort", Label: "Rank forces by", Value: q.sort, Options: []components.Option{
		{Value: "", Label: "Most items overdue"}, {Value: "oldest", Label: "Longest overdue"}}}

	for _, k := range domain.Kinds() {
		current := q.kind == string(k)
		href := withQuery("/dashboard", q.values(func(u url.Values) {
			if current {
				u.Del("kind")
			} else {
				u.Set("kind", string(k))
			}
		}))
		v.Headline = append(v.Headline, components.HeadlineCount{Label: k.Label(), Count: d.Totals[k], Href: href,
			Overdue: k != domain.KindDueSoon, Current: current, TestID: "total-" + string(k)})
	}

	if reportTitle != "" {
		v.Filtering = append(v.Filtering, reportTitle)
	}
	if recLabel != "" {
		v.Filtering = append(v.Filtering, recLabel)
	}
	if q.region != "" {
		v.Filtering = append(v.Filtering, "forces in "+q.region)
	}
	if q.filter.Kind != "" {
		v.Filtering = append(v.Filtering, strings.ToLower(q.filter.Kind.Label())+" only")
	}
	if !v.IsToday {
		v.Filtering = append(v.Filtering, "as of "+v.AsOfText)
	}

	v.Chart = regionChart(d, regions, q.filter)
	if q.filter.FindingID != 0 {
		counts, err := s.store.CaseStageCounts(ctx, scope(r), q.filter.FindingID, q.filter.AsOf)
		if err != nil {
			return components.DashboardView{}, err
		}
		c := stageChart(counts, q.filter.AsOf, recLabel)
		v.StageChart = &c
		if auth.Allowed(auth.UserFrom(ctx), auth.EditCases) {
			v.ScheduleHref = bulkPath(q.filter.FindingID) + "/new"
		}
	}

	return v, nil
}

// recommendationLabel names a recommendation in a list: its reference and
// the start of its words.
func recommendationLabel(ref, body string) string {
	const max = 80
	words := []rune(strings.Join(strings.Fields(body), " "))
	text := string(words)
	if len(words) > max {
		text = strings.TrimSpace(string(words[:max])) + "…"
	}
	if ref == "" {
		return text
	}
	return ref + ": " + text
}

// regionChart is the overdue items per region, a bar per region (every
// region, or the one filtered) stacked by rule.
func regionChart(d store.Dashboard, regions []string, f store.DashboardFilter) components.BarChart {
	c := components.BarChart{ID: "chart-regions", Title: "Overdue items by region",
		Description: "Overdue items on " + domain.FormatLong(f.AsOf) + " in each region, by what is overdue."}
	var kinds []domain.Kind
	for _, k := range dashboardColumns(f.Kind) {
		if k != domain.KindDueSoon {
			kinds = append(kinds, k)
			c.Series = append(c.Series, components.ChartSeries{Label: k.Label(), Colour: kindColours[k]})
		}
	}
	counts := map[string]map[domain.Kind]int{}
	for _, rc := range d.Regions {
		counts[rc.Region] = rc.Kinds
	}
	for _, rg := range regions {
		if f.Region != "" && rg != f.Region {
			continue
		}
		b := components.ChartBar{Label: rg}
		for _, k := range kinds {
			b.Values = append(b.Values, counts[rg][k])
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// stageColours follow the stage tags.
var stageColours = map[domain.Stage]string{
	domain.StageAwaitingPlan:      "#5694ca",
	domain.StagePlanOverdue:       "#d4351c",
	domain.StagePlanReceived:      "#1d70b8",
	domain.StageAssessing:         "#f47738",
	domain.StageAssessed:          "#00703c",
	domain.StageFollowUpScheduled: "#28a197",
	domain.StageFollowUpOverdue:   "#942514",
	domain.StageClosed:            "#505a5f",
}

// stageChart is the cases of one recommendation by lifecycle stage as of a
// day.
func stageChart(counts map[domain.Stage]int, asOf time.Time, rec string) components.BarChart {
	n := 0
	for _, c := range counts {
		n += c
	}
	c := components.BarChart{ID: "chart-stages", Title: "Cases of this recommendation by stage",
		Description: "The " + strconv.Itoa(n) + " cases of " + rec + " by lifecycle stage on " + domain.FormatLong(asOf) + "."}
	// One series, each bar in its stage's colour: the bars are labelled, so
	// there is no legend.
	c.Series = []components.ChartSeries{{Label: "Cases"}}
	for _, st := range domain.Stages() {
		c.Bars = append(c.Bars, components.ChartBar{Label: st.Label(), Values: []int{counts[st]}, Colour: stageColours[st]})
	}
	return c
}

// errBadDate refuses a CSV asked for as of a date that does not exist.
var errBadDate = errors.New("web: the as-of date is not a real date")

func (s *Server) dashboardCSV(w http.ResponseWriter, r *http.Request) error {
	q := s.parseDashboardQuery(r)
	if q.errs.Any() {
		return withStatus(http.StatusBadRequest, errBadDate)
	}
	q.filter.Offset, q.filter.Limit = 0, 0 // every force
	d, err := s.store.Dashboard(r.Context(), scope(r), q.filter)
	if err != nil {
		return err
	}
	records := dashboardRecords(dashboardTable(d, q.filter.Kind, 0))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="dashboard-`+q.filter.AsOf.Format(time.DateOnly)+`.csv"`)
	return writeCSV(w, records)
}
