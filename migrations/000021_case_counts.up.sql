-- The lists at ten times the national data (a million cases): the counts a
-- list shows are kept current in the transaction of the change, like
-- dashboard_today, and the pages of cases are read off indexes in their
-- order, so that a page reads its own rows, not every case.

-- case_counts: per force, its cases and how many of them have closed (on
-- any day: a case closed on a day after the one asked for is counted back
-- through cases_closed_on_idx).
CREATE TABLE case_counts (
    force_id bigint PRIMARY KEY REFERENCES forces (id),
    cases    integer NOT NULL DEFAULT 0 CHECK (cases >= 0),
    closed   integer NOT NULL DEFAULT 0 CHECK (closed >= 0 AND closed <= cases)
);

CREATE FUNCTION case_counts_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM case_counts;
    INSERT INTO case_counts (force_id, cases, closed)
    SELECT force_id, count(*), count(closed_on) FROM cases GROUP BY force_id;
$$;

CREATE FUNCTION case_counts_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE case_counts SET cases = cases - 1, closed = closed - (OLD.closed_on IS NOT NULL)::int
        WHERE force_id = OLD.force_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO case_counts AS k (force_id, cases, closed) VALUES (NEW.force_id, 1, (NEW.closed_on IS NOT NULL)::int)
        ON CONFLICT (force_id) DO UPDATE SET cases = k.cases + 1, closed = k.closed + EXCLUDED.closed;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_counts_insert_delete AFTER INSERT OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION case_counts_changed();
CREATE TRIGGER case_counts_update AFTER UPDATE OF force_id, closed_on ON cases
    FOR EACH ROW WHEN (OLD.force_id IS DISTINCT FROM NEW.force_id
        OR (OLD.closed_on IS NULL) IS DISTINCT FROM (NEW.closed_on IS NULL))
    EXECUTE FUNCTION case_counts_changed();

SELECT case_counts_rebuild();
SELECT data_version_track('case_counts');

CREATE INDEX cases_closed_on_idx ON cases (force_id, closed_on) WHERE closed_on IS NOT NULL;

-- The case list's orders, read off indexes (an incremental sort finishes
-- each group): by force name, by region, by plan due date either way, by
-- report and recommendation.
CREATE INDEX forces_name_idx ON forces (name, id);
CREATE INDEX forces_region_name_idx ON forces (region, name, id);
CREATE INDEX cases_due_asc_idx ON cases (plan_due_on ASC NULLS LAST);
CREATE INDEX cases_due_desc_idx ON cases (plan_due_on DESC NULLS LAST);
CREATE INDEX reports_published_title_idx ON reports (published_on, title, id);
CREATE INDEX findings_report_reference_idx ON findings (report_id, reference, id);
