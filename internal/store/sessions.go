package store

import (
	"context"
	"fmt"
)

// DeleteExpiredSessions removes the sessions past their expiry. The server
// runs it periodically, instead of scs/pgxstore's own cleanup goroutine,
// whose StopCleanup races with its start (a data race under -race).
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}
