-- Forces, users, sessions and the append-only, hash-chained audit trail.

CREATE TABLE forces (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                  text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]*$'),
    name                  text NOT NULL CHECK (name <> ''),
    kind                  text NOT NULL DEFAULT 'police' CHECK (kind IN ('police', 'fire_and_rescue')),
    region                text NOT NULL,
    chief_officer_title   text NOT NULL,
    chief_officer_name    text NOT NULL DEFAULT '',
    chief_officer_honours text NOT NULL DEFAULT '',
    oversight_body        text NOT NULL,
    oversight_holder_name text NOT NULL DEFAULT '',
    liaison_contacts      text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name          text NOT NULL CHECK (name <> ''),
    role          text NOT NULL CHECK (role IN ('admin', 'manager', 'inspector', 'liaison')),
    force_id      bigint REFERENCES forces (id),
    password_hash text NOT NULL,
    -- session_epoch is bumped whenever a user's sessions must end (disabled,
    -- role or force changed, password reset); a session carries the epoch it
    -- was created under and is refused once they differ.
    session_epoch integer NOT NULL DEFAULT 1,
    calendar_token text UNIQUE,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email),
    CHECK ((role = 'liaison') = (force_id IS NOT NULL))
);
CREATE INDEX users_force_idx ON users (force_id) WHERE force_id IS NOT NULL;

-- The table alexedwards/scs/pgxstore expects.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed sign-in attempts, kept in the database so throttling holds across
-- every instance behind a load balancer.
CREATE TABLE login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL,
    client_addr text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_addr_idx ON login_failures (client_addr, failed_at);

CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor_id    bigint REFERENCES users (id),
    actor_email text NOT NULL DEFAULT '',
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   text NOT NULL DEFAULT '',
    force_id    bigint REFERENCES forces (id),
    summary     text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    client_addr text NOT NULL DEFAULT '',
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL UNIQUE
);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_object_idx ON audit_events (object_type, object_id, id);

-- One row holding the hash of the newest event. Appending locks this row, so
-- concurrent transactions extend the chain one at a time.
CREATE TABLE audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id   bigint NOT NULL DEFAULT 0,
    hash      bytea NOT NULL
);
INSERT INTO audit_head (hash) VALUES ('\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
