-- Four eyes that hold: a letter's text is composed and frozen when its
-- assessment is submitted for approval, the manager approves that exact
-- text (its SHA-256 is kept with the approval), and publishing publishes
-- the approved text. frozen_inputs holds a fingerprint of each input the
-- text was composed from (the assessment, the wording, the force's names),
-- so a later change can be named when the letter is sent back.
ALTER TABLE letters
    ADD COLUMN frozen_text     text,
    ADD COLUMN frozen          jsonb,
    ADD COLUMN frozen_sha256   text,
    ADD COLUMN frozen_inputs   jsonb,
    ADD COLUMN frozen_at       timestamptz,
    ADD COLUMN approved_sha256 text,
    ADD CONSTRAINT letters_frozen_whole CHECK ((frozen_text IS NULL) = (frozen_sha256 IS NULL)
        AND (frozen_text IS NULL) = (frozen IS NULL) AND (frozen_text IS NULL) = (frozen_at IS NULL)),
    ADD CONSTRAINT letters_approved_is_frozen CHECK (approved_sha256 IS NULL OR approved_sha256 = frozen_sha256);

-- The hash of the letter text an approval approved ('' for other steps).
ALTER TABLE assessment_events ADD COLUMN text_sha256 text NOT NULL DEFAULT '';
