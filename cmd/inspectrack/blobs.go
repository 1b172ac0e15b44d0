package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"inspectrack/internal/blob"
	"inspectrack/internal/config"
	"inspectrack/internal/store"
)

// s3Config is the object store of the URL u (s3://bucket/prefix), reached
// with the endpoint and keys of cfg.
func s3Config(cfg config.Config, u string) (blob.S3Config, error) {
	bucket, prefix, err := blob.ParseS3URL(u)
	if err != nil {
		return blob.S3Config{}, err
	}
	return blob.S3Config{Bucket: bucket, Prefix: prefix, Endpoint: cfg.S3.Endpoint, Region: cfg.S3.Region,
		AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey, SessionToken: cfg.S3.SessionToken}, nil
}

// blobStore is where the portal keeps documents: PostgreSQL, unless
// INSPECTRACK_BLOB_URL names a bucket (checked to exist).
func (e *env) blobStore(ctx context.Context) (blob.Store, error) {
	if e.cfg.BlobURL == "" {
		return blob.NewPostgres(e.pool), nil
	}
	sc, err := s3Config(e.cfg, e.cfg.BlobURL)
	if err != nil {
		return nil, err
	}
	s, err := blob.NewS3(ctx, e.pool, sc)
	if err != nil {
		return nil, err
	}
	e.log.Info("documents are kept in object storage", "url", s.URL())
	return s, nil
}

func cmdBlobs(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var to string
	var dryRun bool
	var grace time.Duration
	cfg, fs, err := loadConfig("blobs", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "with copy: the bucket to copy documents to, s3://bucket/prefix (default: INSPECTRACK_BLOB_URL)")
		fs.BoolVar(&dryRun, "dry-run", false, "with sweep: print what would be deleted, delete nothing")
		fs.DurationVar(&grace, "grace", blob.SweepGrace, "with sweep: keep objects younger than this whether or not a row names them")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 1 && fs.Arg(0) == "sweep" {
		if to != "" {
			return usagef("blobs sweep: sweeps INSPECTRACK_BLOB_URL; --to goes with copy")
		}
		return blobsSweep(ctx, cfg, blob.SweepOptions{Grace: grace, DryRun: dryRun}, stdout, stderr)
	}
	if fs.NArg() != 1 || fs.Arg(0) != "copy" {
		return usagef("blobs: want `blobs copy --to s3://bucket/prefix` or `blobs sweep [--dry-run]`")
	}
	if dryRun || grace != blob.SweepGrace {
		return usagef("blobs copy: --dry-run and --grace go with sweep")
	}
	if to == "" {
		to = cfg.BlobURL
	}
	if to == "" {
		return usagef("blobs copy: --to s3://bucket/prefix (or INSPECTRACK_BLOB_URL) names the bucket")
	}
	sc, err := s3Config(cfg, to)
	if err != nil {
		return usageError{err}
	}
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.migrateUp(); err != nil {
		return err
	}
	if err := e.connect(ctx); err != nil {
		return err
	}
	s, err := blob.NewS3(ctx, e.pool, sc)
	if err != nil {
		return err
	}
	res, err := s.CopyFromPostgres(ctx, func(id, size int64) {
		e.log.Debug("document copied", "blob", id, "bytes", size)
	})
	summary := fmt.Sprintf("%d documents (%d bytes) copied from PostgreSQL to %s, each read back and its SHA-256 checked; read from there from now on", res.Copied, res.Bytes, s.URL())
	if res.Copied > 0 {
		// Where documents are read from is recorded in the trail, even
		// when the run stopped part way.
		system := store.Actor{Email: "cli", RequestID: "cli-blobs-copy"}
		if aerr := e.store.AuditOne(context.WithoutCancel(ctx), system.Event("blobs.copy", "", "", 0, summary)); aerr != nil && err == nil {
			err = aerr
		}
	}
	fmt.Fprintf(stdout, "%d documents (%d bytes) copied to %s and verified; %d were there already\n", res.Copied, res.Bytes, s.URL(), res.Before)
	if err != nil {
		return fmt.Errorf("blobs copy: stopped: %w (run it again to go on)", err)
	}
	return nil
}

// blobsSweep deletes the objects under INSPECTRACK_BLOB_URL that no row
// names and that are older than o.Grace (the periodic job's work, run
// now), printing each.
func blobsSweep(ctx context.Context, cfg config.Config, o blob.SweepOptions, stdout, stderr io.Writer) error {
	if cfg.BlobURL == "" {
		return usagef("blobs sweep: INSPECTRACK_BLOB_URL names the bucket to sweep")
	}
	if o.Grace <= 0 {
		return usagef("blobs sweep: --grace %v: want a positive duration (default %v)", o.Grace, blob.SweepGrace)
	}
	sc, err := s3Config(cfg, cfg.BlobURL)
	if err != nil {
		return usageError{err}
	}
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
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
	s, err := blob.NewS3(ctx, e.pool, sc)
	if err != nil {
		return err
	}
	verb := "deleted"
	if o.DryRun {
		verb = "would delete"
	}
	o.Deleted = func(orphan blob.Orphan) {
		fmt.Fprintf(stdout, "%s s3://%s/%s (%d bytes, uploaded %s): no row names it\n", verb, s.Bucket(), orphan.Key, orphan.Size, orphan.Modified.UTC().Format(time.RFC3339))
	}
	res, err := s.Sweep(ctx, o)
	if res.Deleted > 0 && !o.DryRun {
		summary := fmt.Sprintf("%d objects (%d bytes) named by no row and older than %v deleted from %s", res.Deleted, res.Bytes, o.Grace, s.URL())
		system := store.Actor{Email: "cli", RequestID: "cli-blobs-sweep"}
		if aerr := e.store.AuditOne(context.WithoutCancel(ctx), system.Event("blobs.sweep", "", "", 0, summary)); aerr != nil && err == nil {
			err = aerr
		}
	}
	if o.DryRun {
		fmt.Fprintf(stdout, "%d orphan objects (%d bytes) would be deleted from %s; dry run: nothing deleted\n", res.Deleted, res.Bytes, s.URL())
	} else {
		fmt.Fprintf(stdout, "%d orphan objects (%d bytes) deleted from %s\n", res.Deleted, res.Bytes, s.URL())
	}
	fmt.Fprintf(stdout, "%d objects listed; kept: %d named by no row but younger than %v, %d with ids this database never gave out\n",
		res.Objects, res.Young, o.Grace, res.Foreign)
	if err != nil {
		return fmt.Errorf("blobs sweep: %w", err)
	}
	return nil
}
