package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/notify"
)

// ReminderHour is the hour of the London day from which the day's
// reminders go out: a reminder is for a local day, whatever the offset.
const ReminderHour = 7

// ReminderDay says whether a plan due on due is reminded on the London day
// today, and with which kind: 7 days and 1 day before (reminder), the day
// after and every 7 days after that (chaser). Days are calendar days in
// Europe/London, so a clock change in between moves nothing.
func ReminderDay(today, due time.Time) (string, bool) {
	days := int(due.Sub(today).Hours()/24 + 0.5)
	if due.Before(today) {
		days = -int(today.Sub(due).Hours()/24 + 0.5)
	}
	switch {
	case days == 7 || days == 1:
		return notify.KindReminder, true
	case days <= -1 && (-days-1)%7 == 0:
		return notify.KindChaser, true
	}
	return "", false
}

// SendReminders enqueues the reminders and chasers due at now: for every
// open case whose request was sent and whose plan has not arrived, to each
// active liaison of its force who has not turned reminders off. Before
// ReminderHour London time it sends nothing. Each (case, liaison, due
// date, day) is sent once, however often and on however many instances it
// runs; a changed due date makes new days, a plan received or a closed
// case stops them. It returns how many it enqueued.
func (s *Store) SendReminders(ctx context.Context, now time.Time) (int, error) {
	local := now.In(domain.London())
	if local.Hour() < ReminderHour {
		return 0, nil
	}
	today := domain.LondonDate(now)
	// Candidates: due 7 or 1 days ahead, or overdue by 1, 8, 15... days.
	const q = `SELECT c.id, c.plan_due_on, u.id, u.name, fo.name, r.title
		FROM cases c JOIN forces fo ON fo.id = c.force_id
		JOIN findings f ON f.id = c.finding_id JOIN reports r ON r.id = f.report_id
		JOIN users u ON u.force_id = c.force_id AND u.role = 'liaison' AND u.disabled_at IS NULL AND u.notify_reminders
		WHERE c.closed_on IS NULL AND c.first_submitted_at IS NULL AND c.request_sent_on IS NOT NULL
			AND (c.plan_due_on IN ($1::date + 7, $1::date + 1)
				OR (c.plan_due_on < $1::date AND ($1::date - c.plan_due_on - 1) % 7 = 0))
		ORDER BY c.id, u.id`
	n := 0
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, today)
		if err != nil {
			return fmt.Errorf("store: reminders: %w", err)
		}
		type row struct {
			CaseID int64
			Due    time.Time
			UserID int64
			Name   string
			Force  string
			Report string
		}
		rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return fmt.Errorf("store: reminders: %w", err)
		}
		var msgs []NewMessage
		var keys []string
		for _, r := range rs {
			kind, ok := ReminderDay(today, r.Due)
			if !ok {
				continue
			}
			msgs = append(msgs, NewMessage{Kind: kind, UserID: r.UserID, Params: notify.Params{
				"name": r.Name, "force": r.Force, "report": r.Report, "due": domain.FormatLong(r.Due),
				"path": "/cases/" + strconv.FormatInt(r.CaseID, 10)}})
			keys = append(keys, fmt.Sprintf("%s:%d:%d:%s:%s", kind, r.CaseID, r.UserID, r.Due.Format(time.DateOnly), today.Format(time.DateOnly)))
		}
		if len(msgs) == 0 {
			return nil
		}
		// Only those not sent already: the audit event and the messages
		// are made only when there is something new to send.
		const fresh = `SELECT k FROM unnest($1::text[]) k WHERE NOT EXISTS (SELECT FROM outbound_messages m WHERE m.dedupe_key = k)`
		frows, err := tx.Query(ctx, fresh, keys)
		if err != nil {
			return fmt.Errorf("store: reminders: %w", err)
		}
		freshKeys, err := pgx.CollectRows(frows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("store: reminders: %w", err)
		}
		if len(freshKeys) == 0 {
			return nil
		}
		want := map[string]bool{}
		for _, k := range freshKeys {
			want[k] = true
		}
		var sendMsgs []NewMessage
		var sendKeys []string
		for i, k := range keys {
			if want[k] {
				sendMsgs, sendKeys = append(sendMsgs, msgs[i]), append(sendKeys, k)
			}
		}
		if err := Audit(ctx, tx, AuditEvent{Action: "notify.reminders", ObjectType: "day", ObjectID: today.Format(time.DateOnly),
			Summary: fmt.Sprintf("%d plan reminders and chasers for %s", len(sendMsgs), domain.FormatLong(today))}); err != nil {
			return err
		}
		n = len(sendMsgs)
		return s.enqueueKeyed(ctx, tx, sendMsgs, sendKeys)
	})
	return n, err
}

// RemindersOn reports whether user id gets plan reminders by email.
func (s *Store) RemindersOn(ctx context.Context, id int64) (bool, error) {
	var on bool
	if err := s.db().QueryRow(ctx, `SELECT notify_reminders FROM users WHERE id = $1`, id).Scan(&on); err != nil {
		return false, notFound(err, "store: reminders of user %d", id)
	}
	return on, nil
}

// SetReminders turns user id's plan reminders on or off, audited.
func (s *Store) SetReminders(ctx context.Context, a Actor, id int64, on bool) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		var forceID int64
		if err := tx.QueryRow(ctx, `UPDATE users SET notify_reminders = $2, updated_at = now() WHERE id = $1 RETURNING COALESCE(force_id, 0)`, id, on).Scan(&forceID); err != nil {
			return notFound(err, "store: reminders of user %d", id)
		}
		summary := "reminders off"
		if on {
			summary = "reminders on"
		}
		return Audit(ctx, tx, a.Event("user.reminders", "user", id, forceID, summary))
	})
}

// DigestHour is when the weekly digest goes out, Mondays, London time.
const DigestHour = 7

// SendDigest enqueues the weekly digest to every active manager who has
// not turned it off, from 07:00 London time on a Monday, once per manager
// per Monday however often it runs: the overdue counts by kind and the ten
// forces furthest behind, with a link to the dashboard. assessDays is
// INSPECTRACK_ASSESS_DAYS. It returns how many it enqueued.
func (s *Store) SendDigest(ctx context.Context, now time.Time, assessDays int) (int, error) {
	local := now.In(domain.London())
	if local.Weekday() != time.Monday || local.Hour() < DigestHour {
		return 0, nil
	}
	today := domain.LondonDate(now)
	// The digest reads the dashboard's kept counts: make them today's (and
	// the setting's) first, as serve's keeper does every minute.
	if err := s.MaintainDashboard(ctx, today, assessDays); err != nil {
		return 0, err
	}
	d, err := s.Dashboard(ctx, Scope{}, DashboardFilter{AsOf: today, Today: today, Limit: 10, NoOptions: true})
	if err != nil {
		return 0, err
	}
	var counts, behind []string
	for _, k := range domain.Kinds() {
		if k == domain.KindDueSoon {
			continue
		}
		counts = append(counts, fmt.Sprintf("%s: %d", k.Label(), d.Totals[k]))
	}
	for i, f := range d.Forces {
		behind = append(behind, fmt.Sprintf("%d. %s: %d overdue, the oldest %d days", i+1, f.Name, f.Overdue, f.OldestDays))
	}
	p := notify.Params{"week": domain.FormatLong(today), "counts": strings.Join(counts, "\n"), "behind": strings.Join(behind, "\n")}
	n := 0
	err = s.Tx(ctx, func(tx pgx.Tx) error {
		rs, err := recipients(ctx, tx, `u.role = 'manager' AND u.notify_digest AND NOT EXISTS (
			SELECT FROM outbound_messages m WHERE m.dedupe_key = 'digest:' || u.id || ':' || $1)`, today.Format(time.DateOnly))
		if err != nil || len(rs) == 0 {
			return err
		}
		if err := Audit(ctx, tx, AuditEvent{Action: "notify.digest", ObjectType: "day", ObjectID: today.Format(time.DateOnly),
			Summary: fmt.Sprintf("weekly digest to %d managers", len(rs))}); err != nil {
			return err
		}
		var msgs []NewMessage
		var keys []string
		for _, r := range rs {
			mp := notify.Params{"name": r.Name}
			for k, v := range p {
				mp[k] = v
			}
			msgs = append(msgs, NewMessage{Kind: notify.KindDigest, UserID: r.ID, Params: mp})
			keys = append(keys, fmt.Sprintf("digest:%d:%s", r.ID, today.Format(time.DateOnly)))
		}
		n = len(msgs)
		return s.enqueueKeyed(ctx, tx, msgs, keys)
	})
	return n, err
}

// DigestOn reports whether user id gets the weekly digest.
func (s *Store) DigestOn(ctx context.Context, id int64) (bool, error) {
	var on bool
	if err := s.db().QueryRow(ctx, `SELECT notify_digest FROM users WHERE id = $1`, id).Scan(&on); err != nil {
		return false, notFound(err, "store: digest of user %d", id)
	}
	return on, nil
}

// SetDigest turns user id's weekly digest on or off, audited.
func (s *Store) SetDigest(ctx context.Context, a Actor, id int64, on bool) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET notify_digest = $2, updated_at = now() WHERE id = $1`, id, on); err != nil {
			return fmt.Errorf("store: digest of user %d: %w", id, err)
		}
		summary := "weekly digest off"
		if on {
			summary = "weekly digest on"
		}
		return Audit(ctx, tx, a.Event("user.digest", "user", id, 0, summary))
	})
}
