package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/readcache"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// plansPerPage is how many recommendations the overview of plans shows at
// once: at ten times the national data there are 4,000.
const plansPerPage = 50

// plansOverview lists every recommendation with cases, and how many forces
// have sent their plan, sent it late, or not sent it.
func (s *Server) plansOverview(w http.ResponseWriter, r *http.Request) error {
	asOf, _, _, _ := s.asOfDate(r)
	sc := scope(r)
	page, err := pageNumber(r)
	if err != nil {
		return err
	}
	k := readcache.Key("plans", sc.ForceID, asOf.Format(time.DateOnly), page)
	overview, err := cached(r.Context(), s, k, func() (store.PlanOverviewPage, error) {
		return s.store.PlanOverview(r.Context(), sc, asOf, page, plansPerPage)
	})
	if err != nil {
		return err
	}
	if err := checkPage(page, plansPerPage, overview.Total); err != nil {
		return err
	}
	rows := make([]components.PlansOverviewRow, 0, len(overview.Rows))
	for _, o := range overview.Rows {
		row := components.PlansOverviewRow{FindingID: o.FindingID, ReportTitle: o.ReportTitle,
			Reference: o.Reference, Asked: components.Excerpt(o.Body, 160), Forces: o.Forces}
		for _, st := range domain.PlanStatuses() {
			row.Counts = append(row.Counts, components.PlanCount{Key: string(st), Label: st.Label(), Class: st.Tag(), N: o.Counts[st]})
		}
		rows = append(rows, row)
	}
	p := s.page(r, "Plans from forces")
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.PlansOverviewPage(p, rows,
		pagination(r.URL, page, plansPerPage, len(rows), overview.Total)))
}

// plansForRecommendation says, for one recommendation, which forces have
// sent their plan, which sent it late and which have not sent it, grouped
// in the order they need chasing.
func (s *Server) plansForRecommendation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cases, err := s.store.CasePlans(r.Context(), scope(r), store.CasePlanFilter{FindingID: id})
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		return fmt.Errorf("web: recommendation %d has no cases: %w", id, store.ErrNotFound)
	}
	asOf, _, _, _ := s.asOfDate(r)
	v := components.RecommendationPlans{FindingID: id, ReportTitle: cases[0].ReportTitle,
		Reference: cases[0].Reference, Asked: cases[0].FindingBody, Total: len(cases)}
	groups := map[domain.PlanStatus]*components.PlanGroup{}
	for _, c := range cases {
		st, _ := c.PlanStatus(asOf)
		g := groups[st]
		if g == nil {
			g = &components.PlanGroup{Key: string(st), Label: st.Label(), Class: st.Tag()}
			groups[st] = g
		}
		row := components.PlanRow{CaseID: c.ID, ForceName: c.ForceName, Status: planStatusTag(c, asOf),
			Versions: c.PlanVersions, Updates: c.ProgressUpdates, Submission: fmt.Sprintf("/cases/%d/submissions", c.ID)}
		if c.PlanDueOn != nil {
			row.DueOn = *c.PlanDueOn
		}
		if c.FirstSubmittedAt != nil {
			row.FirstAt = *c.FirstSubmittedAt
		}
		if c.LastSubmittedAt != nil {
			row.LastAt = *c.LastSubmittedAt
		}
		g.Rows = append(g.Rows, row)
	}
	for _, st := range domain.PlanStatuses() {
		if g := groups[st]; g != nil {
			slices.SortFunc(g.Rows, func(a, b components.PlanRow) int { return cmp.Compare(a.ForceName, b.ForceName) })
			v.Groups = append(v.Groups, *g)
		}
	}
	title := "Plans for the recommendation"
	if v.Reference != "" {
		title = "Plans for " + v.Reference
	}
	p := s.page(r, title)
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.RecommendationPlansPage(p, v))
}
