DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT DISTINCT tgrelid::regclass FROM pg_trigger WHERE tgname IN ('data_version', 'data_version_truncate') LOOP
        EXECUTE format('DROP TRIGGER data_version ON %s', t);
        EXECUTE format('DROP TRIGGER data_version_truncate ON %s', t);
    END LOOP;
END $$;
DROP FUNCTION data_version_track(regclass);
DROP TABLE data_version_pending;
DROP FUNCTION data_version_move();
DROP FUNCTION data_version_note();
DROP TABLE data_version;
