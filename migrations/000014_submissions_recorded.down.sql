ALTER TABLE submissions
    DROP CONSTRAINT submissions_recorded_whole,
    DROP COLUMN recorded_reason,
    DROP COLUMN sender,
    DROP COLUMN received_via,
    DROP COLUMN recorded_at;
