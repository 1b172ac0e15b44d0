-- The user a session belongs to, written with the session's data, so that
-- one statement reads a signed-in request's session and its user.
ALTER TABLE sessions ADD COLUMN user_id bigint REFERENCES users (id);
