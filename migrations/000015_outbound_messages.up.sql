-- Every message the portal sends is recorded here, whether or not it was
-- delivered. A row is inserted in the transaction of the change it follows,
-- together with the River job that delivers it (river_job, created by
-- River's own migrator after ours), so a rolled-back change sends nothing.
-- The body is rendered when it is delivered: with no mail server the
-- rendered text and HTML are kept here (the admin mailbox is then the
-- delivery); over SMTP only what is below, never a link's token.
CREATE TABLE outbound_messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL,
    user_id      bigint REFERENCES users (id),
    recipient    text NOT NULL,
    subject      text NOT NULL,
    -- params are what the kind's template needs (names, dates, ids): never a secret.
    params       jsonb NOT NULL DEFAULT '{}',
    -- The audit event the message is for (the change that caused it), when any.
    event_id     bigint REFERENCES audit_events (id),
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'retrying', 'sent', 'mailbox', 'failed', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    body_text    text,
    body_html    text,
    -- A scheduled message (a reminder) names the occasion it is for, so
    -- that however often, and on however many instances, the schedule
    -- runs, it is sent once.
    dedupe_key   text UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbound_messages_created_idx ON outbound_messages (created_at DESC, id DESC);
CREATE INDEX outbound_messages_failed_idx ON outbound_messages (id) WHERE status = 'failed';

-- Each user may turn off reminders and the weekly digest (never
-- invitations, password resets or requests).
ALTER TABLE users
    ADD COLUMN notify_reminders boolean NOT NULL DEFAULT true,
    ADD COLUMN notify_digest    boolean NOT NULL DEFAULT true;
