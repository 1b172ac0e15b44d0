package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

func scanForce(r pgx.Row) (Force, error) {
	var f Force
	err := r.Scan(&f.ID, &f.Code, &f.Name, &f.Kind, &f.Region, &f.ChiefOfficerTitle, &f.ChiefOfficerName,
		&f.ChiefOfficerHonours, &f.OversightBody, &f.OversightHolderName, &f.LiaisonContacts, &f.UpdatedAt)
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
// listed fields of those that do, leaving what inspectors filled in alone.
// It returns how many were new.
func UpsertForces(ctx context.Context, tx pgx.Tx, forces []ForceSeed) (int, error) {
	const q = `
		INSERT INTO forces (code, name, kind, region, chief_officer_title, oversight_body)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (code) DO UPDATE SET
			name = EXCLUDED.name, kind = EXCLUDED.kind, region = EXCLUDED.region,
			chief_officer_title = EXCLUDED.chief_officer_title, oversight_body = EXCLUDED.oversight_body
		RETURNING (xmax = 0) AS inserted`
	added := 0
	for _, f := range forces {
		var inserted bool
		if err := tx.QueryRow(ctx, q, f.Code, f.Name, f.Kind, f.Region, f.ChiefOfficerTitle, f.OversightBody).Scan(&inserted); err != nil {
			return added, fmt.Errorf("store: upsert force %q: %w", f.Code, err)
		}
		if inserted {
			added++
		}
	}
	return added, nil
}
