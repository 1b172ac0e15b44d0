package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"inspectrack/internal/blob"
	"inspectrack/internal/config"
	"inspectrack/internal/domain"
	"inspectrack/internal/jobs"
	"inspectrack/internal/metrics"
	"inspectrack/internal/web"
)

// shutdownGrace bounds how long in-flight requests may take to finish once
// a stop signal arrives; the whole stop stays within five seconds.
const shutdownGrace = 3 * time.Second

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var noMigrate bool
	cfg, _, err := loadConfig("serve", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&noMigrate, "no-migrate", false, "do not migrate the database before serving")
	})
	if err != nil {
		return err
	}
	// Refuse before starting anything: a portal that cannot extend the
	// audit chain cannot change any data.
	if _, err := auditKeys(cfg); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if getenv("GOGC") == "" {
		// A page view leaves only short-lived garbage over a live heap of
		// a few tens of MiB: collecting when the heap reaches five times
		// it instead of twice cost 15% less CPU per page (make bench).
		debug.SetGCPercent(400)
	}
	e, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer e.close()
	if noMigrate {
		err = e.checkSchema()
	} else {
		err = e.migrateUp()
	}
	if err != nil {
		return err
	}
	if err := e.connect(ctx); err != nil {
		return err
	}

	// Metrics only on an address of their own: the public listener has no
	// /metrics route.
	var m *metrics.Metrics
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		m = metrics.New()
		m.Pool(e.store.Pool())
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s for the metrics: %w", cfg.MetricsAddr, err)
		}
		metricsSrv = &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		fmt.Fprintf(stdout, "inspectrack: metrics on %s/metrics\n", displayURL(mln.Addr()))
		go func() {
			if err := metricsSrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics stopped", "err", err)
			}
		}()
		defer metricsSrv.Close()
	}

	blobs, err := e.blobStore(ctx)
	if err != nil {
		return err
	}
	// The dashboard's kept counts, for the setting and for today, before
	// the first request (pages read them and never write them).
	maintainDashboard(ctx, e, cfg, log)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = displayURL(ln.Addr())
	}
	workers, err := startWorkers(ctx, e, cfg, log, blobs, m)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopWorkers(workers, log)

	srv := web.NewServer(log, cfg, e.store, web.Options{Metrics: m, Blobs: blobs})
	m.ReadCache(func() (hits, misses uint64) {
		st := srv.ReadCache().Stats()
		return uint64(st.Hits), uint64(st.Misses)
	})
	// Short read deadlines (uploads extend theirs as bytes arrive) and a
	// cap on connections: slow clients cannot hold the server.
	httpSrv := web.NewHTTPServer(srv, cfg, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	httpSrv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	ln = web.LimitListener(ln, cfg)
	fmt.Fprintf(stdout, "inspectrack: serving on %s\n", displayURL(ln.Addr()))
	go dashboardKeeper(ctx, e, cfg, log)
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("stopping: finishing in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("in-flight requests cut short", "err", err)
		_ = httpSrv.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

func displayURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(tcp.Port)))
}

// startWorkers starts the job queue's workers: messages go out through
// INSPECTRACK_SMTP_URL, or into the admin mailbox when it is not set; with
// documents in object storage, the bucket is swept of objects no row names.
func startWorkers(ctx context.Context, e *env, cfg config.Config, log *slog.Logger, blobs blob.Store, m *metrics.Metrics) (*jobs.Client, error) {
	o := jobs.Options{BaseURL: cfg.BaseURL, AssessDays: cfg.AssessDays}
	if s3, ok := blobs.(*blob.S3); ok {
		o.Sweeper, o.Swept = s3, m.OrphansDeleted
	}
	if cfg.SMTPURL != "" {
		smtp, err := jobs.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, err
		}
		o.Sender = smtp
	} else {
		log.Info("no INSPECTRACK_SMTP_URL: messages are kept in the admin mailbox (/admin/mailbox), not sent")
	}
	return jobs.Start(context.WithoutCancel(ctx), e.pool, e.store, log, o)
}

// stopWorkers lets running jobs finish within the shutdown grace.
func stopWorkers(c *jobs.Client, log *slog.Logger) {
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := c.Stop(sctx); err != nil {
		log.Warn("jobs cut short", "err", err)
	}
}

// cmdWorker runs the job queue's workers without the web server, for
// deployments that keep them apart; it never migrates.
func cmdWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig("worker", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if _, err := auditKeys(cfg); err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		return usagef("worker: set INSPECTRACK_BASE_URL (the portal's address, for links in messages)")
	}
	log := newLogger(cfg, stderr)
	e, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.checkSchema(); err != nil {
		return err
	}
	if err := e.connect(ctx); err != nil {
		return err
	}
	// The worker sweeps the bucket as serve does: whichever instance is
	// the queue's leader schedules the sweep.
	blobs, err := e.blobStore(ctx)
	if err != nil {
		return err
	}
	w, err := startWorkers(ctx, e, cfg, log, blobs, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "inspectrack: working jobs")
	<-ctx.Done()
	stopWorkers(w, log)
	log.Info("stopped")
	return nil
}

// dashboardKeeper keeps the dashboard's counts counting today: every
// minute it runs MaintainDashboard, which does nothing until the day
// changes (or the setting of days allowed for an assessment). A ticker of
// this process's own for now; any number of instances may run it (the
// database serialises the rebuild and skips it once done).
func dashboardKeeper(ctx context.Context, e *env, cfg config.Config, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			maintainDashboard(ctx, e, cfg, log)
		}
	}
}

// maintainDashboard runs MaintainDashboard for today; a failure is logged
// (until it succeeds the dashboard counts the items itself, more slowly).
func maintainDashboard(ctx context.Context, e *env, cfg config.Config, log *slog.Logger) {
	if err := e.store.MaintainDashboard(ctx, domain.Today(time.Now()), cfg.AssessDays); err != nil && ctx.Err() == nil {
		log.Warn("dashboard counts", "err", err)
	}
}
