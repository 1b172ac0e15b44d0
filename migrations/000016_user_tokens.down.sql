DROP TABLE reset_requests;
ALTER TABLE users DROP COLUMN invited_at;
DROP TABLE user_tokens;
