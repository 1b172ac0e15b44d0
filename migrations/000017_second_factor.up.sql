-- A second factor for signing in: a TOTP secret per user (RFC 6238), ten
-- single-use recovery codes kept as SHA-256 hashes, and the portal's one
-- setting of the policy (liaisons must use a second factor unless an admin
-- switches that off; the other roles always must).
CREATE TABLE user_totp (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- base32, as authenticator apps take it
    secret      text NOT NULL CHECK (secret ~ '^[A-Z2-7]{16,}$'),
    enrolled_at timestamptz NOT NULL,
    -- the newest time step whose code was accepted: a code is good once
    last_step   bigint NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

CREATE TABLE portal_settings (
    singleton              boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    liaison_second_factor  boolean NOT NULL DEFAULT true,
    updated_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO portal_settings DEFAULT VALUES;
