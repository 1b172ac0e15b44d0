-- A plan or progress update that reached the inspectorate outside the
-- portal (by email or post) is recorded by an inspector on the force's
-- behalf: submitted_at is when it was received, submitted_by the inspector
-- who recorded it, and these columns say so. All of them are set, or none.
ALTER TABLE submissions
    ADD COLUMN recorded_at     timestamptz,
    ADD COLUMN received_via    text CHECK (received_via IN ('email', 'post')),
    ADD COLUMN sender          text NOT NULL DEFAULT '',
    ADD COLUMN recorded_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT submissions_recorded_whole CHECK (
        (recorded_at IS NULL AND received_via IS NULL AND sender = '' AND recorded_reason = '')
        OR (recorded_at IS NOT NULL AND received_via IS NOT NULL AND sender <> '' AND recorded_reason <> ''
            AND submitted_at <= recorded_at));
