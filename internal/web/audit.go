package web

import (
	"net/http"
	"strconv"

	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// auditList shows the trail, newest first, for one user or one object
// when asked (?user=ID, ?type=case&id=42).
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AuditFilter{ObjectType: q.Get("type"), ObjectID: q.Get("id"), Limit: 100}
	f.ActorID, _ = strconv.ParseInt(q.Get("user"), 10, 64)
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	events, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	view := components.AuditView{Rows: auditRows(events), User: q.Get("user"), Type: f.ObjectType, ID: f.ObjectID}
	if len(events) == f.Limit {
		next := q
		next.Set("before", strconv.FormatInt(events[len(events)-1].ID, 10))
		view.OlderHref = "/audit?" + next.Encode()
	}
	p := s.page(r, "Audit trail")
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.AuditPage(p, view))
}

func auditRows(events []store.AuditEvent) []components.AuditRow {
	rows := make([]components.AuditRow, 0, len(events))
	for _, e := range events {
		rows = append(rows, components.AuditRow{ID: e.ID, At: e.OccurredAt, ActorID: e.ActorID, Actor: e.ActorEmail,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Summary: e.Summary,
			RequestID: e.RequestID, ClientAddr: e.ClientAddr})
	}
	return rows
}
