package web

import (
	"context"
	"net/url"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// One count of each kind of status (domain.Kinds), on every page: /forces,
// a force's page, the liaison home, the dashboard and its CSV all read the
// dashboard's counts (store.Dashboard, held to domain.Items by its property
// test) for the same as-of day, and show them under the kinds' labels.

// statusCounts are a force's counts per kind, in domain.Kinds order; fb
// nil means the force has nothing overdue or due soon.
func statusCounts(fb *store.ForceBehind) []components.StatusCount {
	var out []components.StatusCount
	for _, k := range domain.Kinds() {
		c := components.StatusCount{Kind: string(k), Label: k.Label(), DueSoon: k == domain.KindDueSoon}
		if fb != nil {
			c.Items = fb.Count(k).Items
		}
		out = append(out, c)
	}
	return out
}

// forcesBehind reads the dashboard's counts of the forces in sc (in region,
// when not "") on asOf, by force id: forces with nothing have no entry.
func (s *Server) forcesBehind(ctx context.Context, sc store.Scope, region string, asOf time.Time) (map[int64]*store.ForceBehind, error) {
	today := domain.Today(s.now())
	d, err := s.store.Dashboard(ctx, sc, store.DashboardFilter{AsOf: asOf, Today: today,
		Region: region, NoOptions: true})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*store.ForceBehind, len(d.Forces))
	for i := range d.Forces {
		out[d.Forces[i].ForceID] = &d.Forces[i]
	}
	return out, nil
}

// withAsOf is path with the as-of day in its one URL form, ?asof=2018-01-01,
// unless the day is today: a drill-down keeps the day it was shown as of.
func withAsOf(path string, asOf time.Time, isToday bool) string {
	if isToday {
		return path
	}
	return withQuery(path, url.Values{"asof": {asOf.Format(time.DateOnly)}})
}
