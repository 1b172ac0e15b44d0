package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// PlanStatusesOf exposes planStatusesOf to the tests of package store_test.
var PlanStatusesOf = (*Store).planStatusesOf

// planStatusesOf returns each case's plan status on asOf reckoned by
// planStatusSQL, for the test that holds it to domain.PlanStatusOf.
func (s *Store) planStatusesOf(ctx context.Context, caseIDs []int64, asOf time.Time) (map[int64]domain.PlanStatus, error) {
	rows, err := s.db().Query(ctx, `SELECT c.id, `+planStatusSQL+planStatusFrom+`WHERE c.id = ANY(@ids)`,
		pgx.NamedArgs{"ids": caseIDs, "asof": asOf})
	if err != nil {
		return nil, fmt.Errorf("store: plan statuses: %w", err)
	}
	out := map[int64]domain.PlanStatus{}
	var id int64
	var st domain.PlanStatus
	_, err = pgx.ForEachRow(rows, []any{&id, &st}, func() error { out[id] = st; return nil })
	if err != nil {
		return nil, fmt.Errorf("store: plan statuses: %w", err)
	}
	return out, nil
}

// HashEvent exposes the chain's hash, in hex, to the known-answer test.
func HashEvent(e AuditEvent, key AuditKey) string { return hex.EncodeToString(hashEvent(e, key)) }
