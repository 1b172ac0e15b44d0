-- The data version: a number that moves in the transaction of every change
-- to a table a page reads, whoever makes it (the portal, a seed, psql).
-- The read cache files what it reads under it (internal/readcache), so a
-- change is seen on the next request of every page, and reads (sign-ins,
-- sessions, sign-in failures, the audit trail, downloads) never move it.
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL DEFAULT 1
);
INSERT INTO data_version DEFAULT VALUES;

-- A statement that changes a tracked table notes its transaction here; the
-- version moves once, at commit (a deferred trigger), so the row of
-- data_version is locked only for the moment of the commit: two
-- transactions changing rows in different orders never deadlock on it.
CREATE TABLE data_version_pending (
    xid xid8 PRIMARY KEY
);

CREATE FUNCTION data_version_note() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version_pending VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1;
    DELETE FROM data_version_pending WHERE xid = NEW.xid;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER data_version_move AFTER INSERT ON data_version_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_move();

-- data_version_track makes changes to table t move the data version:
-- every migration that adds a table a page reads calls it.
CREATE FUNCTION data_version_track(t regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON %s
        FOR EACH STATEMENT EXECUTE FUNCTION data_version_note()', t);
    EXECUTE format('CREATE TRIGGER data_version_truncate AFTER TRUNCATE ON %s
        FOR EACH STATEMENT EXECUTE FUNCTION data_version_note()', t);
END;
$$;

-- Every table of the portal's data. Not tracked: sessions, sign-in
-- failures, the audit trail (audit_events, audit_head), upload blobs (a
-- page shows a document through its documents row) and these tables.
SELECT data_version_track(t) FROM unnest(ARRAY[
    'forces', 'users', 'reports', 'findings', 'finding_forces', 'criteria', 'categories', 'requests',
    'cases', 'date_changes', 'submissions', 'documents', 'letter_templates', 'assessments',
    'assessment_findings', 'assessment_submissions', 'assessment_events', 'letters',
    'overview_publications', 'follow_ups', 'dashboard_state', 'dashboard_items', 'dashboard_today'
]::regclass[]) t;
