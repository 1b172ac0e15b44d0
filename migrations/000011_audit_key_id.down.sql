-- Keyed events stay in the table but the code before 000011 cannot verify
-- them: it hashes without the key.
ALTER TABLE audit_events DROP COLUMN key_id;
