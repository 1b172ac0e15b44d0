package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/notify"
)

// ErrTokenUsed is a one-time link that was used, or replaced by a newer
// one, or revoked.
var ErrTokenUsed = errors.New("store: link already used or replaced")

// ErrTokenExpired is a one-time link past its time.
var ErrTokenExpired = errors.New("store: link expired")

// ErrThrottled is a request refused because too many came from its client.
var ErrThrottled = errors.New("store: too many requests")

// inviteFor is who an invitation says the account is for.
func inviteFor(role, forceName string) string {
	if forceName != "" {
		return forceName + " and the inspectorate"
	}
	return "the inspectorate"
}

// InviteUser adds a user without a password and sends them an invitation:
// a one-time link, valid 7 days, to choose one. The user, its audit event
// and the message commit together.
func (s *Store) InviteUser(ctx context.Context, a Actor, n NewUser) (User, error) {
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = s.inviteUserTx(ctx, tx, a, n)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.UserByID(ctx, id)
}

func (s *Store) inviteUserTx(ctx context.Context, tx pgx.Tx, a Actor, n NewUser) (int64, error) {
	forceID, err := forceIDByCode(ctx, tx, n.ForceCode)
	if err != nil {
		return 0, err
	}
	const q = `INSERT INTO users (email, name, role, force_id, password_hash, invited_at)
		VALUES ($1, $2, $3, NULLIF($4, 0), '', now()) RETURNING id, COALESCE((SELECT name FROM forces WHERE id = $4), '')`
	var id int64
	var forceName string
	if err := tx.QueryRow(ctx, q, NormalizeEmail(n.Email), strings.TrimSpace(n.Name), n.Role, forceID).Scan(&id, &forceName); err != nil {
		if isUniqueViolation(err, "users_email_key") {
			return 0, ErrEmailTaken
		}
		return 0, fmt.Errorf("store: invite user %q: %w", n.Email, err)
	}
	summary := fmt.Sprintf("invited %s (%s)", NormalizeEmail(n.Email), n.Role)
	if n.ForceCode != "" {
		summary += " for " + n.ForceCode
	}
	if err := Audit(ctx, tx, a.Event("user.invite", "user", id, forceID, summary)); err != nil {
		return 0, err
	}
	return id, s.enqueueMessages(ctx, tx, []NewMessage{{Kind: notify.KindInvite, UserID: id,
		Params: notify.Params{"name": strings.TrimSpace(n.Name), "for": inviteFor(n.Role, forceName)}}})
}

// ResendInvitation sends a user who has not yet chosen a password a new
// invitation; the link of the one before stops working when the new one
// is sent.
func (s *Store) ResendInvitation(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `SELECT u.email, u.name, u.role, COALESCE(u.force_id, 0), COALESCE(f.name, '') FROM users u
			LEFT JOIN forces f ON f.id = u.force_id
			WHERE u.id = $1 AND u.password_hash = '' AND u.disabled_at IS NULL FOR UPDATE OF u`
		var email, name, role, forceName string
		var forceID int64
		if err := tx.QueryRow(ctx, q, id).Scan(&email, &name, &role, &forceID, &forceName); err != nil {
			return notFound(err, "store: resend invitation %d", id)
		}
		if err := Audit(ctx, tx, a.Event("user.invite.resend", "user", id, forceID, "invitation sent again to "+email)); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, []NewMessage{{Kind: notify.KindInvite, UserID: id,
			Params: notify.Params{"name": name, "for": inviteFor(role, forceName)}}})
	})
}

// RevokeInvitation ends every unused invitation link of the user and
// cancels invitations not yet sent.
func (s *Store) RevokeInvitation(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `SELECT email, COALESCE(force_id, 0) FROM users WHERE id = $1 AND password_hash = '' FOR UPDATE`
		var email string
		var forceID int64
		if err := tx.QueryRow(ctx, q, id).Scan(&email, &forceID); err != nil {
			return notFound(err, "store: revoke invitation %d", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE user_tokens SET revoked_at = now() WHERE user_id = $1 AND purpose = 'invite' AND used_at IS NULL AND revoked_at IS NULL`, id); err != nil {
			return fmt.Errorf("store: revoke invitation %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE outbound_messages SET status = 'cancelled' WHERE user_id = $1 AND kind = 'invite' AND status IN ('queued', 'retrying', 'failed')`, id); err != nil {
			return fmt.Errorf("store: revoke invitation %d: %w", id, err)
		}
		return Audit(ctx, tx, a.Event("user.invite.revoke", "user", id, forceID, "invitation withdrawn from "+email))
	})
}

// Invitation is the state of a user's invitation, for their page.
type Invitation struct {
	Pending   bool       // no password chosen yet
	Sending   bool       // an invitation is waiting in the queue to be sent
	ExpiresAt *time.Time // of the newest live link, if one was sent
}

// InvitationOf reports whether user id still has to accept an invitation.
func (s *Store) InvitationOf(ctx context.Context, id int64) (Invitation, error) {
	const q = `SELECT u.password_hash = '' AND u.invited_at IS NOT NULL,
		EXISTS (SELECT FROM outbound_messages m WHERE m.user_id = u.id AND m.kind = 'invite' AND m.status IN ('queued', 'retrying')),
		(SELECT max(expires_at) FROM user_tokens t WHERE t.user_id = u.id AND t.purpose = 'invite'
			AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now())
		FROM users u WHERE u.id = $1`
	var inv Invitation
	if err := s.db().QueryRow(ctx, q, id).Scan(&inv.Pending, &inv.Sending, &inv.ExpiresAt); err != nil {
		return inv, notFound(err, "store: invitation of %d", id)
	}
	return inv, nil
}

// TokenUser returns the user a live one-time link of purpose belongs to,
// or ErrTokenUsed, ErrTokenExpired or ErrNotFound.
func (s *Store) TokenUser(ctx context.Context, purpose, token string) (User, error) {
	return tokenUser(ctx, s.db(), purpose, token, false)
}

type queryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func tokenUser(ctx context.Context, db queryer, purpose, token string, lock bool) (User, error) {
	q := `SELECT t.used_at IS NOT NULL OR t.revoked_at IS NOT NULL, t.expires_at <= now(), ` + userColumns + userFrom + `
		JOIN user_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.purpose = $2 AND u.disabled_at IS NULL`
	if lock {
		q += ` FOR UPDATE OF t, u`
	}
	var used, expired bool
	var u User
	dest := append([]any{&used, &expired}, userDest(&u)...)
	if err := db.QueryRow(ctx, q, TokenHash(token), purpose).Scan(dest...); err != nil {
		return u, notFound(err, "store: %s link", purpose)
	}
	switch {
	case used:
		return u, ErrTokenUsed
	case expired:
		return u, ErrTokenExpired
	}
	return u, nil
}

// UseToken spends a one-time link of purpose: sets the user's password
// hash, ends their other links (and, for a reset, their sessions), and
// audits it, all at once. A link works once.
func (s *Store) UseToken(ctx context.Context, a Actor, purpose, token, hash string) (User, error) {
	var u User
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = tokenUser(ctx, tx, purpose, token, true); err != nil {
			return err
		}
		// As any password reset: every session and the calendar address end.
		const upd = `UPDATE users SET password_hash = $2, updated_at = now(), session_epoch = session_epoch + 1,
			calendar_token_hash = NULL WHERE id = $1`
		if _, err := tx.Exec(ctx, upd, u.ID, hash); err != nil {
			return fmt.Errorf("store: use %s link: %w", purpose, err)
		}
		const spend = `UPDATE user_tokens SET used_at = CASE WHEN token_hash = $2 THEN now() END,
				revoked_at = CASE WHEN token_hash = $2 THEN NULL ELSE now() END
			WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`
		if _, err := tx.Exec(ctx, spend, u.ID, TokenHash(token)); err != nil {
			return fmt.Errorf("store: use %s link: %w", purpose, err)
		}
		action := "user.invite.accept"
		if purpose == "reset" {
			action = "user.password.reset.self"
		}
		a.UserID, a.Email = u.ID, u.Email
		return Audit(ctx, tx, a.Event(action, "user", u.ID, u.ForceID, u.Email))
	})
	return u, err
}

// ResetLimits throttle requests for a password reset link.
var ResetLimits = struct {
	Window     time.Duration
	PerAddress int // links sent to one address in Window
	PerClient  int // requests from one client in Window
}{time.Hour, 3, 10}

// RequestPasswordReset sends a reset link to the active user with email,
// if there is one and their address has not had ResetLimits.PerAddress
// links this hour; it says nothing about which (the page gives everyone
// the same answer). A client making more than ResetLimits.PerClient
// requests an hour gets ErrThrottled.
func (s *Store) RequestPasswordReset(ctx context.Context, a Actor, email string) error {
	sum := sha256.Sum256([]byte("inspectrack reset email\x00" + NormalizeEmail(email)))
	return s.Tx(ctx, func(tx pgx.Tx) error {
		// One request of a client at a time, so parallel requests cannot
		// slip past the count.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('reset ' || $1))`, a.ClientAddr); err != nil {
			return fmt.Errorf("store: reset request: %w", err)
		}
		const counts = `SELECT
			(SELECT count(*) FROM reset_requests WHERE client_addr = $2 AND at > now() - $3::interval),
			(SELECT count(*) FROM reset_requests WHERE email_sha256 = $1 AND at > now() - $3::interval)`
		var perClient, perAddress int
		if err := tx.QueryRow(ctx, counts, sum[:], a.ClientAddr, ResetLimits.Window.String()).Scan(&perClient, &perAddress); err != nil {
			return fmt.Errorf("store: reset request: %w", err)
		}
		if perClient >= ResetLimits.PerClient {
			return ErrThrottled
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reset_requests (email_sha256, client_addr) VALUES ($1, $2)`, sum[:], a.ClientAddr); err != nil {
			return fmt.Errorf("store: reset request: %w", err)
		}
		if perAddress >= ResetLimits.PerAddress {
			return nil
		}
		var id, forceID int64
		var name string
		err := tx.QueryRow(ctx, `SELECT id, name, COALESCE(force_id, 0) FROM users WHERE email = $1 AND disabled_at IS NULL`, NormalizeEmail(email)).Scan(&id, &name, &forceID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: reset request: %w", err)
		}
		if err := Audit(ctx, tx, a.Event("user.password.reset.request", "user", id, forceID, "reset link sent to "+NormalizeEmail(email))); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, []NewMessage{{Kind: notify.KindReset, UserID: id, Params: notify.Params{"name": name}}})
	})
}

// DeleteResetRequestsBefore removes reset requests older than t.
func (s *Store) DeleteResetRequestsBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.db().Exec(ctx, `DELETE FROM reset_requests WHERE at < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("store: delete reset requests: %w", err)
	}
	return tag.RowsAffected(), nil
}

// SendPasswordReset sends an active user a link to choose a new password,
// at an admin's request (audited); their password works until they do.
func (s *Store) SendPasswordReset(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `SELECT email, name, COALESCE(force_id, 0) FROM users WHERE id = $1 AND disabled_at IS NULL`
		var email, name string
		var forceID int64
		if err := tx.QueryRow(ctx, q, id).Scan(&email, &name, &forceID); err != nil {
			return notFound(err, "store: send password reset %d", id)
		}
		if err := Audit(ctx, tx, a.Event("user.password.reset.send", "user", id, forceID, "reset link sent to "+email)); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, []NewMessage{{Kind: notify.KindReset, UserID: id, Params: notify.Params{"name": name}}})
	})
}
