package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"inspectrack/internal/notify"
)

// MessageArgs is the River job that delivers one outbound message. Only
// its id travels in the job: what it says is in outbound_messages.
type MessageArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind is the River job kind.
func (MessageArgs) Kind() string { return "message" }

// MessageMaxAttempts is how often a message is tried before it is kept as
// failed, for an admin to retry. With River's backoff (attempt^4 seconds)
// the last try comes about a day after the first.
const MessageMaxAttempts = 12

// InsertOpts gives every message job its attempts.
func (MessageArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MessageMaxAttempts}
}

// OutboundMessage is one row of outbound_messages: a message the portal
// sent, is sending, or kept in the mailbox.
type OutboundMessage struct {
	ID        int64
	Kind      string
	UserID    int64
	Recipient string
	Subject   string
	Params    notify.Params
	EventID   int64
	Status    string // queued, retrying, sent, mailbox, failed, cancelled
	Attempts  int
	LastError string
	BodyText  string
	BodyHTML  string
	CreatedAt time.Time
	SentAt    *time.Time
}

// NewMessage is a message to enqueue to one user.
type NewMessage struct {
	Kind   string
	UserID int64
	Params notify.Params
}

// enqueueMessages records messages for users and enqueues their delivery
// in tx, the transaction of the change they follow, after its audit event:
// each is filed under the newest event of the chain, which is that change's.
// Recipients come from the users table (a disabled user gets nothing).
func (s *Store) enqueueMessages(ctx context.Context, tx pgx.Tx, msgs []NewMessage) error {
	return s.enqueueKeyed(ctx, tx, msgs, nil)
}

// enqueueKeyed is enqueueMessages with a dedupe key for each message (nil:
// none): a message whose key was used already is skipped, not an error, so
// two instances running one schedule at once send it once.
func (s *Store) enqueueKeyed(ctx context.Context, tx pgx.Tx, msgs []NewMessage, keys []string) error {
	if len(msgs) == 0 {
		return nil
	}
	if keys == nil {
		keys = make([]string, len(msgs))
	}
	kinds := make([]string, len(msgs))
	users := make([]int64, len(msgs))
	subjects := make([]string, len(msgs))
	params := make([]string, len(msgs))
	for i, m := range msgs {
		if m.Params == nil {
			m.Params = notify.Params{}
		}
		b, err := json.Marshal(m.Params)
		if err != nil {
			return fmt.Errorf("store: enqueue %s: %w", m.Kind, err)
		}
		kinds[i], users[i], subjects[i], params[i] = m.Kind, m.UserID, notify.Subject(m.Kind, m.Params), string(b)
	}
	const q = `
		INSERT INTO outbound_messages (kind, user_id, recipient, subject, params, event_id, dedupe_key)
		SELECT m.kind, u.id, u.email, m.subject, m.params::jsonb, (SELECT NULLIF(last_id, 0) FROM audit_head), NULLIF(m.key, '')
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS m (kind, user_id, subject, params, key)
		JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING id`
	rows, err := tx.Query(ctx, q, kinds, users, subjects, params, keys)
	if err != nil {
		return fmt.Errorf("store: enqueue messages: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("store: enqueue messages: %w", err)
	}
	return s.enqueueJobs(ctx, tx, ids)
}

// enqueueJobs inserts the River jobs that deliver messages ids, in tx.
func (s *Store) enqueueJobs(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if s.jobs == nil {
		return errors.New("store: enqueue messages: no job queue client")
	}
	jobs := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		jobs[i] = river.InsertManyParams{Args: MessageArgs{MessageID: id}}
	}
	if _, err := s.jobs.InsertManyFastTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("store: enqueue %d message jobs: %w", len(ids), err)
	}
	return nil
}

// Sender delivers a rendered message; a nil Sender keeps it in the admin
// mailbox instead.
type Sender interface {
	Send(ctx context.Context, e notify.Email) error
}

// tokenLife is how long each purpose's one-time link works.
var tokenLife = map[string]time.Duration{"invite": 7 * 24 * time.Hour, "reset": time.Hour}

// Delivery is what DeliverMessage did.
type Delivery struct {
	Status string // the message's status afterwards
	Err    error  // the sender's error, for River to retry
}

// DeliverMessage delivers message id once: it locks the row, skips a
// message already delivered or cancelled, renders it (minting its one-time
// link's token, stored only as a hash), hands it to sender (nil: keeps it,
// text and HTML, for the admin mailbox) and records the outcome. attempt
// and maxAttempts are the job's: the last failed attempt marks the message
// failed. The returned error is the sender's (retry) or the database's.
func (s *Store) DeliverMessage(ctx context.Context, id int64, attempt, maxAttempts int, base string, sender Sender) (Delivery, error) {
	var d Delivery
	err := pgx.BeginFunc(ctx, s.db(), func(tx pgx.Tx) error {
		const sel = `SELECT kind, COALESCE(user_id, 0), recipient, params, status FROM outbound_messages WHERE id = $1 FOR UPDATE`
		var kind, to, status string
		var userID int64
		var p notify.Params
		if err := tx.QueryRow(ctx, sel, id).Scan(&kind, &userID, &to, &p, &status); err != nil {
			return notFound(err, "store: message %d", id)
		}
		d.Status = status
		switch status {
		case "sent", "mailbox", "cancelled":
			return nil // delivered (or cancelled) already: never twice
		}
		token := ""
		if purpose := notify.TokenPurpose(kind); purpose != "" {
			var err error
			if token, err = mintToken(ctx, tx, userID, purpose, id); err != nil {
				return err
			}
		}
		e, err := notify.Render(kind, to, p, base, token)
		if err != nil {
			return err
		}
		e.ID = id
		if sender == nil {
			d.Status = "mailbox"
			const q = `UPDATE outbound_messages SET status = 'mailbox', attempts = attempts + 1, last_error = '',
				subject = $2, body_text = $3, body_html = $4, sent_at = now() WHERE id = $1`
			_, err := tx.Exec(ctx, q, id, e.Subject, e.Text, e.HTML)
			return err
		}
		if d.Err = sender.Send(ctx, e); d.Err == nil {
			d.Status = "sent"
			const q = `UPDATE outbound_messages SET status = 'sent', attempts = attempts + 1, last_error = '', sent_at = now() WHERE id = $1`
			_, err := tx.Exec(ctx, q, id)
			return err
		}
		d.Status = "retrying"
		if attempt >= maxAttempts {
			d.Status = "failed"
		}
		msg := d.Err.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		const q = `UPDATE outbound_messages SET status = $2, attempts = attempts + 1, last_error = $3 WHERE id = $1`
		_, err = tx.Exec(ctx, q, id, d.Status, msg)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("store: deliver message %d: %w", id, err)
	}
	return d, nil
}

// mintToken makes a one-time link token for userID, ending their other
// unused tokens of the same purpose; only its SHA-256 is kept.
func mintToken(ctx context.Context, tx pgx.Tx, userID int64, purpose string, messageID int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	const revoke = `UPDATE user_tokens SET revoked_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND revoked_at IS NULL`
	if _, err := tx.Exec(ctx, revoke, userID, purpose); err != nil {
		return "", fmt.Errorf("store: mint %s token: %w", purpose, err)
	}
	const ins = `INSERT INTO user_tokens (user_id, purpose, token_hash, message_id, expires_at) VALUES ($1, $2, $3, $4, now() + $5::interval)`
	if _, err := tx.Exec(ctx, ins, userID, purpose, TokenHash(token), messageID, tokenLife[purpose].String()); err != nil {
		return "", fmt.Errorf("store: mint %s token: %w", purpose, err)
	}
	return token, nil
}

// MessageFilter narrows ListMessages.
type MessageFilter struct {
	Status string // "" all
	Limit  int
}

const messageColumns = `id, kind, COALESCE(user_id, 0), recipient, subject, params, COALESCE(event_id, 0), status,
	attempts, last_error, COALESCE(body_text, ''), COALESCE(body_html, ''), created_at, sent_at`

func scanMessage(r pgx.Row) (OutboundMessage, error) {
	var m OutboundMessage
	err := r.Scan(&m.ID, &m.Kind, &m.UserID, &m.Recipient, &m.Subject, &m.Params, &m.EventID, &m.Status,
		&m.Attempts, &m.LastError, &m.BodyText, &m.BodyHTML, &m.CreatedAt, &m.SentAt)
	return m, err
}

// ListMessages returns the newest messages first.
func (s *Store) ListMessages(ctx context.Context, f MessageFilter) ([]OutboundMessage, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + messageColumns + ` FROM outbound_messages`
	args := []any{}
	if f.Status != "" {
		q += ` WHERE status = $1`
		args = append(args, f.Status)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, f.Limit)
	rows, err := s.db().Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboundMessage, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	return ms, nil
}

// MessageByID returns one message.
func (s *Store) MessageByID(ctx context.Context, id int64) (OutboundMessage, error) {
	m, err := scanMessage(s.db().QueryRow(ctx, `SELECT `+messageColumns+` FROM outbound_messages WHERE id = $1`, id))
	if err != nil {
		return m, notFound(err, "store: message %d", id)
	}
	return m, nil
}

// RetryMessage puts a failed message back in the queue, audited: a new
// job delivers it (its attempts start again).
func (s *Store) RetryMessage(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		const q = `UPDATE outbound_messages SET status = 'queued' WHERE id = $1 AND status = 'failed' RETURNING kind, recipient`
		var kind, to string
		if err := tx.QueryRow(ctx, q, id).Scan(&kind, &to); err != nil {
			return notFound(err, "store: retry message %d", id)
		}
		if err := Audit(ctx, tx, a.Event("message.retry", "message", id, 0, kind+" to "+to)); err != nil {
			return err
		}
		return s.enqueueJobs(ctx, tx, []int64{id})
	})
}

// Notify records an audited event and the messages it sends in one
// transaction: for a change whose messages are not sent by a store method
// of its own.
func (s *Store) Notify(ctx context.Context, e AuditEvent, msgs []NewMessage) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		if err := Audit(ctx, tx, e); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, msgs)
	})
}

// recipient is a user a notice goes to.
type recipient struct {
	ID   int64
	Name string
}

// recipients returns the active users cond (a WHERE clause on users u)
// selects.
func recipients(ctx context.Context, tx pgx.Tx, cond string, args ...any) ([]recipient, error) {
	rows, err := tx.Query(ctx, `SELECT u.id, u.name FROM users u WHERE u.disabled_at IS NULL AND `+cond+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: recipients: %w", err)
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[recipient])
	if err != nil {
		return nil, fmt.Errorf("store: recipients: %w", err)
	}
	return rs, nil
}

// notifyUsers enqueues a message of kind to each of rs, in tx after the
// change's audit event; p is what every message says, each with its
// recipient's name.
func (s *Store) notifyUsers(ctx context.Context, tx pgx.Tx, kind string, rs []recipient, p notify.Params) error {
	msgs := make([]NewMessage, 0, len(rs))
	for _, r := range rs {
		mp := notify.Params{"name": r.Name}
		for k, v := range p {
			mp[k] = v
		}
		msgs = append(msgs, NewMessage{Kind: kind, UserID: r.ID, Params: mp})
	}
	return s.enqueueMessages(ctx, tx, msgs)
}

// caseNames are what a notice about a case names: its force and report.
func caseNames(ctx context.Context, tx pgx.Tx, caseID int64) (forceID int64, p notify.Params, err error) {
	const q = `SELECT fo.id, fo.name, r.title FROM cases c JOIN forces fo ON fo.id = c.force_id
		JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id WHERE c.id = $1`
	var force, report string
	if err := tx.QueryRow(ctx, q, caseID).Scan(&forceID, &force, &report); err != nil {
		return 0, nil, notFound(err, "store: names of case %d", caseID)
	}
	return forceID, notify.Params{"force": force, "report": report}, nil
}

// notifyCaseLiaisons tells the active liaisons of case caseID's force, with
// a link to path.
func (s *Store) notifyCaseLiaisons(ctx context.Context, tx pgx.Tx, kind string, caseID int64, path string, extra notify.Params) error {
	forceID, p, err := caseNames(ctx, tx, caseID)
	if err != nil {
		return err
	}
	rs, err := recipients(ctx, tx, `u.role = 'liaison' AND u.force_id = $1`, forceID)
	if err != nil {
		return err
	}
	p["path"] = path
	for k, v := range extra {
		p[k] = v
	}
	return s.notifyUsers(ctx, tx, kind, rs, p)
}
