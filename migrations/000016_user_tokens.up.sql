-- One-time links: an invitation (valid 7 days) or a password reset (valid
-- 1 hour). Only the SHA-256 of a token is kept. A token is minted when its
-- message is delivered (so it exists nowhere in clear but in the message);
-- minting one ends the user's other unused tokens of the same purpose, and
-- using one ends them all.
CREATE TABLE user_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    purpose     text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    token_hash  bytea NOT NULL UNIQUE,
    message_id  bigint REFERENCES outbound_messages (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);

-- An invited user has no password until they choose one.
ALTER TABLE users ADD COLUMN invited_at timestamptz;

-- Requests for a password reset link, counted per address and per client
-- to throttle them; kept a day.
CREATE TABLE reset_requests (
    email_sha256 bytea NOT NULL,
    client_addr  text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reset_requests_email_idx ON reset_requests (email_sha256, at);
CREATE INDEX reset_requests_client_idx ON reset_requests (client_addr, at);
