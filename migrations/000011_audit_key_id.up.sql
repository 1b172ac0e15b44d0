-- The audit chain becomes keyed: each event names the key (by id, never the
-- key itself, which lives outside the database) whose HMAC-SHA-256 is its
-- hash. Events written before this migration keep their plain SHA-256 and
-- key id ''; verification accepts them only as a prefix of the chain, sealed
-- by the first keyed event that links to them.
ALTER TABLE audit_events ADD COLUMN key_id text NOT NULL DEFAULT '';
