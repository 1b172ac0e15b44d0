package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Report is an inspection publication: national, or about one force.
type Report struct {
	ID          int64
	Title       string
	Kind        string // "national" or "force"
	ForceID     int64  // force reports only
	ForceCode   string
	ForceName   string
	PublishedOn time.Time
	URL         string
	Summary     string
	CreatedAt   time.Time

	Findings int // how many findings it has
	Cases    int // how many cases its recommendations have
}

// The kinds of report, as stored in reports.kind.
const (
	ReportNational = "national"
	ReportForce    = "force"
)

const reportColumns = `r.id, r.title, r.kind, COALESCE(r.force_id, 0), COALESCE(f.code, ''), COALESCE(f.name, ''),
	r.published_on, r.url, r.summary, r.created_at,
	(SELECT count(*) FROM findings fi WHERE fi.report_id = r.id),
	(SELECT count(*) FROM cases c JOIN findings fi ON fi.id = c.finding_id WHERE fi.report_id = r.id)`

const reportFrom = ` FROM reports r LEFT JOIN forces f ON f.id = r.force_id `

func scanReport(row pgx.Row) (Report, error) {
	var r Report
	err := row.Scan(&r.ID, &r.Title, &r.Kind, &r.ForceID, &r.ForceCode, &r.ForceName,
		&r.PublishedOn, &r.URL, &r.Summary, &r.CreatedAt, &r.Findings, &r.Cases)
	return r, err
}

// ListReports returns every report, newest publication first.
func (s *Store) ListReports(ctx context.Context) ([]Report, error) {
	const q = `SELECT ` + reportColumns + reportFrom + `ORDER BY r.published_on DESC, r.title`
	rows, err := s.db().Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: list reports: %w", err)
	}
	reports, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Report, error) { return scanReport(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list reports: %w", err)
	}
	return reports, nil
}

// Report returns the report id.
func (s *Store) Report(ctx context.Context, id int64) (Report, error) {
	const q = `SELECT ` + reportColumns + reportFrom + `WHERE r.id = $1`
	r, err := scanReport(s.db().QueryRow(ctx, q, id))
	if err != nil {
		return r, notFound(err, "store: report %d", id)
	}
	return r, nil
}

// ReportByTitle returns the report with title published on the date, the
// pair that identifies a publication.
func (s *Store) ReportByTitle(ctx context.Context, title string, published time.Time) (Report, error) {
	const q = `SELECT ` + reportColumns + reportFrom + `WHERE r.title = $1 AND r.published_on = $2`
	r, err := scanReport(s.db().QueryRow(ctx, q, title, published))
	if err != nil {
		return r, notFound(err, "store: report %q", title)
	}
	return r, nil
}

// NewReport is what adding a report needs.
type NewReport struct {
	Title       string
	Kind        string
	ForceCode   string // force reports only
	PublishedOn time.Time
	URL         string
	Summary     string
}

// ErrReportExists is returned when a report with the same title and
// publication date exists.
var ErrReportExists = fmt.Errorf("store: report already recorded: %w", ErrConflict)

// CreateReport adds a report and audits it.
func (s *Store) CreateReport(ctx context.Context, a Actor, n NewReport) (int64, error) {
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		forceID, err := forceIDByCode(ctx, tx, n.ForceCode)
		if err != nil {
			return err
		}
		const q = `INSERT INTO reports (title, kind, force_id, published_on, url, summary, created_by)
			VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, NULLIF($7, 0)) RETURNING id`
		if err := tx.QueryRow(ctx, q, strings.TrimSpace(n.Title), n.Kind, forceID, n.PublishedOn,
			strings.TrimSpace(n.URL), strings.TrimSpace(n.Summary), a.UserID).Scan(&id); err != nil {
			if isUniqueViolation(err, "reports_title_published_on_key") {
				return ErrReportExists
			}
			return fmt.Errorf("store: create report %q: %w", n.Title, err)
		}
		return Audit(ctx, tx, a.Event("report.create", "report", id, forceID,
			fmt.Sprintf("%s (%s, published %s)", n.Title, n.Kind, n.PublishedOn.Format("2006-01-02"))))
	})
	return id, err
}
