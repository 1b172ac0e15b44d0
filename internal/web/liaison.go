package web

import (
	"net/http"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// liaisonHome is a force liaison's landing page: their force's open cases
// (the scope keeps every other force out, in the SQL), what was asked, by
// when, how the plan stands today and what they have sent.
func (s *Server) liaisonHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	cases, err := s.store.CasePlans(ctx, scope(r), store.CasePlanFilter{OpenOnly: true})
	if err != nil {
		return err
	}
	asOf, _, isToday, _ := s.asOfDate(r)
	behind, err := s.forcesBehind(ctx, scope(r), "", asOf)
	if err != nil {
		return err
	}
	h := components.LiaisonHome{ForceName: u.ForceName, Flash: s.sessions.PopString(ctx, "flash"),
		Counts: statusCounts(behind[u.ForceID]), AsOfText: domain.FormatLong(asOf), IsToday: isToday}
	for _, c := range cases {
		lc := components.LiaisonCase{ID: c.ID, ReportTitle: c.ReportTitle, Reference: c.Reference,
			Asked: components.Excerpt(c.FindingBody, 300), Status: planStatusTag(c, asOf),
			PlanVersions: c.PlanVersions, ProgressUpdates: c.ProgressUpdates}
		if c.PlanDueOn != nil {
			lc.DueOn = *c.PlanDueOn
		}
		if c.LastSubmittedAt != nil {
			lc.LastPlanAt = *c.LastSubmittedAt
		}
		h.Cases = append(h.Cases, lc)
	}
	p := s.page(r, "Your force’s cases")
	return s.render(w, r, http.StatusOK, components.LiaisonHomePage(p, h))
}
