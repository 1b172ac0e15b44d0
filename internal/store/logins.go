package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// LoginFailureRetention is how long a failed sign-in is kept: long enough
// to look into an attack, short enough that the table stays small.
const LoginFailureRetention = 24 * time.Hour

// LoginKey names what a sign-in attempt counts against: the account and
// the client's address. A real account is named by its id; any other text
// typed as an email only by a hash, so that a password typed into the email
// box is not kept, yet failures against it count like any account's (an
// attacker cannot tell accounts from non-accounts by when throttling starts).
type LoginKey struct {
	UserID      int64  // 0: no such account
	EmailSHA256 []byte // set when UserID is 0
	ClientAddr  string
}

// NewLoginKey keys an attempt at email from addr; userID is the account
// with that email, or 0 when there is none.
func NewLoginKey(userID int64, email, addr string) LoginKey {
	k := LoginKey{UserID: userID, ClientAddr: addr}
	if userID == 0 {
		sum := sha256.Sum256([]byte("inspectrack sign-in email\x00" + NormalizeEmail(email)))
		k.EmailSHA256 = sum[:]
	}
	return k
}

// args are the key as query arguments: user id (NULL for none), email hash
// (NULL for a real account), client address, and the name its account's
// advisory lock is taken on.
func (k LoginKey) args() (userID any, emailHash any, addr string, account string) {
	if k.UserID != 0 {
		return k.UserID, nil, k.ClientAddr, "user " + strconv.FormatInt(k.UserID, 10)
	}
	return nil, k.EmailSHA256, k.ClientAddr, "email " + hex.EncodeToString(k.EmailSHA256)
}

// LoginLimits are the throttle's settings.
type LoginLimits struct {
	Window time.Duration
	// PerAccountClient failures for one account from one client refuse
	// that client for that account.
	PerAccountClient int
	// PerClient failures from one client, across accounts, refuse it.
	PerClient int
	// PerAccount failures for one account, from anywhere, mark it as
	// under attack: it is slowed down, never refused.
	PerAccount int
}

// LoginClaim is what ClaimLoginAttempt decided.
type LoginClaim struct {
	ID              int64     // the claimed attempt; 0 when refused
	RetryAt         time.Time // when refused: when the client may try again
	AccountFailures int       // failures against the account in the window, before this one
}

// Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)):
// a client's claims and failures are counted one at a time, and so are an
// account's failures. Locks are always taken client first, then account.
const (
	lockLoginClient  = 1
	lockLoginAccount = 2
)

// ClaimLoginAttempt decides, as one atomic step, whether the client may
// have its password checked, and if so records the attempt as a failure
// before it is checked: concurrent attempts from one client are counted
// one after another (under an advisory lock on the client), so no more
// than the limits are ever checked. The window is measured on now, the
// clock that also stamps the claim.
func (s *Store) ClaimLoginAttempt(ctx context.Context, k LoginKey, lim LoginLimits, now time.Time) (LoginClaim, error) {
	var c LoginClaim
	userID, emailHash, addr, _ := k.args()
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockLoginClient, addr); err != nil {
			return err
		}
		const count = `
			SELECT count(*) FILTER (WHERE acct AND mine), min(failed_at) FILTER (WHERE acct AND mine),
				count(*) FILTER (WHERE mine), min(failed_at) FILTER (WHERE mine),
				count(*) FILTER (WHERE acct)
			FROM (SELECT COALESCE(user_id = $1 OR email_sha256 = $2, false) AS acct,
					client_addr = $3 AS mine, failed_at
				FROM login_failures
				WHERE (user_id = $1 OR email_sha256 = $2 OR client_addr = $3) AND failed_at > $4) f`
		var pair, client int
		var pairOldest, clientOldest *time.Time
		if err := tx.QueryRow(ctx, count, userID, emailHash, addr, now.Add(-lim.Window)).
			Scan(&pair, &pairOldest, &client, &clientOldest, &c.AccountFailures); err != nil {
			return err
		}
		if pair >= lim.PerAccountClient || client >= lim.PerClient {
			// The client may try again once its oldest counted failure
			// leaves the window (it has at most the limit: refusals are
			// not counted).
			if pair >= lim.PerAccountClient && pairOldest != nil {
				c.RetryAt = pairOldest.Add(lim.Window)
			}
			if client >= lim.PerClient && clientOldest != nil && clientOldest.Add(lim.Window).After(c.RetryAt) {
				c.RetryAt = clientOldest.Add(lim.Window)
			}
			return nil
		}
		const claim = `INSERT INTO login_failures (user_id, email_sha256, client_addr, failed_at)
			VALUES ($1, $2, $3, $4) RETURNING id`
		return tx.QueryRow(ctx, claim, userID, emailHash, addr, now).Scan(&c.ID)
	})
	if err != nil {
		return LoginClaim{}, fmt.Errorf("store: claim sign-in attempt: %w", err)
	}
	return c, nil
}

// LoginTrips says which throttles a failure tripped, with the failures
// counted for each in the window.
type LoginTrips struct {
	AccountClient, Client, Account                         bool
	AccountClientFailures, ClientFailures, AccountFailures int
}

// Any reports whether any throttle tripped.
func (t LoginTrips) Any() bool { return t.AccountClient || t.Client || t.Account }

// LoginFailed keeps claim id as a failure and finds the throttles it
// tripped: those at their limit that did not already trip within the
// window. When any did, the event audit makes of them is appended in the
// same transaction, so an episode is audited once however long it lasts.
func (s *Store) LoginFailed(ctx context.Context, k LoginKey, id int64, lim LoginLimits, now time.Time, audit func(LoginTrips) AuditEvent) (LoginTrips, error) {
	var t LoginTrips
	userID, emailHash, addr, account := k.args()
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		const lock = `SELECT pg_advisory_xact_lock($1, hashtext($2)), pg_advisory_xact_lock($3, hashtext($4))`
		if _, err := tx.Exec(ctx, lock, lockLoginClient, addr, lockLoginAccount, account); err != nil {
			return err
		}
		const count = `
			SELECT count(*) FILTER (WHERE acct AND mine), COALESCE(bool_or(tripped_pair) FILTER (WHERE acct AND mine), false),
				count(*) FILTER (WHERE mine), COALESCE(bool_or(tripped_client) FILTER (WHERE mine), false),
				count(*) FILTER (WHERE acct), COALESCE(bool_or(tripped_account) FILTER (WHERE acct), false)
			FROM (SELECT COALESCE(user_id = $1 OR email_sha256 = $2, false) AS acct,
					client_addr = $3 AS mine, tripped_pair, tripped_client, tripped_account
				FROM login_failures
				WHERE (user_id = $1 OR email_sha256 = $2 OR client_addr = $3) AND failed_at > $4) f`
		var pairDone, clientDone, accountDone bool
		if err := tx.QueryRow(ctx, count, userID, emailHash, addr, now.Add(-lim.Window)).Scan(
			&t.AccountClientFailures, &pairDone, &t.ClientFailures, &clientDone, &t.AccountFailures, &accountDone); err != nil {
			return err
		}
		t.AccountClient = t.AccountClientFailures >= lim.PerAccountClient && !pairDone
		t.Client = t.ClientFailures >= lim.PerClient && !clientDone
		t.Account = t.AccountFailures >= lim.PerAccount && !accountDone
		if !t.Any() {
			return nil
		}
		const mark = `UPDATE login_failures SET tripped_pair = $2, tripped_client = $3, tripped_account = $4 WHERE id = $1`
		if _, err := tx.Exec(ctx, mark, id, t.AccountClient, t.Client, t.Account); err != nil {
			return err
		}
		return Audit(ctx, tx, audit(t))
	})
	if err != nil {
		return LoginTrips{}, fmt.Errorf("store: record sign-in failure: %w", err)
	}
	return t, nil
}

// LoginSucceeded removes claim id, whose password was right, so it counts
// against nobody, and audits the sign-in in the same transaction.
func (s *Store) LoginSucceeded(ctx context.Context, id int64, e AuditEvent) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: sign-in %d: %w", id, err)
		}
		return Audit(ctx, tx, e)
	})
}

// DeleteLoginFailuresBefore removes failed sign-ins older than before and
// reports how many; serve's housekeeping calls it with
// LoginFailureRetention.
func (s *Store) DeleteLoginFailuresBefore(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.db().Exec(ctx, `DELETE FROM login_failures WHERE failed_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("store: delete old sign-in failures: %w", err)
	}
	return tag.RowsAffected(), nil
}
