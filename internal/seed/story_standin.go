package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
)

// storyStandIn records a minimal seed story (the report, its cause of
// concern and recommendation, four criteria, the categories, the request
// and 43 cases, and Leicestershire's chief officer and PCC) when none is
// there. It stands in for issue 4's story, built in parallel, so that the
// assessments of issue 6 can be seeded and tested; it is removed when
// issue 4's story lands on main.
func storyStandIn(ctx context.Context, st *store.Store) error {
	if _, err := storyRecommendation(ctx, st); err == nil {
		return nil
	}
	return st.Tx(ctx, func(tx pgx.Tx) error {
		exec := func(q string, args ...any) error {
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("seed: story stand-in: %w", err)
			}
			return nil
		}
		var reportID, concernID, recID int64
		if err := tx.QueryRow(ctx, `INSERT INTO reports (title, kind, published_on) VALUES ($1, 'national', $2) RETURNING id`,
			storyReportTitle, domain.Date(2016, 12, 8)).Scan(&reportID); err != nil {
			return fmt.Errorf("seed: story stand-in: %w", err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO findings (report_id, kind, body) VALUES ($1, 'cause_of_concern', $2) RETURNING id`,
			reportID, "We are concerned that some forces do not have the capability and capacity to seek intelligence on abuse of authority for sexual gain.").Scan(&concernID); err != nil {
			return fmt.Errorf("seed: story stand-in: %w", err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO findings (report_id, kind, parent_id, body, deadline_text, deadline_on, terminology_note)
			VALUES ($1, 'recommendation', $2, $3, 'within six months', $4, $5) RETURNING id`,
			reportID, concernID, StoryRecommendation, domain.Date(2017, 6, 8), StoryTerminologyNote).Scan(&recID); err != nil {
			return fmt.Errorf("seed: story stand-in: %w", err)
		}
		for i, title := range []string{
			"Reflects the national strategy",
			"IT systems monitoring",
			"Review of counter-corruption unit capability and capacity",
			"Intelligence from organisations that support vulnerable people",
		} {
			if err := exec(`INSERT INTO criteria (finding_id, position, title) VALUES ($1, $2, $3)`, recID, i+1, title); err != nil {
				return err
			}
		}
		for i, c := range domain.DefaultCategories() {
			if err := exec(`INSERT INTO categories (finding_id, position, key, label) VALUES ($1, $2, $3, $4)`, recID, i+1, c.Key, c.Label); err != nil {
				return err
			}
		}
		sent, due := domain.Date(2017, 5, 16), domain.Date(2017, 5, 31)
		if err := exec(`INSERT INTO requests (finding_id, sent_on, due_on) VALUES ($1, $2, $3)`, recID, sent, due); err != nil {
			return err
		}
		if err := exec(`INSERT INTO cases (finding_id, force_id, request_sent_on, plan_due_on)
			SELECT $1, id, $2, $3 FROM forces WHERE kind = 'police'`, recID, sent, due); err != nil {
			return err
		}
		return exec(`UPDATE forces SET chief_officer_name = 'Simon Cole', chief_officer_honours = 'QPM',
			oversight_holder_name = 'Lord Willy Bach' WHERE code = 'leicestershire' AND chief_officer_name = ''`)
	})
}
