-- The case list filtered by stage at ten times the national data: each
-- case keeps its stage as of one day (normally today) in case_stages, and
-- case_stage_counts keeps how many cases each force has at each stage
-- that day, both in the transaction of the change, like dashboard_today.
-- A list of one stage is then read off an index and counted from 250 rows x
-- 9 stages, not by reckoning the stage of a million cases.

-- case_stage is internal/domain.DeriveStage: the stage of a case with
-- these dates as of the day asof (see the comment on domain's seen.stage):
--   - an event counts once its date is on or before the as-of day (NULL
--     never counts); a first submission counts on its Europe/London date;
--   - a due date is overdue only when strictly before the as-of day;
--   - a follow-up planned and not done by the as-of day decides the stage.
-- The one place the rule is written in SQL: the case list's stage filter
-- and sort (store.stageSQL) and the kept stage call it.
-- TestStageSQLAgreesWithDomain checks it against DeriveStage.
CREATE FUNCTION case_stage(asof date, closed_on date, follow_up_planned_on date, follow_up_done_on date,
    assessment_published_on date, assessment_started_on date, first_submitted_at timestamptz,
    request_sent_on date, plan_due_on date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN closed_on <= asof THEN 'closed'
        WHEN follow_up_planned_on IS NOT NULL AND follow_up_done_on <= asof IS NOT TRUE
            AND follow_up_planned_on < asof THEN 'follow_up_overdue'
        WHEN follow_up_planned_on IS NOT NULL AND follow_up_done_on <= asof IS NOT TRUE THEN 'follow_up_scheduled'
        WHEN assessment_published_on <= asof THEN 'assessed'
        WHEN assessment_started_on <= asof THEN 'assessing'
        WHEN (first_submitted_at AT TIME ZONE 'Europe/London')::date <= asof THEN 'plan_received'
        WHEN request_sent_on <= asof AND plan_due_on < asof THEN 'plan_overdue'
        ELSE 'awaiting_plan'
    END
$$;

-- The day the kept stages are reckoned on; NULL while none is. A table of
-- its own, not dashboard_state: the dashboard's rebuild holds a lock that
-- changes to cases wait for, while they hold the rows of their cases.
CREATE TABLE case_stage_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    stages_on date
);
INSERT INTO case_stage_state (stages_on) SELECT snapshot_on FROM dashboard_state;

-- case_stages: each case's stage as of stages_on, with its force, so that
-- a list of one stage is read off an index, force by force. Kept like
-- dashboard_items: a trigger on cases rewrites a case's row in the
-- transaction of the change; not the portal's data, so not audited.
CREATE TABLE case_stages (
    case_id  bigint PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    force_id bigint NOT NULL,
    stage    text NOT NULL
);
INSERT INTO case_stages (case_id, force_id, stage)
SELECT id, force_id, case_stage(s.stages_on, closed_on, follow_up_planned_on, follow_up_done_on,
    assessment_published_on, assessment_started_on, first_submitted_at, request_sent_on, plan_due_on)
FROM cases, case_stage_state s WHERE s.stages_on IS NOT NULL;
CREATE INDEX case_stages_stage_idx ON case_stages (stage, force_id, case_id);

CREATE TABLE case_stage_counts (
    force_id bigint NOT NULL REFERENCES forces (id),
    stage    text NOT NULL,
    cases    integer NOT NULL,
    PRIMARY KEY (stage, force_id)
);
INSERT INTO case_stage_counts (force_id, stage, cases)
SELECT force_id, stage, count(*) FROM case_stages GROUP BY 1, 2;

-- A changed case's stage is reckoned on the kept day, once for each
-- statement that changes cases, however many it changes. The change holds
-- the day (FOR SHARE) until it commits, so a reckoning of a new day waits
-- for it and then sees it, and a change made while a new day is being
-- reckoned waits and uses the new day: no case is left on the old one.
-- (Every UPDATE: a trigger with the rows it changed cannot name columns.)
CREATE FUNCTION cases_stage_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d date;
BEGIN
    SELECT stages_on INTO d FROM case_stage_state FOR SHARE;
    IF d IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO case_stages AS s (case_id, force_id, stage)
    SELECT id, force_id, case_stage(d, closed_on, follow_up_planned_on, follow_up_done_on,
        assessment_published_on, assessment_started_on, first_submitted_at, request_sent_on, plan_due_on)
    FROM new_rows
    ON CONFLICT (case_id) DO UPDATE SET force_id = EXCLUDED.force_id, stage = EXCLUDED.stage
    WHERE (s.force_id, s.stage) IS DISTINCT FROM (EXCLUDED.force_id, EXCLUDED.stage);
    RETURN NULL;
END;
$$;

CREATE TRIGGER cases_stage_kept_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_stage_kept();
CREATE TRIGGER cases_stage_kept_update AFTER UPDATE ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_stage_kept();

-- case_stage_counted moves the counts by what a statement did to
-- case_stages, in one statement however many rows it touched (a new day's
-- reckoning, or a first one of a million cases). The rows are a sum of
-- signed changes, so cases has no CHECK: INSERT ... ON CONFLICT checks the
-- row it would insert before it finds the one to update.
CREATE FUNCTION case_stage_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_stage_counts AS k (force_id, stage, cases)
        SELECT force_id, stage, count(*) FROM new_rows GROUP BY 1, 2
        ON CONFLICT (stage, force_id) DO UPDATE SET cases = k.cases + EXCLUDED.cases;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE case_stage_counts k SET cases = k.cases - d.n
        FROM (SELECT force_id, stage, count(*) AS n FROM old_rows GROUP BY 1, 2) d
        WHERE k.stage = d.stage AND k.force_id = d.force_id;
    ELSE
        INSERT INTO case_stage_counts AS k (force_id, stage, cases)
        SELECT force_id, stage, sum(n) FROM (
            SELECT force_id, stage, 1 AS n FROM new_rows
            UNION ALL SELECT force_id, stage, -1 FROM old_rows) d
        GROUP BY 1, 2 HAVING sum(n) <> 0
        ON CONFLICT (stage, force_id) DO UPDATE SET cases = k.cases + EXCLUDED.cases;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_stage_counted_insert AFTER INSERT ON case_stages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_stage_counted();
CREATE TRIGGER case_stage_counted_update AFTER UPDATE ON case_stages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_stage_counted();
CREATE TRIGGER case_stage_counted_delete AFTER DELETE ON case_stages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_stage_counted();

-- case_stages_reckon makes the kept stages those as of p_day, unless they
-- are already: run by the portal (store.MaintainDashboard) when the day
-- changes. It rewrites only the stages that moved (a day's worth of due
-- dates passing), or every one when there were none.
CREATE FUNCTION case_stages_reckon(p_day date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE case_stage_state SET stages_on = p_day WHERE stages_on IS DISTINCT FROM p_day;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO case_stages AS s (case_id, force_id, stage)
    SELECT id, force_id, case_stage(p_day, closed_on, follow_up_planned_on, follow_up_done_on,
        assessment_published_on, assessment_started_on, first_submitted_at, request_sent_on, plan_due_on)
    FROM cases
    ON CONFLICT (case_id) DO UPDATE SET force_id = EXCLUDED.force_id, stage = EXCLUDED.stage
    WHERE (s.force_id, s.stage) IS DISTINCT FROM (EXCLUDED.force_id, EXCLUDED.stage);
END;
$$;

SELECT data_version_track(t) FROM unnest(ARRAY['case_stage_state', 'case_stages', 'case_stage_counts']::regclass[]) t;

-- The list by plan due date, either way, a missing date last: the list
-- continues after a case by comparing these values (store.caseOrder), so
-- the order holds no NULL. Read backwards for the latest first.
DROP INDEX cases_due_asc_idx;
DROP INDEX cases_due_desc_idx;
CREATE INDEX cases_due_first_idx ON cases ((COALESCE(plan_due_on, 'infinity'::date)));
CREATE INDEX cases_due_last_idx ON cases ((COALESCE(plan_due_on, '-infinity'::date)));
