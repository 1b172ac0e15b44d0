-- Failed sign-ins, kept apart from the audit trail, for a day at most
-- (serve's housekeeping deletes older rows). What was typed into the email
-- box is never kept: a real account is named by its id, any other text
-- only by the SHA-256 of its normalised form, enough to count failures
-- against it. A row is written before the password is checked (a claim),
-- so concurrent attempts cannot all slip under the limit; a sign-in that
-- succeeds removes its row. The old rows held the typed text: dropped.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint REFERENCES users (id) ON DELETE CASCADE,
    email_sha256    bytea CHECK (length(email_sha256) = 32),
    client_addr     text NOT NULL,
    -- Stamped with the server's clock, the same clock that measures the window.
    failed_at       timestamptz NOT NULL,
    -- The throttles this failure tripped: each episode is audited once.
    tripped_pair    boolean NOT NULL DEFAULT false,
    tripped_client  boolean NOT NULL DEFAULT false,
    tripped_account boolean NOT NULL DEFAULT false,
    CHECK ((user_id IS NULL) <> (email_sha256 IS NULL))
);
CREATE INDEX login_failures_user_idx ON login_failures (user_id, failed_at) WHERE user_id IS NOT NULL;
CREATE INDEX login_failures_email_idx ON login_failures (email_sha256, failed_at) WHERE email_sha256 IS NOT NULL;
CREATE INDEX login_failures_addr_idx ON login_failures (client_addr, failed_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
