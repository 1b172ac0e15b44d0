-- Follow-up inspections of a case, and the data behind the dashboard of
-- overdue items.
--
-- The dashboard answers "which forces are behind, on what, by how long" for
-- any "as of" day without reading every case:
--
--   dashboard_items  one row per rule of internal/domain (overdue.go) that can
--                    ever apply to a case, holding the span of as-of days on
--                    which it applies and the due date it counts from. The
--                    rules depend only on the case's dates and those dates
--                    only move forward in a case's life, so each rule applies
--                    on one unbroken span of days. A trigger on cases (and on
--                    findings, for the recommendation deadline) rewrites a
--                    case's rows in the same transaction as the change.
--   dashboard_today  one row per force with, for each rule, how many items
--                    apply on one day (normally today) and the earliest due
--                    date among them. Triggers on dashboard_items keep it
--                    current in the same transaction; on the first request of
--                    a new day the portal rebuilds it once (dashboard_snapshot).
--
-- A page for today without a report or recommendation filter reads one row
-- per force of dashboard_today; any other day or filter reads only the items
-- that apply that day (GiST on the span) or to that report.

CREATE TABLE follow_ups (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    planned_on  date NOT NULL,
    done_on     date,
    outcome     text CHECK (outcome IN ('implemented', 'partially_implemented', 'not_implemented')),
    notes       text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    recorded_by bigint REFERENCES users (id),
    recorded_at timestamptz,
    CHECK ((done_on IS NULL) = (outcome IS NULL)),
    CHECK ((done_on IS NULL) = (recorded_at IS NULL))
);
CREATE INDEX follow_ups_case_idx ON follow_ups (case_id, id);
-- A case has at most one follow-up still to happen: it is moved, not doubled.
CREATE UNIQUE INDEX follow_ups_one_open_idx ON follow_ups (case_id) WHERE done_on IS NULL;

CREATE TABLE dashboard_state (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- INSPECTRACK_ASSESS_DAYS as the items were computed with; the portal
    -- resets it (recomputing the assessment items) when the setting changes.
    assess_days integer NOT NULL DEFAULT 30 CHECK (assess_days > 0),
    -- The day dashboard_today counts; NULL while it holds nothing.
    snapshot_on date
);
INSERT INTO dashboard_state DEFAULT VALUES;

CREATE TABLE dashboard_items (
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('plan_overdue', 'assessment_overdue',
                   'recommendation_overdue', 'follow_up_overdue', 'due_soon')),
    subject    text NOT NULL CHECK (subject IN ('plan', 'assessment', 'recommendation', 'follow_up')),
    force_id   bigint NOT NULL,
    finding_id bigint NOT NULL,
    report_id  bigint NOT NULL,
    -- The due date: days overdue on day A are A - since; a due-soon item has
    -- since - A days left.
    since      date NOT NULL,
    -- The as-of days on which the rule applies, [from, until).
    active     daterange NOT NULL CHECK (NOT isempty(active)),
    PRIMARY KEY (case_id, kind, subject)
);
CREATE INDEX dashboard_items_active_idx ON dashboard_items USING gist (active);
CREATE INDEX dashboard_items_finding_idx ON dashboard_items (finding_id);
CREATE INDEX dashboard_items_report_idx ON dashboard_items (report_id);
CREATE INDEX dashboard_items_force_idx ON dashboard_items (force_id, kind, since);

-- For each rule (kind of dashboard_items): <kind>_items on the day, and
-- <kind>_oldest, the earliest due date among them (NULL when none). The
-- force's code, name and region are copied (kept by a trigger on forces) and
-- the ranking's keys generated, so the first page of the ranking is read off
-- an index without a join or a sort.
CREATE TABLE dashboard_today (
    force_id                      bigint PRIMARY KEY REFERENCES forces (id),
    code                          text NOT NULL,
    name                          text NOT NULL,
    region                        text NOT NULL,
    plan_overdue_items            integer NOT NULL DEFAULT 0 CHECK (plan_overdue_items >= 0),
    plan_overdue_oldest           date,
    assessment_overdue_items      integer NOT NULL DEFAULT 0 CHECK (assessment_overdue_items >= 0),
    assessment_overdue_oldest     date,
    recommendation_overdue_items  integer NOT NULL DEFAULT 0 CHECK (recommendation_overdue_items >= 0),
    recommendation_overdue_oldest date,
    follow_up_overdue_items       integer NOT NULL DEFAULT 0 CHECK (follow_up_overdue_items >= 0),
    follow_up_overdue_oldest      date,
    due_soon_items                integer NOT NULL DEFAULT 0 CHECK (due_soon_items >= 0),
    due_soon_oldest               date,
    overdue_items                 integer GENERATED ALWAYS AS (plan_overdue_items + assessment_overdue_items
                                      + recommendation_overdue_items + follow_up_overdue_items) STORED,
    oldest_overdue_on             date GENERATED ALWAYS AS (least(plan_overdue_oldest, assessment_overdue_oldest,
                                      recommendation_overdue_oldest, follow_up_overdue_oldest)) STORED
);
-- The ranking of the dashboard: most overdue items, then longest overdue,
-- then most due soon, then name.
CREATE INDEX dashboard_today_rank_idx ON dashboard_today
    (overdue_items DESC, oldest_overdue_on, due_soon_items DESC, name, force_id);

CREATE FUNCTION dashboard_force_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dashboard_today SET code = NEW.code, name = NEW.name, region = NEW.region WHERE force_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER forces_dashboard AFTER UPDATE OF code, name, region ON forces
    FOR EACH ROW EXECUTE FUNCTION dashboard_force_renamed();

-- dashboard_span is the span [lo, hi) of as-of days, NULL when empty; hi
-- NULL means it has not ended.
CREATE FUNCTION dashboard_span(lo date, hi date) RETURNS daterange
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN lo IS NULL OR hi <= lo THEN NULL ELSE daterange(lo, hi) END
$$;

-- dashboard_case_items are the rules of internal/domain.Items for one case as
-- spans of as-of days. A fact dated after the as-of day is not seen, so an
-- event on day E ends a span at E (exclusive); a due date D is overdue from
-- D + 1 and due soon from D - 14 (domain.DueSoonDays) to D. LEAST ignores
-- NULLs: a span ends at the first of its ending events that happened.
CREATE FUNCTION dashboard_case_items(c cases, deadline date, assess_days integer)
RETURNS TABLE (kind text, subject text, since date, active daterange)
LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT CASE WHEN c.request_sent_on IS NOT NULL THEN c.plan_due_on END AS due,
               (c.first_submitted_at AT TIME ZONE 'Europe/London')::date AS sub
    )
    SELECT v.kind, v.subject, v.since, v.active
    FROM f, LATERAL (VALUES
        ('plan_overdue', 'plan', f.due,
            dashboard_span(greatest(c.request_sent_on, f.due + 1), least(f.sub, c.closed_on))),
        ('assessment_overdue', 'assessment', f.sub + assess_days,
            dashboard_span(f.sub + assess_days + 1, least(c.assessment_published_on, c.closed_on))),
        ('recommendation_overdue', 'recommendation', deadline,
            dashboard_span(deadline + 1, c.closed_on)),
        ('follow_up_overdue', 'follow_up', c.follow_up_planned_on,
            dashboard_span(c.follow_up_planned_on + 1, least(c.follow_up_done_on, c.closed_on))),
        ('due_soon', 'plan', f.due,
            dashboard_span(greatest(c.request_sent_on, f.due - 14), least(f.due + 1, f.sub, c.closed_on))),
        ('due_soon', 'follow_up', c.follow_up_planned_on,
            dashboard_span(c.follow_up_planned_on - 14,
                least(c.follow_up_planned_on + 1, c.follow_up_done_on, c.closed_on)))
    ) AS v (kind, subject, since, active)
    WHERE v.since IS NOT NULL AND v.active IS NOT NULL
$$;

-- dashboard_refresh rewrites the items of the given cases (all of them when
-- p_cases is NULL) from their current dates.
CREATE FUNCTION dashboard_refresh(p_cases bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dashboard_items WHERE p_cases IS NULL OR case_id = ANY (p_cases);
    INSERT INTO dashboard_items (case_id, kind, subject, force_id, finding_id, report_id, since, active)
    SELECT c.id, i.kind, i.subject, c.force_id, c.finding_id, f.report_id, i.since, i.active
    FROM cases c
    JOIN findings f ON f.id = c.finding_id
    CROSS JOIN dashboard_state s
    CROSS JOIN LATERAL dashboard_case_items(c, f.deadline_on, s.assess_days) i
    WHERE p_cases IS NULL OR c.id = ANY (p_cases);
END;
$$;

CREATE FUNCTION dashboard_cases_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;

CREATE TRIGGER cases_dashboard_insert AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION dashboard_cases_changed();
CREATE TRIGGER cases_dashboard_update
    AFTER UPDATE OF finding_id, force_id, request_sent_on, plan_due_on, first_submitted_at,
        assessment_published_on, follow_up_planned_on, follow_up_done_on, closed_on ON cases
    FOR EACH ROW
    WHEN ((OLD.finding_id, OLD.force_id, OLD.request_sent_on, OLD.plan_due_on, OLD.first_submitted_at,
           OLD.assessment_published_on, OLD.follow_up_planned_on, OLD.follow_up_done_on, OLD.closed_on)
          IS DISTINCT FROM
          (NEW.finding_id, NEW.force_id, NEW.request_sent_on, NEW.plan_due_on, NEW.first_submitted_at,
           NEW.assessment_published_on, NEW.follow_up_planned_on, NEW.follow_up_done_on, NEW.closed_on))
    EXECUTE FUNCTION dashboard_cases_changed();

CREATE FUNCTION dashboard_deadline_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh(ARRAY(SELECT id FROM cases WHERE finding_id = NEW.id));
    RETURN NULL;
END;
$$;

CREATE TRIGGER findings_dashboard AFTER UPDATE OF deadline_on ON findings
    FOR EACH ROW WHEN (OLD.deadline_on IS DISTINCT FROM NEW.deadline_on)
    EXECUTE FUNCTION dashboard_deadline_changed();

-- The lock every change of dashboard_items shares and a rebuild of
-- dashboard_today takes alone, so a rebuild never misses a change that is
-- still being committed. (The number is arbitrary; 'dash' in ASCII.)
CREATE FUNCTION dashboard_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 1684107112::bigint $$;

-- dashboard_items_counted keeps dashboard_today's counts for its day as items
-- come, go and change.
CREATE FUNCTION dashboard_items_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d date;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(dashboard_lock_key());
    SELECT snapshot_on INTO d FROM dashboard_state;
    IF d IS NULL THEN
        RETURN NULL;
    END IF;
    -- The columns are named after the item's kind (a CHECK constraint
    -- limits kind to the five rules).
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.active @> d THEN
        EXECUTE format('UPDATE dashboard_today SET %1$I = %1$I - 1,
                %2$I = CASE WHEN %2$I < $2 THEN %2$I ELSE (
                    SELECT min(i.since) FROM dashboard_items i
                    WHERE i.force_id = $1 AND i.kind = $3 AND i.active @> $4) END
            WHERE force_id = $1', OLD.kind || '_items', OLD.kind || '_oldest')
            USING OLD.force_id, OLD.since, OLD.kind, d;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.active @> d THEN
        EXECUTE format('INSERT INTO dashboard_today AS t (force_id, code, name, region, %1$I, %2$I)
            SELECT f.id, f.code, f.name, f.region, 1, $2 FROM forces f WHERE f.id = $1
            ON CONFLICT (force_id) DO UPDATE SET %1$I = t.%1$I + 1, %2$I = least(t.%2$I, EXCLUDED.%2$I)',
            NEW.kind || '_items', NEW.kind || '_oldest')
            USING NEW.force_id, NEW.since;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER dashboard_items_counted AFTER INSERT OR UPDATE OR DELETE ON dashboard_items
    FOR EACH ROW EXECUTE FUNCTION dashboard_items_counted();

-- dashboard_snapshot makes dashboard_today count the day p_day, unless it
-- already does.
CREATE FUNCTION dashboard_snapshot(p_day date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(dashboard_lock_key());
    IF (SELECT snapshot_on FROM dashboard_state) IS NOT DISTINCT FROM p_day THEN
        RETURN;
    END IF;
    DELETE FROM dashboard_today;
    INSERT INTO dashboard_today (force_id, code, name, region,
        plan_overdue_items, plan_overdue_oldest, assessment_overdue_items, assessment_overdue_oldest,
        recommendation_overdue_items, recommendation_overdue_oldest, follow_up_overdue_items,
        follow_up_overdue_oldest, due_soon_items, due_soon_oldest)
    SELECT i.force_id, f.code, f.name, f.region,
        count(*) FILTER (WHERE i.kind = 'plan_overdue'), min(i.since) FILTER (WHERE i.kind = 'plan_overdue'),
        count(*) FILTER (WHERE i.kind = 'assessment_overdue'), min(i.since) FILTER (WHERE i.kind = 'assessment_overdue'),
        count(*) FILTER (WHERE i.kind = 'recommendation_overdue'), min(i.since) FILTER (WHERE i.kind = 'recommendation_overdue'),
        count(*) FILTER (WHERE i.kind = 'follow_up_overdue'), min(i.since) FILTER (WHERE i.kind = 'follow_up_overdue'),
        count(*) FILTER (WHERE i.kind = 'due_soon'), min(i.since) FILTER (WHERE i.kind = 'due_soon')
    FROM dashboard_items i
    JOIN forces f ON f.id = i.force_id
    WHERE i.active @> p_day
    GROUP BY i.force_id, f.code, f.name, f.region;
    UPDATE dashboard_state SET snapshot_on = p_day;
END;
$$;

-- dashboard_set_assess_days recomputes every item with a new number of days
-- allowed for an assessment, and drops the counts so they are rebuilt.
CREATE FUNCTION dashboard_set_assess_days(p_days integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(dashboard_lock_key());
    IF (SELECT assess_days FROM dashboard_state) = p_days THEN
        RETURN;
    END IF;
    UPDATE dashboard_state SET assess_days = p_days, snapshot_on = NULL;
    DELETE FROM dashboard_today;
    PERFORM dashboard_refresh(NULL);
END;
$$;
