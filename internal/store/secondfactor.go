package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// TOTP is a user's second factor: the authenticator app's secret, when it
// was set up, the newest time step whose code was used, and how many of
// their recovery codes are left.
type TOTP struct {
	UserID       int64
	Secret       string
	EnrolledAt   time.Time
	LastStep     int64
	RecoveryLeft int
}

// ErrCodeUsed is returned when a second-factor code (or recovery code) was
// used already, perhaps by a request that got there first.
var ErrCodeUsed = fmt.Errorf("store: second-factor code already used: %w", ErrConflict)

// ErrAlreadyEnrolled is returned when a user who has a second factor sets
// one up again without a reset.
var ErrAlreadyEnrolled = fmt.Errorf("store: second factor already set up: %w", ErrConflict)

// SecondFactor returns the user's TOTP, or ErrNotFound when they have not
// set one up.
func (s *Store) SecondFactor(ctx context.Context, userID int64) (TOTP, error) {
	const q = `SELECT t.user_id, t.secret, t.enrolled_at, t.last_step,
			(SELECT count(*) FROM recovery_codes r WHERE r.user_id = t.user_id AND r.used_at IS NULL)
		FROM user_totp t WHERE t.user_id = $1`
	var t TOTP
	err := s.db().QueryRow(ctx, q, userID).Scan(&t.UserID, &t.Secret, &t.EnrolledAt, &t.LastStep, &t.RecoveryLeft)
	if err != nil {
		return t, notFound(err, "store: second factor of user %d", userID)
	}
	return t, nil
}

// EnrolTOTP sets up the user's second factor: secret, confirmed by a code
// of step (which is then used), and the hashes of their recovery codes,
// audited in the same transaction.
func (s *Store) EnrolTOTP(ctx context.Context, a Actor, userID int64, secret string, step int64, recoveryHashes [][]byte) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `INSERT INTO user_totp (user_id, secret, enrolled_at, last_step) VALUES ($1, $2, now(), $3)
			ON CONFLICT (user_id) DO NOTHING`
		tag, err := tx.Exec(ctx, q, userID, secret, step)
		if err != nil {
			return fmt.Errorf("store: enrol second factor of user %d: %w", userID, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrAlreadyEnrolled
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("store: recovery codes of user %d: %w", userID, err)
		}
		for _, h := range recoveryHashes {
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
				return fmt.Errorf("store: recovery codes of user %d: %w", userID, err)
			}
		}
		email, forceID, err := userEmailForce(ctx, tx, userID)
		if err != nil {
			return err
		}
		summary := fmt.Sprintf("%s set up an authenticator app as their second factor, with %d recovery codes", email, len(recoveryHashes))
		return Audit(ctx, tx, a.Event("user.second-factor.enrol", "user", userID, forceID, summary))
	})
}

// SecondFactorSucceeded uses a second-factor code: a TOTP code of step
// (step > 0), or the recovery code whose hash is recoveryHash. The use is
// conditional on the code not having been used already, by this request
// or another that got there first (ErrCodeUsed). claimID, the sign-in
// attempt counted against the throttle, is removed, and e, the sign-in,
// audited, all in one transaction.
func (s *Store) SecondFactorSucceeded(ctx context.Context, userID, claimID, step int64, recoveryHash []byte, e AuditEvent) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		var tag interface{ RowsAffected() int64 }
		var err error
		if recoveryHash != nil {
			tag, err = tx.Exec(ctx, `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
				userID, recoveryHash)
		} else {
			tag, err = tx.Exec(ctx, `UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2`, userID, step)
		}
		if err != nil {
			return fmt.Errorf("store: second factor of user %d: %w", userID, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrCodeUsed
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE id = $1`, claimID); err != nil {
			return fmt.Errorf("store: sign-in %d: %w", claimID, err)
		}
		return Audit(ctx, tx, e)
	})
}

// RecoveryCodeUnused reports whether hash is an unused recovery code of
// the user.
func (s *Store) RecoveryCodeUnused(ctx context.Context, userID int64, hash []byte) (bool, error) {
	var ok bool
	err := s.db().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL)`,
		userID, hash).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: recovery code of user %d: %w", userID, err)
	}
	return ok, nil
}

// ResetSecondFactor removes a user's second factor and recovery codes and
// ends their sessions: they set one up again at their next sign-in.
func (s *Store) ResetSecondFactor(ctx context.Context, a Actor, userID int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE users SET session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1
			RETURNING email, COALESCE(force_id, 0)`
		var email string
		var forceID int64
		if err := tx.QueryRow(ctx, q, userID).Scan(&email, &forceID); err != nil {
			return notFound(err, "store: reset second factor of user %d", userID)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("store: reset second factor of user %d: %w", userID, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("store: reset second factor of user %d: %w", userID, err)
		}
		summary := "reset the second factor of " + email + ": they set one up at their next sign-in; their sessions ended"
		if tag.RowsAffected() == 0 {
			summary = "reset the second factor of " + email + " (none was set up); their sessions ended"
		}
		return Audit(ctx, tx, a.Event("user.second-factor.reset", "user", userID, forceID, summary))
	})
}

// SecondFactorRead records that the command line printed a user's current
// code (inspectrack user otp), which only someone with database access can
// do.
func (s *Store) SecondFactorRead(ctx context.Context, a Actor, userID int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		email, forceID, err := userEmailForce(ctx, tx, userID)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, a.Event("user.second-factor.code-printed", "user", userID, forceID,
			"a current second-factor code of "+email+" was printed on the command line"))
	})
}

func userEmailForce(ctx context.Context, tx pgx.Tx, userID int64) (string, int64, error) {
	var email string
	var forceID int64
	err := tx.QueryRow(ctx, `SELECT email, COALESCE(force_id, 0) FROM users WHERE id = $1`, userID).Scan(&email, &forceID)
	if err != nil {
		return "", 0, notFound(err, "store: user %d", userID)
	}
	return email, forceID, nil
}

// SignInSettings are the portal's sign-in policy settings.
type SignInSettings struct {
	// LiaisonSecondFactor: liaisons must use a second factor (the other
	// roles always must).
	LiaisonSecondFactor bool
	UpdatedAt           time.Time
}

// SignInSettings returns the sign-in policy.
func (s *Store) SignInSettings(ctx context.Context) (SignInSettings, error) {
	var v SignInSettings
	err := s.db().QueryRow(ctx, `SELECT liaison_second_factor, updated_at FROM portal_settings`).Scan(&v.LiaisonSecondFactor, &v.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return SignInSettings{LiaisonSecondFactor: true}, nil
	}
	if err != nil {
		return v, fmt.Errorf("store: sign-in settings: %w", err)
	}
	return v, nil
}

// SetLiaisonSecondFactor sets whether liaisons must use a second factor.
func (s *Store) SetLiaisonSecondFactor(ctx context.Context, a Actor, required bool) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE portal_settings SET liaison_second_factor = $1, updated_at = now()
			WHERE liaison_second_factor IS DISTINCT FROM $1`
		tag, err := tx.Exec(ctx, q, required)
		if err != nil {
			return fmt.Errorf("store: sign-in settings: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		summary := "liaisons must now use a second factor to sign in"
		if !required {
			summary = "liaisons may now sign in with a password alone (a second factor they set up is still asked for)"
		}
		return Audit(ctx, tx, a.Event("settings.sign-in", "settings", "sign-in", 0, summary))
	})
}
