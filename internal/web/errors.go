package web

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"

	"inspectrack/internal/auth"
	"inspectrack/internal/database"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// handlerFunc is a handler that returns its failure; handle turns the
// failure into the right page, so no handler writes an error page itself.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// statusError is a failure that has its own status: 400, 413 and so on.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus wraps err so it answers status.
func withStatus(status int, err error) error { return &statusError{status: status, err: err} }

// errHidden answers 404 for something the user may not know exists.
var errHidden = errors.New("web: outside the user's permissions")

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// handle adapts a handlerFunc: a form with problems (invalid) is shown
// again with 422, store.ErrNotFound and errHidden answer 404,
// an unreachable database 503, a statusError its status, anything else a
// logged 500 with a reference and no internals.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var se *statusError
		var inv *invalidForm
		switch {
		case errors.As(err, &inv):
			if err := s.renderFormPage(w, r, inv.status, inv.page, true); err != nil {
				s.serverError(w, r, err)
			}
		case errors.Is(err, store.ErrNotFound), errors.Is(err, errHidden):
			s.notFound(w, r, err)
		case errors.As(err, &se):
			s.log.InfoContext(r.Context(), "request refused", "request_id", RequestIDFrom(r.Context()), "status", se.status, "err", err)
			s.renderStatus(w, r, se.status)
		default:
			s.serverError(w, r, err)
		}
	}
}

// deny answers 404 to a signed-in user reaching for a route their role
// does not have, and audits the attempt.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, permission string) {
	s.auditAccess(r, "access.denied", "lacks "+permission)
	s.renderStatus(w, r, http.StatusNotFound)
}

// notFound answers 404. For a signed-in user it is audited too: an object
// outside their scope looks exactly like one that does not exist, so every
// such answer is evidence of a possible probe.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, err error) {
	if r.URL.Path != "/favicon.ico" {
		s.auditAccess(r, "access.not_found", err.Error())
	}
	s.renderStatus(w, r, http.StatusNotFound)
}

func (s *Server) auditAccess(r *http.Request, action, why string) {
	if auth.UserFrom(r.Context()) == nil {
		return
	}
	a := actor(r)
	if err := s.store.AuditOne(r.Context(), a.Event(action, "path", r.Method+" "+loggedPath(r), a.ForceID, why)); err != nil {
		s.log.ErrorContext(r.Context(), "audit access", "request_id", RequestIDFrom(r.Context()), "err", err)
	}
}

// serverError logs err with the request id and renders 503 when the
// database is unreachable, else 500.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away (a closed tab, a load test stopping) and
		// took the request's context with it: nothing is wrong with the
		// service and nobody reads the answer. 499 is nginx's "client
		// closed request", for the access log.
		s.log.InfoContext(r.Context(), "client went away", "request_id", RequestIDFrom(r.Context()),
			"method", r.Method, "path", loggedPath(r), "err", err.Error())
		w.WriteHeader(statusClientClosed)
		return
	}
	status := http.StatusInternalServerError
	level := slog.LevelError
	if database.IsUnavailable(err) {
		status, level = http.StatusServiceUnavailable, slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "request failed", "request_id", RequestIDFrom(r.Context()),
		"method", r.Method, "path", loggedPath(r), "status", status, "err", err.Error())
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "10")
	}
	s.renderStatus(w, r, status)
}

const statusClientClosed = 499

// renderStatus renders the design-system page for an error status.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int) {
	p := s.page(r, "")
	var c templ.Component
	switch status {
	case http.StatusNotFound:
		p.Title = "Page not found"
		c = components.NotFoundPage(p)
	case http.StatusServiceUnavailable:
		p.Title = "Sorry, the service is unavailable"
		c = components.UnavailablePage(p)
	case http.StatusInternalServerError:
		p.Title = "Sorry, there is a problem with the service"
		c = components.ErrorPage(p, RequestIDFrom(r.Context()))
	default:
		p.Title = statusTitle(status)
		c = components.StatusPage(p, statusTitle(status), statusAdvice(status))
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := s.render(w, r, status, c); err != nil {
		s.log.ErrorContext(r.Context(), "render error page", "request_id", RequestIDFrom(r.Context()), "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

func statusTitle(status int) string {
	switch status {
	case http.StatusForbidden:
		return "You cannot do that from here"
	case http.StatusRequestEntityTooLarge:
		return "The file is too large"
	case http.StatusBadRequest:
		return "Sorry, that request was not understood"
	case http.StatusMethodNotAllowed:
		return "Page not found"
	case http.StatusTooManyRequests:
		return "Too many requests"
	}
	return http.StatusText(status)
}

func statusAdvice(status int) string {
	switch status {
	case http.StatusForbidden:
		return "The request came from another site or was missing what proves it came from this one. Go back to the page, reload it and try again."
	case http.StatusRequestEntityTooLarge:
		return "What you sent is larger than the portal accepts. Nothing was saved. Go back and choose a smaller file, or split the document."
	case http.StatusBadRequest:
		return "Nothing was changed. Go back and try again."
	case http.StatusTooManyRequests:
		return "Wait a few minutes, then try again."
	}
	return "Go back and try again."
}

// render renders c into a buffer first, so a failing component cannot
// leave half a page behind a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRender {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	var out io.Writer = buf
	if renderTarget != nil {
		out = renderTarget(buf)
	}
	if err := c.Render(r.Context(), out); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// With its length known the page goes out in one piece, not chunked.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderTarget, when set (by the tests only), wraps the buffer a page
// renders into: the tests record which view wrote to it, and fail when a
// view is never rendered.
var renderTarget func(io.Writer) io.Writer

// renderBuffers hold pages while they render, reused: a new 64 KiB buffer
// for every page was a tenth of the garbage a page view made. Most pages
// fit in 64 KiB; one that grew a buffer past maxPooledRender (a long list)
// lets it go.
var renderBuffers = sync.Pool{New: func() any {
	b := new(bytes.Buffer)
	b.Grow(64 << 10)
	return b
}}

const maxPooledRender = 1 << 20

// page starts the layout's view model for r: the user's name and the
// navigation of their role, with the item for the current path marked.
func (s *Server) page(r *http.Request, title string) components.Page {
	u := auth.UserFrom(r.Context())
	p := components.Page{Title: title}
	if u != nil {
		p.UserName = u.Name
	}
	p.Nav = navFor(u, r.URL.Path)
	return p
}
