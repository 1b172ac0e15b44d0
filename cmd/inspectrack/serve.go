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

	"inspectrack/internal/store"
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

	srv := web.NewServer(log, cfg, e.store, web.Options{})
	// Short read deadlines (uploads extend theirs as bytes arrive) and a
	// cap on connections: slow clients cannot hold the server.
	httpSrv := web.NewHTTPServer(srv, cfg, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	httpSrv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	ln = web.LimitListener(ln, cfg)
	fmt.Fprintf(stdout, "inspectrack: serving on %s\n", displayURL(ln.Addr()))
	go housekeeping(ctx, e, log)
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

// housekeeping removes expired sessions and old failed sign-ins every ten
// minutes until ctx ends. Any number of instances may run it: the DELETEs
// are idempotent.
func housekeeping(ctx context.Context, e *env, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := e.store.Sessions().DeleteExpired(ctx); err != nil {
				log.Warn("housekeeping", "err", err)
			} else if n > 0 {
				log.Debug("expired sessions removed", "count", n)
			}
			if n, err := e.store.DeleteLoginFailuresBefore(ctx, time.Now().Add(-store.LoginFailureRetention)); err != nil {
				log.Warn("housekeeping", "err", err)
			} else if n > 0 {
				log.Debug("old failed sign-ins removed", "count", n)
			}
		}
	}
}
