// Package web is the portal's HTTP side: every route (routes.go), the
// middleware, the error adapter and one file of handlers per resource.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/blob"
	"inspectrack/internal/config"
	"inspectrack/internal/metrics"
	"inspectrack/internal/readcache"
	"inspectrack/internal/store"
)

// Server holds what every handler needs. Handlers are its methods.
type Server struct {
	log      *slog.Logger
	cfg      config.Config
	store    *store.Store
	blobs    blob.Store
	sessions *scs.SessionManager
	pwParams auth.Params
	now      func() time.Time
	sleep    func(context.Context, time.Duration)
	metrics  *metrics.Metrics // nil: recorded nowhere
	cache    *readcache.Cache // what the busiest pages read; see cached

	// sso are the single sign-on providers (oidc.go), made on first use.
	sso     map[string]*ssoProvider
	ssoOnce sync.Once

	mux *chi.Mux
	// rules records the permission every route was declared with, keyed
	// "METHOD /pattern"; a test walks the mux and checks each has one.
	rules map[string]auth.Permission
}

// Options are the optional dependencies of NewServer.
type Options struct {
	// Now is the clock; tests fix it. Default time.Now.
	Now func() time.Time
	// PasswordParams overrides argon2id parameters (tests use cheap ones).
	PasswordParams *auth.Params
	// Blobs stores documents' bytes. Default: in PostgreSQL, beside the rest.
	Blobs blob.Store
	// Sleep waits out a sign-in's slow-down (or until the request ends);
	// tests record the delays instead. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration)
	// Metrics records requests, uploads and sign-ins for Prometheus.
	// Default nil: nothing is recorded.
	Metrics *metrics.Metrics
	// CacheBytes bounds the read cache. Default 64 MiB.
	CacheBytes int64
}

// NewServer builds the portal's handler.
func NewServer(log *slog.Logger, cfg config.Config, st *store.Store, opts Options) *Server {
	s := &Server{
		log:      log,
		cfg:      cfg,
		store:    st,
		pwParams: auth.DefaultParams,
		now:      time.Now,
		sleep:    sleepCtx,
		rules:    map[string]auth.Permission{},
	}
	if opts.Now != nil {
		s.now = opts.Now
	}
	if opts.Sleep != nil {
		s.sleep = opts.Sleep
	}
	if opts.PasswordParams != nil {
		s.pwParams = *opts.PasswordParams
	}
	s.metrics = opts.Metrics
	cacheBytes := opts.CacheBytes
	if cacheBytes <= 0 {
		cacheBytes = defaultCacheBytes
	}
	s.cache = readcache.New(cacheBytes)
	s.blobs = opts.Blobs
	if s.blobs == nil {
		s.blobs = blob.NewPostgres(st.Pool())
	}
	s.sessions = newSessions(cfg, st)
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.serverError(w, r, err)
	}
	s.mux = chi.NewRouter()
	s.routes()
	return s
}

func newSessions(cfg config.Config, st *store.Store) *scs.SessionManager {
	sm := scs.New()
	sm.Store = st.Sessions()
	sm.Codec = store.SessionCodec{}
	// The idle timeout is enforced by loadUser, not scs: scs would rewrite
	// the session row on every request to push its expiry forward.
	sm.IdleTimeout = 0
	sm.Lifetime = cfg.SessionLife
	sm.Cookie.Name = "inspectrack_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false // a browser session cookie; the server enforces the timeouts
	if cfg.SecureCookies {
		// __Host- requires Secure, Path=/ and no Domain: the cookie cannot be
		// set or shadowed by a sibling subdomain.
		sm.Cookie.Name = "__Host-inspectrack_session"
		sm.Cookie.Secure = true
	}
	return sm
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
