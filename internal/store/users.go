package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is an account of the portal.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	ForceID      int64
	ForceCode    string
	ForceName    string
	PasswordHash string
	SessionEpoch int
	// HasCalendar is whether the user has a calendar address; only its
	// hash is kept, so the address itself is shown once, when it is made.
	HasCalendar bool
	DisabledAt  *time.Time
	CreatedAt   time.Time
}

const userColumns = `u.id, u.email, u.name, u.role, COALESCE(u.force_id, 0), COALESCE(f.code, ''),
	COALESCE(f.name, ''), u.password_hash, u.session_epoch, u.calendar_token_hash IS NOT NULL, u.disabled_at, u.created_at`

const userFrom = ` FROM users u LEFT JOIN forces f ON f.id = u.force_id `

// userDest is where a row of userColumns scans to.
func userDest(u *User) []any {
	return []any{&u.ID, &u.Email, &u.Name, &u.Role, &u.ForceID, &u.ForceCode, &u.ForceName,
		&u.PasswordHash, &u.SessionEpoch, &u.HasCalendar, &u.DisabledAt, &u.CreatedAt}
}

func scanUser(r pgx.Row) (User, error) {
	var u User
	err := r.Scan(userDest(&u)...)
	return u, err
}

// NormalizeEmail is how emails are stored and looked up.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// UserByEmail returns the user with email, disabled or not.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	const q = `SELECT ` + userColumns + userFrom + `WHERE u.email = $1`
	u, err := scanUser(s.db().QueryRow(ctx, q, NormalizeEmail(email)))
	if err != nil {
		return u, notFound(err, "store: user %q", email)
	}
	return u, nil
}

// UserByID returns the user with id, disabled or not.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	const q = `SELECT ` + userColumns + userFrom + `WHERE u.id = $1`
	u, err := scanUser(s.db().QueryRow(ctx, q, id))
	if err != nil {
		return u, notFound(err, "store: user %d", id)
	}
	return u, nil
}

// UserByCalendarToken returns the active user owning a calendar token.
func (s *Store) UserByCalendarToken(ctx context.Context, token string) (User, error) {
	const q = `SELECT ` + userColumns + userFrom + `WHERE u.calendar_token_hash = $1 AND u.disabled_at IS NULL`
	u, err := scanUser(s.db().QueryRow(ctx, q, TokenHash(token)))
	if err != nil {
		return u, notFound(err, "store: calendar token")
	}
	return u, nil
}

// ListUsers returns every user, by name.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	const q = `SELECT ` + userColumns + userFrom + `ORDER BY u.disabled_at IS NOT NULL, u.name, u.email`
	rows, err := s.db().Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// NewUser is what creating a user needs.
type NewUser struct {
	Email, Name, Role, ForceCode, PasswordHash string
}

// ErrEmailTaken is returned when another user has the email.
var ErrEmailTaken = fmt.Errorf("store: email already in use: %w", ErrConflict)

// ErrUnknownForce is returned when a force code does not exist.
var ErrUnknownForce = fmt.Errorf("store: no such force: %w", ErrNotFound)

// CreateUser adds a user and audits it.
func (s *Store) CreateUser(ctx context.Context, a Actor, n NewUser) (User, error) {
	var u User
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		forceID, err := forceIDByCode(ctx, tx, n.ForceCode)
		if err != nil {
			return err
		}
		const q = `INSERT INTO users (email, name, role, force_id, password_hash)
			VALUES ($1, $2, $3, NULLIF($4, 0), $5) RETURNING id`
		if err := tx.QueryRow(ctx, q, NormalizeEmail(n.Email), strings.TrimSpace(n.Name), n.Role, forceID, n.PasswordHash).Scan(&u.ID); err != nil {
			if isUniqueViolation(err, "users_email_key") {
				return ErrEmailTaken
			}
			return fmt.Errorf("store: create user %q: %w", n.Email, err)
		}
		summary := fmt.Sprintf("created %s (%s)", NormalizeEmail(n.Email), n.Role)
		if n.ForceCode != "" {
			summary += " for " + n.ForceCode
		}
		return Audit(ctx, tx, a.Event("user.create", "user", u.ID, forceID, summary))
	})
	if err != nil {
		return u, err
	}
	return s.UserByID(ctx, u.ID)
}

func forceIDByCode(ctx context.Context, tx pgx.Tx, code string) (int64, error) {
	if code == "" {
		return 0, nil
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM forces WHERE code = $1`, code).Scan(&id); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, ErrUnknownForce
		}
		return 0, fmt.Errorf("store: force %q: %w", code, err)
	}
	return id, nil
}

// DisableUser disables the user and ends all their sessions and their
// calendar address (the epoch bump
// makes every session they hold invalid at once, and their rows are removed
// at the next request that presents them).
func (s *Store) DisableUser(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE users SET disabled_at = now(), session_epoch = session_epoch + 1, calendar_token_hash = NULL, updated_at = now()
			WHERE id = $1 AND disabled_at IS NULL RETURNING email, COALESCE(force_id, 0)`
		var email string
		var forceID int64
		if err := tx.QueryRow(ctx, q, id).Scan(&email, &forceID); err != nil {
			return notFound(err, "store: disable user %d", id)
		}
		return Audit(ctx, tx, a.Event("user.disable", "user", id, forceID, "disabled "+email))
	})
}

// EnableUser re-enables a disabled user.
func (s *Store) EnableUser(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE users SET disabled_at = NULL, updated_at = now()
			WHERE id = $1 AND disabled_at IS NOT NULL RETURNING email, COALESCE(force_id, 0)`
		var email string
		var forceID int64
		if err := tx.QueryRow(ctx, q, id).Scan(&email, &forceID); err != nil {
			return notFound(err, "store: enable user %d", id)
		}
		return Audit(ctx, tx, a.Event("user.enable", "user", id, forceID, "enabled "+email))
	})
}

// SetUserForce moves a liaison to another force and ends their sessions
// and their calendar address, which would otherwise go on serving the new
// force's dates to whoever holds the old one.
func (s *Store) SetUserForce(ctx context.Context, a Actor, id int64, forceCode string) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		forceID, err := forceIDByCode(ctx, tx, forceCode)
		if err != nil {
			return err
		}
		if forceID == 0 {
			return ErrUnknownForce
		}
		const q = `
			UPDATE users u SET force_id = $2, session_epoch = session_epoch + 1, calendar_token_hash = NULL, updated_at = now()
			FROM (SELECT id, force_id FROM users WHERE id = $1 FOR UPDATE) old
			LEFT JOIN forces f ON f.id = old.force_id
			WHERE u.id = old.id AND u.role = 'liaison'
			RETURNING u.email, COALESCE(f.code, '')`
		var email, oldCode string
		if err := tx.QueryRow(ctx, q, id, forceID).Scan(&email, &oldCode); err != nil {
			return notFound(err, "store: set force of user %d", id)
		}
		return Audit(ctx, tx, a.Event("user.force.change", "user", id, forceID,
			fmt.Sprintf("%s: force %s -> %s", email, oldCode, forceCode)))
	})
}

// SetPassword replaces a user's password hash; when endSessions is set
// (a reset) every session of theirs and their calendar address end too.
func (s *Store) SetPassword(ctx context.Context, a Actor, id int64, hash string, endSessions bool) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE users SET password_hash = $2, updated_at = now(),
				session_epoch = session_epoch + CASE WHEN $3 THEN 1 ELSE 0 END,
				calendar_token_hash = CASE WHEN $3 THEN NULL ELSE calendar_token_hash END
			WHERE id = $1 RETURNING email, COALESCE(force_id, 0)`
		var email string
		var forceID int64
		if err := tx.QueryRow(ctx, q, id, hash, endSessions).Scan(&email, &forceID); err != nil {
			return notFound(err, "store: set password of user %d", id)
		}
		action := "user.password.rehash"
		if endSessions {
			action = "user.password.reset"
		}
		return Audit(ctx, tx, a.Event(action, "user", id, forceID, email))
	})
}

// SetCalendarToken sets (or, with "", revokes) a user's calendar token;
// only its hash is kept.
func (s *Store) SetCalendarToken(ctx context.Context, a Actor, id int64, token string) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE users SET calendar_token_hash = $2, updated_at = now() WHERE id = $1`
		var hash []byte
		if token != "" {
			hash = TokenHash(token)
		}
		if _, err := tx.Exec(ctx, q, id, hash); err != nil {
			return fmt.Errorf("store: calendar token of user %d: %w", id, err)
		}
		action := "user.calendar.issue"
		if token == "" {
			action = "user.calendar.revoke"
		}
		return Audit(ctx, tx, a.Event(action, "user", id, a.ForceID, ""))
	})
}
