package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
)

// userOTP prints the current code of the user's authenticator app: for the
// demo users (enrolled with known secrets), so `make run` reaches every
// role's screens, and for whoever holds the database's keys anyway. It is
// audited.
func userOTP(ctx context.Context, st *store.Store, a store.Actor, email string, stdout io.Writer) error {
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("user otp: %w", err)
	}
	t, err := st.SecondFactor(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("user otp: %s has no authenticator app set up: %w", u.Email, err)
	}
	now := time.Now()
	// A code already used (of the current step) is refused: give the next
	// step's, which the portal takes as well (clocks a step apart).
	when := now
	if auth.TOTPStep(now) <= t.LastStep {
		when = time.Unix((t.LastStep+1)*auth.TOTPPeriod, 0)
	}
	code, err := auth.TOTPCode(t.Secret, when)
	if err != nil {
		return fmt.Errorf("user otp: %w", err)
	}
	if err := st.SecondFactorRead(ctx, a, u.ID); err != nil {
		return fmt.Errorf("user otp: %w", err)
	}
	fmt.Fprintln(stdout, code)
	return nil
}
