package web

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	clientAddrKey
)

// requestID gives every request an id, returned in X-Request-Id and
// written on every log line, so a user's "reference" finds the log. An id
// the request brings (from a proxy or load balancer in front) is kept, so
// its logs and ours join up, when it is safe to log: at most
// maxRequestID letters, digits, '-', '_', '.' or ':'.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = auth.RandomToken(9)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// maxRequestID bounds an incoming request id.
const maxRequestID = 64

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// RequestIDFrom returns the request's id.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// clientAddr decides the client's address once: the TCP peer, unless the
// peer is a configured trusted proxy, in which case the right-most
// X-Forwarded-For entry that is not itself a trusted proxy.
func (s *Server) clientAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := peerAddr(r.RemoteAddr)
		if s.trusted(addr) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					break
				}
				addr = hop.Unmap()
				if !s.trusted(addr) {
					break
				}
			}
		}
		ctx := context.WithValue(r.Context(), clientAddrKey, addr.String())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}

// ClientAddrFrom returns the client address decided by clientAddr.
func ClientAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey).(string)
	return a
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one line per request, and counts it (by the route's
// pattern) for the metrics.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		took := time.Since(start)
		if s.metrics != nil {
			s.metrics.Request(matchedRoute(r), r.Method, sw.status, took)
		}
		s.log.LogAttrs(r.Context(), levelFor(sw.status), "request",
			slog.String("request_id", RequestIDFrom(r.Context())),
			slog.String("method", r.Method), slog.String("path", loggedPath(r)),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", took), slog.String("client", ClientAddrFrom(r.Context())))
	})
}

// matchedRoute is the pattern of the route that answered r ("/cases/{id}"),
// or "" when none matched.
func matchedRoute(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}

// recoverPanics turns a panic into the 500 page and a logged stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders go on every response: pages, errors and static files.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// noStore keeps pages behind sign-in out of every cache.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses unsafe requests from other origins (Go's
// CrossOriginProtection: Sec-Fetch-Site, then Origin against Host), with
// the design-system 403 page and an audit event.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request refused",
			"request_id", RequestIDFrom(r.Context()), "origin", r.Header.Get("Origin"),
			"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "path", loggedPath(r))
		s.renderStatus(w, r, http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// readSessionUser has the session store read the session's user with the
// session, for loadUser.
func readSessionUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(store.WithSessionUser(r.Context())))
	})
}

// loadUser puts the signed-in user in the context. A session idle for
// longer than the idle timeout ends here (the absolute lifetime is the
// session's expiry in scs); so does one whose user is disabled, or whose
// epoch is older than the user's (role, force or password changed): it is
// destroyed and the request goes on signed out. The user is the one the
// session store read with the session (readSessionUser), else read here.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := s.sessions.GetInt64(ctx, sessionUserID)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		now := s.now().Unix()
		seen := s.sessions.GetInt64(ctx, sessionSeen)
		if now-seen > int64(s.cfg.IdleTimeout.Seconds()) {
			if err := s.sessions.Destroy(ctx); err != nil {
				s.serverError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		u, ok := store.SessionUserFrom(ctx)
		var err error
		if !ok || u.ID != id {
			u, err = s.store.UserByID(ctx, id)
		}
		switch {
		case err == nil && u.DisabledAt == nil && u.SessionEpoch == s.sessions.GetInt(ctx, sessionEpoch):
			if now-seen >= seenResolution {
				s.sessions.Put(ctx, sessionSeen, now)
			}
			next.ServeHTTP(w, r.WithContext(auth.WithUser(ctx, toAuthUser(u))))
			return
		case err != nil && !isNotFound(err):
			s.serverError(w, r, err)
			return
		}
		if err := s.sessions.Destroy(ctx); err != nil {
			s.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func toAuthUser(u store.User) *auth.User {
	return &auth.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: auth.Role(u.Role),
		ForceID: u.ForceID, ForceCode: u.ForceCode, ForceName: u.ForceName}
}

// actor describes who is acting, for audit events.
func actor(r *http.Request) store.Actor {
	a := store.Actor{RequestID: RequestIDFrom(r.Context()), ClientAddr: ClientAddrFrom(r.Context())}
	if u := auth.UserFrom(r.Context()); u != nil {
		a.UserID, a.Email, a.Role, a.ForceID = u.ID, u.Email, string(u.Role), u.ForceID
	}
	return a
}

// scope is the store scope of the signed-in user.
func scope(r *http.Request) store.Scope {
	return store.Scope{ForceID: auth.UserFrom(r.Context()).ForceScope()}
}

// levelFor is the access log's level for status: every request at info,
// a server error at error.
func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
