package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// Force is an inspected body: a police force (or, later, a fire and rescue
// service).
type Force struct {
	ID                  int64
	Code                string
	Name                string
	Kind                string
	Region              string
	ChiefOfficerTitle   string
	ChiefOfficerName    string
	ChiefOfficerHonours string
	OversightBody       string
	OversightHolderName string
	LiaisonContacts     string
	UpdatedAt           time.Time
}

const forceColumns = `id, code, name, kind, region, chief_officer_title, chief_officer_name,
	chief_officer_honours, oversight_body, oversight_holder_name, liaison_contacts, updated_at`

// forceDest is where a row of forceColumns (or forceColumnsF) scans to.
func forceDest(f *Force) []any {
	return []any{&f.ID, &f.Code, &f.Name, &f.Kind, &f.Region, &f.ChiefOfficerTitle, &f.ChiefOfficerName,
		&f.ChiefOfficerHonours, &f.OversightBody, &f.OversightHolderName, &f.LiaisonContacts, &f.UpdatedAt}
}

func scanForce(r pgx.Row) (Force, error) {
	var f Force
	err := r.Scan(forceDest(&f)...)
	return f, err
}

// ListForces returns the forces in sc, by name.
func (s *Store) ListForces(ctx context.Context, sc Scope) ([]Force, error) {
	const q = `SELECT ` + forceColumns + ` FROM forces
		WHERE ($1::bigint IS NULL OR id = $1)
		ORDER BY name`
	rows, err := s.db().Query(ctx, q, sc.ForceArg())
	if err != nil {
		return nil, fmt.Errorf("store: list forces: %w", err)
	}
	forces, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Force, error) { return scanForce(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list forces: %w", err)
	}
	return forces, nil
}

// ForceByCode returns one force in sc.
func (s *Store) ForceByCode(ctx context.Context, sc Scope, code string) (Force, error) {
	const q = `SELECT ` + forceColumns + ` FROM forces
		WHERE code = $1 AND ($2::bigint IS NULL OR id = $2)`
	f, err := scanForce(s.db().QueryRow(ctx, q, code, sc.ForceArg()))
	if err != nil {
		return f, notFound(err, "store: force %q", code)
	}
	return f, nil
}

// ForceSeed is a force as listed in the fixture of the 43 forces.
type ForceSeed struct {
	Code, Name, Kind, Region, ChiefOfficerTitle, OversightBody string
}

// UpsertForces inserts the forces that do not exist yet and refreshes the
// listed fields of those that differ, leaving what inspectors filled in
// alone, audited as one event when anything changed. It returns how many
// forces were new and how many changed.
func (s *Store) UpsertForces(ctx context.Context, a Actor, forces []ForceSeed) (added, changed int, err error) {
	const q = `
		INSERT INTO forces (code, name, kind, region, chief_officer_title, oversight_body)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (code) DO UPDATE SET
			name = EXCLUDED.name, kind = EXCLUDED.kind, region = EXCLUDED.region,
			chief_officer_title = EXCLUDED.chief_officer_title, oversight_body = EXCLUDED.oversight_body
		WHERE (forces.name, forces.kind, forces.region, forces.chief_officer_title, forces.oversight_body)
			IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.region, EXCLUDED.chief_officer_title, EXCLUDED.oversight_body)
		RETURNING (xmax = 0) AS inserted`
	err = s.Tx(ctx, func(tx pgx.Tx) error {
		added, changed = 0, 0
		for _, f := range forces {
			var inserted bool
			err := tx.QueryRow(ctx, q, f.Code, f.Name, f.Kind, f.Region, f.ChiefOfficerTitle, f.OversightBody).Scan(&inserted)
			switch {
			case errors.Is(err, pgx.ErrNoRows): // as it was
			case err != nil:
				return fmt.Errorf("store: upsert force %q: %w", f.Code, err)
			case inserted:
				added++
			default:
				changed++
			}
		}
		if added+changed == 0 {
			return nil
		}
		return Audit(ctx, tx, a.Event("forces.upsert", "force", "", 0, fmt.Sprintf("%d forces added, %d changed", added, changed)))
	})
	return added, changed, err
}

// ForceSummary is a force with its open cases as of a day. What is overdue
// is counted by the dashboard's rules (Dashboard), as on every page.
type ForceSummary struct {
	Force
	Open int // cases not closed
}

// ListForceSummaries returns the forces in sc (in one region when region is
// not ""), by name, each with its open cases as of asOf, the stages
// reckoned by stageSQL.
func (s *Store) ListForceSummaries(ctx context.Context, sc Scope, region string, asOf time.Time) ([]ForceSummary, error) {
	asOf = domain.Date(asOf.Date())
	// A case is open on @asof unless closed on or before it (stageSQL):
	// the cases kept in case_counts, less those closed, plus those closed
	// only after @asof (none, for today), read off cases_closed_on_idx.
	const q = `SELECT ` + forceColumnsF + `,
			COALESCE(k.cases - k.closed, 0) + (SELECT count(*) FROM cases c
				WHERE c.force_id = f.id AND c.closed_on > @asof)
		FROM forces f LEFT JOIN case_counts k ON k.force_id = f.id
		WHERE (@force::bigint IS NULL OR f.id = @force) AND (@region::text = '' OR f.region = @region)
		ORDER BY f.name`
	rows, err := s.db().Query(ctx, q, pgx.NamedArgs{"force": sc.ForceArg(), "region": region,
		"asof": asOf})
	if err != nil {
		return nil, fmt.Errorf("store: force summaries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ForceSummary, error) {
		var fs ForceSummary
		err := r.Scan(append(forceDest(&fs.Force), &fs.Open)...)
		return fs, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: force summaries: %w", err)
	}
	return out, nil
}

// ForcePage is what a force's page shows of its cases.
type ForcePage struct {
	Force Force
	Cases int    // every case of the force
	Open  int    // cases not closed on the day asked for
	List  []Case // the page asked for, newest first
}

// ForcePage returns the force with code in sc, how many cases it has and
// how many are open as of asOf, and the page (from 1) of its cases, newest
// first, perPage at a time: in one round trip, and without reading every
// case of the force whole (counted on the index of its cases, the page
// read off that index).
func (s *Store) ForcePage(ctx context.Context, sc Scope, code string, asOf time.Time, page, perPage int) (ForcePage, error) {
	asOf = domain.Date(asOf.Date())
	var fp ForcePage
	var b Batch
	const force = `SELECT ` + forceColumns + ` FROM forces WHERE code = $1 AND ($2::bigint IS NULL OR id = $2)`
	b.queryRow(fmt.Sprintf("force %q", code), func(r pgx.Row) error { return r.Scan(forceDest(&fp.Force)...) },
		force, code, sc.ForceArg())
	// Kept in case_counts (see ListForceSummaries).
	const counts = `SELECT COALESCE(k.cases, 0), COALESCE(k.cases - k.closed, 0) + (SELECT count(*) FROM cases c
			WHERE c.force_id = f.id AND c.closed_on > $3)
		FROM forces f LEFT JOIN case_counts k ON k.force_id = f.id
		WHERE f.code = $1 AND ($2::bigint IS NULL OR f.id = $2)`
	b.queryRow(fmt.Sprintf("case counts of force %q", code), func(r pgx.Row) error { return r.Scan(&fp.Cases, &fp.Open) },
		counts, code, sc.ForceArg(), asOf)
	// LIMIT and OFFSET as numbers: the plan reads the page off the index
	// on (force_id, id) backwards and stops there.
	list := `WITH page AS (SELECT c.id FROM cases c
			WHERE c.force_id = (SELECT id FROM forces WHERE code = $1 AND ($2::bigint IS NULL OR id = $2))
			ORDER BY c.id DESC LIMIT ` + strconv.Itoa(perPage) + ` OFFSET ` + strconv.Itoa((max(page, 1)-1)*perPage) + `)
		SELECT ` + caseColumns + caseFrom + ` WHERE c.id IN (SELECT id FROM page) ORDER BY c.id DESC`
	queryRows(&b, fmt.Sprintf("cases of force %q", code), &fp.List, func(r pgx.Row) (Case, error) {
		var c Case
		return c, r.Scan(caseDest(&c)...)
	}, list, code, sc.ForceArg())
	if err := s.Send(ctx, &b); err != nil {
		return fp, err
	}
	if fp.Force.ID == 0 {
		return fp, fmt.Errorf("store: force %q: %w", code, ErrNotFound)
	}
	return fp, nil
}

// forceColumnsF is forceColumns qualified by the alias f.
const forceColumnsF = `f.id, f.code, f.name, f.kind, f.region, f.chief_officer_title, f.chief_officer_name,
	f.chief_officer_honours, f.oversight_body, f.oversight_holder_name, f.liaison_contacts, f.updated_at`

// Regions returns the regions forces belong to, in order.
func (s *Store) Regions(ctx context.Context) ([]string, error) {
	rows, err := s.db().Query(ctx, `SELECT DISTINCT region FROM forces ORDER BY region`)
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	return out, nil
}

// ForceDetails are the fields of a force an inspector fills in; the rest
// come from the list of forces.
type ForceDetails struct {
	ChiefOfficerName    string
	ChiefOfficerHonours string
	OversightHolderName string
	LiaisonContacts     string
}

// UpdateForceDetails sets the filled-in fields of the force with code and
// audits what changed.
func (s *Store) UpdateForceDetails(ctx context.Context, a Actor, code string, d ForceDetails) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `WITH old AS (SELECT id, chief_officer_name, chief_officer_honours, oversight_holder_name, liaison_contacts
				FROM forces WHERE code = $1 FOR UPDATE)
			UPDATE forces f SET chief_officer_name = $2, chief_officer_honours = $3, oversight_holder_name = $4,
				liaison_contacts = $5, updated_at = now()
			FROM old WHERE f.id = old.id
			RETURNING f.id, old.chief_officer_name, old.chief_officer_honours, old.oversight_holder_name, old.liaison_contacts`
		var id int64
		var before ForceDetails
		err := tx.QueryRow(ctx, q, code, strings.TrimSpace(d.ChiefOfficerName), strings.TrimSpace(d.ChiefOfficerHonours),
			strings.TrimSpace(d.OversightHolderName), strings.TrimSpace(d.LiaisonContacts)).
			Scan(&id, &before.ChiefOfficerName, &before.ChiefOfficerHonours, &before.OversightHolderName, &before.LiaisonContacts)
		if err != nil {
			return notFound(err, "store: update force %q", code)
		}
		var changes []string
		for _, ch := range []struct{ name, old, new string }{
			{"chief officer", before.ChiefOfficerName, d.ChiefOfficerName},
			{"honours", before.ChiefOfficerHonours, d.ChiefOfficerHonours},
			{"oversight holder", before.OversightHolderName, d.OversightHolderName},
			{"liaison contacts", before.LiaisonContacts, d.LiaisonContacts},
		} {
			if strings.TrimSpace(ch.new) != ch.old {
				changes = append(changes, fmt.Sprintf("%s %q -> %q", ch.name, ch.old, strings.TrimSpace(ch.new)))
			}
		}
		if len(changes) == 0 {
			changes = []string{"no change"}
		}
		return Audit(ctx, tx, a.Event("force.update", "force", code, id, strings.Join(changes, "; ")))
	})
}
