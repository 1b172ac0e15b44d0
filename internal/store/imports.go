package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
)

// ImportRow is one finding of a checked import. ParentRef names the cause
// of concern a recommendation answers, in the same import or already in
// the report.
type ImportRow struct {
	Line      int
	Input     FindingInput
	ParentRef string
}

// ImportFindings adds every row to the report in one transaction: all of
// them or, on any error, none. Causes of concern are added first so a
// recommendation can answer one further down the file. summary describes
// the import for the audit trail (file name, rows, content hash).
func (s *Store) ImportFindings(ctx context.Context, a Actor, reportID int64, rows []ImportRow, summary string) (int, error) {
	n := 0
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		// Lock the report so two imports into it run one after the other
		// and the references they check stay unique.
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM reports WHERE id = $1 FOR UPDATE`, reportID).Scan(&one); err != nil {
			return notFound(err, "store: import into report %d", reportID)
		}
		created := map[string]int64{}
		for pass := range 2 {
			for _, row := range rows {
				isCause := row.Input.Kind == domain.FindingCauseOfConcern
				if (pass == 0) != isCause {
					continue
				}
				in := row.Input
				if row.ParentRef != "" {
					id, err := causeID(ctx, tx, reportID, row.ParentRef, created)
					if err != nil {
						return fmt.Errorf("line %d: %w", row.Line, err)
					}
					in.ParentID = id
				}
				id, err := CreateFindingTx(ctx, tx, a, reportID, in)
				if err != nil {
					return fmt.Errorf("line %d: %w", row.Line, err)
				}
				if ref := strings.ToLower(strings.TrimSpace(in.Reference)); ref != "" && isCause {
					created[ref] = id
				}
				n++
			}
		}
		return Audit(ctx, tx, a.Event("report.import", "report", reportID, 0, fmt.Sprintf("%d findings imported: %s", n, summary)))
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// causeID finds the cause of concern with reference among those just
// imported, else in the report.
func causeID(ctx context.Context, tx pgx.Tx, reportID int64, ref string, created map[string]int64) (int64, error) {
	if id, ok := created[strings.ToLower(strings.TrimSpace(ref))]; ok {
		return id, nil
	}
	const q = `SELECT id FROM findings WHERE report_id = $1 AND lower(reference) = lower($2) AND kind = 'cause_of_concern'`
	var id int64
	if err := tx.QueryRow(ctx, q, reportID, strings.TrimSpace(ref)).Scan(&id); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, ErrBadParent
		}
		return 0, fmt.Errorf("store: cause of concern %q: %w", ref, err)
	}
	return id, nil
}
