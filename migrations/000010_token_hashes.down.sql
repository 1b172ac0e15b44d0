-- A hash cannot be turned back into its token: going down signs everyone
-- out and turns every calendar address off (users make a new one).
DELETE FROM sessions;
ALTER TABLE sessions RENAME COLUMN token_hash TO token;
ALTER TABLE sessions ALTER COLUMN token TYPE text USING NULL;

ALTER TABLE users RENAME COLUMN calendar_token_hash TO calendar_token;
ALTER TABLE users ALTER COLUMN calendar_token TYPE text USING NULL;
