package web

import (
	"context"
	"net/http"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/web/components"
)

// home is the start page when signed out, and the user's home when in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	u := auth.UserFrom(r.Context())
	if u == nil {
		return s.render(w, r, http.StatusOK, components.StartPage(s.page(r, "")))
	}
	if u.Role == auth.RoleLiaison {
		return s.liaisonHome(w, r)
	}
	p := s.page(r, "Home")
	return s.render(w, r, http.StatusOK, components.HomePage(p, components.Home{
		Name: u.Name, Role: u.Role.Label(), ForceName: u.ForceName, Links: p.Nav,
	}))
}

func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, components.AccessibilityPage(s.page(r, "Accessibility statement")))
}

// healthz answers while the process is up, whatever the database does.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database answers within a second, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Pool().Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "request_id", RequestIDFrom(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
