// Package jobs runs the portal's background work on River, in the same
// PostgreSQL: delivering messages (enqueued by the store in the
// transaction of the change they follow) over SMTP, or into the admin
// mailbox when no mail server is configured. `serve` runs the workers
// beside the web server; `inspectrack worker` runs them alone.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"inspectrack/internal/blob"
	"inspectrack/internal/store"
)

// Options configure the workers.
type Options struct {
	// Sender delivers messages; nil keeps them in the admin mailbox.
	Sender store.Sender
	// BaseURL is the portal's address for links in messages.
	BaseURL string
	// Workers is how many messages are delivered at once (default 10).
	Workers int
	// RetryPolicy overrides River's backoff (tests use a short one).
	RetryPolicy river.ClientRetryPolicy
	// AssessDays is INSPECTRACK_ASSESS_DAYS, for the weekly digest's counts.
	AssessDays int
	// FetchPoll overrides how often a worker looks for jobs when it was
	// not notified (tests use a short one); default River's 1 s.
	FetchPoll time.Duration
	// Sweeper, when documents are kept in object storage, is swept of
	// the objects no row names every SweepEvery (blob.S3.Sweep).
	Sweeper *blob.S3
	// SweepGrace is the age under which an unnamed object is kept
	// (default blob.SweepGrace; tests use a short one).
	SweepGrace time.Duration
	// Swept, if not nil, is told how many objects (bytes in all) each
	// sweep deleted: the metrics.
	Swept func(deleted int, bytes int64)
}

// Client is a started River client working the portal's jobs.
type Client struct {
	river *river.Client[pgx.Tx]
}

// Start starts the workers on pool until Stop.
func Start(ctx context.Context, pool *pgxpool.Pool, st *store.Store, log *slog.Logger, o Options) (*Client, error) {
	if o.Workers <= 0 {
		o.Workers = 10
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &messageWorker{st: st, log: log, sender: o.Sender, base: o.BaseURL}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &remindersWorker{st: st, log: log, now: time.Now, assessDays: o.AssessDays}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &cleanupWorker{st: st, log: log, now: time.Now}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if o.SweepGrace <= 0 {
		o.SweepGrace = blob.SweepGrace
	}
	// Registered on every instance, so that one without object storage
	// (configured unlike the others) finishes a sweep job it fetches
	// rather than retrying it as unknown.
	if err := river.AddWorkerSafely(workers, &sweepWorker{s3: o.Sweeper, log: log, grace: o.SweepGrace, swept: o.Swept}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	cfg := &river.Config{
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:     workers,
		Logger:      slog.New(atLeast{slog.LevelWarn, log.Handler()}).With("component", "jobs"),
		RetryPolicy: o.RetryPolicy,
		MaxAttempts: store.MessageMaxAttempts,
		// Periodic jobs run on the elected leader alone: once across any
		// number of instances. Reminders look every hour (from 07:00 London,
		// each day's once: see store.SendReminders).
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return RemindersArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "reminders"}),
			river.NewPeriodicJob(river.PeriodicInterval(CleanupEvery),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "cleanup"}),
		},
	}
	if o.Sweeper != nil {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "blob_sweep"}))
	}
	if o.FetchPoll > 0 {
		cfg.FetchPollInterval = o.FetchPoll
		cfg.FetchCooldown = min(o.FetchPoll, 100*time.Millisecond)
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	return &Client{river: c}, nil
}

// Stop stops fetching jobs and waits for those running, until ctx ends.
func (c *Client) Stop(ctx context.Context) error {
	return c.river.Stop(ctx)
}

// messageWorker delivers one outbound message.
type messageWorker struct {
	river.WorkerDefaults[store.MessageArgs]
	st     *store.Store
	log    *slog.Logger
	sender store.Sender
	base   string
}

// Timeout bounds one delivery: within the database's idle-in-transaction
// limit (60 s), since the message's row stays locked while it is sent.
func (w *messageWorker) Timeout(*river.Job[store.MessageArgs]) time.Duration { return 45 * time.Second }

func (w *messageWorker) Work(ctx context.Context, job *river.Job[store.MessageArgs]) error {
	d, err := w.st.DeliverMessage(ctx, job.Args.MessageID, job.Attempt, job.MaxAttempts, w.base, w.sender)
	if err != nil {
		return err
	}
	if d.Err != nil {
		w.log.Warn("message not delivered", "message", job.Args.MessageID, "attempt", job.Attempt, "status", d.Status, "err", d.Err)
		if d.Status == "failed" {
			// Kept as failed for an admin to retry; River need not keep trying.
			return river.JobCancel(d.Err)
		}
		return d.Err
	}
	return nil
}

// QuickRetry retries after a fixed short delay: for tests.
type QuickRetry struct{ Delay time.Duration }

// NextRetry is the time of the next attempt.
func (q QuickRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(q.Delay) }

// RemindersArgs is the periodic job that sends the day's plan reminders
// and chasers (store.SendReminders) and, on Mondays, the managers' weekly
// digest (store.SendDigest); each sends once per occasion.
type RemindersArgs struct{}

// Kind is the River job kind.
func (RemindersArgs) Kind() string { return "reminders" }

type remindersWorker struct {
	river.WorkerDefaults[RemindersArgs]
	st         *store.Store
	log        *slog.Logger
	now        func() time.Time
	assessDays int
}

func (w *remindersWorker) Work(ctx context.Context, _ *river.Job[RemindersArgs]) error {
	now := w.now()
	n, err := w.st.SendReminders(ctx, now)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("plan reminders enqueued", "count", n)
	}
	if w.assessDays > 0 {
		if n, err = w.st.SendDigest(ctx, now, w.assessDays); err != nil {
			return err
		}
		if n > 0 {
			w.log.Info("weekly digests enqueued", "count", n)
		}
	}
	return nil
}

// CleanupEvery is how often expired sessions and old failed sign-ins are
// deleted.
const CleanupEvery = 10 * time.Minute

// CleanupArgs is the periodic job that deletes expired sessions and failed
// sign-ins older than store.LoginFailureRetention: once across any number
// of instances, like the reminders.
type CleanupArgs struct{}

// Kind is the River job kind.
func (CleanupArgs) Kind() string { return "cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	n, err := w.st.Sessions().DeleteExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Debug("expired sessions removed", "count", n)
	}
	if n, err = w.st.DeleteLoginFailuresBefore(ctx, w.now().Add(-store.LoginFailureRetention)); err != nil {
		return err
	}
	if n > 0 {
		w.log.Debug("old failed sign-ins removed", "count", n)
	}
	return nil
}

// SweepEvery is how often the bucket is swept of the objects no row
// names: with the grace of a day, an orphan is gone within 30 hours.
const SweepEvery = 6 * time.Hour

// SweepArgs is the periodic job that deletes the objects of the bucket
// no row names, once older than the grace (blob.S3.Sweep): once across
// any number of instances, like the reminders, and only where documents
// are kept in object storage.
type SweepArgs struct{}

// Kind is the River job kind.
func (SweepArgs) Kind() string { return "blob_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s3    *blob.S3
	log   *slog.Logger
	grace time.Duration
	swept func(int, int64)
}

// Timeout allows a listing of millions of objects (a thousand a request).
func (w *sweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return time.Hour }

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if w.s3 == nil {
		w.log.Warn("blob sweep: this instance has no INSPECTRACK_BLOB_URL; the instances' settings differ")
		return river.JobCancel(errors.New("blob sweep: no object storage configured on this instance"))
	}
	res, err := w.s3.Sweep(ctx, blob.SweepOptions{Grace: w.grace, Deleted: func(o blob.Orphan) {
		w.log.Info("orphan object deleted", "object", "s3://"+w.s3.Bucket()+"/"+o.Key, "bytes", o.Size, "modified", o.Modified)
	}})
	if w.swept != nil && res.Deleted > 0 {
		// Counted even when the sweep stopped part way: those are gone.
		w.swept(res.Deleted, res.Bytes)
	}
	if err != nil {
		return err
	}
	if res.Deleted > 0 || res.Foreign > 0 {
		w.log.Info("blob sweep", "url", w.s3.URL(), "objects", res.Objects, "deleted", res.Deleted, "bytes", res.Bytes,
			"young", res.Young, "foreign", res.Foreign)
	}
	return nil
}

// atLeast passes on records of level min or above only: River reports its
// routine work (job counts every few seconds) at info.
type atLeast struct {
	min slog.Level
	h   slog.Handler
}

func (a atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= a.min && a.h.Enabled(ctx, l)
}
func (a atLeast) Handle(ctx context.Context, r slog.Record) error { return a.h.Handle(ctx, r) }
func (a atLeast) WithAttrs(attrs []slog.Attr) slog.Handler {
	return atLeast{a.min, a.h.WithAttrs(attrs)}
}
func (a atLeast) WithGroup(name string) slog.Handler { return atLeast{a.min, a.h.WithGroup(name)} }
