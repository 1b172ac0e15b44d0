ALTER TABLE assessment_events DROP COLUMN text_sha256;
ALTER TABLE letters
    DROP CONSTRAINT letters_approved_is_frozen,
    DROP CONSTRAINT letters_frozen_whole,
    DROP COLUMN approved_sha256,
    DROP COLUMN frozen_at,
    DROP COLUMN frozen_inputs,
    DROP COLUMN frozen_sha256,
    DROP COLUMN frozen,
    DROP COLUMN frozen_text;
